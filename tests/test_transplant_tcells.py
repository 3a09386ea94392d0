"""T-cell differentiation rules of the transplant scenario (model.scenarios.transplant_tcells).

Right values: competing hazards ``a`` and ``b`` over ``dt`` give an event with probability
``1 - exp(-(a + b) dt)``, a share ``a / (a + b)`` of them the first kind; the memory share left
by a contraction is ``k / (k + d)`` for a transition hazard ``k`` against a death hazard ``d``
(Murali-Krishna 1998 Immunity 8:177: ~5-10 % of the effectors survive as memory).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mtor_abm.agents.transplant import EFFECTOR, MEMORY, NAIVE, TREG
from mtor_abm.model import signaling as sg
from mtor_abm.model.pharmacology import UNTREATED
from mtor_abm.model.scenarios.transplant import TransplantModel, TransplantScenario
from mtor_abm.model.scenarios.transplant_tcells import (
    TCellParams,
    activated_reference,
    death_hazard,
    mtorc1_output,
    subset_transitions,
)

N = 200_000


def _transitions(mtor: float, tcr: float, dt_h: float, subset: int = EFFECTOR, nfat=1.0):
    p = TCellParams()
    rng = np.random.default_rng(1)
    cells = np.full(N, subset, dtype=np.int8)
    out = subset_transitions(cells, np.full(N, tcr), np.full(N, mtor), nfat, rng, p, dt_h)
    return p, out


def test_effectors_without_mtorc1_turn_memory_or_treg_at_their_competing_hazards():
    """No mTORC1, full TCR, 24 h: the event share and the Treg share of events are exact."""
    p, out = _transitions(mtor=0.0, tcr=1.0, dt_h=24.0)
    a, b = p.memory_transition_per_h, p.foxp3_induction_per_h
    changed = np.mean(out != EFFECTOR)
    assert changed == pytest.approx(-math.expm1(-(a + b) * 24.0), abs=4 / math.sqrt(N))
    treg_share = np.sum(out == TREG) / np.sum(out != EFFECTOR)
    assert treg_share == pytest.approx(b / (a + b), abs=0.02)
    assert set(np.unique(out)) == {EFFECTOR, MEMORY, TREG}


def test_full_mtorc1_holds_effectors_and_other_subsets_never_change():
    """mTORC1 at the activated level: no transition; naive, memory and Tregs are kept."""
    _, out = _transitions(mtor=1.0, tcr=1.0, dt_h=24.0)
    assert np.all(out == EFFECTOR)
    for subset in (NAIVE, MEMORY, TREG):
        _, out = _transitions(mtor=0.0, tcr=1.0, dt_h=24.0, subset=subset)
        assert np.all(out == subset)


def test_foxp3_induction_needs_the_tcr_and_memory_transition_does_not():
    """Without TCR signal effectors still become memory, never induced Tregs (Sauer 2008)."""
    p, out = _transitions(mtor=0.0, tcr=0.0, dt_h=24.0)
    assert not np.any(out == TREG)
    expected = -math.expm1(-p.memory_transition_per_h * 24.0)
    assert np.mean(out == MEMORY) == pytest.approx(expected, abs=4 / math.sqrt(N))


def test_a_calcineurin_block_stops_foxp3_induction_not_the_memory_transition():
    """Cyclosporine blocks FoxP3 induction, rapamycin does not (Kopf 2007; I3): with NFAT
    fully blocked no effector turns Treg, and memory follows its own hazard exactly."""
    p, out = _transitions(mtor=0.0, tcr=1.0, dt_h=24.0, nfat=0.0)
    assert not np.any(out == TREG)
    expected = -math.expm1(-p.memory_transition_per_h * 24.0)
    assert np.mean(out == MEMORY) == pytest.approx(expected, abs=4 / math.sqrt(N))


def test_contraction_leaves_five_to_ten_percent_memory():
    """A withdrawn effector (no antigen, no IL-2): the model's own pS6K and death hazard give a
    memory share k (1 - mTOR) / (k (1 - mTOR) + death) of 5-10 % (Murali-Krishna 1998)."""
    p = TCellParams()
    params = sg.cell_type_params("tcell")
    state = sg.new_state(1, params, sg.Inputs(growth_factor=p.gf_rest))
    mtor = float(mtorc1_output(state["s6k"], activated_reference(p))[0])
    death = float(death_hazard(np.array([EFFECTOR]), np.zeros(1), np.zeros(1), p)[0])
    k = p.memory_transition_per_h * (1.0 - mtor)
    assert 0.05 <= k / (k + death) <= 0.10


def test_natural_tregs_enter_with_the_precursors_from_the_start():
    """Natural Tregs arrive from 0 h, about natural_tregs_per_naive per naive precursor."""
    scenario = TransplantScenario(
        rng=2, width=24, height=24, graft_radius=4, donor_apcs=0, naive_entry_per_day=500.0
    )
    model = TransplantModel(scenario, UNTREATED)
    for _ in range(24):
        model.step()
    naive, tregs = model.counters["allo_entered"], model.counters["natural_tregs_entered"]
    expected = TCellParams().natural_tregs_per_naive * naive
    assert abs(tregs - expected) < 4.0 * math.sqrt(expected)
    assert np.sum(model.tcells["subset"] == TREG) > 0


def test_tacrolimus_in_excess_reverses_sirolimus_in_t_cells():
    """FKBP12 competition in the T-cell (FKBP12-rich): tacrolimus at 100-fold molar excess over
    sirolimus 1 nM gives back at least half of the G1->S signal that sirolimus took away in an
    activated T-cell after 24 h (Dumont 1990 J Immunol 144:1418: FK-506 and rapamycin are
    reciprocal antagonists of murine T-cell proliferation; Bierer 1990 PNAS 87:9231), and
    pS6K rises too."""
    from mtor_abm.model.pharmacology import load_library, target_occupancy

    p = TCellParams()
    params = sg.cell_type_params("tcell")
    ref = activated_reference(p)
    library = load_library()
    gf = p.gf_rest + p.gf_tcr + p.gf_il2

    def relative(drugs):
        state = sg.new_state(1, params, sg.Inputs(growth_factor=gf))
        occ, inh1, inh2 = target_occupancy(drugs, params["fkbp12_level"], library)
        inputs = sg.Inputs(growth_factor=gf, occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2)
        sg.advance(state, params, inputs, 24.0)
        prolif = float(sg.outputs(state, params)["proliferation"][0]) / ref["proliferation"]
        return prolif, float(state["s6k"][0]) / ref["s6k"]

    (prolif_alone, s6k_alone) = relative({"sirolimus": 1.0})
    (prolif_mixed, s6k_mixed) = relative({"sirolimus": 1.0, "tacrolimus": 100.0})
    assert prolif_mixed - prolif_alone >= 0.5 * (1.0 - prolif_alone)
    assert s6k_mixed > s6k_alone
