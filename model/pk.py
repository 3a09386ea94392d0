"""Pharmacokinetics: blood concentrations of a regime over time (pure numpy/scipy; no Mesa).

Each drug is a linear compartment model (:mod:`model.pk_compartments`; the TOML format is in
:mod:`model.pharmacology`), solved exactly between dosing events by :class:`PKState`
(:mod:`model.pk_state`). This module samples the blood levels of a whole regime:
:func:`simulate` (a curve) and :func:`steady_state_summary` (trough, Cmax, half-life).

Concentrations are whole-blood-equivalent (module docstring of :mod:`model.pharmacology`):
``conc_ng_ml = amount_mg / V_central_L * 1000`` and ``conc_nM = conc_ng_ml * 1000 / MW``.

Convention at a dose time: the state at time t includes every input at times < t, so the
concentration sampled exactly at a dose time is the pre-dose (trough) value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy.linalg import expm
from scipy.optimize import minimize_scalar

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import DrugLibrary, Regime, load_library
from mtor_abm.model.pk_compartments import terminal_half_life_h
from mtor_abm.model.pk_state import PKState
from mtor_abm.model.species import HUMAN, Subject

__all__ = ("MAX_SIMULATED_DAYS", "PKState", "simulate", "steady_state_summary")

_STEADY_STATE_SAMPLES = 600


# --------------------------------------------------------------------------------------------
# Conveniences
# --------------------------------------------------------------------------------------------


#: Longest PK curve simulated, days (ten years; also the longest scenario run).
MAX_SIMULATED_DAYS = 3650


def simulate(
    regime: Regime,
    days: float,
    dt_h: float = 0.25,
    library: DrugLibrary | None = None,
    progress: Callable[[int, int], None] | None = None,
    subject: Subject = HUMAN,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Blood concentrations (ng/mL) per species, sampled every ``dt_h`` from 0 h to ``days``.

    Returns ``(times_h, {species: conc_ng_ml})``. Values at dose times are pre-dose.
    ``progress(done, total)``, if given, is called with the samples taken, once per simulated
    day and at the end (ten years at 0.5 h are ~175 000 samples, several seconds). ``subject``:
    whose PK (a patient unless said; :class:`~model.species.Subject`).
    """
    if not math.isfinite(days) or not 0 < days <= MAX_SIMULATED_DAYS:
        raise InputError(f"days must be a number in (0, {MAX_SIMULATED_DAYS}] days, got {days!r}")
    if not math.isfinite(dt_h) or dt_h <= 0:
        raise InputError(f"dt_h must be a positive number of hours, got {dt_h!r}")
    n = math.floor(days * 24.0 / dt_h + 1e-9)
    times = np.arange(n + 1) * dt_h
    state = PKState.from_regime(regime, library, subject)
    out = {s: np.empty(n + 1) for s in state.species}
    day = max(1, round(24.0 / dt_h))
    for i, t in enumerate(times):
        if progress is not None and i % day == 0:
            progress(i, n + 1)
        state.advance_to(float(t))
        for s, c in state.concentrations_ng_ml().items():
            out[s][i] = c
    if progress is not None:
        progress(n + 1, n + 1)
    return times, out


def steady_state_summary(
    regime: Regime,
    library: DrugLibrary | None = None,
    species: str | None = None,
    subject: Subject = HUMAN,
) -> dict[str, float | None]:
    """Trough and Cmax (ng/mL) over one dosing cycle at steady state, and terminal half-life.

    The steady state of the repeating schedule (ignoring start, stop and loading dose) is solved
    directly: ``x_ss = (I - P)^-1 q`` with P the one-cycle transition and q one cycle's input.
    Trough is the pre-dose concentration at the start of the cycle (for ``5on_2off``, before the
    first on-day dose). ``half_life_h`` is None without PK (drug ``none``, schedule ``fixed``).
    ``species`` is the blood species read (a drug or its metabolite); ``subject`` whose PK (a
    patient unless said).
    """
    library = load_library() if library is None else library
    state = PKState.from_regime(regime, library, subject)
    species = state.species[0] if species is None else species
    if species not in state.species:
        raise InputError(f"species {species!r} is not in this regime; allowed: {state.species}")
    if state.model is None:
        state.time_h = regime.start_h
        conc = state.concentrations_ng_ml()[species]
        return {"trough_ng_ml": conc, "cmax_ng_ml": conc, "half_life_h": None}
    periodic = dataclasses.replace(regime, start_day=0.0, stop_day=None, loading_dose_mg=None)
    cycle_h = periodic.parsed_schedule.period_h
    start_h = cycle_h * (math.ceil(max(state.model.lag_h, state.model.infusion_h) / cycle_h) + 1)
    x_ss = _periodic_steady_state(PKState.from_regime(periodic, library, subject), start_h, cycle_h)
    at_start = PKState.from_regime(periodic, library, subject)
    at_start.time_h, at_start.amounts_mg = start_h, x_ss
    trough = at_start.concentrations_ng_ml()[species]
    cmax = _cycle_maximum(at_start, cycle_h, species)
    return {
        "trough_ng_ml": trough,
        "cmax_ng_ml": cmax,
        "half_life_h": terminal_half_life_h(state.model, species),
    }


def _periodic_steady_state(state: PKState, start_h: float, cycle_h: float) -> np.ndarray:
    """Amounts at ``start_h`` (a cycle boundary) once the repeating schedule is at steady state."""
    state.time_h = start_h
    state.advance(cycle_h)
    one_cycle_input = state.amounts_mg
    transition = expm(state.model.rate_matrix_per_h * cycle_h)
    n = transition.shape[0]
    return np.linalg.solve(np.eye(n) - transition, one_cycle_input)


def _cycle_maximum(at_start: PKState, cycle_h: float, species: str) -> float:
    """Maximum concentration over one cycle: a fine grid, then a bounded refinement."""
    dt = cycle_h / _STEADY_STATE_SAMPLES
    grid = PKState.from_dict(at_start.to_dict())
    samples = []
    for i in range(_STEADY_STATE_SAMPLES + 1):
        grid.advance_to(at_start.time_h + i * dt)
        samples.append(grid.concentrations_ng_ml()[species])
    best = int(np.argmax(samples))
    if best in (0, _STEADY_STATE_SAMPLES) or samples[best] == samples[0]:
        return float(samples[best])

    def negative_conc(offset_h: float) -> float:
        probe = PKState.from_dict(at_start.to_dict())
        probe.advance(offset_h)
        return -probe.concentrations_ng_ml()[species]

    lo, hi = (best - 1) * dt, (best + 1) * dt
    found = minimize_scalar(
        negative_conc, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}
    )
    return float(max(samples[best], -found.fun))
