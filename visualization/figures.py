"""Matplotlib figures for runs and commands (files only; no screen needed).

Every figure of the package is a ``matplotlib.figure.Figure`` drawn through its own methods,
never through pyplot: importing or drawing never changes the user's backend (a notebook's inline
or a desktop window) and no figure enters pyplot's global, non-thread-safe registry.
"""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure

from mtor_abm.model.atomic import write_bytes


def _save(fig, path: Path) -> None:
    """Save a figure as PNG through a temporary file and a rename."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    write_bytes(path, buf.getvalue())


def _legend_outside(ax) -> None:
    """The legend right of the plot: inside it, "best" still put 'autophagy' under the
    1.0 reference line of the signalling figure (a curve can pass anywhere in the axes)."""
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def growth_figure(series: dict, twin: dict | None, title: str):
    """Cell count over time, treated against the untreated twin (log scale)."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    days = [t / 24.0 for t in series["time_h"]]
    ax.plot(days, series["cells"], label="treated" if twin else "cells", color="tab:red")
    if twin:
        twin_days = [t / 24.0 for t in twin["time_h"]]
        ax.plot(twin_days, twin["cells"], label="untreated twin", color="tab:gray", ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("cells")
    ax.set_title(title)
    _legend_outside(ax)
    return fig


def signalling_figure(series: dict, title: str):
    """Mean pS6K, p4E-BP1, pAKT-S473 and autophagy of the cells over time (1 = reference)."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    days = [t / 24.0 for t in series["time_h"]]
    for key, label in (
        ("mean_pS6K", "pS6K"),
        ("mean_p4EBP1", "p4E-BP1"),
        ("mean_pAKT_S473", "pAKT-S473"),
        ("mean_autophagy", "autophagy"),
    ):
        if key in series:
            ax.plot(days, series[key], label=label)
    ax.axhline(1.0, color="k", lw=0.5)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("relative to untreated reference cell")
    ax.set_title(title)
    _legend_outside(ax)
    return fig


def pk_figure(times_h, conc_by_species: dict, dose_times_h=(), title: str = ""):
    """Blood concentration (ng/mL) per species over time, with dose marks."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    days = [t / 24.0 for t in times_h]
    for species, conc in conc_by_species.items():
        ax.plot(days, conc, label=species)
    for t in dose_times_h:
        ax.axvline(t / 24.0, color="tab:gray", lw=0.5, alpha=0.5)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("blood concentration (ng/mL)")
    ax.set_title(title)
    _legend_outside(ax)
    return fig


def run_title(summary: dict) -> str:
    """A run's figure title: its scenario and whole regime (loading dose, start, stop)."""
    from mtor_abm.model.regimes import describe_regime_fields

    regime = summary.get("regime")
    return f"{summary['scenario']}: " + (
        describe_regime_fields(regime) if regime else summary["drug"]
    )


def save_figure(fig, path: Path) -> Path:
    """Save a matplotlib figure as PNG atomically (for scenario figure writers)."""
    _save(fig, Path(path))
    return Path(path)
