"""A mouse dosed per dose gets what was given, never a patient's label dose scaled onto it.

The drug files' default regimes are patients' (sirolimus 2 mg daily after a 6 mg loading
dose, the Rapamune label). A mouse cohort given ``--dose 0.06 --schedule daily`` used to get
the label's three-fold loading dose on day 0 (0.18 mg), and ``--schedule every_5d`` without a
dose the patient's 2 mg (67 mg/kg in a 30 g mouse).
"""

from __future__ import annotations

import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.regimes import build_regime

LIBRARY = load_library()


def test_a_mouse_gets_no_loading_dose_unless_one_is_given():
    daily = build_regime(LIBRARY, "sirolimus", species="mouse", dose_mg=0.06, schedule="daily")
    assert (daily.dose_mg, daily.loading_dose_mg) == (0.06, None)
    given = build_regime(
        LIBRARY, "sirolimus", species="mouse", dose_mg=0.06, schedule="daily", loading_dose_mg=0.1
    )
    assert given.loading_dose_mg == 0.1
    patient = build_regime(LIBRARY, "sirolimus", dose_mg=5.0, schedule="daily")
    assert patient.loading_dose_mg == 15.0  # the label's 3x rule still applies to a patient


def test_a_mouse_schedule_without_a_dose_is_refused_in_one_line(capsys):
    with pytest.raises(InputError) as err:
        build_regime(LIBRARY, "sirolimus", species="mouse", schedule="every_5d")
    message = str(err.value)
    assert "\n" not in message and message.startswith("dose_mg (--dose)")
    assert "patient's dose" in message and "allowed:" in message
    argv = ["run", "aging", "--drug", "sirolimus", "--schedule", "every_5d", "--days", "2"]
    assert main([*argv, "--set", "lattice=2", "--set", "organisms=2"]) != 0
    err_text = capsys.readouterr().err.strip()
    assert err_text.startswith("error: dose_mg (--dose)") and "\n" not in err_text


def test_the_dashboard_doses_a_cohort_as_mice():
    """The dashboard builds a cohort arm's regime as the command line does: a mouse gets no
    patient's default or loading dose, and the sidebar names the dose field without flags."""
    from mtor_abm.visualization.dashboard.controls import regime_problem
    from mtor_abm.visualization.dashboard.state import ArmSpec, make_regime

    arm = ArmSpec("mice", "sirolimus", schedule="daily", dose_mg=0.06)
    assert make_regime(arm, "aging", LIBRARY).loading_dose_mg is None
    assert make_regime(arm, "transplant", LIBRARY).loading_dose_mg == pytest.approx(0.18)
    field, message = regime_problem(
        ArmSpec("mice", "sirolimus", schedule="daily"), "aging", LIBRARY
    )
    assert field == "dose_mg"
    assert message.startswith("Dose (mg) is needed to dose a mouse") and "(--dose)" not in message
