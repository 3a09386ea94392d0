"""The dashboard's loading dose follows the one regime builder's rule, as the command line.

``mtor-sim run --drug sirolimus --dose 5`` gives 15 mg once then 5 mg daily (the Rapamune
label's loading dose, three times the daily one); the page kept the 6 mg its field showed with
5 mg daily. The regime inputs are rendered without a browser (Solara's test renderer) and a
visitor's edits are made on their widgets, as typing and leaving the field does.
"""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from mtor_abm.model.drugfile import parse_drug
from mtor_abm.model.pharmacology import Regime, dose_times_h, load_library
from mtor_abm.model.regimes import build_regime, describe_regime
from mtor_abm.visualization.dashboard import urlstate
from mtor_abm.visualization.dashboard.controls import RegimeInputs
from mtor_abm.visualization.dashboard.state import ArmSpec, make_regime, scenario_arm

LOADING = "Loading dose (mg, first dose; 0 = none)"


@pytest.fixture(scope="module")
def lib():
    return load_library()


class Page:
    """One arm's regime inputs rendered with Solara's test renderer, and the visitor's edits."""

    def __init__(self, lib, arm: ArmSpec, scenario: str = "transplant"):
        self.arm = solara.reactive(arm)

        @solara.component
        def Inputs():
            RegimeInputs(lib, self.arm.value, self.arm.set, scenario)

        _, self.rc = solara.render(Inputs(), handle_error=False)

    def field(self, label: str) -> str:
        return self.rc.find(v.TextField, label=label).widget.v_model

    def type(self, label: str, text: str) -> None:
        widget = self.rc.find(v.TextField, label=label).widget
        widget.v_model = text
        widget.fire_event("focusout")  # what leaving the field sends

    def pick_schedule(self, schedule: str) -> None:
        self.rc.find(v.Select, label="Schedule").widget.v_model = schedule


def test_a_new_dose_scales_the_loading_dose_as_the_command_line_does(lib):
    drug = lib.drug("sirolimus")
    daily, loading = drug.default_dose_mg, drug.default_loading_dose_mg
    assert (daily, loading, drug.default_schedule) == (2.0, 6.0, "daily")  # Rapamune label
    page = Page(lib, scenario_arm("sirolimus", "sirolimus", "transplant"))
    assert float(page.field(LOADING)) == loading
    page.type("Dose (mg)", "5")
    expected = 5.0 * loading / daily  # the label's ratio: 15 mg once, then 5 mg daily
    assert float(page.field(LOADING)) == pytest.approx(expected)
    regime = make_regime(page.arm.value, "transplant", lib)
    assert regime == build_regime(lib, "sirolimus", dose_mg=5.0)  # what `run --dose 5` builds
    assert describe_regime(regime) == "sirolimus 5 mg daily after a 15 mg loading dose"
    doses, amounts = dose_times_h(regime, 0.0, 72.0)
    assert list(amounts) == pytest.approx([15.0, 5.0, 5.0]) and list(doses) == [0.0, 24.0, 48.0]


def test_another_schedule_leaves_it_out_and_a_typed_one_is_kept(lib):
    page = Page(lib, scenario_arm("sirolimus", "sirolimus", "transplant"))
    page.pick_schedule("weekly")
    assert float(page.field(LOADING)) == 0.0
    assert make_regime(page.arm.value, "transplant", lib).loading_dose_mg is None
    page.pick_schedule("daily")  # back on the drug's schedule: the drug's loading dose again
    assert float(page.field(LOADING)) == 6.0
    page.type(LOADING, "8")
    page.type("Dose (mg)", "3")  # a loading dose the visitor typed stays (as --loading-dose 8)
    assert float(page.field(LOADING)) == 8.0
    assert make_regime(page.arm.value, "transplant", lib).loading_dose_mg == 8.0
    page.type(LOADING, "0")
    page.type("Dose (mg)", "4")  # 0 = none, whatever the dose
    assert float(page.field(LOADING)) == 0.0
    assert make_regime(page.arm.value, "transplant", lib) == build_regime(
        lib, "sirolimus", dose_mg=4.0, loading_dose_mg=0.0
    )


def test_a_shared_link_with_a_dose_and_no_loading_dose_follows_the_same_rule(lib):
    """Links made before this change carry the dose and an empty loading-dose field."""
    for old in ("a|sirolimus|5|daily|0||", "a|sirolimus|5|daily|0|"):  # 7 and 6 fields
        link = "arms=" + (old + ";b|none||||").replace("|", "%7C").replace(";", "%3B")
        arm = urlstate.read(link)["arms"][0]
        assert (arm.dose_mg, arm.loading_dose_mg) == (5.0, None)
        assert make_regime(arm, "culture", lib).loading_dose_mg == pytest.approx(15.0)
    # and an edited arm's link gives back the same arm, so a reload keeps the rule
    edited = ArmSpec("a", "sirolimus", 5.0, "daily", 0.0)
    link = urlstate.query("Compare", "culture", 0, ArmSpec("x"), [edited, ArmSpec("b")], None)
    assert urlstate.read(link)["arms"][0] == edited


def test_a_zero_mg_loading_dose_is_no_loading_dose_everywhere(lib):
    """Built directly, Regime(loading_dose_mg=0) gave a 0 mg first dose (no drug on day 0)
    while the builder, the command line and the page read 0 as none."""
    direct = Regime("sirolimus", 2.0, "daily", loading_dose_mg=0.0)
    assert direct.loading_dose_mg is None
    assert direct == Regime("sirolimus", 2.0, "daily")
    _, amounts = dose_times_h(direct, 0.0, 48.0)
    assert list(amounts) == [2.0, 2.0]  # the first dose is the daily dose, not 0 mg
    assert build_regime(lib, "sirolimus", loading_dose_mg=0.0) == direct
    # a drug file's 0 mg loading dose is none too (its --help line and default regime)
    definition = dict(lib.drug("sirolimus").definition, name="sirolimus0")
    definition["dosing"] = {**definition["dosing"], "loading_dose_mg": 0.0}
    assert parse_drug(definition).default_loading_dose_mg is None
    # 0 is "none" on any schedule, so a continuous infusion may carry it too
    assert Regime("sirolimus", 2.0, "continuous", loading_dose_mg=0.0).loading_dose_mg is None
