"""Line charts as SVG text: the page's time series and PK plots, redrawn every frame.

A matplotlib PNG per frame cost more than a tissue step; an SVG of a few polylines is built in
well under a millisecond and drawn by the browser. Geometry is fixed (``WIDTH`` x ``HEIGHT``
user units, plot area inside ``MARGIN``) so an overlay such as the PK "now" line can be drawn
as its own small SVG on top of a static chart (see :func:`now_line_svg`).

Matplotlib stays for the downloadable figures (``view_figures``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from mtor_abm.visualization.numbers import tick

WIDTH, HEIGHT = 640, 300
MARGIN = MappingProxyType({"left": 78, "right": 12, "top": 12, "bottom": 48})
FONT = "font-family:Roboto,Arial,sans-serif"
MAX_MARKS = 100
"""Above this many dose marks in one chart they are merged to one per 5 px (still every
interval of days that holds a dose shows a mark)."""


@dataclass(frozen=True)
class Line:
    """One curve: x and y values, colour, legend label, optional markers at (x, y) points."""

    x: np.ndarray
    y: np.ndarray
    colour: str
    label: str = ""
    markers: np.ndarray | None = None  # x positions of ▲ marks drawn on the x axis


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n - 1, 1)
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def nice_top(values_max: float) -> float:
    """A round upper limit above ``values_max`` (1 when nothing is positive): one tick step
    above it when it falls on a tick, so a series that sits at its maximum (a held medium
    concentration of 10 nM, a graft fraction of 1) is drawn inside the plot, not on its frame."""
    if not math.isfinite(values_max) or values_max <= 0:
        return 1.0
    ticks = nice_ticks(0.0, values_max, 5)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else values_max
    return ticks[-1] if ticks[-1] > values_max * 1.001 else ticks[-1] + step


def _step(ticks: list[float]) -> float:
    return ticks[1] - ticks[0] if len(ticks) > 1 else (abs(ticks[0]) or 1.0)


class Frame:
    """Maps data to the chart's user units."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float]):
        self.x0, self.x1 = xlim
        self.y0, self.y1 = ylim
        self.left, self.top = MARGIN["left"], MARGIN["top"]
        self.w = WIDTH - MARGIN["left"] - MARGIN["right"]
        self.h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def px(self, x):
        return self.left + (np.asarray(x, dtype=float) - self.x0) / (self.x1 - self.x0) * self.w

    def py(self, y):
        return (
            self.top
            + self.h
            - (np.asarray(y, dtype=float) - self.y0) / (self.y1 - self.y0) * self.h
        )


def envelope(x: np.ndarray, y: np.ndarray, bins: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * bins`` points keeping every bin's minimum and maximum in time order.

    Drawing a curve of many more points than pixels either hides peaks (subsampling) or sends
    needless data; the min-max envelope keeps every peak and trough a pixel can show.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) <= 2 * bins:
        return x, y
    edges = np.linspace(x[0], x[-1], bins + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    keep = []
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    ends = np.r_[starts[1:], len(x)]
    for s, e in zip(starts, ends, strict=True):
        seg = y[s:e]
        i, j = s + int(np.argmin(seg)), s + int(np.argmax(seg))
        keep.extend(sorted({i, j}))
    keep = np.asarray(keep)
    return x[keep], y[keep]


def line_chart_svg(
    lines: list[Line],
    xlim: tuple[float, float],
    xlabel: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
    hline: float | None = None,
    note: str | None = None,
    uid: str = "plot",
) -> str:
    """An SVG line chart: axes with round ticks, labels, a legend and the ``lines``.

    ``ylim`` None: from 0 (or the data's minimum if negative) to a round top above the data.
    ``hline`` draws a dotted reference level (e.g. 1 = untreated). ``note`` is centred text
    (e.g. "no drug in the blood"). ``uid`` names the chart's clip path (unique per page).
    """
    e = html.escape
    finite = [ln.y[np.isfinite(ln.y)] for ln in lines if len(ln.y)]
    data_max = max((float(v.max()) for v in finite if v.size), default=0.0)
    data_min = min((float(v.min()) for v in finite if v.size), default=0.0)
    if hline is not None:
        data_max = max(data_max, hline)
    if ylim is None:
        ylim = (min(0.0, data_min), nice_top(data_max))
    f = Frame(xlim, ylim)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px;{FONT}" class="mtor-chart">',
        f'<rect x="{f.left}" y="{f.top}" width="{f.w}" height="{f.h}" fill="#fff" stroke="#888"/>',
    ]
    yticks = nice_ticks(*ylim)
    for t in yticks:
        y = float(f.py(t))
        out.append(
            f'<line x1="{f.left}" x2="{f.left + f.w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{f.left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{tick(t, _step(yticks))}</text>"
        )
    xticks = nice_ticks(*xlim)
    for t in xticks:
        x = float(f.px(t))
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{f.top}" y2="{f.top + f.h}" stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{f.top + f.h + 16}" font-size="12" text-anchor="middle">'
            f"{tick(t, _step(xticks))}</text>"
        )
    if hline is not None:
        y = float(f.py(hline))
        out.append(
            f'<line x1="{f.left}" x2="{f.left + f.w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#000" stroke-dasharray="2,3"/>'
        )
    out.append(
        f'<text x="{f.left + f.w / 2}" y="{HEIGHT - 8}" font-size="13" '
        f'text-anchor="middle">{e(xlabel)}</text>' + y_label_svg(ylabel, f)
    )
    box = f'x="{f.left}" y="{f.top}" width="{f.w}" height="{f.h}"'
    out.append(f'<defs><clipPath id="clip-{e(uid)}"><rect {box}/></clipPath></defs>')
    for ln in lines:
        ok = np.isfinite(ln.y) & np.isfinite(ln.x)
        xs, ys = f.px(ln.x[ok]), f.py(ln.y[ok])
        if len(xs) == 1:
            out.append(f'<circle cx="{xs[0]:.1f}" cy="{ys[0]:.1f}" r="3" fill="{e(ln.colour)}"/>')
        elif len(xs) > 1:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{e(ln.colour)}" '
                f'stroke-width="2" stroke-linejoin="round" clip-path="url(#clip-{e(uid)})"/>'
            )
        if ln.markers is not None:
            base = f.top + f.h
            xs_marks = f.px(ln.markers)
            if len(xs_marks) > MAX_MARKS:  # denser than one per 5 px: one mark per 5 px
                xs_marks = np.unique(np.round(xs_marks / 5.0) * 5.0)
            for mx in xs_marks:
                if f.left - 1 <= mx <= f.left + f.w + 1:
                    out.append(
                        f'<path d="M{mx - 4:.1f},{base + 1} L{mx + 4:.1f},{base + 1} '
                        f'L{mx:.1f},{base - 7} Z" fill="{e(ln.colour)}"/>'
                    )
    if note:
        out.append(
            f'<text x="{f.left + f.w / 2}" y="{f.top + f.h / 2}" font-size="15" fill="#555" '
            f'text-anchor="middle">{e(note)}</text>'
        )
    out.append("</svg>")
    return "".join(out) + legend_html(lines)


CHAR_EM = 0.58
"""Upper estimate of a character's mean advance in Roboto/Arial, in em (lowercase and digits
are ~0.5-0.56 em; capitals wider): what decides whether a label fits."""


def y_label_svg(text: str, f: Frame, size: float = 13.0) -> str:
    """The y-axis label rotated along the plot's height: one line when it fits, else two lines
    split at the space nearest its middle, in a smaller font if even they would not fit (a
    long label such as 'mean phospho-AKT S473 (mTORC2 output) (1 = untreated)' ran past the
    chart's edges and was clipped)."""
    e = html.escape
    lines = [text]
    if CHAR_EM * size * len(text) > f.h and " " in text:
        spaces = [i for i, c in enumerate(text) if c == " "]
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
        lines = [text[:cut], text[cut + 1 :]]
    longest = max(len(line) for line in lines)
    size = min(size, f.h / (CHAR_EM * longest))
    first = 16.0 if len(lines) == 1 else size + 1.0  # two lines clear of the tick labels
    return "".join(
        f'<text transform="translate({first + i * (size + 2):.1f},{f.top + f.h / 2}) '
        f'rotate(-90)" font-size="{size:.1f}" text-anchor="middle" class="mtor-ylabel">'
        f"{e(line)}</text>"
        for i, line in enumerate(lines)
    )


def legend_html(lines: list[Line]) -> str:
    """The lines' labels under the chart, as HTML (wraps: a long label is never clipped)."""
    e = html.escape
    items = "".join(
        f'<span style="white-space:nowrap;margin-right:14px"><span style="display:inline-block;'
        f"width:18px;height:3px;background:{e(ln.colour)};vertical-align:middle;"
        f'margin-right:5px"></span>{e(ln.label)}</span> '
        for ln in lines
        if ln.label
    )
    return f'<div class="mtor-chart-legend" style="font-size:13px">{items}</div>' if items else ""


def now_line_svg(now: float, xlim: tuple[float, float]) -> str:
    """A dashed vertical line at x = ``now`` in the geometry of :func:`line_chart_svg`
    (drawn over a static chart: only this small SVG changes as time moves)."""
    f = Frame(xlim, (0.0, 1.0))
    x = float(np.clip(f.px(now), f.left, f.left + f.w))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="max-width:{WIDTH}px;position:absolute;left:0;top:0;pointer-events:none" '
        f'class="mtor-now" data-now="{now:.4g}">'
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{f.top}" y2="{f.top + f.h}" stroke="#000" '
        'stroke-width="1.5" stroke-dasharray="5,4"/></svg>'
    )
