"""Figures of the transplant scenario: T-cell subsets, graft survival, a tissue snapshot."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mtor_abm.visualization.figures import run_title, save_figure

SUBSET_COLOURS = MappingProxyType(
    {
        "naive": "tab:gray",
        "effector": "tab:red",
        "memory": "tab:blue",
        "treg": "tab:green",
    }
)

CATEGORY_COLOURS = MappingProxyType(
    {
        "host": "#f2e6d9",
        "graft": "#e8a87c",
        "donor APC": "#8e44ad",
        "fibroblast": "#a3c1ad",
        "wound": "#000000",
        "pathogen": "#f1c40f",
        "vessel": "#5d6d7e",
        "naive T": "#7f8c8d",
        "effector T": "#c0392b",
        "memory T": "#2e86c1",
        "Treg": "#27ae60",
    }
)


def tcell_figure(series: dict, title: str):
    """T-cells by subset over time (log scale), with their total."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    days = np.asarray(series["time_h"], dtype=float) / 24.0
    ax.plot(days, np.maximum(series["tcells"], 0.5), color="k", lw=1.5, label="all T-cells")
    for name, colour in SUBSET_COLOURS.items():
        ax.plot(days, np.maximum(series[name], 0.5), color=colour, label=name)
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.8)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("T-cells in tissue")
    ax.set_title(title)
    ax.legend(frameon=False, ncol=2, fontsize=8)
    return fig


def graft_figure(series: dict, graft_initial: int, threshold: float, title: str, twin=None):
    """Graft surviving fraction over time (and the untreated twin's, when given)."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    for data, label, style in ((series, "graft", "-"), (twin, "untreated", "--")):
        if data is None:
            continue
        days = np.asarray(data["time_h"], dtype=float) / 24.0
        frac = np.asarray(data["graft_cells"], dtype=float) / max(graft_initial, 1)
        ax.plot(
            days, frac, ls=style, color="tab:orange" if style == "-" else "tab:gray", label=label
        )
    ax.axhline(threshold, color="k", lw=0.5, ls=":", label="rejection threshold")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("graft surviving fraction")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def snapshot_figure(codes: np.ndarray, labels: tuple[str, ...], title: str):
    """The tissue at the end of the run, coloured by category (graft, host, T-cell subsets)."""
    colours = ["#ffffff"] + [CATEGORY_COLOURS.get(label, "#cccccc") for label in labels]
    fig = Figure(figsize=(5.0, 4.6))
    ax = fig.subplots()
    ax.imshow(
        (codes + 1).T,
        origin="lower",
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=len(labels),
        interpolation="nearest",
    )
    present = sorted(np.unique(codes).tolist())
    handles = [Rectangle((0, 0), 1, 1, fc=colours[c + 1], ec="0.7") for c in present]
    ax.legend(
        handles,
        ["empty (lesion)" if c < 0 else labels[c] for c in present],
        frameon=False,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return fig


def transplant_figures(fig_dir: Path, result) -> list[Path]:
    """The registry hook: write the transplant figures of a run into ``fig_dir``."""
    fig_dir = Path(fig_dir)
    s = result.summary
    title = run_title(s)
    paths = [save_figure(tcell_figure(result.timeseries, title), fig_dir / "tcells.png")]
    model = result.model
    if model is not None:
        graft = graft_figure(
            result.timeseries,
            model.graft_initial,
            model.scenario.rejection_threshold,
            title,
            result.twin_timeseries,
        )
        paths.append(save_figure(graft, fig_dir / "graft_survival.png"))
        codes, labels = model.category_layer()
        day = model.hours / 24.0
        snap = snapshot_figure(codes, labels, f"{title}, day {day:g}")
        paths.append(save_figure(snap, fig_dir / "tissue_snapshot.png"))
    return paths
