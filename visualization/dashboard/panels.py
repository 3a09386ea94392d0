"""What the page shows of a run: tissues, legend, charts, inspector, readouts, downloads.

Every component that shows something that changes as the model steps takes the model's clock
``hours`` as an argument: a component is redrawn when its arguments change, so passing the
clock is what keeps it in step with the tissue (the same ``Run`` object would not).
"""

from __future__ import annotations

from html import escape

import solara
from solara.alias import rv

from mtor_abm.model.adverse import ADVERSE_KEYS, CAPPED_KEYS, MAX_DELAY_INDEX
from mtor_abm.model.regimes import describe_regime
from mtor_abm.model.scenarios import IN_VITRO_PANEL, get_scenario
from mtor_abm.visualization.dashboard import view_figures, views
from mtor_abm.visualization.dashboard.charts import WIDTH as CHART_WIDTH
from mtor_abm.visualization.dashboard.charts import now_line_svg
from mtor_abm.visualization.dashboard.inspector import inspector_html
from mtor_abm.visualization.dashboard.plots import (
    pk_curves,
    pk_svg,
    time_axis,
    timeseries_svg,
)
from mtor_abm.visualization.dashboard.state import Run
from mtor_abm.visualization.dashboard.summary import readout_table, summarise
from mtor_abm.visualization.dashboard.throttle import Throttle
from mtor_abm.visualization.numbers import limited, model_time


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
        chips = " ".join(  # chip and label kept on one line: "empty / site" wrapped apart
            f'<span class="mtor-legend-item" style="white-space:nowrap">'
            f'<span class="mtor-chip" style="background:{escape(c)}"></span>{escape(label)}</span>'
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
        f"<div><b>{escape(scale.title)}</b> (dark grey = empty site; violet = vessel)</div>"
        f'<img src="{url}" style="width:360px;height:14px;display:block">'
        f'<div style="position:relative;width:360px;height:18px">{ticks}</div>'
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["mtor-legend"])


@solara.component
def TissuePanel(run: Run, index: int, option: str, scale, selected, on_select, hours: float):
    """One arm's tissue as a crisp image with a scale bar; clicking a site selects it."""
    arm = run.arms[index]
    with run.lock:
        target = views.TARGET_PX if len(run.arms) == 1 else views.TARGET_PX_COMPARE
        rgba = views.tissue_rgba(arm.model, option, scale, selected, target)
        width, height = views.grid_shape(arm.model)
        site_um = views.site_size_um(arm.model)
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
        if site_um:
            um, px = views.scale_bar(site_um, k)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span style="display:inline-block;width:{px}px;height:4px;'
                    f'background:#000;vertical-align:middle"></span> {um:g} µm'
                ),
                classes=["mtor-scalebar"],
            )


@solara.component
def CellInspector(run: Run, selected, hours: float):
    """The selected cell's state in every arm, redrawn at every model time ``hours``."""
    Md("#### Selected cell")
    if selected is None:
        solara.Info("Click a cell in a tissue to see its state.")
        return
    x, y = selected
    with run.lock:
        cells = [(a.spec.label, a.model.cell_state_at(x, y)) for a in run.arms]
    solara.HTML(tag="div", unsafe_innerHTML=inspector_html((x, y), cells))


@solara.component
def TimeSeriesPanel(run: Run, plot: str, set_plot, horizon_h: float, hours: float):
    """One readout over time for every arm (SVG, redrawn at every model time ``hours``)."""
    series = run.timeseries()
    columns = [c for c in series[0] if c not in ("time_h", "day")]
    if plot not in columns:
        plot = columns[0]
    by_name = view_figures.column_names(columns)
    solara.Select(
        "Plot over time",
        values=list(by_name),
        value=next(n for n, c in by_name.items() if c == plot),
        on_value=lambda name: set_plot(by_name[name]),
    )
    labels = [a.spec.label for a in run.arms]
    svg = timeseries_svg(series, labels, plot, horizon_h)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["mtor-timeseries"])


@solara.component
def PKPanel(run: Run, hours: float, horizon_h: float):
    """Each arm's drug concentration with dose marks; only the 'now' line moves with ``hours``.

    In-vitro runs show the medium concentration (nM), others blood (ng/mL).
    """
    regimes = [a.regime for a in run.arms]
    labels = [a.spec.label for a in run.arms]
    horizon_h = max(horizon_h, hours)
    days = float(int(horizon_h / 24.0 + 0.999))
    in_vitro = get_scenario(run.scenario).in_vitro

    subject = run.subject  # a cohort's mice: their PK, as the models

    def chart():
        curves = pk_curves(regimes, max(days, 1.0), run.library, in_vitro, subject)
        return pk_svg(regimes, labels, curves, 24.0 * max(days, 1.0), in_vitro)

    svg = solara.use_memo(chart, [tuple(regimes), tuple(labels), days, in_vitro, subject])
    unit, _ = time_axis(24.0 * max(days, 1.0))
    now = now_line_svg(hours / unit, (0.0, 24.0 * max(days, 1.0) / unit))
    Md("#### Medium concentration" if in_vitro else "#### Blood concentration (PK)")
    with solara.Div(
        style={"position": "relative", "max-width": f"{CHART_WIDTH}px"}, classes=["mtor-pk"]
    ):
        solara.HTML(tag="div", unsafe_innerHTML=svg)
        solara.HTML(tag="div", unsafe_innerHTML=now, classes=["mtor-pk-now"])


@solara.component
def ReadoutTable(run: Run, hours: float, horizon_h: float, columns: tuple[str, ...] = (),
                 playing: bool = False, final: bool = False):  # fmt: skip
    """Each arm's summary readouts, then the last values of the timeseries ``columns``: mean ±
    SD over its replicate seeds; then each arm's adverse-effect panel over the run's length
    (``horizon_h``), computed once per regime in a thread (no seed: no spread), or, in vitro
    (:attr:`model.scenarios.ScenarioSpec.in_vitro`), a line saying it does not apply. While the run
    plays the thread waits (it would take the play loop's CPU: a lesson then ends later than
    its headless run); it starts at a pause or the end, and a computed panel is kept.

    While playing (and not ``final``, the lesson's last frame), readouts that take long to
    compute are refreshed only as often as :class:`throttle.Throttle` allows; the heading
    names the model time they are at."""
    days = horizon_h / 24.0
    in_vitro = get_scenario(run.scenario).in_vitro  # a dish: no patient, no adverse panel
    ready = not in_vitro and (not playing or run.has_adverse_panels(days))
    # The result names the run and length it belongs to: after a switch of tab or arms the
    # thread's previous result is still there for a render or two, and must not be drawn
    # against the new run's arms.
    adverse = solara.use_thread(
        lambda: (run, days, run.adverse_panels(days)) if ready else None,
        dependencies=[id(run), days, ready],
        intrusive_cancel=False,
    )
    throttle = solara.use_memo(Throttle, [id(run)])

    def table():
        names, rows = readout_table(run.replicate_readouts(), run.setup, run.hours)
        series = run.replicate_timeseries()
        for column in columns:
            if column in names or column not in series[0][0]:
                continue
            names.append(column)
            rows.append([summarise([rep[column][-1] for rep in arm], column) for arm in series])
        return names, rows

    (hours, _), (names, rows) = throttle.get((hours, columns), table, not playing or final)
    if not names:
        return
    n = run.replicates
    head = "".join(f"<th>{escape(a.spec.label)}</th>" for a in run.arms)
    body = "".join(
        f"<tr><td>{escape(_row_label(name))}</td>"
        + "".join(_cell(name, arm.spec.label, s) for arm, s in zip(run.arms, row, strict=True))
        + "</tr>"
        for name, row in zip(names, rows, strict=True)
    )
    spread = f"mean ± SD over {n} seeds ({run.seed} to {run.seed + n - 1})" if n > 1 else ""
    Md(f"#### Readouts at {model_time(hours)}" + (f" ({spread})" if spread else ""))
    untreated = any(a.regime.drug == "none" for a in run.arms)
    if "relative_size" in names and untreated and run.untreated_baseline_h is not None:
        solara.Text(
            f"Untreated arms' relative size and response are measured from day "
            f"{run.untreated_baseline_h / 24:g}, the compared treatment's start.",
            style={"font-size": "13px", "color": "#555"},
        )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table class='mtor-readouts'><tr><th></th>{head}</tr>{body}</table>",
    )
    if in_vitro:
        Md(
            f"#### Adverse-effect panel: {IN_VITRO_PANEL}\n\nIts indices (glucose "
            "intolerance, hyperlipidaemia, infection risk, wound-healing delay) score a "
            "patient's whole-body exposure to the regime; a dish of cells has none."
        )
        return
    Md(adverse_heading(days, hours))
    if adverse.state == solara.ResultState.ERROR:
        solara.Warning(f"adverse panel not computed: {adverse.error}")
    elif not current_panels(adverse, run, days):
        solara.Text(
            "computing the adverse panel..."
            if ready
            else "the adverse panel is computed "
            "when playback pauses or ends (it would slow the run down)"
        )
    else:
        solara.HTML(tag="div", unsafe_innerHTML=adverse_table(run, adverse.value[2]))


def adverse_heading(days: float, hours: float) -> str:
    """The adverse panel's heading: it scores the whole planned run (``days``), not the
    ``hours`` run so far, and says so while those differ (under "Readouts at 4 h", "over the
    run's 30 days" read as a contradiction)."""
    scope = f"whole planned run ({days:g} days)"
    if hours < 24.0 * days - 1e-9:
        scope += f", not only the {model_time(hours)} run so far"
    return (
        f"#### Adverse-effect panel for the {scope}\n\n"
        "*From the regime alone, so known before the run: 1.0 = untreated, higher is worse; "
        "the same on every seed.*"
    )


def current_panels(result, run: Run, days: float) -> bool:
    """Whether a finished adverse-panel thread ``result`` is this ``run``'s over ``days``."""
    if result.state != solara.ResultState.FINISHED or result.value is None:
        return False
    owner, owner_days, panels = result.value
    return owner is run and owner_days == days and len(panels) == len(run.arms)


def adverse_table(run: Run, panels: list[dict[str, float]]) -> str:
    """HTML table of each arm's adverse panel (rows: :data:`ADVERSE_KEYS`); cells carry
    ``data-adverse``, ``data-arm`` and the full-precision ``data-value`` (for tests)."""
    head = "".join(f"<th>{escape(a.spec.label)}</th>" for a in run.arms)
    body = "".join(
        f"<tr><td>{escape(key.replace('_', ' '))}</td>"
        + "".join(
            f'<td data-adverse="{key}" data-arm="{escape(arm.spec.label)}" '
            f'data-value="{panel[key]!r}">{escape(adverse_text(key, panel[key]))}</td>'
            for arm, panel in zip(run.arms, panels, strict=True)
        )
        + "</tr>"
        for key in ADVERSE_KEYS
    )
    return f"<table class='mtor-readouts mtor-adverse'><tr><th></th>{head}</tr>{body}</table>"


def adverse_text(key: str, value: float) -> str:
    """An adverse index as shown: 3 significant figures, ``≥ 20`` at the ratio indices'
    documented limit (:data:`model.adverse.MAX_DELAY_INDEX`)."""
    return limited(value, MAX_DELAY_INDEX if key in CAPPED_KEYS else None)


def _row_label(name: str) -> str:
    if name in view_figures.READOUT_LABELS or not name.startswith("mean_"):
        return view_figures.readout_label(name)
    return view_figures.column_label(name).split("\n")[0] + " (at the end)"


def _cell(name: str, arm: str, s) -> str:
    """A readout cell; ``data-*`` attributes carry the full-precision mean (for tests)."""
    if s is None:
        return "<td></td>"
    mean = "" if s.mean is None else repr(s.mean)
    return (
        f'<td data-readout="{escape(name)}" data-arm="{escape(arm)}" data-mean="{mean}">'
        f"{escape(s.text())}</td>"
    )


@solara.component
def ExportButtons(run: Run, option, scale, plot, hours: float):
    """Download the run's data (CSV) and the current view (PNG)."""
    stamp = f"{run.scenario}_seed{run.seed}_{hours:g}h"
    labels = [a.spec.label for a in run.arms]

    def snapshot():
        with run.lock:
            title = f"{run.scenario}, {run.hours:g} h: {views.option_label(option)}"
            tissue = view_figures.snapshot_figure(run.models, labels, option, scale, title)
        return view_figures.figure_png(tissue, dpi=120, tight=True)

    def plot_png():
        fig = view_figures.timeseries_figure(run.timeseries(), labels, plot, run.hours)
        return view_figures.figure_png(fig, 120, tight=True)

    with solara.Row():
        solara.FileDownload(
            lambda: run.to_csv(), filename=f"{stamp}.csv", label="Download data (CSV)"
        )
        solara.FileDownload(
            snapshot, filename=f"{stamp}_tissue.png", label="Download tissue figure (PNG)"
        )
        solara.FileDownload(plot_png, filename=f"{stamp}_{plot}.png", label="Download plot (PNG)")


@solara.component
def RunView(run: Run, hours: float, option, set_option, plot, set_plot, stop_h=None, columns=(),
            playing: bool = False):  # fmt: skip
    """Tissues side by side with a shared colour scale, then charts, inspector and readouts
    (``columns``: timeseries columns whose last values join the readout table; ``playing``:
    the adverse panel waits for a pause or the end, see :func:`ReadoutTable`)."""
    selected, set_selected = solara.use_state(None)
    with run.lock:  # the models are read whole between steps
        options = views.colour_options(run.models[0])
        if option not in options:
            option = options[0]
        scale = views.shared_scale(run.models, option)
    horizon_h = stop_h or 24.0 * run.spec.default_days
    done = f" of {stop_h / 24:g} days" if stop_h else ""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"time: {hours:g} h (day {hours / 24:.1f}{done})",
        classes=["mtor-time", "mtor-playing"] if playing else ["mtor-time"],  # see app.CSS
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
            TissuePanel(run, i, option, scale, selected, set_selected, hours)
    Legend(run, option, scale)
    # the time series at the PK chart's width (charts.WIDTH px), so both draw their text at
    # the same size (in half of a two-column row it was scaled to ~0.6: ticks of ~7 px); the
    # inspector beside it when the page is wide enough, else below
    with solara.Row(gap="18px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"width": f"{CHART_WIDTH}px", "max-width": "100%"}):
            TimeSeriesPanel(run, plot, set_plot, horizon_h, hours)
        with solara.Column(style={"flex": "1 1 420px", "min-width": "420px", "max-width": "100%"}):
            CellInspector(run, selected, hours)
    PKPanel(run, hours, horizon_h)
    final = stop_h is not None and hours >= stop_h - 1e-9
    ReadoutTable(run, hours, horizon_h, tuple(columns), playing, final)
    ExportButtons(run, option, scale, plot, hours)
