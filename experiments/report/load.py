"""Loading a run or sweep directory for the report: every file checked as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mtor_abm.experiments.store import (
    MANIFEST,
    RESULTS,
    SUMMARY_FIELDS,
    TIMESERIES,
    check_adverse,
    results_frame,
)
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import read_json_object, require
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides


@dataclass
class Results:
    """What a run or sweep directory holds, as tables."""

    results: pd.DataFrame
    series: pd.DataFrame
    kind: str
    manifest: dict[str, Any]
    axes: list[str] = field(default_factory=list)
    colors: dict[str, Any] = field(default_factory=dict)


def load(root: Path) -> Results:
    """The results of a sweep directory or of a run directory (``mtor-sim run --out``).

    Every file is checked as a whole (UTF-8 JSON objects with their fields, readable Parquet
    tables with their columns); a damaged one is one InputError line naming it.
    """
    if (root / MANIFEST).is_file() and (root / RESULTS).is_file():
        manifest = read_json_object(root / MANIFEST, "sweep manifest")
        axes = manifest.get("axes", [])
        if not (isinstance(axes, list) and all(isinstance(a, str) for a in axes)):
            raise InputError(f"sweep manifest '{root / MANIFEST}': 'axes' must be a list of names")
        spec = manifest.get("spec", {})
        if not isinstance(spec, dict) or not isinstance(spec.get("set", {}), dict):
            raise InputError(
                f"sweep manifest '{root / MANIFEST}': 'spec' must be a table whose 'set' is a "
                "table of parameter values (a damaged manifest)"
            )
        results = _read_table(root / RESULTS, RESULT_COLUMNS)
        _check_results(results, root / RESULTS)
        series = _read_table(root / TIMESERIES, ("run_id",))
        return Results(results, series, "sweep", manifest, list(axes))
    if (root / MANIFEST).is_file() and (root / "runs").is_dir():
        raise InputError(
            f"the sweep in '{root}' is not complete ({RESULTS} is missing); "
            "finish it with 'mtor-sim sweep SPEC --out DIR --resume'"
        )
    if (root / "summary.json").is_file():
        summary = read_json_object(root / "summary.json", "run summary")
        where = f"run summary '{root / 'summary.json'}'"
        for key, kinds in SUMMARY_FIELDS.items():
            require(summary, key, kinds, where)
        check_adverse(summary, where)
        if not all(
            isinstance(v, int | float | str | bool | list | dict | None)
            for v in summary["readouts"].values()
        ):
            raise InputError(f"{where}: 'readouts' must hold numbers, text, lists or tables")
        get_scenario(summary["scenario"])
        record = {
            "run_id": 0,
            "status": "ok",
            "seed": summary["seed"],
            "replicate": 0,
            "overrides": summary["params"],
            "regime": summary.get("regime") or {"drug": summary["drug"]},
            "summary": summary,
        }
        try:  # the regime and parameters must be those of a run
            Regime(**require(record, "regime", dict, where))
        except TypeError as err:
            raise InputError(f"{where}: 'regime' is damaged ({err})") from None
        parse_overrides(get_scenario(summary["scenario"]).scenario_class, summary["params"])
        results = results_frame([record], summary["scenario"], summary["days"])
        series = pd.DataFrame({"run_id": pd.Series([], dtype="int64")})
        if (root / TIMESERIES).is_file():
            series = _read_table(root / TIMESERIES, ("time_h",))
            series.insert(0, "run_id", 0)
        return Results(results, series, "run", {"scenario": summary["scenario"]})
    raise InputError(
        f"'{root}' is neither a sweep directory ({MANIFEST} + {RESULTS}) "
        "nor a run directory (summary.json)"
    )


RESULT_COLUMNS = (
    *("run_id", "status", "scenario", "days"),
    *("drug", "schedule", "dose_mg", "conc_nM", "start_day"),
)
"""Columns a sweep's results table must have: the report names every run's regime from these
fields (``conditions.regime_label``; a table without ``schedule`` gave a KeyError traceback;
the loading dose and stop day are read where present)."""


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A Parquet table with at least ``columns``; InputError naming the file if damaged."""
    import pyarrow as pa

    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as err:
        message = " ".join(str(err).split())[:200]
        raise InputError(f"'{path}' is not a readable Parquet table ({message})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"'{path}' lacks column '{missing[0]}' (a damaged or foreign table)")
    if path.name == TIMESERIES:
        for name in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[name]):
                raise InputError(f"'{path}': column '{name}' must be numeric (a damaged table)")
    return frame


#: Columns of results.parquet the report computes with, that must be numbers (or all null).
NUMERIC_RESULT_COLUMNS = (
    "run_id", "seed", "replicate", "days", "dose_mg", "conc_nM", "start_day", "stop_day",
    "loading_dose_mg", "growth_inhibition", "rejection_day",
)  # fmt: skip
TEXT_RESULT_COLUMNS = ("status", "scenario", "drug", "schedule")


def _check_results(frame: pd.DataFrame, path: Path) -> None:
    """The columns of a sweep's results table have the types the store writes."""
    for name in frame.columns:
        column = frame[name]
        numeric = name in NUMERIC_RESULT_COLUMNS or name.startswith("adverse_")
        if numeric and not (pd.api.types.is_numeric_dtype(column) or column.isna().all()):
            raise InputError(f"'{path}': column '{name}' must be numeric (a damaged table)")
        if name in TEXT_RESULT_COLUMNS and not column.map(lambda v: isinstance(v, str)).all():
            raise InputError(f"'{path}': column '{name}' must be text (a damaged table)")
    if not frame["status"].isin(["ok", "failed"]).all():
        raise InputError(f"'{path}': column 'status' must be ok or failed (a damaged table)")
