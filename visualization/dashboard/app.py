"""The Solara page: controls in the sidebar, the arms' tissues, charts, lessons.

Everything a visitor changes lives in hooks of :func:`Page` (``use_reactive`` / ``use_memo``),
so each browser session builds and owns its models; nothing model-related is module-level.
The setup (mode, scenario, seed, regime, lesson) is mirrored in the page's URL (``urlstate``),
so a reload or a shared link restores it.
"""

from __future__ import annotations

import re
import sys
from types import MappingProxyType

import solara
import solara.lab

from mtor_abm.model.domains import MAX_SEED
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.visualization.dashboard import limits, urlstate
from mtor_abm.visualization.dashboard.controls import (
    FIELD_LABELS,
    CompareInputs,
    NumberField,
    ParameterInputs,
    PlayControls,
    RegimeInputs,
    arms_problem,
    whole_in,
)
from mtor_abm.visualization.dashboard.lesson_panel import LessonPanel
from mtor_abm.visualization.dashboard.lesson_run import (
    build_run,
    lesson_columns,
    lesson_hours,
    with_overrides,
)
from mtor_abm.visualization.dashboard.lessons import load_catalogue
from mtor_abm.visualization.dashboard.panels import Md, RunView
from mtor_abm.visualization.dashboard.play import SPEEDS, PlayClock, play_frame
from mtor_abm.visualization.dashboard.state import (
    MAX_REPLICATES,
    ArmSpec,
    Run,
    compare_default,
    models_of,
    scenario_arm,
)
from mtor_abm.visualization.dashboard.ticker import Ticker

DEFAULT_PLOT = MappingProxyType(
    {"tumor": "tumor_cells", "aging": "alive_fraction", "culture": "cells"}
)
"""The first plot of a scenario (its headline readout)."""
ABOUT = """
**What this is.** An agent-based simulator of cells whose growth and survival depend on their
mTOR signalling, under mTOR-inhibitor drugs (rapalogs such as sirolimus and everolimus, and
ATP-competitive inhibitors such as Torin1). Each cell carries its own signalling state; drugs
reach the cells through a pharmacokinetic model of the chosen regime.

**How to use it.** *Explore*: pick a scenario and a regime, press Play or Step, click a cell to
see its state. *Compare*: two to four arms on the same starting tissue (same seed), each with
its own drug, dose, schedule and start. *Lessons*: predict, run, and read the explanation, with
the numbers of your run.

Colours marked "relative to an untreated cell" are 1 for an untreated, fed cell. Results are
from a model: they show mechanisms, not clinical predictions.
"""

CSS = """
.mtor-tissue img { image-rendering: pixelated; cursor: crosshair; display: block; }
.mtor-arm-title { font-size: 15px; font-weight: 600; margin-bottom: 4px; }
.mtor-legend { font-size: 14px; line-height: 1.9; }
.mtor-chip { display: inline-block; width: 14px; height: 14px; border: 1px solid #888;
             vertical-align: middle; margin: 0 4px 0 10px; }
.mtor-bar { background: #4e79a7; height: 14px; display: inline-block; vertical-align: middle; }
.mtor-time { font-size: 18px; font-weight: 600; }
/* While a run plays the server is busy stepping nearly all the time, so Solara's "kernel
   busy" bar (an indeterminate progress line atop the page) animated for the whole run:
   Chromium redrew it ~55 times a second, 0.2 of a core against 0.07 without it (measured
   on lesson 05), CPU a 2-core classroom laptop takes from the stepping. The moving clock
   and progress bar show the run is alive; the busy bar still shows at other times. */
.v-application:has(.mtor-playing) .v-progress-linear__indeterminate { display: none !important; }
.mtor-scalebar { font-size: 12px; color: #333; }
.mtor-readouts td, .mtor-readouts th { padding: 2px 10px; font-size: 14px; text-align: left; }
.mtor-readouts tr:nth-child(even) { background: #f4f4f4; }
.mtor-md { font-size: 15px; line-height: 1.5; max-width: 900px; }
.mtor-md h2 { font-size: 22px; margin: 6px 0; } .mtor-md h3 { font-size: 18px; margin: 6px 0; }
.mtor-md h4 { font-size: 16px; margin: 4px 0; } .mtor-md p { margin: 4px 0 8px 0; }
/* Play, Pause, Step and Reset on one line of the sidebar (with Vuetify's 16px padding the
   fourth wrapped to a second line), and room above a panel below the last field (the
   "Scenario parameters" card covered the bottom of "Start day") */
.mtor-play-controls .v-btn { padding: 0 9px !important; min-width: 0 !important; }
.v-navigation-drawer .v-expansion-panels { margin-top: 14px; }
"""


def session_log():
    """Log a browser session's start and its release (a closed or vanished browser is
    released after the server's session cull timeout), for whoever runs a classroom server."""
    print("mtor-sim dashboard: session started", file=sys.stderr, flush=True)
    return lambda: print("mtor-sim dashboard: session released", file=sys.stderr, flush=True)


solara.lab.on_kernel_start(session_log)
SEATS = limits.Seats()
"""The sessions this server lets run models: a shared server seats at most
MTOR_DASHBOARD_MAX_SESSIONS (see ``limits``). The one state shared by every session of the
server, so it belongs to this module, the server's Solara app (Solara loads it once per server,
and on a hot reload drops its kernel-start callbacks with it)."""
solara.lab.on_kernel_start(SEATS.seat_session)


@solara.component
def Page():
    """The dashboard, or a notice when a shared server has no seat left for this tab."""
    refusal = solara.use_memo(SEATS.session_refusal, [])
    if refusal:
        solara.Warning(refusal)
    else:
        Dashboard()


@solara.component
def Dashboard():
    server_limits = solara.use_memo(limits.Limits.from_environment, [])
    library = solara.use_memo(load_library, [])
    catalogue = solara.use_memo(lambda: load_catalogue(library=library), [])
    router = solara.use_router()
    start = solara.use_memo(lambda: urlstate.read(router.search), [])
    first = "culture" if "culture" in SCENARIOS else next(iter(SCENARIOS))
    mode = solara.use_reactive(start.get("mode", "Explore"))
    scenario = solara.use_reactive(start.get("scenario", first))
    params = solara.use_reactive(start.get("params", {}))
    seed = solara.use_reactive(start.get("seed", 0))
    replicates = solara.use_reactive(start.get("replicates", 1))
    single = solara.use_reactive(start.get("arm", ArmSpec("this run")))
    compare = solara.use_reactive(start.get("arms", compare_default(start.get("scenario", first))))
    names = [le.name for le in catalogue.lessons]
    lesson_name = solara.use_reactive(
        start.get("lesson") if start.get("lesson") in names else (names[0] if names else None)
    )
    bad_lesson = urlstate.unknown_lesson(start.get("lesson"), names)
    bad_url = solara.use_memo(lambda: urlstate.ignored(router.search), [])
    url_note = solara.use_reactive(True)  # the note on the link goes once closed
    answer = solara.use_reactive(None)
    lesson_started = solara.use_reactive(False)
    reset_count = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(list(SPEEDS)[1])
    tick = solara.use_reactive(0)
    option = solara.use_reactive("cell type")
    plot = solara.use_reactive(DEFAULT_PLOT.get(scenario.value, "cells"))
    about = solara.use_reactive(not start)
    clock = solara.use_memo(PlayClock, [])

    found = next((le for le in catalogue.lessons if le.name == lesson_name.value), None)
    lesson = solara.use_memo(lambda: with_overrides(found) if found else None, [found])

    def build():
        try:
            if mode.value == "Lessons":
                if lesson is None or not lesson_started.value:
                    return None, None
                n = models_of(lesson.scenario, [a for _, a in lesson.arms], lesson.replicates)
                server_limits.check_run(SCENARIOS[lesson.scenario], lesson.params, n)
                return build_run(lesson, library), None
            whole_in(seed.value, SEED_LABEL, 0, MAX_SEED)
            if mode.value == "Explore":
                arms, reps = [single.value], 1
            else:
                arms = list(compare.value)
                reps = whole_in(replicates.value, REPLICATES_LABEL, 1, MAX_REPLICATES)
            problem = arms_problem(arms, scenario.value, library, mode.value == "Compare")
            if problem:
                raise InputError(problem)
            parse_overrides(SCENARIOS[scenario.value].scenario_class, params.value)
            n = models_of(scenario.value, arms, reps)
            server_limits.check_run(SCENARIOS[scenario.value], params.value, n)
            run = Run(scenario.value, arms, dict(params.value), int(seed.value), library, reps)
            return run, None
        except limits.LimitReached as err:  # shown as a notice, not as an error
            return None, err
        except InputError as err:
            return None, str(err)

    config = (
        mode.value,
        scenario.value,
        tuple(sorted(params.value.items())),
        seed.value,
        replicates.value,
        single.value,
        tuple(compare.value),
        lesson_name.value,
        lesson_started.value,
        reset_count.value,
    )
    run, error = solara.use_memo(build, list(config))
    # a whole-number field holding text: the link keeps the default (a link is written as
    # numbers); a regime field's text goes in the link, which a reload then reports as ignored
    link_seed = seed.value if isinstance(seed.value, int) else 0
    link_reps = replicates.value if isinstance(replicates.value, int) else 1
    urlstate.write(mode.value, scenario.value, link_seed, single.value, compare.value,
                   lesson_name.value, link_reps, params.value)  # fmt: skip

    if mode.value == "Lessons":
        stop_h = lesson_hours(lesson) if lesson and run else None
    else:  # the scenario's length, or further once the user asks to run on
        stop_h = run.horizon_h if run is not None else None
    hours = run.hours if run is not None else 0.0  # the model's clock drives every redraw
    at_end = stop_h is not None and hours >= stop_h - 1e-9

    def on_tick():
        tick.set(tick.value + 1)

    def on_step():
        if run is not None and play_frame(run, SPEEDS["slow (2 steps/s)"], PlayClock(), stop_h):
            on_tick()

    def on_reset():
        playing.set(False)
        reset_count.set(reset_count.value + 1)

    def frame():
        if run is None or not play_frame(run, SPEEDS[speed.value], clock, stop_h):
            playing.set(False)
        on_tick()

    def set_playing(value: bool):
        clock.restart()
        playing.set(value)

    playing_proxy = _Proxy(playing.value, set_playing)
    Ticker.element(
        running=bool(playing.value and run is not None),
        period_ms=int(1000 / SPEEDS[speed.value].fps),
        frame=tick.value,
        on_tick=frame,
    )

    def set_speed(value):
        clock.restart()
        speed.set(value)

    def set_mode(m):
        playing.set(False)
        mode.set(m)

    def set_scenario(name):
        playing.set(False)
        params.set({})
        plot.set(DEFAULT_PLOT.get(name, plot.value))
        single.set(scenario_arm(single.value.label, single.value.drug, name))
        compare.set([scenario_arm(a.label, a.drug, name) for a in compare.value])
        scenario.set(name)

    solara.Style(CSS)
    solara.Title("mtor-abm dashboard")
    with solara.Sidebar():
        Md("## mTOR tissue simulator")
        solara.ToggleButtonsSingle(
            value=mode.value, values=["Explore", "Compare", "Lessons"], on_value=set_mode
        )
        PlayControls(run, playing_proxy, speed.value, set_speed, on_step, on_reset, at_end)
        if at_end and mode.value != "Lessons":
            more = run.spec.default_days
            solara.Button(
                f"Run on {more:g} more days",
                icon_name="mdi-fast-forward",
                on_click=lambda: (run.run_on(more), on_tick()),
                classes=["mtor-run-on"],
            )
        if mode.value != "Lessons":
            solara.Select(
                "Scenario", values=list(SCENARIOS), value=scenario.value, on_value=set_scenario
            )
            solara.Text(SCENARIOS[scenario.value].description, style={"font-size": "13px"})
            NumberField(
                SEED_LABEL,
                value=seed.value,
                on_value=seed.set,
                error=_field_error(error, SEED_LABEL),
                whole=True,
            )
            if mode.value == "Explore":
                Md("**Regime**")
                RegimeInputs(library, single.value, single.set, scenario.value)
            else:
                NumberField(
                    REPLICATES_LABEL,
                    value=replicates.value,
                    on_value=replicates.set,
                    error=_field_error(error, REPLICATES_LABEL),
                    whole=True,
                )
                CompareInputs(library, compare, scenario.value)
            about_param = isinstance(error, str) and error.startswith(
                tuple(f"{n} " for n in SCENARIOS[scenario.value].scenario_class.PARAMETERS)
            )
            with solara.Details("Scenario parameters", expand=about_param):  # its field shown
                ParameterInputs(scenario.value, params.value, params.set, error)
        solara.Button("About", text=True, on_click=lambda: about.set(not about.value))

    if about.value:
        with solara.Card("About this dashboard", classes=["mtor-about"]):
            Md(ABOUT)
            solara.Button("Close", on_click=lambda: about.set(False))
    if isinstance(error, limits.LimitReached):
        solara.Warning(str(error))
    elif error:
        solara.Error(f"{error} (the field is marked in the sidebar)"
                     if _names_a_field(error, scenario.value) else f"error: {error}",
                     classes=["mtor-error"])  # fmt: skip
    if bad_url and url_note.value:
        with solara.Row(classes=["mtor-url-ignored"]):
            solara.Warning("This link's setup was partly ignored: " + "; ".join(bad_url) + ".")
            solara.Button("Close", text=True, on_click=lambda: url_note.set(False))
    if mode.value == "Lessons" and bad_lesson and lesson_name.value == (names or [None])[0]:
        solara.Warning(bad_lesson, classes=["mtor-unknown-lesson"])
    if mode.value == "Lessons":
        LessonPanel(catalogue, lesson, lesson_name, answer, lesson_started, playing_proxy, run,
                    stop_h, hours, option.set, plot.set, set_speed)  # fmt: skip
    if run is not None:
        columns = lesson_columns(lesson) if mode.value == "Lessons" and lesson else ()
        RunView(run, hours, option.value, option.set, plot.value, plot.set, stop_h, columns,
                playing=bool(playing.value))  # fmt: skip


SEED_LABEL = "Seed (same seed = same starting tissue)"
REPLICATES_LABEL = "Replicate seeds per arm (readouts: mean ± SD)"


def _names_a_field(error, scenario: str) -> bool:
    """Whether an error line starts with a sidebar field's label or a scenario parameter's
    name (the field shows it too)."""
    params = tuple(f"{name} " for name in SCENARIOS[scenario].scenario_class.PARAMETERS)
    labels = (SEED_LABEL, REPLICATES_LABEL, *FIELD_LABELS.values(), *params)
    return isinstance(error, str) and re.sub(r"^Arm \d+ ", "", error).startswith(labels)


def _field_error(error, label: str) -> str | None:
    """``error`` when it is about the field ``label``, to show under the field."""
    return error if isinstance(error, str) and error.startswith(label) else None


class _Proxy:
    """A ``.value`` / ``.set`` pair whose setter restarts the play clock."""

    def __init__(self, value, setter):
        self.value, self.set = value, setter
