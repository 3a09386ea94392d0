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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from mtor_abm.experiments import atomic
from mtor_abm.experiments.runner import git_revision, versions
from mtor_abm.experiments.spec import SweepSpec
from mtor_abm.model.errors import InputError
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
REGIME_COLUMNS = tuple(f.name for f in dataclasses.fields(Regime) if f.init)
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
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("spec_hash") != self.spec.spec_hash:
                raise InputError(
                    f"--resume: the spec differs from the one the sweep in '{self.root}' was "
                    f"started with (see its {MANIFEST}); use another --out for a new sweep"
                )
            manifest.setdefault("resumed", []).append(_stamp())
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
            "format": "mtor-abm sweep manifest",
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
        return json.loads((self.runs_dir / f"{run_id:06d}.json").read_text())

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
        atomic.write_bytes(self.root / TIMESERIES, series.to_parquet(index=False))
        atomic.write_bytes(self.root / RESULTS, results.to_parquet(index=False))
        return results, series


def results_frame(records: list[dict], scenario: str, days: float) -> pd.DataFrame:
    """One row per run: id, status, error, seed, parameters, regime, readouts, adverse."""
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
        for key, value in (summary.get("readouts") or {}).items():
            row[f"readout_{key}" if key in row else key] = value
        for key, value in (summary.get("adverse") or {}).items():
            row[f"adverse_{key}"] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def timeseries_frame(records: list[dict]) -> pd.DataFrame:
    """The time series of every successful run, with its run id first."""
    frames = []
    for rec in sorted(records, key=lambda r: r["run_id"]):
        if rec.get("timeseries"):
            frame = pd.DataFrame(rec["timeseries"])
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
