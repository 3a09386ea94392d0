"""The Solara page: controls in the sidebar, the arms' tissues, plots, lessons.

Everything a visitor changes lives in hooks of :func:`Page` (``use_reactive`` / ``use_memo``),
so each browser session builds and owns its models; nothing model-related is module-level.
"""

from __future__ import annotations

from html import escape

import solara
import solara.lab
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import defaults
from mtor_abm.visualization.dashboard import limits, views
from mtor_abm.visualization.dashboard.inspector import inspector_html
from mtor_abm.visualization.dashboard.lessons import fill_explanation, load_catalogue
from mtor_abm.visualization.dashboard.state import (
    MAX_ARMS,
    SCHEDULES,
    ArmSpec,
    Run,
    describe_regime,
)
from mtor_abm.visualization.dashboard.ticker import Ticker
from solara.alias import rv

# a shared server seats at most MTOR_DASHBOARD_MAX_SESSIONS sessions (see limits)
solara.lab.on_kernel_start(limits.seat_session)

#: Play speeds: (frames per second at most, tissue hours per frame; at least one step).
SPEEDS = {
    "slow (2 steps/s)": (2.0, 0.0),
    "medium (6 steps/s)": (6.0, 0.0),
    "fast (6 hours per frame)": (50.0, 6.0),
    "very fast (1 day per frame)": (50.0, 24.0),
}


def lesson_speed(total_h: float, dt_h: float) -> str:
    """The slowest speed that plays a lesson's run in about half a minute."""
    steps = total_h / dt_h
    if steps <= 180:
        return "medium (6 steps/s)"
    if total_h / max(6.0, dt_h) <= 60:
        return "fast (6 hours per frame)"
    return "very fast (1 day per frame)"


COMPARE_DEFAULT = ("none", "sirolimus", "torin1")
CSS = """
.mtor-tissue img { image-rendering: pixelated; cursor: crosshair; display: block; }
.mtor-arm-title { font-size: 15px; font-weight: 600; margin-bottom: 4px; }
.mtor-legend { font-size: 14px; }
.mtor-chip { display: inline-block; width: 14px; height: 14px; border: 1px solid #888;
             vertical-align: middle; margin: 0 4px 0 10px; }
.mtor-bar { background: #4e79a7; height: 14px; display: inline-block; vertical-align: middle; }
.mtor-time { font-size: 18px; font-weight: 600; }
.mtor-md { font-size: 15px; line-height: 1.5; max-width: 900px; }
.mtor-md h2 { font-size: 22px; margin: 6px 0; } .mtor-md h3 { font-size: 18px; margin: 6px 0; }
.mtor-md h4 { font-size: 16px; margin: 4px 0; } .mtor-md p { margin: 4px 0 8px 0; }
"""


# ------------------------------------------------------------------------------ small parts
@solara.component
def Md(text: str):
    """Light Markdown (paragraphs, headings, **bold**, *italic*) as HTML.

    solara.Markdown always fetches KaTeX from the CDN, which an offline classroom lacks.
    """
    solara.HTML(tag="div", unsafe_innerHTML=views.simple_markdown(text), classes=["mtor-md"])


@solara.component
def Legend(run: Run, option: str, scale):
    """Colour legend under the tissues: category chips or a labelled colour bar."""
    if option == views.CELL_TYPE:
        with run.lock:
            _, labels = run.models[0].category_layer()
        chips = "".join(
            f'<span class="mtor-chip" style="background:{escape(c)}"></span>{escape(label)}'
            for label, c in views.category_legend(labels)
        )
        solara.HTML(
            tag="div", unsafe_innerHTML=f"<b>Cell type:</b> {chips}", classes=["mtor-legend"]
        )
        return
    url = views.data_url(views.colourbar_png(scale))
    ticks = "".join(
        f'<span style="position:absolute;left:{100 * p:.1f}%;transform:translateX(-50%)">'
        f"{escape(t)}</span>"
        for p, t in views.colourbar_ticks(scale)
    )
    html = (
        f"<div><b>{escape(scale.title)}</b> (dark grey = empty site)</div>"
        f'<img src="{url}" style="width:360px;height:14px;display:block">'
        f'<div style="position:relative;width:360px;height:18px">{ticks}</div>'
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["mtor-legend"])


@solara.component
def TissuePanel(run: Run, index: int, option: str, scale, selected, on_select, tick: int):
    """One arm's tissue as a crisp image; clicking a site selects that cell."""
    arm = run.arms[index]
    with run.lock:
        target = views.TARGET_PX if len(run.arms) == 1 else views.TARGET_PX_COMPARE
        rgba = views.tissue_rgba(arm.model, option, scale, selected, target)
        width, height = views.grid_shape(arm.model)
    k = views.display_factor(width, height, target)
    url = views.data_url(views.png_bytes(rgba))

    def clicked(*args):
        data = args[-1] if args else {}
        try:
            px, py = float(data["offsetX"]), float(data["offsetY"])
        except (KeyError, TypeError, ValueError):
            return
        on_select(views.site_at(px, py, width, height, k * width))

    with solara.Column(gap="2px", style={"min-width": f"{k * width}px"}):
        solara.HTML(tag="div", unsafe_innerHTML=escape(arm.spec.label), classes=["mtor-arm-title"])
        solara.Text(describe_regime(arm.regime), style={"font-size": "13px", "color": "#555"})
        img = rv.Html(
            tag="img",
            attributes={"src": url, "width": str(k * width), "alt": f"tissue {arm.spec.label}"},
            class_="mtor-tissue-img",
        )
        rv.use_event(img, "click", clicked)
        with solara.Div(classes=["mtor-tissue"]):
            solara.display(img)


@solara.component
def CellInspector(run: Run, selected, hours: float):
    """The selected cell's state in every arm, redrawn at every model time ``hours``."""
    Md("#### Selected cell")
    if selected is None:
        solara.Info("Click a cell in a tissue to see its signalling state.")
        return
    x, y = selected
    with run.lock:
        cells = [(a.spec.label, a.model.cell_state_at(x, y)) for a in run.arms]
    solara.HTML(tag="div", unsafe_innerHTML=inspector_html((x, y), cells))


@solara.component
def RunView(run: Run, tick: int, option, set_option, plot, set_plot, stop_h=None):
    """Tissues side by side with a shared colour scale, then time series, PK and inspector."""
    selected, set_selected = solara.use_state(None)
    models = run.models
    with run.lock:  # the play thread steps the models; read them whole
        options = views.colour_options(models[0])
        if option not in options:
            option = options[0]
        scale = views.shared_scale(models, option)
        series = [m.timeseries() for m in models]
    columns = [c for c in series[0] if c not in ("time_h", "day")]
    if plot not in columns:
        plot = columns[0]
    labels = [a.spec.label for a in run.arms]
    horizon_h = stop_h or 24.0 * run.spec.default_days
    day = run.hours / 24.0
    done = f" of {stop_h / 24:g} days" if stop_h else ""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"time: {run.hours:g} h (day {day:.1f}{done})",
        classes=["mtor-time"],
    )
    by_label = {views.option_label(o): o for o in options}
    solara.Select(
        "Colour the tissue by",
        values=list(by_label),
        value=views.option_label(option),
        on_value=lambda label: set_option(by_label[label]),
        style={"max-width": "460px"},
    )
    with solara.Row(gap="18px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        for i in range(len(run.arms)):
            TissuePanel(run, i, option, scale, selected, set_selected, tick)
    Legend(run, option, scale)
    with solara.Columns([1, 1]):
        with solara.Column():
            by_name = views.column_names(columns)
            solara.Select(
                "Plot over time",
                values=list(by_name),
                value=next(n for n, c in by_name.items() if c == plot),
                on_value=lambda name: set_plot(by_name[name]),
            )
            fig = views.timeseries_figure(series, labels, plot, horizon_h)
            solara.Image(views.figure_png(fig), width="100%")
        with solara.Column():
            CellInspector(run, selected, run.hours)
    PKPanel(run, labels, run.hours)
    ExportButtons(run, option, scale, plot, series, labels)


@solara.component
def PKPanel(run: Run, labels, hours: float):
    """Blood concentration of each arm's regime with its dose marks and the model's time."""
    regimes = [a.regime for a in run.arms]
    horizon = max(run.spec.default_days, hours / 24.0 + 1.0)
    horizon = float(int(horizon) + 1)
    curves = solara.use_memo(
        lambda: views.pk_curves(regimes, horizon, run.library), [tuple(regimes), horizon]
    )
    # the 'now' line moves in 1/150 of the horizon: redraw only then (the curves stay put)
    now_h = round(hours / (horizon * 24.0 / 150)) * (horizon * 24.0 / 150)
    png = solara.use_memo(
        lambda: views.figure_png(views.pk_figure(regimes, labels, curves, now_h, horizon * 24)),
        [tuple(regimes), tuple(labels), horizon, now_h],
    )
    Md("#### Blood concentration (PK)")
    solara.Image(png, width="640px")


@solara.component
def ExportButtons(run: Run, option, scale, plot, series, labels):
    """Download the run's data (CSV) and the current view (PNG)."""
    stamp = f"{run.scenario}_seed{run.seed}_{run.hours:g}h"

    def snapshot():
        with run.lock:
            title = f"{run.scenario}, {run.hours:g} h: {views.option_label(option)}"
            tissue = views.snapshot_figure(run.models, labels, option, scale, title)
        return views.figure_png(tissue, dpi=120, tight=True)

    with solara.Row():
        solara.FileDownload(
            lambda: run.to_csv(), filename=f"{stamp}.csv", label="Download data (CSV)"
        )
        solara.FileDownload(
            snapshot, filename=f"{stamp}_tissue.png", label="Download tissue figure (PNG)"
        )
        solara.FileDownload(
            lambda: views.figure_png(
                views.timeseries_figure(series, labels, plot, run.hours), 120, tight=True
            ),
            filename=f"{stamp}_{plot}.png",
            label="Download plot (PNG)",
        )


# ------------------------------------------------------------------------------ play loop
def advance(run: Run, speed: tuple[float, float], stop_h: float | None) -> bool:
    """One play frame: step ``run`` by the speed's hours per frame, not past ``stop_h``.

    Returns False when the run is at ``stop_h`` (nothing stepped).
    """
    steps = max(1, round(speed[1] / run.dt_h))
    if stop_h is not None:
        steps = min(steps, round((stop_h - run.hours) / run.dt_h))
        if steps <= 0:
            return False
    run.step(steps)
    return True


@solara.component
def PlayControls(run, playing, speed, set_speed, on_tick, on_reset, stop_h, hours):
    """Play, pause, step and reset; Play and Step stop at ``stop_h`` (a lesson's end)."""
    at_end = run is not None and stop_h is not None and hours >= stop_h - 1e-9

    def step():
        if run is not None and advance(run, (0.0, 0.0), stop_h):
            on_tick()

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
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
            on_click=step,
            disabled=playing.value or run is None or at_end,
        )
        solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset)
    solara.Select("Speed", values=list(SPEEDS), value=speed, on_value=set_speed)


# ------------------------------------------------------------------------------ controls
@solara.component
def ParameterInputs(scenario: str, params: dict, set_params):
    """One input per documented scenario parameter, labelled with its unit."""
    cls = SCENARIOS[scenario].scenario_class
    values = {**defaults(cls), **params}
    for name, doc in cls.PARAMETERS.items():
        label = f"{name} ({doc.unit})" if doc.unit else name
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


@solara.component
def RegimeInputs(library, arm: ArmSpec, set_arm, scenario: str):
    drug = library.drug(arm.drug)
    solara.Select(
        "Drug",
        values=list(library),
        value=arm.drug,
        on_value=lambda d: set_arm(ArmSpec(arm.label, d)),
    )
    if arm.drug == "none":
        return
    fixed = drug.fixed_only or (arm.schedule or drug.default_schedule) == "fixed"
    if not drug.fixed_only:
        solara.Select(
            "Schedule",
            values=list(SCHEDULES),
            value=arm.schedule or drug.default_schedule,
            on_value=lambda s: set_arm(_replace(arm, schedule=s)),
        )
    if fixed:
        solara.InputFloat(
            "Held concentration (nM)",
            value=arm.conc_nM if arm.conc_nM is not None else (drug.default_conc_nM or 10.0),
            on_value=lambda v: set_arm(_replace(arm, conc_nM=v)),
            continuous_update=False,
        )
    else:
        solara.InputFloat(
            "Dose (mg)",
            value=arm.dose_mg if arm.dose_mg is not None else drug.default_dose_mg,
            on_value=lambda v: set_arm(_replace(arm, dose_mg=v)),
            continuous_update=False,
        )
    start = arm.start_day if arm.start_day is not None else SCENARIOS[scenario].default_start_day
    solara.InputFloat(
        "Start day (day)",
        value=start,
        on_value=lambda v: set_arm(_replace(arm, start_day=v)),
        continuous_update=False,
    )


def _replace(arm: ArmSpec, **changes) -> ArmSpec:
    from dataclasses import replace

    return replace(arm, **changes)


# ------------------------------------------------------------------------------ the page
@solara.component
def Page():
    """The dashboard, or a notice when a shared server has no seat left for this tab."""
    refusal = solara.use_memo(limits.session_refusal, [])
    if refusal:
        solara.Warning(refusal)
    else:
        Dashboard()


@solara.component
def Dashboard():
    server_limits = solara.use_memo(limits.Limits.from_environment, [])
    library = solara.use_memo(load_library, [])
    catalogue = solara.use_memo(lambda: load_catalogue(library=library), [])
    mode = solara.use_reactive("Explore")
    scenario = solara.use_reactive("culture" if "culture" in SCENARIOS else next(iter(SCENARIOS)))
    params = solara.use_reactive({})
    seed = solara.use_reactive(0)
    single = solara.use_reactive(ArmSpec("this run"))
    compare = solara.use_reactive(
        [ArmSpec(d if d != "none" else "untreated", d) for d in COMPARE_DEFAULT]
    )
    lesson_name = solara.use_reactive(catalogue.lessons[0].name if catalogue.lessons else None)
    answer = solara.use_reactive(None)
    lesson_started = solara.use_reactive(False)
    reset_count = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(list(SPEEDS)[1])
    tick = solara.use_reactive(0)
    option = solara.use_reactive(views.CELL_TYPE)
    plot = solara.use_reactive("cells")

    lesson = next((le for le in catalogue.lessons if le.name == lesson_name.value), None)

    def build():
        try:
            if mode.value == "Lessons":
                if lesson is None or not lesson_started.value:
                    return None, None
                arms = [spec for _, spec in lesson.arms]
                server_limits.check_run(SCENARIOS[lesson.scenario], lesson.params, len(arms))
                return Run(lesson.scenario, arms, dict(lesson.params), lesson.seed, library), None
            arms = [single.value] if mode.value == "Explore" else list(compare.value)
            server_limits.check_run(SCENARIOS[scenario.value], params.value, len(arms))
            return Run(scenario.value, arms, dict(params.value), int(seed.value), library), None
        except limits.LimitReached as err:  # shown as a notice, not as an error
            return None, err
        except InputError as err:
            return None, str(err)

    config = (
        mode.value,
        scenario.value,
        tuple(sorted(params.value.items())),
        seed.value,
        single.value,
        tuple(compare.value),
        lesson_name.value,
        lesson_started.value,
        reset_count.value,
    )
    run, error = solara.use_memo(build, list(config))

    def on_tick():
        tick.set(tick.value + 1)

    def on_reset():
        playing.set(False)
        reset_count.set(reset_count.value + 1)

    stop_h = None
    if mode.value == "Lessons" and lesson is not None and run is not None:
        stop_h = 24.0 * (lesson.days or SCENARIOS[lesson.scenario].default_days)
    hours = run.hours if run is not None else 0.0  # the model's clock drives every redraw

    def play_frame():
        if run is None or not advance(run, SPEEDS[speed.value], stop_h):
            playing.set(False)
        on_tick()

    Ticker.element(
        running=bool(playing.value and run is not None),
        period_ms=int(1000 / SPEEDS[speed.value][0]),
        frame=tick.value,
        on_tick=play_frame,
    )

    def set_mode(m):
        playing.set(False)
        mode.set(m)

    def set_scenario(name):
        playing.set(False)
        params.set({})
        scenario.set(name)

    solara.Style(CSS)
    solara.Title("mtor-abm dashboard")
    with solara.Sidebar():
        Md("## mTOR tissue simulator")
        solara.ToggleButtonsSingle(
            value=mode.value, values=["Explore", "Compare", "Lessons"], on_value=set_mode
        )
        PlayControls(run, playing, speed.value, speed.set, on_tick, on_reset, stop_h, hours)
        if mode.value != "Lessons":
            solara.Select(
                "Scenario", values=list(SCENARIOS), value=scenario.value, on_value=set_scenario
            )
            solara.Text(SCENARIOS[scenario.value].description, style={"font-size": "13px"})
            solara.InputInt(
                "Seed (same seed = same starting tissue)",
                value=seed.value,
                on_value=seed.set,
                continuous_update=False,
            )
            if mode.value == "Explore":
                Md("**Regime**")
                RegimeInputs(library, single.value, single.set, scenario.value)
            else:
                CompareInputs(library, compare, scenario.value)
            with solara.Details("Scenario parameters"):
                ParameterInputs(scenario.value, params.value, params.set)

    if isinstance(error, limits.LimitReached):
        solara.Warning(str(error))
    elif error:
        solara.Error(f"error: {error}")
    if mode.value == "Lessons":
        LessonPanel(
            catalogue,
            lesson,
            lesson_name,
            answer,
            lesson_started,
            playing,
            run,
            stop_h,
            hours,
            option.set,
            plot.set,
            speed.set,
        )
    if run is not None:
        RunView(run, tick.value, option.value, option.set, plot.value, plot.set, stop_h)


@solara.component
def CompareInputs(library, compare, scenario: str):
    """Two to four arms; each picks a drug (its default regime) and keeps the shared seed."""
    arms = list(compare.value)
    Md("**Arms** (same seed, same starting tissue)")
    for i, arm in enumerate(arms):

        def set_drug(d, i=i):
            new = list(compare.value)
            new[i] = ArmSpec("untreated" if d == "none" else d, d)
            compare.set(new)

        solara.Select(f"Arm {i + 1} drug", values=list(library), value=arm.drug, on_value=set_drug)
    with solara.Row():
        solara.Button(
            "Add arm",
            disabled=len(arms) >= MAX_ARMS,
            on_click=lambda: compare.set([*arms, ArmSpec("sirolimus", "sirolimus")]),
        )
        solara.Button(
            "Remove arm", disabled=len(arms) <= 2, on_click=lambda: compare.set(arms[:-1])
        )


@solara.component
def LessonProgress(hours: float, stop_h: float):
    """How far the lesson's run is: a bar and 'day X of Y'."""
    pct = max(0.0, min(100.0, 100.0 * hours / stop_h))
    solara.ProgressLinear(value=pct, color="primary")
    solara.Text(
        f"day {hours / 24:.1f} of {stop_h / 24:g} ({pct:.0f} %)",
        classes=["mtor-progress"],
        style={"font-size": "13px"},
    )


@solara.component
def LessonPanel(
    catalogue,
    lesson,
    lesson_name,
    answer,
    lesson_started,
    playing,
    run,
    stop_h,
    hours,
    set_option,
    set_plot,
    set_speed,
):
    """Predict -> run -> explain; redrawn at every model time ``hours``."""
    titles = {le.title: le.name for le in catalogue.lessons}
    if not catalogue.lessons:
        solara.Warning("No lessons are available in this installation.")
        return

    def choose(title):
        playing.set(False)
        lesson_started.set(False)
        answer.set(None)
        lesson_name.set(titles[title])

    solara.Select(
        "Lesson", values=list(titles), value=lesson.title if lesson else None, on_value=choose
    )
    for title, reason in catalogue.unavailable:
        solara.Text(
            f"Unavailable: {title} ({reason})", style={"color": "#8a6d3b", "font-size": "13px"}
        )
    for err in catalogue.errors:
        solara.Text(f"Lesson file error: {err}", style={"color": "#a94442", "font-size": "13px"})
    if lesson is None:
        return
    Md(f"## {lesson.title}\n\n{lesson.text}")
    Md(f"**Predict first:** {lesson.question}")
    if lesson.choices:
        with rv.RadioGroup(
            v_model=answer.value,
            on_v_model=answer.set,
            disabled=lesson_started.value,  # the prediction is locked once the run starts
            class_="mt-0",
        ):
            for choice in lesson.choices:
                rv.Radio(label=choice, value=choice)
    else:
        solara.InputText("Your prediction", value=answer.value or "", on_value=answer.set)

    def start():
        spec = SCENARIOS[lesson.scenario]
        total_h = 24.0 * (lesson.days or spec.default_days)
        set_speed(lesson_speed(total_h, 24.0 if spec.replicates_param else 1.0))
        if lesson.colour_by:
            set_option(lesson.colour_by)
        if lesson.plot:
            set_plot(lesson.plot)
        lesson_started.set(True)
        playing.set(True)

    if not lesson_started.value:
        solara.Button(
            "Run the experiment",
            icon_name="mdi-play",
            color="primary",
            disabled=not answer.value,
            on_click=start,
        )
        if not answer.value:
            solara.Text("Choose your prediction to unlock the run.", style={"color": "#666"})
        return
    if run is None:
        return
    finished = stop_h is not None and hours >= stop_h - 1e-9
    if stop_h:
        LessonProgress(hours, stop_h)
    if not finished:
        solara.Info(f"Running... your prediction: {answer.value}")
        return
    text = fill_explanation(lesson, run.timeseries(), run.readouts())
    solara.Success(f"Your prediction was: {answer.value}")
    Md("### What happened\n\n" + text)
