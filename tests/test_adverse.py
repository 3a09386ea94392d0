"""The adverse-effect panel: indices from a regime's exposure in reference cell types."""

from __future__ import annotations

import numpy as np
import pytest

from mtor_abm.model import signaling as sg
from mtor_abm.model.adverse import ADVERSE_KEYS, adverse_panel
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    UNTREATED,
    Regime,
    calcineurin_inhibition,
    load_library,
    target_occupancy,
)
from mtor_abm.model.regimes import build_regime

SIROLIMUS_DAILY = Regime("sirolimus", 2.0, "daily")


def glucose(regime: Regime, days: float) -> float:
    return adverse_panel(regime, days)["glucose_intolerance"]


def test_untreated_panel_is_exactly_one():
    assert adverse_panel(UNTREATED, 5) == dict.fromkeys(ADVERSE_KEYS, 1.0)


def test_daily_sirolimus_glucose_intolerance_builds_over_weeks_not_after_one_dose():
    """Chronic rapamycin disrupts hepatic mTORC2 and causes glucose intolerance
    after days to weeks of daily dosing, not after one dose (Lamming 2012 Science 335:1638;
    Sarbassov 2006 Mol Cell 22:159)."""
    day1, day14, day28 = (glucose(SIROLIMUS_DAILY, d) for d in (1, 14, 28))
    assert day1 <= 1.0  # acute feedback relief even raises AKT-S473
    assert day14 > 1.3
    assert day28 >= day14


def test_intermittent_sirolimus_spares_glucose_tolerance():
    """Less glucose intolerance when the same dose is given every 5 days
    (Arriola Apelo 2016 J Gerontol 71:876)."""
    intermittent = Regime("sirolimus", 2.0, "every_5d")
    assert glucose(intermittent, 28) < glucose(SIROLIMUS_DAILY, 28) - 0.1


def test_rapalog_raises_lipids_infection_risk_and_wound_delay():
    """Hyperlipidaemia (Afinitor label), infections (RECORD-1) and
    impaired wound healing (Dean 2004 Transplantation 77:1555) all rise on rapalogs."""
    panel = adverse_panel(Regime("everolimus", 10.0, "daily"), 14)
    assert panel["hyperlipidemia"] > 1.2
    assert panel["infection_risk"] > 1.5
    assert panel["wound_healing_delay"] > 1.1


def test_dual_inhibitor_impairs_glucose_handling_at_once():
    """ATP-competitive inhibitors block mTORC2 directly, so insulin signalling falls from the
    first day, unlike a rapalog (Rodrik-Outmezguine 2011 Cancer Discov 1:248, S473 collapse)."""
    assert glucose(Regime("sapanisertib", 6.0, "daily"), 1) > 2.0 > glucose(SIROLIMUS_DAILY, 1)


def test_non_positive_days_is_a_clear_error():
    with pytest.raises(InputError, match="days"):
        adverse_panel(SIROLIMUS_DAILY, 0)


def test_panel_averages_the_whole_last_day_when_treatment_starts_inside_it(monkeypatch):
    """Skipping the untreated steps before a late start must not shorten the 24-h average:
    the panel equals the one computed with every step simulated."""
    import mtor_abm.model.adverse as adverse

    late = Regime("everolimus", 10.0, "daily", start_day=4.5)
    skipping = adverse_panel(late, 5)
    monkeypatch.setattr(adverse, "_quiet_spans", lambda regime, steps, window, dt_h: (0, steps))
    assert skipping == pytest.approx(adverse_panel(late, 5), rel=1e-9)


def test_a_calcineurin_inhibitor_raises_infection_risk_through_the_t_cells_nfat_il2():
    """Tacrolimus held at 10 nM for 2 days: the infection index is the T-cell's untreated /
    treated proliferation (averaged over the last day), computed here from the network with the
    calcineurin block of :func:`model.pharmacology.calcineurin_inhibition` on its input (the
    T-cell makes 80 % of its IL-2 through NFAT: Bierer 1990 PNAS 87:9231). The glucose index is
    the beta cell's lost insulin output alone (liver and muscle insulin action untouched:
    tacrolimus does not reach FRB), 1 / (1 - share x block); lipids and wounds stay 1.0."""
    library = load_library()
    panel = adverse_panel(Regime("tacrolimus", 0.0, "fixed", conc_nM=10.0), 2.0, library)
    params = sg.cell_type_params("tcell")
    both = {k: np.array([v, v]) for k, v in params.items()}
    occ, inh1, inh2 = target_occupancy({"tacrolimus": 10.0}, params["fkbp12_level"], library)
    block = calcineurin_inhibition({"tacrolimus": 10.0}, params["fkbp12_level"], library)
    assert 0.5 < block < 1.0 and occ == 0.0
    inputs = sg.Inputs(
        occ_frb=np.array([occ, 0.0]),
        inh_mtorc1=np.array([inh1, 0.0]),
        inh_mtorc2=np.array([inh2, 0.0]),
        inh_calcineurin=np.array([block, 0.0]),
    )
    state = sg.new_state(2, both)
    ratios = []
    for hour in range(48):
        sg.advance(state, both, inputs, 1.0)
        if hour >= 24:
            p = sg.outputs(state, both)["proliferation"]
            ratios.append(p[1] / p[0])
    assert panel["infection_risk"] == pytest.approx(np.mean(ratios), rel=1e-9)
    assert panel["infection_risk"] > 2.0
    beta = calcineurin_inhibition({"tacrolimus": 10.0}, 1.0, library)
    assert panel["glucose_intolerance"] == pytest.approx(1.0 / (1.0 - 0.5 * beta), rel=1e-12)
    for key in ("hyperlipidemia", "wound_healing_delay"):
        assert panel[key] == 1.0


def test_calcineurin_inhibitors_are_diabetogenic_tacrolimus_more_than_cyclosporine():
    """Post-transplant diabetes: calcineurin inhibitors impair the beta cell's insulin output
    (Heit 2006 Nature 443:345), tacrolimus more often than cyclosporine (Heisel 2004 Am J
    Transplant 4:583: 9.8 % vs 2.7 % insulin-dependent). Each at its drug file's clinical
    regime for 14 days; neither touches liver or muscle insulin signalling."""
    library = load_library()
    tac = adverse_panel(build_regime(library, "tacrolimus"), 14, library)
    csa = adverse_panel(build_regime(library, "cyclosporine"), 14, library)
    assert tac["glucose_intolerance"] > csa["glucose_intolerance"] > 1.2
    assert tac["glucose_intolerance"] <= 1.0 / (1.0 - 0.5)  # at most the NFAT share lost
