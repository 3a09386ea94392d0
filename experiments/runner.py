"""Single runs of a scenario: build, step with a progress bar, read out.

``run_scenario`` is what the CLI, sweeps and the dashboard call. A run's folder (summary.json,
timeseries.parquet, manifest.json, figures/) is written by :mod:`experiments.run_folder`; a
saved state is resumed and a manifest rerun by :mod:`experiments.resume`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mtor_abm.experiments.progress import bar as progress_bar
from mtor_abm.experiments.progress import phase, reporter
from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError, OutputError
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library, user_drug_records
from mtor_abm.model.regimes import check_regime_species
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.model.species import HUMAN, Subject

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


def run_adverse_panel(
    regime: Regime, days: float, library, progress: bool = True, subject: Subject = HUMAN
) -> dict:
    """The adverse-effect panel of ``regime`` over ``days`` in ``subject`` (whose PK: a
    patient unless said), with a bar on stderr."""
    with reporter(f"adverse panel {regime.label}", "step", progress) as report:
        return adverse_panel(regime, days, library, progress=report, subject=subject)


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
    schedule, seed, days, params, regime, readouts, adverse`` (``drug`` is
    :attr:`~model.pharmacology.Regime.label`, e.g. ``tacrolimus+sirolimus`` for a combination;
    ``dose_mg`` and ``schedule`` are the first drug's, every drug's are in ``regime``);
    ``adverse`` is None for an in-vitro scenario
    (:attr:`~model.scenarios.ScenarioSpec.in_vitro`: a dish has no patient whose adverse
    effects it could score). ``progress`` shows a progress bar on
    stderr for runs longer than a few seconds (sweeps turn it off: they show their own).
    """
    spec = get_scenario(name)
    library = library or load_library()
    days = spec.default_days if days is None else check_days(days)
    whole_steps(days, spec.model_class.STEP_H)
    check_treatment_starts(regime, days)
    check_regime_species(regime, spec.species, name)
    seed = check_seed(seed)
    params = parse_overrides(spec.scenario_class, overrides or {})
    with phase(f"building the {built(spec, params)}", progress):
        model = _build(spec, params, regime, seed, library)
    advance(model, days, f"{name} {regime.label}", progress)
    twin = None
    if spec.needs_twin and regime.drug != "none":
        with phase(f"building the untreated {built(spec, params)}", progress):
            twin = _build(spec, params, UNTREATED, seed, library)
        advance(twin, days, f"{name} untreated twin", progress)
    return _finish(spec, model, twin, regime, seed, library, progress)


def built(spec, params: dict) -> str:
    """What building ``spec``'s model makes, in progress lines: ``aging cohort of 500
    organisms`` (a cohort's size is what its building time grows with), ``tumor model``."""
    if spec.replicates_param is None:
        return f"{spec.name} model"
    size = params.get(spec.replicates_param, getattr(spec.scenario_class, spec.replicates_param))
    return f"{spec.name} cohort of {size} {spec.replicates_param}"


def check_treatment_starts(regime: Regime, days: float) -> None:
    """Refuse a treated run that ends before its treatment starts (one-line InputError).

    Such a run is untreated in all but name (e.g. the tumor's default start, day 14, in a
    10-day run): its summary would report the drug beside an untreated outcome.
    """
    for part in regime.parts:
        if part.drug != "none" and part.start_day >= days:
            raise InputError(
                f"start_day (--start-day): {part.drug} starts on day {part.start_day:g} but "
                f"the run ends on day {days:g}, so it would never be given; run longer than "
                f"{part.start_day:g} days, start earlier, or use drug none"
            )


def _finish(spec, model, twin, regime: Regime, seed: int, library, progress: bool = True):
    """Readouts and the summary of a finished run (``days``: what its clock simulated)."""
    days = simulated_days(model)
    series = model.timeseries()
    readouts = spec.readouts(model, twin, series)
    full_params = {k: getattr(model.scenario, k) for k in spec.scenario_class.PARAMETERS}
    subject = getattr(model, "subject", HUMAN)  # a cohort's mice, else a patient
    summary = {
        "scenario": spec.name,
        "drug": regime.label,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "seed": seed,
        "days": days,
        "params": full_params,
        "regime": regime_dict(regime),
        "pk_subject": subject.to_dict(),  # whose PK turned the doses into blood levels
        "readouts": readouts,
        # A dish has no patient: no adverse panel (ScenarioSpec.in_vitro), null in JSON.
        "adverse": (
            None if spec.in_vitro else run_adverse_panel(regime, days, library, progress, subject)
        ),
    }
    twin_series = twin.timeseries() if twin else None
    return RunResult(summary, series, twin_series, model, twin, user_drug_records(library))


def regime_dict(regime: Regime) -> dict[str, Any]:
    """A regime as plain JSON-able data; a combination's second drug under ``co_regime``
    (its own dose, schedule and monitoring record ``dose_steps``: day, trough, dose)."""
    return {
        "drug": regime.drug,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "start_day": regime.start_day,
        "stop_day": regime.stop_day,
        "conc_nM": regime.conc_nM,
        "loading_dose_mg": regime.loading_dose_mg,
        "target_trough_ng_ml": (
            None if regime.target_trough_ng_ml is None else list(regime.target_trough_ng_ml)
        ),
        "dose_steps": [list(step) for step in regime.dose_steps],
        **({} if regime.diet_ppm is None else {"diet_ppm": regime.diet_ppm}),
        **({} if regime.co_regime is None else {"co_regime": regime_dict(regime.co_regime)}),
    }


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
