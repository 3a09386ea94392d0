"""The calibration figure: each observation against the model, grouped by experiment type."""

from __future__ import annotations

import math
from types import MappingProxyType

from matplotlib.figure import Figure

KIND_TITLES = MappingProxyType(
    {
        "pathway": "Signalling in single cells (relative to untreated)",
        "basal": "Genotype comparisons (relative to wild type)",
        "pk": "Pharmacokinetics",
        "culture": "Culture growth inhibition (72 h)",
    }
)


def calibration_figure(rows: list[dict], title: str = ""):
    """One panel per experiment type: for each observation (y), the published value or bound
    with its uncertainty (error bar; an arrow-like open marker for a bound) and the model
    (filled dot, blue in-sample, orange held out). PK values are on a log axis."""
    kinds = [k for k in KIND_TITLES if any(r["kind"] == k for r in rows)]
    heights = [max(2.0, 0.22 * sum(r["kind"] == k for r in rows)) for k in kinds]
    fig = Figure(figsize=(8.5, sum(heights) + 1.0))
    axes = fig.subplots(len(kinds), 1, gridspec_kw={"height_ratios": heights})
    axes = [axes] if len(kinds) == 1 else list(axes)
    for ax, kind in zip(axes, kinds, strict=True):
        sub = [r for r in rows if r["kind"] == kind]
        for y, r in enumerate(sub):
            marker = {"~": "s", "<=": "<", ">=": ">"}[r["relation"]]
            ax.errorbar(
                r["published"],
                y,
                xerr=r["uncertainty"],
                fmt=marker,
                mfc="none",
                color="black",
                capsize=2,
                ms=5,
            )
            model = r["model"]
            if model is not None and math.isfinite(model):
                colour = "tab:orange" if r["held_out"] else "tab:blue"
                ax.plot(model, y, "o", color=colour, ms=4)
                if not r["met"]:
                    ax.plot(model, y, "x", color="red", ms=8)
        ax.set_yticks(range(len(sub)))
        ax.set_yticklabels([r["id"] for r in sub], fontsize=6)
        ax.invert_yaxis()
        ax.set_title(KIND_TITLES[kind], fontsize=9)
        if kind == "pk":
            ax.set_xscale("log")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(
        "published (open: value or bound with uncertainty) and model (dot; blue in-sample, "
        "orange held out; red x: not met)",
        fontsize=7,
    )
    if title:  # a fixed 0.45 inch band above the panels, whatever the figure's height
        top = 1.0 - 0.45 / fig.get_figheight()
        fig.tight_layout(rect=(0, 0, 1, top))
        fig.suptitle(title, fontsize=10, y=1.0 - 0.12 / fig.get_figheight(), va="top")
    else:
        fig.tight_layout()
    return fig
