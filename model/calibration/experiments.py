"""The experiments of the observation table, run on the model (pure numpy; no Mesa).

* :func:`pathway_course`: single cells of one type with drugs (one or several) held from 0 h,
  each readout relative to an untreated twin (as :func:`model.pathway.simulate_pathway`,
  generalised to drug mixtures, calcineurin inhibitors and S6K clamping).
* :func:`culture_growth_inhibition`: the culture scenario's 72-h growth inhibition in mean
  field (:func:`culture_cell_counts`): the dish's own rules (:mod:`model.fates`, the
  pericellular medium) run on cohorts of its seeding age density, without randomness or space.
  Deterministic, smooth in the parameters and ~100x faster than the agent-based dish, which it
  matches within 0.05 GI (tests/test_culture_mean_field.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from mtor_abm.model import culture_medium as medium
from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.fates import (
    CycleParams,
    death_hazard_per_h,
    division_carry,
    grow_and_cycle,
    nutrient_factor,
    place_at_age,
    powell_age,
)
from mtor_abm.model.pathway import INPUT_DEFAULTS, readouts, split_overrides
from mtor_abm.model.pharmacology import (
    DrugLibrary,
    calcineurin_inhibition,
    target_occupancy,
)


def _cell_under_drugs(concentrations_nM, cell_type, overrides, library):
    """``(params, inputs, treated)`` of one cell type: its parameters with ``overrides``, the
    untreated inputs, and the inputs with the drugs' FRB occupancy, ATP-site and calcineurin
    inhibition (:func:`target_occupancy`, :func:`calcineurin_inhibition`)."""
    from mtor_abm.model.pharmacology import load_library

    library = library or load_library()
    param_over, input_over = split_overrides(overrides or {})
    params = {**sg.cell_type_params(cell_type), **param_over}
    inputs = sg.Inputs(**{**INPUT_DEFAULTS, **input_over})
    conc = {d: float(c) for d, c in concentrations_nM.items() if d != "none" and c > 0}
    occ, inh1, inh2 = target_occupancy(conc, params["fkbp12_level"], library)
    inh_cn = calcineurin_inhibition(conc, params["fkbp12_level"], library)
    treated = inputs._replace(occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2)
    return params, inputs, sg.with_calcineurin_inhibition(treated, inh_cn)


def pathway_course(
    concentrations_nM: Mapping[str, float],
    hours: float,
    cell_type: str = "epithelial",
    overrides: Mapping[str, float] | None = None,
    library: DrugLibrary | None = None,
    clamp_s6k: bool = False,
    sample_h: float = 1.0,
    target_inputs: Mapping[str, float] | None = None,
    stimulus: Mapping[str, float] | None = None,
    ref: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Relative readouts of a cell given ``concentrations_nM`` (drug -> nM) from 0 h.

    Returns ``{"times_h": (n,), "<readout>": (n,), ...}`` with the readouts of
    :data:`model.pathway.READOUTS` plus ``survival``, each divided by the untreated twin at the
    same time (1.0 = untreated). ``clamp_s6k`` holds the S6K input of the cell outputs at the
    twin's value (S6K removed from the outputs; So 2016 Sci Signal 9:ra57).
    ``target_inputs`` sets drug-action inputs of the treated cell directly (e.g.
    ``{"inh_mtorc2": 0.91}``: an mTORC2-only inhibitor, or rictor loss, at 10x its IC50).
    ``stimulus`` changes cell inputs (e.g. ``{"amino_acids": 0}``) of the treated cell only,
    from 0 h; the twin keeps the starting inputs. ``ref``: the reference cell's levels for the
    cell outputs (:func:`model.signaling.reference_levels_of`; default the shipped reference).
    """
    if not (math.isfinite(hours) and hours > 0):
        raise InputError(f"hours must be a positive number, got {hours}")
    params, inputs, treated = _cell_under_drugs(concentrations_nM, cell_type, overrides, library)
    for name, value in (target_inputs or {}).items():
        if name not in ("occ_frb", "inh_mtorc1", "inh_mtorc2", "inh_calcineurin"):
            raise InputError(
                f"target input {name!r} unknown; allowed: occ_frb, inh_mtorc1, "
                "inh_mtorc2, inh_calcineurin"
            )
        treated = treated._replace(**{name: float(value)})
    for name, value in (stimulus or {}).items():
        if name not in INPUT_DEFAULTS:
            raise InputError(f"stimulus {name!r} unknown; allowed: {', '.join(INPUT_DEFAULTS)}")
        treated = treated._replace(**{name: float(value)})
    both = {k: np.array([v, v], dtype=float) for k, v in params.items()}
    state = sg.new_state(2, both, inputs)
    stacked = sg.Inputs(
        *(np.array([t, u], dtype=float) for t, u in zip(treated, inputs, strict=True))
    )
    n = round(hours / sample_h)
    times = np.arange(n + 1) * sample_h
    series: dict[str, list[float]] = {}
    for i in range(n + 1):
        if i:
            sg.advance(state, both, stacked, sample_h)
        view = state
        if clamp_s6k:
            view = dict(state)
            view["s6k"] = np.array([state["s6k"][1], state["s6k"][1]])
        values = readouts(view, both, stacked.occ_frb, ref)
        values["survival"] = sg.outputs(view, both, ref)["survival"]
        if clamp_s6k:
            values["pS6K"] = readouts(state, both, stacked.occ_frb, ref)["pS6K"]
        for name, (t, u) in values.items():
            series.setdefault(name, []).append(float(t / u) if u > 0 else math.nan)
    return {"times_h": times, **{k: np.asarray(v) for k, v in series.items()}}


def absolute_outputs_course(
    concentrations_nM: Mapping[str, float],
    hours: float,
    cell_type: str,
    overrides: Mapping[str, float] | None = None,
    library: DrugLibrary | None = None,
    ref: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Hourly cell outputs (:func:`model.signaling.outputs`, 1 = reference epithelial cell,
    whose levels are ``ref``; default the shipped reference) of one cell type under drugs, and
    of its untreated twin: keys ``<output>`` and ``<output>_untreated``, plus ``times_h``
    (0..hours)."""
    params, inputs, treated = _cell_under_drugs(concentrations_nM, cell_type, overrides, library)
    both = {k: np.array([v, v], dtype=float) for k, v in params.items()}
    state = sg.new_state(2, both, inputs)
    stacked = sg.Inputs(
        *(np.array([t, u], dtype=float) for t, u in zip(treated, inputs, strict=True))
    )
    out: dict[str, list[float]] = {}
    hours_n = round(hours)
    for i in range(hours_n + 1):
        if i:
            sg.advance(state, both, stacked, 1.0)
        for name, values in sg.outputs(state, both, ref).items():
            out.setdefault(name, []).append(float(values[0]))
            out.setdefault(f"{name}_untreated", []).append(float(values[1]))
    return {
        "times_h": np.arange(hours_n + 1, dtype=float),
        **{k: np.asarray(v) for k, v in out.items()},
    }


COHORTS = 512
"""Cohorts of the culture surrogate: the seeded population's age density at this many quantiles."""


def culture_cell_counts(
    concentrations_nM: Mapping[str, float],
    cell_type: str = "epithelial",
    hours: float = 72.0,
    overrides: Mapping[str, float] | None = None,
    library: DrugLibrary | None = None,
    ref: Mapping[str, float] | None = None,
) -> tuple[float, float]:
    """``(N_treated / N0, N_untreated / N0)`` of the culture scenario after ``hours``, in mean
    field: the dish's rules (:class:`model.scenarios.culture.CultureModel`) without its
    randomness or its space.

    The seeded population is :data:`COHORTS` cohorts at the quantiles of the dish's seeding age
    density (:func:`model.fates.powell_age`), each a weight (cells per seeded cell), a mass and
    a cycle position. Every hour, as in the dish: the pericellular medium exchanges with the
    bulk and is taken up in proportion to translation (exact exponential step; the dish's
    default medium, :mod:`model.culture_medium`); one signalling update of a
    cell sensing that medium (the drugs' action held from 0 h); growth and the cycle with exact
    timing (:func:`model.fates.grow_and_cycle`, always room to divide: a sparse dish with
    pushing, ``push_radius``); weights decay at the death hazard
    (:func:`model.fates.death_hazard_per_h`); a cohort that divides doubles its weight, halves
    its mass and restarts G1 with :func:`model.fates.division_carry`. Cells already in S/G2/M
    at drug start finish their division, and a cell's size reserve carries into the next
    generation, as in the dish. What it leaves out: crowding (a dish seeded to stay
    subconfluent), the fresh medium of a site a daughter moves into, the dish's sampling noise.

    Each cohort stands for the ages of its share of the density (a span of ``1 / (K f(a))``
    hours), so the count at the end takes the divided part of a cohort dividing within half a
    span of ``hours`` (:func:`_count_at_end`): without it the count moves in steps of one
    cohort as a drug moves division times, and is flat in between.

    ``ref``: the reference cell's levels that translation and the other cell outputs are
    relative to (:func:`model.signaling.reference_levels_of`; default the shipped reference).
    """
    params, inputs, treated = _cell_under_drugs(concentrations_nM, cell_type, overrides, library)
    _, input_over = split_overrides(overrides or {})
    bulk = float(input_over.get("amino_acids", medium.NUTRIENT_LEVEL))
    k_ex = medium.NUTRIENT_EXCHANGE_PER_H
    uptake = medium.NUTRIENT_UPTAKE_PER_H
    both = {k: np.array([v, v], dtype=float) for k, v in params.items()}
    state = sg.new_state(2, both, inputs._replace(amino_acids=bulk))
    stacked = sg.Inputs(
        *(np.array([t, u], dtype=float) for t, u in zip(treated, inputs, strict=True))
    )
    p = CycleParams()
    age = powell_age((np.arange(COHORTS) + 0.5) / COHORTS, p)
    cycle_h = p.g1_min_h + p.sg2m_h
    density = 2.0 * math.log(2.0) / cycle_h * 2.0 ** (-age / cycle_h)  # Powell 1956, 1/h
    span_h = np.broadcast_to(1.0 / (COHORTS * density), (2, COHORTS))
    cohorts = {
        "mass": np.zeros((2, COHORTS)),
        "g1_progress": np.zeros((2, COHORTS)),
        "phase": np.zeros((2, COHORTS), dtype=np.int8),
        "phase_timer_h": np.zeros((2, COHORTS)),
    }
    place_at_age(cohorts, slice(None), np.broadcast_to(age, (2, COHORTS)), p)
    weight = np.full((2, COHORTS), 1.0 / COHORTS)
    nutrient = np.array([bulk, bulk])
    dt_h = 1.0
    for _ in range(round(hours / dt_h)):
        rate = k_ex + uptake * np.clip(sg.translation_rate(state, ref), 0.0, None)
        decay = np.exp(-rate * dt_h)
        nutrient = nutrient * decay + k_ex * bulk * (1.0 - decay) / rate
        sg.advance(state, both, stacked._replace(amino_acids=nutrient), dt_h)
        out = {k: v[:, None] for k, v in sg.outputs(state, both, ref).items()}
        fed = nutrient_factor(np.clip(nutrient, 0.0, None))[:, None]
        divide = grow_and_cycle(cohorts, out, fed, True, dt_h, p, exact_timing=True)
        g1_carry, mass_carry = division_carry(cohorts, out, fed, dt_h, p)
        weight *= np.exp(-death_hazard_per_h(out, fed, p) * dt_h)
        weight[divide] *= 2.0
        overshoot_h = np.where(divide, cohorts["phase_timer_h"] - p.sg2m_h, np.inf)
        cohorts["mass"][divide] = 0.5 * cohorts["mass"][divide] + mass_carry[divide]
        cohorts["g1_progress"][divide] = g1_carry[divide]
        cohorts["phase"][divide] = 0
        cohorts["phase_timer_h"][divide] = 0.0
    treated_n, untreated_n = _count_at_end(weight, cohorts, overshoot_h, span_h, p).sum(axis=1)
    return float(treated_n), float(untreated_n)


def _count_at_end(weight, cohorts, overshoot_h, span_h, p: CycleParams) -> np.ndarray:
    """Cells per cohort at the end, each cohort spread evenly over its age span ``span_h``.

    A cohort whose centre divided ``overshoot_h`` ago, or will in ``s`` hours, with
    ``overshoot_h`` or ``s`` under half its span, has the share ``1/2 + overshoot_h / span``
    (``1/2 - s / span``) of its cells divided: it counts ``1 + share`` times its undivided
    weight. Continuous as a division time crosses the end, equal to the point count outside.
    """
    count = weight.copy()
    half = 0.5 * span_h
    divided = overshoot_h < half
    count[divided] *= (1.5 + overshoot_h[divided] / span_h[divided]) / 2.0
    to_go = p.sg2m_h - cohorts["phase_timer_h"]
    pending = (cohorts["phase"] == 1) & (to_go < half)
    count[pending] *= 1.5 - to_go[pending] / span_h[pending]
    return count


def culture_growth_inhibition(
    concentrations_nM: Mapping[str, float],
    cell_type: str = "epithelial",
    hours: float = 72.0,
    overrides: Mapping[str, float] | None = None,
    library: DrugLibrary | None = None,
    ref: Mapping[str, float] | None = None,
) -> float:
    """72-h growth inhibition (NCI-60 convention, as the culture scenario's readout):
    ``1 - (N - N0) / (N_untreated - N0)`` in mean field (:func:`culture_cell_counts`, with the
    reference levels ``ref``).

    Raises:
        InputError: the untreated culture does not grow (no inhibition to measure).
    """
    n_treated, n_untreated = culture_cell_counts(
        concentrations_nM, cell_type, hours, overrides, library, ref
    )
    if n_untreated <= 1.0:
        raise InputError(
            f"cell type {cell_type!r} does not grow untreated; no inhibition to measure"
        )
    return 1.0 - (n_treated - 1.0) / (n_untreated - 1.0)


def concentration_for_effect(effect, target: float, lo_nM: float, hi_nM: float) -> float | None:
    """Concentration (nM) at which an increasing ``effect(conc)`` crosses ``target``.

    Bisection in log-concentration; None when ``target`` is not bracketed by [lo, hi].
    """
    f_lo, f_hi = effect(lo_nM) - target, effect(hi_nM) - target
    if f_lo > 0 or f_hi < 0:
        return None
    for _ in range(30):
        mid = math.sqrt(lo_nM * hi_nM)
        if effect(mid) < target:
            lo_nM = mid
        else:
            hi_nM = mid
        if hi_nM / lo_nM < 1.01:
            break
    return math.sqrt(lo_nM * hi_nM)
