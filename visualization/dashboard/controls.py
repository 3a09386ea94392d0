"""The sidebar's inputs: play controls, scenario parameters, one arm's regime, compare arms."""

from __future__ import annotations

from dataclasses import replace

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
def ParameterInputs(scenario: str, params: dict, set_params):
    """One input per documented scenario parameter, labelled with its unit (if it has one)."""
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
        elif isinstance(value, int):
            solara.InputInt(label, value=value, on_value=set_value, continuous_update=False)
        elif isinstance(value, float):
            solara.InputFloat(label, value=value, on_value=set_value, continuous_update=False)
        else:
            solara.InputText(label, value=str(value), on_value=set_value, continuous_update=False)
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


DISH_DOSING = (
    "A dish has no pharmacokinetics: its medium follows the blood curve this regime gives "
    "a patient. Schedule 'fixed' holds a medium concentration."
)


@solara.component
def RegimeInputs(library, arm: ArmSpec, set_arm, scenario: str, prefix: str = ""):
    """Drug, schedule, dose or held concentration, loading dose and start day of one arm; an
    edit changes its own field and keeps the others (a new drug keeps the start day)."""
    drug = library.drug(arm.drug)
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
        solara.InputFloat(
            f"{prefix}Held concentration (nM)",
            value=arm.conc_nM if arm.conc_nM is not None else in_vitro_conc_nM(library, arm.drug),
            on_value=lambda v: set_arm(replace(arm, conc_nM=v)),
            continuous_update=False,
        )
    else:
        if SCENARIOS[scenario].in_vitro:  # a dish has no PK of its own
            solara.Text(DISH_DOSING, classes=["mtor-dish-dosing"])
        solara.InputFloat(
            f"{prefix}Dose (mg)",
            value=arm.dose_mg if arm.dose_mg is not None else drug.default_dose_mg,
            on_value=lambda v: set_arm(replace(arm, dose_mg=v)),
            continuous_update=False,
        )
        solara.InputFloat(
            f"{prefix}Loading dose (mg, first dose; 0 = none)",
            value=shown_loading_dose(arm, library, scenario),
            on_value=lambda v: set_arm(replace(arm, loading_dose_mg=v)),
            continuous_update=False,
        )
    start = arm.start_day if arm.start_day is not None else SCENARIOS[scenario].default_start_day
    solara.InputFloat(
        f"{prefix}Start day (day)",
        value=start,
        on_value=lambda v: set_arm(replace(arm, start_day=v)),
        continuous_update=False,
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
            solara.InputText(
                f"Arm {i + 1} label",
                value=arm.label,
                on_value=lambda v, set_arm=set_arm, i=i: set_arm(
                    replace(compare.value[i], label=v or f"arm {i + 1}")
                ),
                continuous_update=False,
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
