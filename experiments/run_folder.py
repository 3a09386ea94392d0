"""A run's folder: summary.json, timeseries.parquet, manifest.json and figures/, written as one.

:func:`write_run` writes the output contract; :func:`check_run_out` refuses an unusable
folder before a run starts.
"""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from mtor_abm.experiments.runner import RunResult
from mtor_abm.model import atomic
from mtor_abm.model.errors import InputError

RUN_MANIFEST_FORMAT = "mtor-abm run manifest"


# ------------------------------------------------------------------------------ outputs
def versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on."""
    out = {"python": platform.python_version()}
    for pkg in ("mtor-abm", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_revision() -> str | None:
    """The git commit of the source tree, if it is a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


RUN_ENTRIES = ("summary.json", "timeseries.parquet", "manifest.json", "figures", "report")
"""What a run folder holds (plus ``*.npz`` checkpoints saved into it)."""


def check_run_out(out_dir: Path) -> None:
    """Raise a one-line InputError unless ``out_dir`` can take a run.

    A run replaces its folder as a whole, so ``out_dir`` must be new, empty, or hold an earlier
    run (a run manifest.json, and nothing but run files); anything else is refused rather than
    deleted. Checked before the simulation, so a bad ``--out`` costs nothing.
    """
    out_dir = Path(out_dir)
    atomic.check_writable(out_dir, "--out")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(f"--out '{out_dir}' is a file; give a folder for the run")
    names = sorted(p.name for p in out_dir.iterdir())
    if not names:
        return
    if not _holds_run(out_dir):
        raise InputError(
            f"--out '{out_dir}' is not empty and holds no mtor-abm run (no run manifest.json); "
            "a run replaces its folder as a whole: give a new or empty folder"
        )
    foreign = [n for n in names if not _run_entry(n)]
    if foreign:
        raise InputError(
            f"--out '{out_dir}' holds {', '.join(foreign[:3])} besides an earlier run; a run "
            "replaces its folder as a whole: move them away or give another --out"
        )


def _holds_run(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return (folder / "summary.json").is_file()
    return isinstance(manifest, dict) and manifest.get("format") == "mtor-abm run manifest"


def _run_entry(name: str) -> bool:
    """A name a run folder may hold: its files, a checkpoint, an older version's temporaries."""
    if name in RUN_ENTRIES or name.endswith(".npz"):
        return True
    return name.startswith(".staging-") or any(name.startswith(f".{n}.") for n in RUN_ENTRIES)


def signalling_parameters_identity() -> dict[str, Any]:
    """SHA-256 of the signalling parameter set every cell type ran with, and of the fitted set
    shipped in ``model/calibration/fitted_parameters.toml`` (None when none is applied)."""
    from mtor_abm.model import signaling as sg
    from mtor_abm.model.calibration.parameter_set import parameter_set_hash, shipped_parameter_set

    in_use = {name: sg.cell_type_params(name) for name in sg.CELL_TYPES}
    shipped = shipped_parameter_set()
    return {
        "cell_types_sha256": parameter_set_hash(in_use),
        "fitted_set_sha256": parameter_set_hash(shipped) if shipped else None,
    }


def write_run(out_dir: Path, result: RunResult, argv: list[str] | None = None) -> None:
    """Write summary.json, timeseries.parquet, manifest.json and figures/ as folder ``out_dir``.

    The run is built in a staging folder beside ``out_dir`` and then swapped in as a whole
    (:func:`model.atomic.staged_dir`): a reader, or a kill at any instant, finds the
    earlier run or the new one, never a mix, and nothing of an earlier run (another scenario's
    figures) is left behind. ``out_dir`` must pass :func:`check_run_out`. A failure while
    writing (disk full, a figure that cannot be drawn) leaves ``out_dir`` untouched.
    """

    from mtor_abm.visualization.scenario_figures import save_run_figures

    out_dir = Path(out_dir)
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()  # replace the folder the link points to, keep the link
    check_run_out(out_dir)
    manifest = {
        "format": RUN_MANIFEST_FORMAT,
        "format_version": 1,
        "scenario": result.summary["scenario"],
        "seed": result.summary["seed"],
        "days": result.summary["days"],
        "regime": result.summary["regime"],
        "params": result.summary["params"],
        "pk_subject": result.summary.get("pk_subject"),
        "user_drugs": result.user_drugs,
        "versions": versions(),
        "git_revision": git_revision(),
        "command": argv,
        "signalling_parameters": signalling_parameters_identity(),
    }
    from mtor_abm.experiments.series import series_frame  # pandas: only when writing

    with atomic.staged_dir(out_dir) as stage:
        frame = series_frame(result.timeseries)
        atomic.write_bytes(stage / "timeseries.parquet", frame.to_parquet(index=False))
        atomic.write_json(stage / "manifest.json", manifest)
        save_run_figures(stage / "figures", result)
        atomic.write_json(stage / "summary.json", result.summary)
