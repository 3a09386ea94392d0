"""Runs continued or repeated from files: a saved state (checkpoint) or a run's manifest.

Everything a checkpoint or manifest records is checked as a whole before a step is taken
(a damaged or edited file is one :class:`~model.errors.InputError` line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mtor_abm.experiments.progress import phase
from mtor_abm.experiments.run_folder import RUN_MANIFEST_FORMAT
from mtor_abm.experiments.runner import (
    RunResult,
    _build,
    _finish,
    advance,
    built,
    check_days,
    check_treatment_starts,
    json_safe,
    regime_dict,
    run_scenario,
    simulated_days,
    whole_steps,
)
from mtor_abm.model import atomic
from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import read_json_object, require
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.model.scenarios.mouse import MouseCohortScenario
from mtor_abm.model.tdm import extend_monitoring


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
    with phase(f"rebuilding the {built(spec, params)} from {path}"):
        model = _restored(spec, params, regime, seed, library, arrays, saved, "model", where)
    check_days(simulated_days(model) + days)  # the total stays within the longest run
    if any(part.target_trough_ng_ml is not None for part in regime.parts):
        # Troughs are monitored on, over the longer run; the saved PK state continues with
        # the record extended (same PK model: monitored drugs absorb every dose size alike).
        regime = extend_monitoring(regime, library, simulated_days(model) + days)
        model.pk.regime = regime
    check_treatment_starts(regime, simulated_days(model) + days)
    advance(model, days, f"{spec.name} {regime.label}", progress=True)
    twin = None
    if "twin" in saved:
        with phase(f"rebuilding the untreated {built(spec, params)} from {path}"):
            twin = _restored(spec, params, UNTREATED, seed, library, arrays, saved, "twin", where)
        advance(twin, days, f"{spec.name} untreated twin", progress=True)
    return _finish(spec, model, twin, regime, seed, library)


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
    would silently take its default and rerun another run), each checked. A record made
    before trough monitoring existed has no ``target_trough_ng_ml``/``dose_steps``: it had
    none, which their defaults say. A combination's second drug is ``co_regime``."""
    return _regime_from(require(data, "regime", dict, where), where, "regime")


def _regime_from(regime: dict, where: str, name: str) -> Regime:
    """A recorded regime's fields checked as a whole (``co_regime``: a second drug's, the
    same way)."""
    fields = set(regime_dict(UNTREATED))
    monitoring = {"target_trough_ng_ml", "dose_steps"}
    keys = set(regime) - {"co_regime", "diet_ppm"}  # only a combination, a diet have them
    if keys | monitoring != fields or not keys >= fields - monitoring:
        odd = sorted(keys ^ fields)[0]
        raise InputError(f"{where}: {name} field '{odd}' is missing or unknown")
    if regime.get("co_regime") is None:
        return Regime(**{k: v for k, v in regime.items() if k != "co_regime"})
    co = regime["co_regime"]
    if not isinstance(co, dict):
        raise InputError(f"{where}: {name} field 'co_regime' must be an object (a regime)")
    second = _regime_from(co, where, f"{name}.co_regime")
    return Regime(**{**regime, "co_regime": second})


def recorded_params(spec, data: dict, where: str) -> dict[str, Any]:
    """The scenario parameters a manifest or checkpoint records: every documented one
    present (a missing one would silently take its default), each checked. A mouse cohort
    recorded before the sex was a parameter has none: its mice were the default sex (male)."""
    params = require(data, "params", dict, where)
    if spec.species == "mouse" and "sex" not in params:
        params = {**params, "sex": MouseCohortScenario.sex}
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
    fresh_pk = model.pk.to_dict()
    try:
        model.restore_checkpoint_state(ours, saved[key])
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, AttributeError) as err:
        raise InputError(f"{where} is damaged ({type(err).__name__}: {err})") from None
    _same_pk_layout(fresh_pk, model.pk.to_dict(), f"{where} is damaged: {key} pk")
    return model


def _same_pk_layout(fresh: Any, saved: Any, where: str) -> None:
    """The restored PK state describes the regime's drugs: the same blood species, molecular
    weights and number of compartment amounts as a fresh one (a checkpoint whose lists were
    edited, e.g. emptied, would otherwise fail at the first step with a traceback)."""
    if isinstance(fresh, dict) and "combination" in fresh:
        parts, saved_parts = fresh["combination"], saved.get("combination")
        if not isinstance(saved_parts, list) or len(saved_parts) != len(parts):
            raise InputError(f"{where}: {len(parts)} drugs expected")
        for i, (a, b) in enumerate(zip(parts, saved_parts, strict=True)):
            _same_pk_layout(a, b, f"{where} drug {i + 1}")
        return
    for name in ("species", "molecular_weight_g_per_mol"):
        if saved.get(name) != fresh[name]:
            raise InputError(f"{where}: {name} is {saved.get(name)!r}, expected {fresh[name]!r}")
    if len(saved.get("amounts_mg") or ()) != len(fresh["amounts_mg"]):
        raise InputError(
            f"{where}: amounts_mg has {len(saved.get('amounts_mg') or ())} compartment "
            f"amounts, expected {len(fresh['amounts_mg'])}"
        )


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
