"""Matplotlib figures of the dashboard's arms, for download, and the names of their axes.

A readout over time with every arm overlaid (:func:`timeseries_figure`) and the arms' tissues
side by side (:func:`snapshot_figure`), each as PNG bytes through :func:`figure_png`; the axis
label with units of a timeseries column (:func:`column_label`) and the readable name of a
summary readout (:func:`readout_label`), also used by the page's own charts and tables. The
tissue images themselves are drawn without matplotlib in ``views``.
"""

from __future__ import annotations

import io
from types import MappingProxyType

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from mtor_abm.visualization.dashboard.views import (
    CELL_TYPE,
    READOUT_NAMES,
    RELATIVE,
    Scale,
    category_legend,
    plain_text,
    tissue_rgba,
    value_layer,
)

ARM_COLOURS = ("#555555", "#d62728", "#1f77b4", "#2ca02c")


COLUMN_NAMES = MappingProxyType(
    {
        "vessel_density": "vessel density in the tumor (per mm²)",
        "vegf_mean": "mean VEGF (field units)",
        "oxygen_mean_mmHg": "mean oxygen (mmHg)",
        "blood_nM": "blood concentration (nM)",
        # the fields' means in their units (views.FIELD_UNITS)
        "il2_mean": "mean IL-2 (pM)",
        "chemokine_mean": "mean chemokine (relative)",
        "mean_sasp": "mean SASP (relative)",
        "pathogen_load": "pathogen load (summed antigen load)",
        "mean_damage": "mean damage (damage units)",
        "aggregate_load": "mean aggregate load (load units; 1 = toxic)",
        "soluble_load": "mean soluble protein (load units)",
        "tcells": "T-cells",
        "naive": "naive T-cells",
        "effector": "effector T-cells",
        "memory": "memory T-cells",
        "treg": "regulatory T-cells (Treg)",
        "donor_apcs": "donor APCs",
    }
)
"""Axis labels of timeseries columns the general rules below would name poorly."""


def column_label(column: str) -> str:
    """An axis label with units for a timeseries column."""
    if column in COLUMN_NAMES:
        return COLUMN_NAMES[column]
    if column.startswith("mean_"):
        name = column[5:]
        if name in READOUT_NAMES:
            return f"mean {READOUT_NAMES[name]}\n({RELATIVE})"
        return f"mean {name.replace('_', ' ')}"
    if column.endswith("_nM"):
        return f"{column[:-3].replace('_', ' ')} (nM)"
    if column.endswith("_fraction"):
        return f"{column.replace('_', ' ')} (0-1)"
    if column.endswith("_mean"):
        return f"mean {column[:-5].replace('_', ' ')}"
    return column.replace("_", " ")


def readout_label(name: str) -> str:
    """A readable name for a summary readout (``growth_inhibition`` -> growth inhibition): its
    own label (:data:`READOUT_LABELS`), else its words with the unit its name ends with in
    parentheses (``_days`` -> (days), ``_day`` -> (day), a fraction (0-1)); a duration in hours
    (``_h``) shows its unit with its value (h, or days above 72 h: ``summary.Summary.text``),
    so its label has none."""
    if name in READOUT_LABELS:
        return READOUT_LABELS[name]
    words = name.split("_")
    unit = None
    if len(words) > 1 and words[-1] in ("days", "day", "h"):
        words, unit = words[:-1], (words[-1] if words[-1] != "h" else None)
    if unit is None and "fraction" in words:
        unit = "0-1"
    words = [_WORDS.get(w, w) for w in words]
    return " ".join(words) + (f" ({unit})" if unit else "")


_WORDS = MappingProxyType({"tcell": "T-cell", "treg": "Treg", "p90": "90th percentile"})
"""Words of readout names written as the field writes them."""


READOUT_LABELS = MappingProxyType(
    {
        "rejection_day": "graft rejection (day)",
        "median_lifespan_days": "median lifespan (days)",
        "p90_lifespan_days": "90th percentile lifespan (days)",
        "wound_closure_day": "wound closed (day)",
        "infection_cleared_day": "infection cleared (day)",
        "doubling_time_h": "doubling time",  # the value carries its unit (h or days)
        "growth_inhibition": "growth inhibition (1 = no net growth)",
        "median_lifespan_untreated_days": "median lifespan, untreated twin (days)",
        "p90_lifespan_untreated_days": "90th percentile lifespan, untreated twin (days)",
        "p90_extension": "90th percentile lifespan extension (0.1 = +10 %)",
        "vessel_density": "vessel density (per mm² of tumor)",
        "tcell_peak": "T-cell peak (cells)",
        "effector_peak": "effector T-cell peak (cells)",
        "contraction": "T-cell contraction (1 - final / peak)",
        "division_time_h": "T-cell division time",  # the value carries its unit
    }
)


def column_names(columns) -> dict[str, str]:
    """One-line readable name -> timeseries column, for a selector (raw key if names clash)."""
    names = [column_label(c).split("\n")[0] for c in columns]
    return {
        (name if names.count(name) == 1 else column): column
        for name, column in zip(names, columns, strict=True)
    }


def _time_axis(hours: np.ndarray, horizon_h: float) -> tuple[np.ndarray, float, str]:
    """Times in days when the planned run is longer than 3 days, else hours."""
    if horizon_h > 72:
        return hours / 24.0, horizon_h / 24.0, "time (days)"
    return hours, horizon_h, "time (hours)"


def figure_png(fig: Figure, dpi: int = 100, tight: bool = False) -> bytes:
    """A matplotlib figure as PNG bytes (``tight`` trims margins but draws twice: exports)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return buf.getvalue()


def timeseries_figure(
    series: list[dict], labels: list[str], column: str, horizon_h: float | None = None
) -> Figure:
    """One readout over time, every arm overlaid (the compare mode's shared plot).

    The time axis spans ``horizon_h`` (the planned run) so the curves grow across the plot.
    """
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.add_subplot()
    last = max((s["time_h"][-1] for s in series if s.get("time_h")), default=0.0)
    horizon = max(horizon_h or 0.0, last, 1.0)
    for i, (s, label) in enumerate(zip(series, labels, strict=True)):
        if column not in s:
            continue
        t, _, _ = _time_axis(np.asarray(s["time_h"], dtype=float), horizon)
        style = "-o" if len(t) == 1 else "-"
        ax.plot(t, s[column], style, label=plain_text(label), color=ARM_COLOURS[i % 4], lw=2)
    _, right, xlabel = _time_axis(np.zeros(0), horizon)
    ax.set_xlim(0, right)
    ax.set_xlabel(xlabel, fontsize=11)
    ax.set_ylabel(column_label(column), fontsize=10)
    if column.startswith("mean_") and column[5:] in READOUT_NAMES:
        ax.axhline(1.0, color="k", lw=0.6, ls=":")
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=10)
    if len(labels) > 1 or labels[0]:
        ax.legend(frameon=False, fontsize=10)
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.17, top=0.96)  # cheaper than tight_layout
    return fig


def snapshot_figure(models, labels, option: str, scale: Scale | None, title: str) -> Figure:
    """The arms' tissues side by side with a colour bar or legend (for PNG export)."""
    n = len(models)
    fig = Figure(figsize=(3.6 * n + 0.6, 4.2))
    axes = fig.subplots(1, n, squeeze=False)[0]
    im = None
    for ax, model, label in zip(axes, models, labels, strict=True):
        if option == CELL_TYPE:
            rgba = tissue_rgba(model, option, None)
            ax.imshow(rgba, interpolation="nearest")
        else:
            values = value_layer(model, option).T[::-1]
            cmap = colormaps[scale.cmap].with_extremes(bad="#202020")
            norm = None
            if scale.centre is not None:
                norm = TwoSlopeNorm(vcenter=scale.centre, vmin=scale.vmin, vmax=scale.vmax)
                im = ax.imshow(values, cmap=cmap, norm=norm, interpolation="nearest")
            else:
                im = ax.imshow(
                    values, cmap=cmap, vmin=scale.vmin, vmax=scale.vmax, interpolation="nearest"
                )
        ax.set_title(plain_text(label), fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    if im is not None:
        bar = fig.colorbar(im, ax=list(axes), orientation="horizontal", fraction=0.06, pad=0.04)
        bar.set_label(scale.title, fontsize=10)
    elif option == CELL_TYPE:
        _, cats = models[0].category_layer()
        from matplotlib.patches import Patch

        handles = [Patch(color=c, label=lab) for lab, c in category_legend(cats)]
        fig.legend(handles=handles, loc="lower center", ncol=min(5, len(handles)), frameon=False)
    fig.suptitle(title, fontsize=12)
    return fig
