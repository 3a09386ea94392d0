"""A bad number in a sidebar field: the message names the field as the page labels it, the
field itself is marked, and the message follows what the field now holds.

The fresh-user trial typed -1 in Explore's dose: the page read "error: dose_mg must be a
number in [0, 10000] mg, got -1.0" (a name the page never shows) with the field unmarked;
after typing "abc" the field said "Value must be a number" while the banner still said
"got -1.0". The regime inputs are rendered with Solara's test renderer and edited on their
widgets, as typing and leaving a field does.
"""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from mtor_abm.model.pharmacology import REGIME_DOMAINS, load_library
from mtor_abm.visualization.dashboard.controls import (
    FIELD_LABELS,
    RegimeInputs,
    arms_problem,
    parse_number,
    regime_problem,
    whole_in,
)
from mtor_abm.visualization.dashboard.state import ArmSpec, scenario_arm


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_the_message_names_the_field_as_labelled_and_what_it_holds(lib):
    allowed = REGIME_DOMAINS["dose_mg"].describe()
    assert allowed == "[0, 10000] mg"
    arm = ArmSpec("this run", "sirolimus", dose_mg=-1.0, schedule="daily")
    assert regime_problem(arm, "transplant", lib) == (
        "dose_mg",
        f"Dose (mg) must be a number in {allowed}, got -1",
    )
    typed = ArmSpec("this run", "sirolimus", dose_mg=parse_number("abc"), schedule="daily")
    assert regime_problem(typed, "transplant", lib) == (
        "dose_mg",
        f"Dose (mg) must be a number in {allowed}, got 'abc'",
    )
    late = ArmSpec("b", "sirolimus", start_day=-2.0)
    assert arms_problem([ArmSpec("a"), late], "transplant", lib, compare=True) == (
        f"Arm 2 Start day (day) must be a number in {REGIME_DOMAINS['start_day'].describe()}, "
        "got -2"
    )
    assert regime_problem(scenario_arm("s", "sirolimus", "transplant"), "transplant", lib) is None
    assert parse_number(" 2.5 ") == 2.5 and parse_number("nan") == "nan"


def test_a_whole_number_field_names_itself():
    with pytest.raises(Exception, match=r"^Seed must be a whole number from 0 to 9, got 'x'$"):
        whole_in("x", "Seed", 0, 9)
    assert whole_in(3, "Seed", 0, 9) == 3


class Page:
    def __init__(self, lib, arm: ArmSpec):
        self.arm = solara.reactive(arm)

        @solara.component
        def Inputs():
            RegimeInputs(lib, self.arm.value, self.arm.set, "transplant")

        _, self.rc = solara.render(Inputs(), handle_error=False)

    def widget(self, label: str):
        return self.rc.find(v.TextField, label=label).widget

    def type(self, label: str, text: str) -> None:
        widget = self.widget(label)
        widget.v_model = text
        widget.fire_event("focusout")


def test_the_field_is_marked_and_follows_what_was_typed(lib):
    page = Page(lib, scenario_arm("this run", "sirolimus", "transplant"))
    dose = FIELD_LABELS["dose_mg"]
    assert not page.widget(dose).error
    page.type(dose, "-1")
    assert page.arm.value.dose_mg == -1.0
    assert page.widget(dose).error
    assert page.widget(dose).messages == ["Dose (mg) must be a number in [0, 10000] mg, got -1"]
    page.type(dose, "abc")
    assert page.arm.value.dose_mg == "abc"
    assert page.widget(dose).v_model == "abc"
    assert "got 'abc'" in page.widget(dose).messages[0]
    page.type(dose, "3")
    assert page.arm.value.dose_mg == 3.0 and not page.widget(dose).error
