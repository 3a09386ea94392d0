"""Adverse-effect panel: the regime's blood exposure driving reference cell types.

The same PK exposure that a scenario's tissue sees is applied to small sets of reference
cells (hepatocyte and myocyte for glucose and lipids, activated T-cell for infection risk,
fibroblast for wound healing), each with an untreated twin. The cells get the regime's FRB
occupancy and kinase inhibition and its calcineurin block (tacrolimus, cyclosporine: the T-cell
makes most of its IL-2 through calcineurin -> NFAT, so a calcineurin inhibitor raises the
infection index through the same network as in the transplant's T-cells). Indices are 1.0 for
untreated and higher is worse; they are averaged over the last day of the exposure window.
They are mechanistic indices, not incidences: they rank regimes and show time courses (e.g.
glucose intolerance building over days of daily rapalog as hepatic mTORC2 erodes: Lamming 2012
Science 335:1638). Calcineurin inhibitors are diabetogenic on their own (post-transplant
diabetes, more with tacrolimus than cyclosporine: Heisel 2004 Am J Transplant 4:583): the beta
cell makes its insulin through calcineurin -> NFAT (insulin gene transcription, beta-cell
growth: Heit 2006 Nature 443:345; tacrolimus lowers insulin mRNA, Redmon 1996 J Clin Invest
98:2786), so the glucose index divides the insulin action of liver and muscle by the beta
cell's insulin output (:data:`BETA_NFAT_INSULIN_SHARE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.exposure import step_exposure
from mtor_abm.model.pharmacology import (
    DrugLibrary,
    Regime,
    calcineurin_inhibition,
    check_regime,
    load_library,
    target_occupancy,
)
from mtor_abm.model.pk_state import CombinedPKState, PKState, pk_state
from mtor_abm.model.species import HUMAN, Subject

#: Reference cells, in array order: (cell type, role).
REFERENCE_CELLS: tuple[tuple[str, str], ...] = (
    ("hepatocyte", "glucose and lipid handling"),
    ("myocyte", "insulin-stimulated glucose uptake"),
    ("tcell", "IL-2-driven clonal expansion against infection"),
    ("fibroblast", "proliferation that closes wounds"),
)

ADVERSE_KEYS = ("glucose_intolerance", "hyperlipidemia", "infection_risk", "wound_healing_delay")

LIPID_MTORC1_WEIGHT = 0.6
"""Rise of the lipid index per unit loss of hepatic mTORC1 output. Assumed: rapalog
hyperlipidaemia (~55-76 % of patients on everolimus, Afinitor label) follows
reduced lipoprotein lipase and raised hepatic lipoprotein secretion
(Houde 2010 Diabetes 59:1338)."""
LIPID_MTORC2_WEIGHT = 0.4
"""Rise of the lipid index per unit loss of hepatic AKT-S473 (insulin resistance raises
hepatic VLDL output). Assumed."""
BETA_NFAT_INSULIN_SHARE = 0.5
"""Share of the beta cell's insulin output that needs calcineurin -> NFAT: with calcineurin
fully blocked, insulin output falls to 1 - this. Assumed from Heit 2006 Nature 443:345
(beta-cell calcineurin loss halves beta-cell mass and insulin content, giving diabetes)."""
BETA_CELL_FKBP12 = 1.0
"""FKBP12 of the beta cell, relative to the reference epithelial cell (tacrolimus blocks
calcineurin through FKBP12). Assumed: the shared cell-type default."""
MAX_DELAY_INDEX = 20.0
"""Upper limit of the ratio indices (1 / relative activity: a cell type fully arrested would
give infinity). The index averaged over the window is limited to it, so a reported value equal
to it means "at least this" (shown as ``≥ 20``), never a measured 20. Assumed."""
CAPPED_KEYS = ("glucose_intolerance", "infection_risk", "wound_healing_delay")
"""The ratio indices limited to :data:`MAX_DELAY_INDEX` (hyperlipidaemia is at most 2)."""


def _reference_arrays():
    """Per-cell parameters for treated (first half) and untreated (second half) references."""
    names = [name for name, _ in REFERENCE_CELLS] * 2
    rows = [sg.cell_type_params(n) for n in names]
    return {k: np.array([r[k] for r in rows]) for k in sg.PARAM_NAMES}


def adverse_panel(
    regime: Regime,
    days: float,
    library: DrugLibrary | None = None,
    dt_h: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
    subject: Subject = HUMAN,
) -> dict[str, float]:
    """Adverse-effect indices for ``regime`` after ``days`` of exposure (1.0 = untreated).

    ``subject``: whose PK turns the regime into blood levels (a patient unless said; a mouse
    cohort's runs pass their mouse, so the panel sees the blood levels the cohort sees, read
    through the same free drug: :meth:`model.druglib.DrugLibrary.acting_nM`).

    Returns ``{"glucose_intolerance", "hyperlipidemia", "infection_risk",
    "wound_healing_delay"}``, each averaged over the last 24 h (or the whole window if shorter).
    The ratio indices (:data:`CAPPED_KEYS`) are at most :data:`MAX_DELAY_INDEX`: the window's
    average is limited to it, so a value equal to it reads "at least that" (at Torin1 250 nM
    the T-cell's relative proliferation falls to ~1e-3, an uncapped index of ~800).
    ``progress(done, total)``, if given, is called with the steps of ``dt_h`` done, once per
    simulated day and at the end. Once a dosing period repeats the previous one
    (:data:`PERIODIC_RTOL`), whole periods are skipped up to the averaging window (or the stop
    day): a 1500-day panel takes ~1-2 s instead of ~10-25 s.
    """
    library = library or load_library()
    check_regime(regime, library)
    if not (np.isfinite(days) and days > 0):
        raise InputError(f"days must be a positive number, got {days}")
    if regime.drug == "none":
        return dict.fromkeys(ADVERSE_KEYS, 1.0)
    params = _reference_arrays()
    n = len(params["fkbp12_level"])
    half = n // 2
    state = sg.new_state(n, params)
    pk = pk_state(regime, library, subject)
    action = _reference_action(params, library, subject)
    steps = max(1, round(days * 24.0 / dt_h))
    window = max(1, round(24.0 / dt_h))
    acc = {k: 0.0 for k in ADVERSE_KEYS}
    counted = 0
    skip_until, resume_from = _quiet_spans(regime, steps, window, dt_h)
    day = max(1, round(24.0 / dt_h))
    cycle = _periodic_cycle(regime, skip_until, steps, window, dt_h)
    previous = None  # the state one dosing period ago, while looking for the periodic state
    i = -1
    while i + 1 < steps:
        i += 1
        if progress is not None and i % day == 0:
            progress(i, steps)
        if cycle is not None and i >= skip_until and (i - skip_until) % cycle.period == 0:
            now = _snapshot(state, pk)
            jump = cycle.jump_from(i)
            if previous is not None and jump > 0 and _repeats(now, previous):
                # Periodic steady state: every later period repeats this one, so whole periods
                # are skipped (only the PK clock moves) up to the last ones before the window.
                pk.advance(jump * dt_h)
                i += jump - 1
                previous = None
                continue
            previous = now
        if i < skip_until or resume_from <= i < steps - window:
            # No drug yet, or long after the last dose: the cells sit at their untreated steady
            # state (or have relaxed back to it), so only the PK clock needs to move.
            pk.advance(dt_h)
            continue
        exposure = step_exposure(pk, dt_h)  # the step's average, as in every model
        occ, inh1, inh2, inh_cn, beta_cn = exposure.mean_action(action, 5)
        inputs = sg.Inputs(occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2, inh_calcineurin=inh_cn)
        sg.advance(state, params, inputs, dt_h)
        if i >= steps - window:
            for key, value in _indices(state, params, occ, half, beta_cn).items():
                acc[key] += value
            counted += 1
    if progress is not None:
        progress(steps, steps)
    out = {k: float(v / counted) for k, v in acc.items()}
    return {k: min(v, MAX_DELAY_INDEX) if k in CAPPED_KEYS else v for k, v in out.items()}


def _reference_action(params, library: DrugLibrary, subject: Subject = HUMAN):
    """The drug action on the reference cells for blood levels ``conc`` (nM by species):
    ``(occ_frb, inh_mtorc1, inh_mtorc2, inh_calcineurin)`` per cell, the treated first half
    exposed and the untreated twins (second half) not, and the treated beta cell's calcineurin
    block (a number), evaluated together so that
    :meth:`model.exposure.StepExposure.mean_action` averages the step once. A blood level is
    read through the ``subject``'s free drug (:meth:`model.druglib.DrugLibrary.acting_nM`)."""
    fkbp12 = params["fkbp12_level"]
    treated = np.arange(len(fkbp12)) < len(fkbp12) // 2

    def action(blood):
        conc = library.acting_nM(blood, subject)
        exposed = {s: np.where(treated, c, 0.0) for s, c in conc.items()}
        occ, inh1, inh2 = target_occupancy(exposed, fkbp12, library)
        beta = calcineurin_inhibition(conc, BETA_CELL_FKBP12, library)
        return occ, inh1, inh2, calcineurin_inhibition(exposed, fkbp12, library), beta

    return action


PERIODIC_RTOL = 1e-9
"""A dosing period after which no signalling variable or PK amount changed by more than this
(relative, plus 1e-12 absolute) counts as the periodic steady state; the panel then skips
whole periods. Checked against the step-by-step panel to 1e-7 relative
(tests/test_adverse_periodic.py)."""


@dataclass(frozen=True)
class _Cycle:
    """Whole dosing periods (``period`` steps) that may be skipped from a step, staying before
    the averaging window and before the stop of dosing (``last`` = first step not skippable)."""

    period: int
    last: int

    def jump_from(self, i: int) -> int:
        """Steps to skip from step ``i``: whole periods, leaving one period before ``last``."""
        return max(0, (self.last - i) // self.period - 1) * self.period


def _periodic_cycle(regime: Regime, start: int, steps: int, window: int, dt_h: float):
    """The regime's dosing cycle in steps, or None when it is not a whole number of steps."""
    period = _period_h(regime) / dt_h
    if period < 1 or abs(period - round(period)) > 1e-9:
        return None
    last = steps - window
    stop_h = max(part.stop_h for part in regime.parts)
    if math.isfinite(stop_h):
        last = min(last, int(stop_h / dt_h))
    return _Cycle(round(period), last) if last > start else None


def _period_h(regime: Regime) -> float:
    """The period (h) after which the regime's dosing repeats: its schedule's, or for a
    combination the least common multiple of its drugs' periods when they are whole hours
    (NaN otherwise: no periodic skipping)."""
    periods = [part.parsed_schedule.period_h for part in regime.parts]
    if len(periods) == 1:
        return periods[0]
    if any(p != round(p) for p in periods):
        return math.nan
    return float(math.lcm(*(round(p) for p in periods)))


def _snapshot(state, pk: PKState | CombinedPKState) -> np.ndarray:
    return np.concatenate([*(np.ravel(v) for v in state.values()), np.ravel(pk.amounts_mg)])


def _repeats(now: np.ndarray, before: np.ndarray) -> bool:
    return bool(np.allclose(now, before, rtol=PERIODIC_RTOL, atol=1e-12))


RELAXATION_DAYS = 60.0
"""After the last dose, signalling is followed for this long (days) before it is taken to be
back at its untreated steady state: mTORC2 re-assembly (~days) and drug elimination (sirolimus
t1/2 ~62 h; ~10 half-lives in 26 days) are over well within it. Assumed."""


def _quiet_spans(regime: Regime, steps: int, window: int, dt_h: float) -> tuple[int, int]:
    """Steps before treatment starts, and the step from which treatment is long over.

    Returns ``(skip_until, resume_from)``: steps ``< skip_until`` and steps in
    ``[resume_from, steps - window)`` need no signalling update.
    """
    start_day = min(part.start_day for part in regime.parts)
    skip_until = min(int(start_day * 24.0 / dt_h), steps - window)
    resume_from = steps
    stops = [part.stop_day for part in regime.parts]
    if None not in stops:
        resume_from = int((max(stops) + RELAXATION_DAYS) * 24.0 / dt_h)
    return max(0, skip_until), resume_from


def _indices(state, params, occ, half: int, beta_cn: float) -> dict[str, float]:
    """Instantaneous indices from treated (first half) vs untreated (second half) cells, and
    the beta cell's calcineurin block ``beta_cn`` (0-1)."""
    out = sg.outputs(state, params)
    rel = {}
    for key, values in (
        ("s473", state["akt_s473"]),
        ("mtorc1", state["mtorc1"] * (1.0 - occ)),
        ("proliferation", out["proliferation"]),
        ("translation", out["translation"]),
    ):
        rel[key] = values[:half] / values[half:]
    hep, myo, tcell, fib = range(4)
    insulin_action = 0.5 * (rel["s473"][hep] + rel["s473"][myo])
    insulin_output = 1.0 - BETA_NFAT_INSULIN_SHARE * float(beta_cn)
    lipids = (
        1.0
        + LIPID_MTORC1_WEIGHT * max(0.0, 1.0 - rel["mtorc1"][hep])
        + LIPID_MTORC2_WEIGHT * max(0.0, 1.0 - rel["s473"][hep])
    )
    repair = 0.5 * (rel["proliferation"][fib] + rel["translation"][fib])
    return {
        "glucose_intolerance": _ratio_index(insulin_action * insulin_output),
        "hyperlipidemia": float(lipids),
        "infection_risk": _ratio_index(rel["proliferation"][tcell]),
        "wound_healing_delay": _ratio_index(repair),
    }


def _ratio_index(relative_activity: float) -> float:
    """1 / relative activity (finite: an activity of 0 counts as 1e-12); the average over the
    window is limited to :data:`MAX_DELAY_INDEX` in :func:`adverse_panel`."""
    return float(1.0 / max(relative_activity, 1e-12))
