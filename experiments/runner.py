"""Single runs of a scenario: build, step with a progress bar, read out, and write outputs.

``run_scenario`` is what the CLI, sweeps and the dashboard call; ``write_run`` writes the
output contract (summary.json, timeseries.parquet, manifest.json, figures/) as one folder
that replaces an earlier run as a whole (``model.atomic``).
"""

from __future__ import annotations

import json
import math
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from mtor_abm.experiments.progress import bar as progress_bar
from mtor_abm.experiments.progress import phase, reporter
from mtor_abm.model import atomic
from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError, OutputError
from mtor_abm.model.inputfiles import read_json_object, require
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library, user_drug_records
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides

MAX_DAYS = 3650.0


@dataclass
class RunResult:
    """What one run produced (one replicate)."""

    summary: dict[str, Any]
    timeseries: dict[str, list[float]]
    twin_timeseries: dict[str, list[float]] | None = None
    model: Any = field(default=None, repr=False)
    twin_model: Any = field(default=None, repr=False)
    user_drugs: list[dict[str, Any]] = field(default_factory=list, repr=False)
    """The user drugs of the run's library (:func:`user_drug_records`): the manifest and
    checkpoint carry them so a rerun or resume uses the same definitions."""


def check_days(days: float) -> float:
    """Validate a run length in days."""
    try:
        days = float(days)
    except (TypeError, ValueError):
        raise InputError(f"days must be a number of days, got {days!r}") from None
    if not (math.isfinite(days) and 0 < days <= MAX_DAYS):
        raise InputError(f"days must be greater than 0 and at most {MAX_DAYS:g}, got {days:g}")
    return days


def whole_steps(days: float, step_h: float) -> int:
    """Number of steps of ``step_h`` hours in ``days``; InputError unless it is a whole number.

    A run simulates exactly what it reports: ``--days 2.5`` on a daily-step cohort or
    ``--days 0.1`` on an hourly tissue is refused (naming the step), not rounded.
    """
    steps = days * 24.0 / step_h
    count = round(steps)
    if count < 1 or abs(steps - count) > 1e-9 * max(1.0, steps):
        step = f"{step_h:g} h" if step_h < 24.0 else f"{step_h / 24.0:g} day"
        below, above = math.floor(steps) * step_h / 24.0, math.ceil(steps) * step_h / 24.0
        nearest = f"{above:g}" if below <= 0 else f"{below:g} or {above:g}"
        raise InputError(
            f"days must be a whole number of this scenario's steps ({step}), got {days:g}; "
            f"nearest: {nearest}"
        )
    return count


def simulated_days(model) -> float:
    """Days a model has simulated, from its own clock."""
    return model.hours / 24.0


def _build(spec, params: dict, regime: Regime, seed: int, library):
    """The scenario's model under ``regime``, built from typed parameters and a seed."""
    scenario = spec.scenario_class(rng=seed, **params)
    return spec.model_class(scenario, regime, library)


def advance(model, days: float, label: str = "stepping", progress: bool = False):
    """Step ``model`` through ``days`` (whole steps of its ``dt_h``); returns the model.

    ``progress`` draws a bar on stderr (see :mod:`experiments.progress`). InputError (before
    any step) when ``days`` is not a whole number of steps.
    """
    steps = whole_steps(days, model.dt_h)
    unit = "day" if model.dt_h >= 24 else "step"
    with progress_bar(label, steps, unit, progress) as bar:
        for _ in range(steps):
            model.step()
            bar.update(1)
    return model


def run_adverse_panel(regime: Regime, days: float, library, progress: bool = True) -> dict:
    """The adverse-effect panel of ``regime`` over ``days``, with a bar on stderr."""
    with reporter(f"adverse panel {regime.drug}", "step", progress) as report:
        return adverse_panel(regime, days, library, progress=report)


def run_scenario(
    name: str,
    regime: Regime,
    days: float | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    library=None,
    progress: bool = True,
) -> RunResult:
    """Run scenario ``name`` under ``regime`` for ``days`` and return its readouts.

    The summary has the keys ``scenario, drug, dose_mg,
    schedule, seed, days, params, readouts, adverse``. ``progress`` shows a progress bar on
    stderr for runs longer than a few seconds (sweeps turn it off: they show their own).
    """
    spec = get_scenario(name)
    library = library or load_library()
    days = spec.default_days if days is None else check_days(days)
    whole_steps(days, spec.model_class.STEP_H)
    check_treatment_starts(regime, days)
    seed = check_seed(seed)
    params = parse_overrides(spec.scenario_class, overrides or {})
    with phase(f"building the {name} model", progress):
        model = _build(spec, params, regime, seed, library)
    advance(model, days, f"{name} {regime.drug}", progress)
    twin = None
    if spec.needs_twin and regime.drug != "none":
        with phase(f"building the untreated {name} twin", progress):
            twin = _build(spec, params, UNTREATED, seed, library)
        advance(twin, days, f"{name} untreated twin", progress)
    return _finish(spec, model, twin, regime, seed, library, progress)


def check_treatment_starts(regime: Regime, days: float) -> None:
    """Refuse a treated run that ends before its treatment starts (one-line InputError).

    Such a run is untreated in all but name (e.g. the tumor's default start, day 14, in a
    10-day run): its summary would report the drug beside an untreated outcome.
    """
    if regime.drug != "none" and regime.start_day >= days:
        raise InputError(
            f"start_day (--start-day): {regime.drug} starts on day {regime.start_day:g} but the "
            f"run ends on day {days:g}, so it would never be given; run longer than "
            f"{regime.start_day:g} days, start earlier, or use drug none"
        )


def _finish(spec, model, twin, regime: Regime, seed: int, library, progress: bool = True):
    """Readouts and the summary of a finished run (``days``: what its clock simulated)."""
    days = simulated_days(model)
    series = model.timeseries()
    readouts = spec.readouts(model, twin, series)
    full_params = {k: getattr(model.scenario, k) for k in spec.scenario_class.PARAMETERS}
    summary = {
        "scenario": spec.name,
        "drug": regime.drug,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "seed": seed,
        "days": days,
        "params": full_params,
        "regime": regime_dict(regime),
        "readouts": readouts,
        "adverse": run_adverse_panel(regime, days, library, progress),
    }
    twin_series = twin.timeseries() if twin else None
    return RunResult(summary, series, twin_series, model, twin, user_drug_records(library))


# ------------------------------------------------------------------------------ checkpoints
def save_state(path: Path, result: RunResult) -> None:
    """Write the complete state of a finished run (and its untreated twin) to ``path``."""
    from mtor_abm.model import checkpoint

    arrays, meta = result.model.checkpoint_state()
    models = {"model": meta}
    all_arrays = checkpoint.join(arrays, "model")
    if result.twin_model is not None:
        twin_arrays, models["twin"] = result.twin_model.checkpoint_state()
        all_arrays.update(checkpoint.join(twin_arrays, "twin"))
    s = result.summary
    run = {k: s[k] for k in ("scenario", "seed", "days", "params", "regime")}
    run["user_drugs"] = result.user_drugs
    data = checkpoint.encode(all_arrays, {"run": json_safe(run), "models": models})
    atomic.remove_stale(Path(path))  # a save of an earlier run that was killed
    atomic.write_bytes(Path(path), data)  # OutputError names the file


def check_state_path(path: Path) -> None:
    """Raise a one-line InputError unless a checkpoint can be saved at ``path``.

    Checked before the simulation, so a bad ``--save-state`` costs nothing.
    """
    atomic.check_writable(Path(path), "--save-state")
    if Path(path).is_dir():
        raise InputError(f"--save-state '{path}' is a folder; give a file name, e.g. state.npz")


def resume_run(path: Path, days: float, drug_files=()) -> RunResult:
    """Continue the run saved in checkpoint ``path`` for ``days`` more days.

    The run continues from the saved model's own clock; the result equals (bit for bit) one
    uninterrupted run of the saved days plus ``days``. InputError (before any step) when
    ``days`` is not a whole number of the scenario's steps. User drugs come from the
    checkpoint; ``drug_files`` may repeat them (identical) or add others. A damaged checkpoint
    (metadata of the wrong type, an array missing or of another type) is one InputError line.
    """
    from mtor_abm.model import checkpoint

    arrays, meta = checkpoint.read(Path(path))
    days = check_days(days)
    where = f"checkpoint '{path}'"
    try:
        run = require(meta, "run", dict, where)
        models = require(meta, "models", dict, where)
        spec = get_scenario(require(run, "scenario", str, where))
        regime = recorded_regime(run, where)
        params = recorded_params(spec, run, where)
        seed = check_seed(run.get("seed"))
        recorded = require(run, "user_drugs", list, where) if "user_drugs" in run else []
        saved = {"model": require(models, "model", dict, where)}
        if "twin" in models:
            saved["twin"] = require(models, "twin", dict, where)
    except InputError as err:
        raise InputError(f"{err}" if where in str(err) else f"{where}: {err}") from None
    whole_steps(days, spec.model_class.STEP_H)
    library = load_library(drug_files, recorded=recorded)
    with phase(f"rebuilding the {spec.name} model from {path}"):
        model = _restored(spec, params, regime, seed, library, arrays, saved, "model", where)
    check_days(simulated_days(model) + days)  # the total stays within the longest run
    check_treatment_starts(regime, simulated_days(model) + days)
    advance(model, days, f"{spec.name} {regime.drug}", progress=True)
    twin = None
    if "twin" in saved:
        twin = _restored(spec, params, UNTREATED, seed, library, arrays, saved, "twin", where)
        advance(twin, days, f"{spec.name} untreated twin", progress=True)
    return _finish(spec, model, twin, regime, seed, library)


RUN_MANIFEST_FORMAT = "mtor-abm run manifest"


def rerun_manifest(path: Path, drug_files=()) -> RunResult:
    """Run again the run that the ``manifest.json`` at ``path`` records (same result).

    The manifest is checked as a whole (UTF-8 JSON object, format and version, every field of
    its type); its user drugs are used, checked against their hashes (``drug_files`` may
    repeat them, identical). InputError names what is wrong.
    """
    where = f"manifest '{path}'"
    manifest = read_json_object(path, "manifest")
    if manifest.get("format") != RUN_MANIFEST_FORMAT:
        raise InputError(f"'{path}' is not an mtor-abm run manifest")
    if manifest.get("format_version") != 1:
        raise InputError(f"{where}: format version {manifest.get('format_version')!r}")
    regime = recorded_regime(manifest, where)
    scenario = require(manifest, "scenario", str, where)
    days = check_days(require(manifest, "days", (int, float), where))
    seed = check_seed(manifest.get("seed"))
    params = recorded_params(get_scenario(scenario), manifest, where)
    recorded = require(manifest, "user_drugs", list, where) if "user_drugs" in manifest else []
    library = load_library(drug_files, recorded=recorded)
    return run_scenario(scenario, regime, days, seed, params, library)


def recorded_regime(data: dict, where: str) -> Regime:
    """The regime a manifest or checkpoint records: every field present (a missing one
    would silently take its default and rerun another run), each checked."""
    regime = require(data, "regime", dict, where)
    fields = set(regime_dict(UNTREATED))
    if set(regime) != fields:
        odd = sorted(set(regime) ^ fields)[0]
        raise InputError(f"{where}: regime field '{odd}' is missing or unknown")
    return Regime(**regime)


def recorded_params(spec, data: dict, where: str) -> dict[str, Any]:
    """The scenario parameters a manifest or checkpoint records: every documented one
    present (a missing one would silently take its default), each checked."""
    params = require(data, "params", dict, where)
    missing = sorted(set(spec.scenario_class.PARAMETERS) - set(params))
    if missing:
        raise InputError(f"{where}: parameter '{missing[0]}' is missing from params")
    return parse_overrides(spec.scenario_class, params)


def _restored(spec, params, regime, seed, library, arrays, saved, key: str, where: str):
    """A fresh model given the saved state ``key`` of a checkpoint, checked as a whole.

    The saved arrays must be exactly those the model saves (same names, dtypes and number of
    dimensions); anything else the restore cannot use is reported as a damaged checkpoint.
    """
    from mtor_abm.model import checkpoint

    model = _build(spec, params, regime, seed, library)
    ours = checkpoint.split(arrays, key)
    fresh, fresh_meta = model.checkpoint_state()
    _same_structure(fresh_meta, saved[key], f"{where} is damaged: {key}")
    for name in sorted(set(fresh) - set(ours)):  # caches (solver factors) may be extra
        raise InputError(f"{where} is damaged: array {key}/{name} is missing")
    for name, array in fresh.items():
        if ours[name].dtype != array.dtype or ours[name].ndim != array.ndim:
            raise InputError(
                f"{where} is damaged: array {key}/{name} is {ours[name].dtype} "
                f"{ours[name].ndim}-d, expected {array.dtype} {array.ndim}-d"
            )
    try:
        model.restore_checkpoint_state(ours, saved[key])
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, AttributeError) as err:
        raise InputError(f"{where} is damaged ({type(err).__name__}: {err})") from None
    return model


def _same_structure(fresh: Any, saved: Any, where: str) -> None:
    """``saved`` (checkpoint metadata) has the structure a fresh model's metadata has.

    Objects must have at least the fresh keys (a run adds caches); lists are compared item by
    item when their lengths agree, else every saved item against the first fresh one (a
    growing record list); leaves must be of the same kind (number, text, bool), None
    matching anything (values that are None until set).
    """
    if fresh is None or saved is None:
        return
    if isinstance(fresh, dict):
        if not isinstance(saved, dict) or set(fresh) - set(saved):
            lost = sorted(set(fresh) - set(saved)) if isinstance(saved, dict) else []
            raise InputError(f"{where} lacks fields {lost[:3] or type(saved).__name__}")
        for k in fresh:
            _same_structure(fresh[k], saved[k], f"{where}.{k}")
    elif isinstance(fresh, list | tuple):
        if not isinstance(saved, list | tuple):
            raise InputError(f"{where} must be a list, got {type(saved).__name__}")
        if len(fresh) == len(saved):
            for i, (a, b) in enumerate(zip(fresh, saved, strict=True)):
                _same_structure(a, b, f"{where}[{i}]")
        elif fresh:
            for i, b in enumerate(saved):
                _same_structure(fresh[0], b, f"{where}[{i}]")
    else:
        kinds = (bool, str, (int, float))
        for kind in kinds:
            if isinstance(fresh, kind) != isinstance(saved, kind):
                raise InputError(f"{where} must be a {type(fresh).__name__}, got {saved!r:.40}")


def regime_dict(regime: Regime) -> dict[str, Any]:
    """A regime as plain JSON-able data."""
    return {
        "drug": regime.drug,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "start_day": regime.start_day,
        "stop_day": regime.stop_day,
        "conc_nM": regime.conc_nM,
        "loading_dose_mg": regime.loading_dose_mg,
    }


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
    from mtor_abm.model.calibration.fit import parameter_set_hash, shipped_parameter_set

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
    import pandas as pd

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
        "user_drugs": result.user_drugs,
        "versions": versions(),
        "git_revision": git_revision(),
        "command": argv,
        "signalling_parameters": signalling_parameters_identity(),
    }
    with atomic.staged_dir(out_dir) as stage:
        frame = pd.DataFrame(result.timeseries)
        atomic.write_bytes(stage / "timeseries.parquet", frame.to_parquet(index=False))
        atomic.write_json(stage / "manifest.json", manifest)
        save_run_figures(stage / "figures", result)
        atomic.write_json(stage / "summary.json", result.summary)


def json_safe(obj: Any, where: str = "") -> Any:
    """``obj`` as plain JSON data (numpy scalars to Python), refusing NaN and infinities.

    A value that does not exist (a mean over no cells) is None where it is computed; a NaN
    or infinite number reaching an output is a fault of the model, so it raises
    :class:`NonFiniteResult` (exit 1) naming where it is, e.g. ``readouts.mean_pS6K``.
    """
    if isinstance(obj, dict):
        return {k: json_safe(v, f"{where}.{k}" if where else str(k)) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, float | np.floating):
        if not math.isfinite(obj):
            raise NonFiniteResult(
                f"internal failure: {where or 'a value'} is {float(obj)} (a model fault; "
                "nothing was written)"
            )
        return float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


class NonFiniteResult(OutputError):
    """A NaN or infinite number in a run's results: an internal failure (exit status 1)."""
