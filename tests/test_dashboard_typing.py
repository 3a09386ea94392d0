"""Typing into a sidebar field survives a re-render of the page before the field is left.

The dashboard's text fields commit what was typed when the field is left (focus out or
Enter). Until then the typed text lives only in the field. A re-render in between (the
previous field's commit arriving late on a busy machine, the play clock, a run finishing)
used to write the field's committed value back over the typing, so keystrokes were lost:
browser tests saw a label typed as "ctrl-arm" arrive as "arm". Here a field is typed into,
the page re-renders, and the typing must still be there, then committed as typed.
"""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from mtor_abm.model.pharmacology import load_library
from mtor_abm.visualization.dashboard.controls import (
    CompareInputs,
    NumberField,
    ParameterInputs,
)
from mtor_abm.visualization.dashboard.state import ArmSpec


def _render(body):
    tick = solara.reactive(0)

    @solara.component
    def Page():
        solara.Text(f"render {tick.value}")
        body()

    _, rc = solara.render(Page(), handle_error=False)
    return rc, tick


@pytest.mark.parametrize("whole", [False, True])
def test_a_number_field_keeps_its_typing_through_a_rerender(whole):
    value = solara.reactive(5 if whole else 5.0)
    rc, tick = _render(lambda: NumberField("Dose (mg)", value.value, value.set, whole=whole))
    field = rc.find(v.TextField, label="Dose (mg)").widget
    field.v_model = "12"  # typed, not yet committed
    tick.set(tick.value + 1)  # something else re-renders the page
    assert rc.find(v.TextField, label="Dose (mg)").widget.v_model == "12"
    assert value.value == (5 if whole else 5.0)  # nothing committed before the field is left
    field.fire_event("focusout")
    assert value.value == 12 and isinstance(value.value, int if whole else float)
    tick.set(tick.value + 1)
    assert rc.find(v.TextField, label="Dose (mg)").widget.v_model == ("12" if whole else "12.0")


def test_enter_commits_and_an_outside_change_shows_when_nothing_is_typed():
    value = solara.reactive(5.0)
    rc, _ = _render(lambda: NumberField("Dose (mg)", value.value, value.set))
    field = rc.find(v.TextField, label="Dose (mg)").widget
    field.v_model = "7.5"
    field.fire_event("keyup.enter")
    assert value.value == 7.5
    value.set(2.0)  # e.g. Reset or a link loaded
    assert rc.find(v.TextField, label="Dose (mg)").widget.v_model == "2.0"


def test_a_compare_label_and_a_scenario_parameter_keep_their_typing():
    lib = load_library()
    compare = solara.reactive([ArmSpec("a", "none"), ArmSpec("b", "sirolimus")])
    params = solara.reactive({})

    def body():
        CompareInputs(lib, compare, "culture")
        ParameterInputs("culture", params.value, params.set)

    rc, tick = _render(body)
    label = rc.find(v.TextField, label="Arm 1 label").widget
    width = rc.find(v.TextField, label="width (sites)").widget
    label.v_model = "ctrl-arm"
    width.v_model = "60"
    tick.set(tick.value + 1)
    assert rc.find(v.TextField, label="Arm 1 label").widget.v_model == "ctrl-arm"
    assert rc.find(v.TextField, label="width (sites)").widget.v_model == "60"
    label.fire_event("focusout")
    width.fire_event("focusout")
    assert compare.value[0].label == "ctrl-arm"
    assert params.value["width"] == 60


def test_passing_through_a_field_commits_nothing():
    """Tabbing through a field (focus in, focus out, nothing typed) must not commit its shown
    text: the regime's loading-dose field shows 0.0 while the dose is invalid, and committing
    that would turn the drug's scaled loading dose into a typed "none"."""
    seen = []
    value = solara.reactive(5.0)
    rc, _ = _render(lambda: NumberField("Dose (mg)", value.value, seen.append))
    field = rc.find(v.TextField, label="Dose (mg)").widget
    field.fire_event("focusout")
    field.fire_event("keyup.enter")
    assert seen == []
