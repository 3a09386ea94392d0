"""The report's Markdown text: header, readout and failure tables, number formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mtor_abm.experiments.store import REGIME_COLUMNS
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import defaults
from mtor_abm.visualization.numbers import missing_words, number

if TYPE_CHECKING:
    from mtor_abm.experiments.report.load import Results


def header(root: Path, data: Results) -> str:
    """The report's title and what was run: kind, scenario, days, runs, swept parameters, hashes."""
    res, m = data.results, data.manifest
    n_ok = int((res["status"] == "ok").sum())
    lines = [
        f"# Report: {root.name}",
        "",
        f"- {data.kind} of scenario **{res['scenario'].iloc[0]}**, {res['days'].iloc[0]:g} days",
        f"- runs: {len(res)} ({n_ok} ok, {len(res) - n_ok} failed)",
    ]
    if data.axes:
        lines.append(f"- swept parameters: {', '.join(data.axes)}")
    for key in ("spec_hash", "git_revision", "package_version"):
        if m.get(key):
            lines.append(f"- {key.replace('_', ' ')}: `{m[key]}`")
    return "\n".join(lines) + "\n"


def readout_table(data: Results) -> str:
    """Every numeric readout by condition, median [interquartile range] (empty when none)."""
    res = data.results[data.results["status"] == "ok"]
    known = {
        "run_id",
        "status",
        "error",
        "seed",
        "replicate",
        "scenario",
        "days",
        "condition",
        *REGIME_COLUMNS,
    }
    params = set(data.manifest.get("spec", {}).get("set", {})) | set(data.axes)
    scenario = SCENARIOS.get(res["scenario"].iloc[0]) if len(res) else None
    if scenario is not None:
        params |= set(scenario.scenario_class.PARAMETERS)
    readouts = [
        c
        for c in res.columns
        if c not in known | params
        and not c.startswith("adverse_")
        and (pd.api.types.is_numeric_dtype(res[c]) or res[c].isna().all())
    ]  # a readout no run has (all null) is listed too, with what its absence means
    if not readouts:
        return ""
    rows = []
    base = defaults(scenario.scenario_class) if scenario is not None else {}
    for name, g in res.groupby("condition", sort=False):
        row = {"condition": name, "n": len(g)}
        setup = {**base, **{p: g[p].iloc[0] for p in params & set(g.columns)}}
        for c in readouts:
            row[c] = _summary_cell(g[c], c, setup if scenario is not None else None)
        rows.append(row)
    return md_table("Readouts by condition (median [interquartile range])", rows)


def _summary_cell(values: pd.Series, name: str = "", setup: dict | None = None) -> str:
    """Median [interquartile range] of a readout (n when some runs have none, and what their
    missing value means: ``never``, ``untreated arm did not grow``, ``n/a (no wound)`` when
    ``setup``, the condition's scenario parameters, did not set the event up...); yes/no:
    fraction."""
    if values.dtype == bool:
        return f"{values.mean():.2f} yes"
    present = values.dropna()
    alone, partial = missing_words(name, setup)
    if present.empty:
        return alone
    q = [number(v) for v in present.astype(float).quantile([0.25, 0.5, 0.75])]
    text = q[1] if len(present) == 1 else f"{q[1]} [{q[0]}, {q[2]}]"
    missing = len(values) - len(present)
    return text if not missing else f"{text} (n={len(present)}; {partial} in {missing})"


def failed_table(data: Results) -> str:
    """The failed runs with their condition and error (empty when every run succeeded)."""
    failed = data.results[data.results["status"] != "ok"]
    rows = [
        {"run_id": int(r.run_id), "condition": r.condition, "error": r.error}
        for r in failed.itertuples()
    ]
    return md_table("Failed runs", rows) if rows else ""


def md_table(title: str, rows: list[dict]) -> str:
    """A Markdown table under a heading (columns: the union of the rows' keys)."""
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r))
    lines = [f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        cells = [str(r.get(c, "")).replace("|", "/") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_number(value: float) -> str:
    """A number for a label: 3 significant digits, whole numbers in full."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def format_value(value: Any) -> str:
    """A parameter value for a label."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_):
        return format_number(float(value))
    return str(value)
