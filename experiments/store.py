"""The sweep directory: manifest, one record per finished run, and the combined tables.

Layout::

    DIR/manifest.json          the spec, its hash, package versions, git revision
    DIR/runs/000012.json       the record of run 12 (written atomically when it finishes)
    DIR/results.parquet        one row per run (written when every run has a record)
    DIR/timeseries.parquet     run_id, time and readouts of every successful run

A run is done exactly when its record exists, so an interrupted sweep resumes by running
the runs without one. The combined tables exist only for a complete sweep.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import pyarrow as pa

from mtor_abm.experiments.run_folder import git_revision, versions
from mtor_abm.experiments.series import series_frame
from mtor_abm.experiments.spec import SweepSpec
from mtor_abm.model import atomic
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import read_json_object, require
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import defaults

MANIFEST, RESULTS, TIMESERIES, RUNS = (
    "manifest.json",
    "results.parquet",
    "timeseries.parquet",
    "runs",
)
#: Every field of a regime (all a spec can vary) is a column of results.parquet.
SWEEP_MANIFEST_FORMAT = "mtor-abm sweep manifest"

#: Fields of a stored run record and their types (``read_record`` checks them).
RECORD_FIELDS: Mapping[str, type | tuple[type, ...]] = MappingProxyType(
    {
        "run_id": int,
        "status": str,
        "seed": int,
        "replicate": int,
        "overrides": dict,
        "regime": dict,
        "summary": (dict, type(None)),
        "timeseries": (dict, type(None)),
    }
)

#: Fields of a run summary (summary.json, a record's summary) and their types.
SUMMARY_FIELDS: Mapping[str, type | tuple[type, ...]] = MappingProxyType(
    {
        "scenario": str,
        "drug": str,
        "seed": int,
        "days": (int, float),
        "params": dict,
        "readouts": dict,
        "adverse": (dict, type(None)),  # None: an in-vitro run (no patient, no panel)
    }
)


def check_adverse(summary: dict, where: str) -> None:
    """A summary's ``adverse``: a panel (object) for an in-vivo scenario; in vitro
    (:attr:`~model.scenarios.ScenarioSpec.in_vitro`) null, or a panel an earlier version
    computed, which outputs ignore. Raises InputError naming ``where``."""
    if summary["adverse"] is None and not get_scenario(summary["scenario"]).in_vitro:
        raise InputError(
            f"{where}: 'adverse' must be an object (the adverse-effect panel) for scenario "
            f"{summary['scenario']!r}; only an in-vitro scenario has none"
        )


def check_timeseries(series: Any, where: str) -> None:
    """A time series as stored: columns of equal length holding numbers or null."""
    if not isinstance(series, dict) or "time_h" not in series:
        raise InputError(f"{where}: timeseries must be an object with a time_h column")
    lengths = set()
    for name, column in series.items():
        ok = isinstance(column, list) and all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in column
        )
        if not ok:
            raise InputError(f"{where}: timeseries column '{name}' must be a list of numbers")
        lengths.add(len(column))
    if len(lengths) > 1:
        raise InputError(f"{where}: timeseries columns differ in length")


def _canonical(value: Any) -> str:
    """``value`` as canonical JSON: equal only if equal in value and type (1.0 is not true)."""
    return json.dumps(value, sort_keys=True)


#: The regime's scalar fields, one results-table column each (a sweep has no trough
#: monitoring: ``target_trough_ng_ml`` and ``dose_steps`` are not columns).
REGIME_COLUMNS = tuple(
    f.name
    for f in dataclasses.fields(Regime)
    if f.init and f.name not in ("target_trough_ng_ml", "dose_steps")
)
_RECORD_RE = re.compile(r"^(\d{6,})\.json$")


class SweepStore:
    """A sweep directory for one spec (see module docstring)."""

    def __init__(self, root: Path, spec: SweepSpec):
        self.root = Path(root)
        self.spec = spec
        self.runs_dir = self.root / RUNS
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, root: Path, spec: SweepSpec, resume: bool) -> SweepStore:
        """Start a new sweep in ``root`` or, with ``resume``, continue the one there.

        The sweep folder is locked until :meth:`close` (or the end of a ``with`` block): one
        writer at a time; a second sweep into the same folder is a one-line InputError.
        """
        store = cls(root, spec)
        try:
            store._lock(create=not resume)
            store._open(resume)
        except BaseException:
            store.close()
            raise
        return store

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the sweep folder's lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self, create: bool) -> None:
        """Lock the sweep folder (flock on the folder itself; the OS drops it when we end)."""
        try:
            if create:
                self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise InputError(f"--resume: '{self.root}' holds no sweep (no such folder)") from None
        except OSError as err:
            raise InputError(
                f"cannot create sweep directory '{self.root}': {err.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"--out '{self.root}': another mtor-sim sweep is writing to this sweep folder; "
                "wait for it to end (one sweep per folder at a time)"
            ) from None
        self._lock_fd = fd

    def _open(self, resume: bool) -> None:
        """Check (resume) or start (new) the sweep in the locked folder."""
        manifest_path = self.root / MANIFEST
        atomic.remove_stale(manifest_path)  # a manifest write that was killed
        if resume:
            if not manifest_path.is_file():
                raise InputError(f"--resume: '{self.root}' holds no sweep ({MANIFEST} is missing)")
            manifest = read_json_object(manifest_path, "sweep manifest")
            if manifest.get("format") != SWEEP_MANIFEST_FORMAT:
                raise InputError(f"--resume: '{manifest_path}' is not an mtor-abm sweep manifest")
            if manifest.get("spec_hash") != self.spec.spec_hash:
                raise InputError(
                    f"--resume: the spec differs from the one the sweep in '{self.root}' was "
                    f"started with (see its {MANIFEST}); use another --out for a new sweep"
                )
            resumed = manifest.setdefault("resumed", [])
            if not isinstance(resumed, list):
                raise InputError(
                    f"--resume: '{manifest_path}' is damaged ('resumed' is not a list)"
                )
            resumed.append(_stamp())
            atomic.write_json(manifest_path, manifest)
        else:
            if any(self.root.iterdir()):
                raise InputError(
                    f"--out '{self.root}' is not empty; use --resume to continue the sweep "
                    "there, or another --out"
                )
            atomic.write_json(manifest_path, self.manifest())  # first: it marks a sweep folder
        try:
            self.runs_dir.mkdir(exist_ok=True)
        except OSError as err:
            raise InputError(
                f"cannot create sweep directory '{self.root}': {err.strerror}"
            ) from None
        for leftover in self.runs_dir.glob(".*"):  # temporary files of a killed write
            if leftover.is_file():  # (safe: the lock keeps any other writer out)
                leftover.unlink(missing_ok=True)

    def manifest(self) -> dict[str, Any]:
        """What the directory was made from."""
        vers = versions()
        return {
            "format": SWEEP_MANIFEST_FORMAT,
            "format_version": 1,
            "scenario": self.spec.scenario,
            "spec": self.spec.data,
            "spec_hash": self.spec.spec_hash,
            "n_runs": len(self.spec.runs),
            "axes": self.spec.axes,
            "regime_axes": self.spec.regime_axes,
            "package_version": vers.get("mtor-abm"),
            "versions": vers,
            "git_revision": git_revision(),
            "created": _stamp(),
        }

    # ------------------------------------------------------------------ records
    def done_ids(self) -> set[int]:
        """Run ids that have a record (finished, successfully or not)."""
        ids = set()
        for path in self.runs_dir.iterdir():
            match = _RECORD_RE.match(path.name)
            if match:
                ids.add(int(match.group(1)))
        return ids

    def write_record(self, record: dict[str, Any]) -> None:
        """Store one finished run's record, atomically."""
        atomic.write_json(self.runs_dir / f"{record['run_id']:06d}.json", record)

    def read_record(self, run_id: int) -> dict[str, Any]:
        """The stored record of run ``run_id``, checked as a whole against the spec's run.

        Raises:
            InputError: the record is not UTF-8 JSON, lacks a field, has one of the wrong
                type, or belongs to another run (run id or seed differ): it names the file
                and says to delete it so that ``--resume`` runs that run again.
        """
        path = self.runs_dir / f"{run_id:06d}.json"
        record = read_json_object(path, "sweep record")
        where = f"sweep record '{path}'"
        try:
            for key, kinds in RECORD_FIELDS.items():
                require(record, key, kinds, where)
            if record["status"] not in ("ok", "failed"):
                raise InputError(f"{where}: 'status' must be ok or failed")
            if record["status"] == "ok" and not isinstance(record["summary"], dict):
                raise InputError(f"{where}: an ok record needs its summary")
            if not 0 <= run_id < len(self.spec.runs):
                raise InputError(f"{where} is not a run of this sweep")
            run = self.spec.runs[run_id]
            ours = (run_id, run.seed, run.replicate, run.regime, run.overrides)
            theirs = tuple(record[k] for k in ("run_id", "seed", "replicate", "regime"))
            if _canonical((*theirs, record["overrides"])) != _canonical(ours):
                raise InputError(f"{where} belongs to another run (its id, seed or regime differ)")
            if record["summary"] is not None:
                for key, kinds in SUMMARY_FIELDS.items():
                    require(record["summary"], key, kinds, f"{where}: summary")
                check_adverse(record["summary"], f"{where}: summary")
                params = {**defaults(get_scenario(run.scenario).scenario_class), **run.overrides}
                if _canonical(record["summary"]["params"]) != _canonical(params):
                    raise InputError(f"{where}: summary.params are not the run's parameters")
            if record["timeseries"] is not None:
                check_timeseries(record["timeseries"], where)
        except InputError as err:
            raise InputError(
                f"{err}; delete it and run the sweep with --resume to run it again"
            ) from None
        return record

    def clear_combined(self) -> None:
        """Remove the combined tables (the sweep is being extended)."""
        for name in (RESULTS, TIMESERIES):
            (self.root / name).unlink(missing_ok=True)

    # ------------------------------------------------------------------ combining
    def combine(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Write results.parquet and timeseries.parquet from every record (by run id)."""
        records = [self.read_record(run.run_id) for run in self.spec.runs]
        results = results_frame(records, self.spec.scenario, self.spec.runs[0].days)
        series = timeseries_frame(records)
        tables = {}
        for name, frame in ((TIMESERIES, series), (RESULTS, results)):
            try:
                tables[name] = frame.to_parquet(index=False)
            except (pa.ArrowException, ValueError) as err:  # records mixing value types
                message = " ".join(str(err).split())[:160]
                raise InputError(
                    f"the records in '{self.runs_dir}' disagree in a value's type ({message}); "
                    "delete the damaged record and run the sweep with --resume"
                ) from None
        for name, data in tables.items():
            atomic.remove_stale(self.root / name)  # temporaries of a killed combine
            atomic.write_bytes(self.root / name, data)
        return results, series


def results_frame(records: list[dict], scenario: str, days: float) -> pd.DataFrame:
    """One row per run: id, status, error, seed, parameters, regime, readouts, adverse
    (``adverse_*`` columns; none for an in-vitro scenario)."""
    base_params = defaults(get_scenario(scenario).scenario_class)
    rows = []
    for rec in records:
        summary = rec.get("summary") or {}
        row: dict[str, Any] = {
            "run_id": rec["run_id"],
            "status": rec["status"],
            "error": rec.get("error"),
            "seed": rec["seed"],
            "replicate": rec["replicate"],
            "scenario": scenario,
            "days": days,
        }
        row.update(summary.get("params") or {**base_params, **rec["overrides"]})
        row.update({k: rec["regime"].get(k) for k in REGIME_COLUMNS})
        co = rec["regime"].get("co_regime")
        if co:  # a combination's second drug as JSON text (a column only when there is one)
            row["co_regime"] = json.dumps(co, sort_keys=True)
        for key, value in (summary.get("readouts") or {}).items():
            row[f"readout_{key}" if key in row else key] = value
        adverse = summary.get("adverse") or {}
        if get_scenario(scenario).in_vitro:
            adverse = {}  # a dish has no panel (an earlier version's is not shown)
        for key, value in adverse.items():
            row[f"adverse_{key}"] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def timeseries_frame(records: list[dict]) -> pd.DataFrame:
    """The time series of every successful run, with its run id first."""
    frames = []
    for rec in sorted(records, key=lambda r: r["run_id"]):
        if rec.get("timeseries"):
            frame = series_frame(rec["timeseries"])
            frame.insert(0, "run_id", rec["run_id"])
            frames.append(frame)
    if not frames:
        return pd.DataFrame({"run_id": pd.Series([], dtype="int64")})
    return pd.concat(frames, ignore_index=True)


def _stamp() -> dict[str, Any]:
    return {
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
    }
