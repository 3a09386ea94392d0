"""The sidebar's inputs: play controls, scenario parameters, one arm's regime, compare arms."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from types import MappingProxyType

import solara

from mtor_abm.model.errors import InputError
from mtor_abm.model.regimes import in_vitro_conc_nM
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import defaults
from mtor_abm.visualization.dashboard.play import SPEEDS
from mtor_abm.visualization.dashboard.state import (
    MAX_ARMS,
    SCHEDULES,
    ArmSpec,
    make_regime,
    scenario_arm,
)
from mtor_abm.visualization.dashboard.textfield import DraftText


@solara.component
def PlayControls(run, playing, speed, set_speed, on_step, on_reset, at_end: bool):
    """Play, pause, step and reset; Play and Step are off at the run's end (``at_end``: a
    lesson's length, or the scenario's until the user runs on)."""
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["mtor-play-controls"]):
        solara.Button(
            "Play",
            icon_name="mdi-play",
            on_click=lambda: playing.set(True),
            disabled=playing.value or run is None or at_end,
            color="primary",
        )
        solara.Button(
            "Pause",
            icon_name="mdi-pause",
            on_click=lambda: playing.set(False),
            disabled=not playing.value,
        )
        solara.Button(
            "Step",
            icon_name="mdi-step-forward",
            on_click=on_step,
            disabled=playing.value or run is None or at_end,
        )
        solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset)
    solara.Select("Speed", values=list(SPEEDS), value=speed, on_value=set_speed)


@solara.component
def ParameterInputs(scenario: str, params: dict, set_params, error: str | None = None):
    """One input per documented scenario parameter, labelled with its unit (if it has one);
    ``error``: the page's message, shown under the parameter it names (``width must be at
    least 20 sites, got -3``)."""
    cls = SCENARIOS[scenario].scenario_class
    values = {**defaults(cls), **params}
    for name, doc in cls.PARAMETERS.items():
        label = f"{name} ({doc.unit})" if doc.unit and doc.unit.strip("() ") else name
        value = values[name]

        def set_value(v, name=name):
            set_params({**params, name: v})

        if doc.choices:
            solara.Select(label, values=list(doc.choices), value=str(value), on_value=set_value)
        elif isinstance(value, bool):
            solara.Checkbox(label=label, value=value, on_value=set_value)
        elif isinstance(value, int | float | str) and isinstance(getattr(cls, name), int | float):
            mine = error if isinstance(error, str) and error.startswith(f"{name} ") else None
            whole = isinstance(getattr(cls, name), int)
            NumberField(label, value=value, on_value=set_value, error=mine, whole=whole)
        else:
            DraftText(label, value=str(value), on_value=set_value)
        solara.Text(doc.help, style={"font-size": "12px", "color": "#666", "margin-top": "-14px"})


def shown_loading_dose(arm: ArmSpec, library, scenario: str) -> float:
    """The loading dose, mg, the arm's regime gives (0: none), shown in its field.

    A dose or schedule edit leaves the arm's own loading dose as it is, so one the visitor did
    not type follows :func:`model.regimes.build_regime`'s rule as ``mtor-sim run --dose``
    does: the drug's loading dose scaled to the new dose on the drug's schedule (sirolimus 5 mg
    daily: 15 mg), none on another schedule; a typed one (0: none) is kept.
    """
    try:
        return make_regime(arm, scenario, library).loading_dose_mg or 0.0
    except InputError:
        return arm.loading_dose_mg or 0.0


FIELD_LABELS = MappingProxyType(
    {
        "dose_mg": "Dose (mg)",
        "loading_dose_mg": "Loading dose (mg, first dose; 0 = none)",
        "conc_nM": "Held concentration (nM)",
        "start_day": "Start day (day)",
    }
)
"""A regime field's label in the sidebar: what a message about the field calls it."""
_FIELD_AT_START = re.compile(rf"^({'|'.join(FIELD_LABELS)})\b")


def regime_problem(arm: ArmSpec, scenario: str, library) -> tuple[str | None, str] | None:
    """What is wrong with an arm's regime, in the sidebar's words: (field, message), field
    None when the message names no one field; None when the regime is valid.

    ``dose_mg must be a number in [0, 10000] mg, got -1.0`` reads ``Dose (mg) must be a number
    in [0, 10000] mg, got -1`` (a typed value as typed: -1, 'abc')."""
    try:
        make_regime(arm, scenario, library)
    except InputError as err:
        text = str(err)
        match = _FIELD_AT_START.match(text)
        if match is None:
            return None, text
        field = match.group(1)
        value = getattr(arm, field, None)
        if isinstance(value, float) and ", got " in text:
            text = text[: text.rindex(", got ")] + f", got {value:g}"
        rest = re.sub(r"^ \(--[a-z-]+\)", "", text[match.end() :])  # the page has no flags
        return field, FIELD_LABELS[field] + rest
    return None


def arms_problem(arms: list[ArmSpec], scenario: str, library, compare: bool) -> str | None:
    """The first arm's regime problem as the page's one line (``Arm 2 Dose (mg) must be
    ...`` in Compare, where each field's label starts with its arm), or None."""
    for i, arm in enumerate(arms):
        problem = regime_problem(arm, scenario, library)
        if problem is not None:
            _, message = problem
            return f"Arm {i + 1} {message}" if compare else message
    return None


def parse_number(text: str) -> float | str:
    """A field's text as a finite float, or the text itself when it is no number (the regime
    then refuses it naming the field, so the page says what the field now holds)."""
    try:
        value = float(text.strip())
    except (ValueError, AttributeError):
        return text
    return value if math.isfinite(value) else text


def parse_whole(text: str) -> int | float | str:
    """A field's text as an int; else as :func:`parse_number` reads it (3.5 stays 3.5, so
    the message can say a whole number was wanted)."""
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return parse_number(text)


def whole_in(value, label: str, low: int, high: int) -> int:
    """``value`` when it is an int in [low, high], else InputError naming the field by its
    ``label`` (``Seed ... must be a whole number from 0 to ..., got 'abc'``)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{label} must be a whole number from {low} to {high}, got {value!r}")
    return value


@solara.component
def NumberField(label: str, value, on_value, error: str | None = None, whole: bool = False):
    """A number input that passes on what was typed (a float, an int when ``whole``, or the
    text when it is no number: see :func:`parse_number`) when the field is left, and shows
    ``error`` under itself (the field marked red)."""
    parse = parse_whole if whole else parse_number
    shown = value if isinstance(value, str) else str(value) if whole else str(float(value))
    DraftText(label, value=shown, on_value=lambda text: on_value(parse(text)), error=error or False)


DISH_DOSING = (
    "A dish has no pharmacokinetics: its medium follows the blood curve this regime gives "
    "a patient. Schedule 'fixed' holds a medium concentration."
)


@solara.component
def RegimeInputs(library, arm: ArmSpec, set_arm, scenario: str, prefix: str = ""):
    """Drug, schedule, dose or held concentration, loading dose and start day of one arm; an
    edit changes its own field and keeps the others (a new drug keeps the start day)."""
    drug = library.drug(arm.drug)
    problem = regime_problem(arm, scenario, library)
    errors = {problem[0]: problem[1]} if problem and problem[0] else {}
    solara.Select(
        f"{prefix}Drug",
        values=list(library),
        value=arm.drug,
        on_value=lambda d: set_arm(scenario_arm(arm.label, d, scenario, arm.start_day)),
    )
    if arm.drug == "none":
        return
    fixed = drug.fixed_only or (arm.schedule or drug.default_schedule) == "fixed"
    if not drug.fixed_only:
        solara.Select(
            f"{prefix}Schedule",
            values=list(SCHEDULES),
            value=arm.schedule or drug.default_schedule,
            on_value=lambda s: set_arm(replace(arm, schedule=s)),
        )
    if fixed:
        NumberField(
            f"{prefix}{FIELD_LABELS['conc_nM']}",
            value=arm.conc_nM if arm.conc_nM is not None else in_vitro_conc_nM(library, arm.drug),
            on_value=lambda v: set_arm(replace(arm, conc_nM=v)),
            error=errors.get("conc_nM"),
        )
    else:
        if SCENARIOS[scenario].in_vitro:  # a dish has no PK of its own
            solara.Text(DISH_DOSING, classes=["mtor-dish-dosing"])
        NumberField(
            f"{prefix}{FIELD_LABELS['dose_mg']}",
            value=arm.dose_mg if arm.dose_mg is not None else drug.default_dose_mg,
            on_value=lambda v: set_arm(replace(arm, dose_mg=v)),
            error=errors.get("dose_mg"),
        )
        NumberField(
            f"{prefix}{FIELD_LABELS['loading_dose_mg']}",
            value=shown_loading_dose(arm, library, scenario),
            on_value=lambda v: set_arm(replace(arm, loading_dose_mg=v)),
            error=errors.get("loading_dose_mg"),
        )
    start = arm.start_day if arm.start_day is not None else SCENARIOS[scenario].default_start_day
    NumberField(
        f"{prefix}{FIELD_LABELS['start_day']}",
        value=start,
        on_value=lambda v: set_arm(replace(arm, start_day=v)),
        error=errors.get("start_day"),
    )


def arm_setter(compare, i: int):
    """The function that writes arm ``i`` of the reactive list ``compare`` (and only it); a
    new drug with the old label takes the drug's name as its label."""

    def set_arm(new: ArmSpec):
        values = list(compare.value)
        old = values[i]
        if new.drug != old.drug and new.label == old.label:
            new = replace(new, label=new.drug if new.drug != "none" else "untreated")
        values[i] = new
        compare.set(values)

    return set_arm


@solara.component
def CompareInputs(library, compare, scenario: str):
    """Two to four arms on the same seed; each has its own label and regime."""
    arms = list(compare.value)
    solara.Text("Arms (same seed, same starting tissue)", style={"font-weight": "600"})
    for i, arm in enumerate(arms):
        set_arm = arm_setter(compare, i)
        with solara.Details(f"Arm {i + 1}: {arm.label}", expand=i < 2):
            DraftText(
                f"Arm {i + 1} label",
                value=arm.label,
                on_value=lambda v, set_arm=set_arm, i=i: set_arm(
                    replace(compare.value[i], label=v or f"arm {i + 1}")
                ),
            )
            RegimeInputs(library, arm, set_arm, scenario, prefix=f"Arm {i + 1} ")
    with solara.Row():
        solara.Button(
            "Add arm",
            disabled=len(arms) >= MAX_ARMS,
            on_click=lambda: compare.set([*arms, scenario_arm("sirolimus", "sirolimus", scenario)]),
        )
        solara.Button(
            "Remove arm", disabled=len(arms) <= 2, on_click=lambda: compare.set(arms[:-1])
        )
