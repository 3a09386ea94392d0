"""Figures of a tumor run: growth by cell state, a tissue snapshot, the PK curve with doses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, NullFormatter

from mtor_abm.visualization.figures import run_title, save_figure

#: Colours of the category codes 0-4 (tumor, normal, hypoxic tumor, necrotic, vessel).
CATEGORY_COLOURS = ("#d62728", "#c7c7c7", "#9467bd", "#2b2b2b", "#1f77b4")


def growth_by_state_figure(series: dict, start_day: float | None, title: str):
    """Tumor cells over time split into cycling, quiescent and hypoxic; necrotic debris."""
    fig = Figure(figsize=(6.0, 3.8))
    ax = fig.subplots()
    days = np.asarray(series["time_h"], dtype=float) / 24.0
    tumor = np.asarray(series["tumor_cells"], dtype=float)
    # fractions are None (NaN here) when no tumor cell is left: then no cell cycles
    cycling = np.nan_to_num(tumor * np.asarray(series["cycling_fraction"], dtype=float))
    hypoxic = np.nan_to_num(tumor * np.asarray(series["hypoxic_fraction"], dtype=float))
    ax.plot(days, tumor, color="tab:red", label="viable tumor cells")
    ax.plot(days, cycling, color="tab:orange", label="cycling (Ki-67-like)")
    ax.plot(days, tumor - cycling, color="tab:green", label="quiescent")
    ax.plot(days, hypoxic, color="tab:purple", label="hypoxic")
    ax.plot(days, series["necrotic_cells"], color="k", label="necrotic (debris)")
    if start_day is not None:
        ax.axvline(start_day, color="tab:gray", ls="--", lw=0.8, label="treatment start")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("cells")
    ax.set_title(title)
    # right of the plot: inside it, the curves ran through 'hypoxic', 'necrotic (debris)' and
    # 'treatment start' (test_figure_legends)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0)  # fmt: skip
    return fig


def snapshot_figure(model, title: str):
    """Three panels of the final tissue: cell states with vessels, oxygen, drug."""
    codes, labels = model.category_layer()
    fields = model.field_layers()
    fig = Figure(figsize=(12.0, 4.0))
    axes = fig.subplots(1, 3)
    masked = np.ma.masked_less(codes.T, 0)
    cmap = ListedColormap(CATEGORY_COLOURS[: len(labels)])
    axes[0].imshow(masked, origin="lower", cmap=cmap, vmin=-0.5, vmax=len(labels) - 0.5)
    handles = [Rectangle((0, 0), 1, 1, color=CATEGORY_COLOURS[i]) for i in range(len(labels))]
    axes[0].legend(handles, labels, fontsize=7, loc="upper right", framealpha=0.8)
    axes[0].set_title("cells")
    for ax, name, unit, cmap_name in (
        (axes[1], "oxygen", "mmHg", "viridis"),
        (axes[2], "drug", "nM", "magma"),
    ):
        image = ax.imshow(fields[name].T, origin="lower", cmap=cmap_name)
        fig.colorbar(image, ax=ax, shrink=0.8, label=f"{name} ({unit})")
        ax.set_title(name)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title}: day {model.hours / 24.0:g} (1 site = 20 um)")
    return fig


def pk_with_doses_figure(series: dict, regime, title: str):
    """Blood concentration over the run (nM) with a mark at every dose."""
    from mtor_abm.model.pharmacology import dose_times_h

    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.subplots()
    hours = np.asarray(series["time_h"], dtype=float)
    ax.plot(hours / 24.0, series["blood_nM"], color="tab:blue", label="blood")
    if "tumor_drug_nM" in series:
        ax.plot(
            hours / 24.0,
            series["tumor_drug_nM"],
            color="tab:red",
            lw=0.8,
            label="mean at tumor cells",
        )
    doses, _ = dose_times_h(regime, 0.0, float(hours[-1]) + 1.0)
    for t in doses:
        ax.axvline(t / 24.0, color="tab:gray", lw=0.5, alpha=0.5)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("concentration (nM)")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def save_tumor_figures(fig_dir, result) -> list[Path]:
    """Write the tumor figures of a run into ``fig_dir``; returns their paths."""
    fig_dir = Path(fig_dir)
    s = result.summary
    title = run_title(s)
    model = result.model
    regime = model.regime if model is not None else None
    start = model.baseline_h / 24.0 if model is not None else None
    paths = [
        save_figure(
            growth_by_state_figure(result.timeseries, start, title), fig_dir / "tumor_growth.png"
        )
    ]
    if model is not None:
        paths.append(save_figure(snapshot_figure(model, title), fig_dir / "tumor_snapshot.png"))
        if regime.drug != "none":
            paths.append(
                save_figure(
                    pk_with_doses_figure(result.timeseries, regime, title), fig_dir / "pk.png"
                )
            )
    return paths


# ------------------------------------------------------------------- across seeds (a course)
def _arm_colours(arms) -> dict[str, str]:
    """One colour per arm label, in order of first appearance (tab10)."""
    from matplotlib import colormaps

    names = list(dict.fromkeys(arms))
    return {n: colormaps["tab10"](i % 10) for i, n in enumerate(names)}


def course_growth_figure(courses: list[dict], title: str):
    """Viable tumor cells (not host, not debris) over days since treatment start: one thin
    line per seed, the arm's median thick. ``courses``: dicts with ``arm`` (label), ``days``
    (days since treatment start, shape (n,)) and ``tumor_cells`` (shape (n,))."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    colours = _arm_colours(c["arm"] for c in courses)
    for arm, colour in colours.items():
        runs = [c for c in courses if c["arm"] == arm]
        for c in runs:
            ax.plot(c["days"], c["tumor_cells"], color=colour, lw=0.6, alpha=0.5)
        grid = runs[0]["days"]
        same = [c["tumor_cells"] for c in runs if np.array_equal(c["days"], grid)]
        ax.plot(grid, np.median(same, axis=0), color=colour, lw=2.0, label=f"{arm} (n={len(runs)})")
    ax.axvline(0.0, color="tab:gray", ls="--", lw=0.8, label="treatment start")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    low, high = ax.get_ylim()
    if high / low < 12:  # minor labels only within about a decade, else they pile up
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.tick_params(axis="y", which="minor", labelsize=7)
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("days since treatment start")
    ax.set_ylabel("viable tumor cells in the slice")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    return fig


def waterfall_figure(courses: list[dict], title: str):
    """Best response per seed: the best change of the volume-equivalent from treatment start
    at weekly scans up to the first scan at progression
    (:func:`model.recist.best_change_at_scans`), bars sorted, coloured by arm, with the RECIST
    lines (PR -65.7 % volume = -30 % diameter from baseline; PD +72.8 % over the nadir)."""
    from matplotlib.patches import Patch

    from mtor_abm.model.recist import PD_VOLUME, PR_VOLUME, best_change_at_scans, relative_volume

    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.subplots()
    colours = _arm_colours(c["arm"] for c in courses)
    bars = []
    for c in courses:
        days, cells = np.asarray(c["days"]), np.asarray(c["tumor_cells"], dtype=float)
        start = cells[min(int(np.searchsorted(days, -1e-9)), len(cells) - 1)]
        if start > 0:
            best = best_change_at_scans(days, relative_volume(cells, start))
            if np.isfinite(best):
                bars.append((100.0 * best, colours[c["arm"]]))
    bars.sort(key=lambda b: -b[0])
    ax.bar(range(len(bars)), [b[0] for b in bars], color=[b[1] for b in bars], width=0.85)
    for y, text in ((100 * (PD_VOLUME - 1), "PD (over nadir)"), (100 * (PR_VOLUME - 1), "PR")):
        ax.axhline(y, color="gray", ls="--", lw=0.7)
        ax.text(len(bars) - 0.5, y, f" {text}", va="center", fontsize=8, color="gray")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xticks([])
    ax.set_xlabel("seeds, ordered")
    ax.set_ylabel("best change in volume-equivalent (%)")
    ax.set_title(f"{title}\nbest response at weekly scans, up to progression (RECIST as volume)")
    ax.legend(handles=[Patch(color=v, label=k) for k, v in colours.items()], frameon=False,
              fontsize=8)  # fmt: skip
    return fig


def spider_figure(courses: list[dict], title: str):
    """Change of the volume-equivalent from treatment start over time, one line per seed,
    with a dot at progression (``time_to_progression_days``, when there is one)."""
    from mtor_abm.model.recist import PR_VOLUME, relative_volume

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    colours = _arm_colours(c["arm"] for c in courses)
    for c in courses:
        days, cells = np.asarray(c["days"]), np.asarray(c["tumor_cells"], dtype=float)
        after = days >= 0
        if not after.any() or cells[after][0] <= 0:
            continue
        change = 100.0 * (relative_volume(cells[after], cells[after][0]) - 1.0)
        ax.plot(days[after], change, color=colours[c["arm"]], lw=0.8, alpha=0.7)
        ttp = c.get("time_to_progression_days")
        if ttp is not None:
            i = min(int(np.searchsorted(days[after], ttp - 1e-9)), len(change) - 1)
            ax.plot(days[after][i], change[i], "o", color=colours[c["arm"]], ms=3)
    for arm, colour in colours.items():
        ax.plot([], [], color=colour, label=arm)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.axhline(100 * (PR_VOLUME - 1), color="gray", ls="--", lw=0.7)
    ax.set_xlabel("days since treatment start")
    ax.set_ylabel("change in volume-equivalent (%)")
    ax.set_title(f"{title}\nspider: every seed (dot: progression, +72.8 % over the nadir)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def save_course_figures(fig_dir, courses: list[dict], title: str) -> list[Path]:
    """Write the growth curve, waterfall and spider of several seeds/arms into ``fig_dir``
    (``course_growth.png``, ``waterfall.png``, ``spider.png``); returns their paths."""
    fig_dir = Path(fig_dir)
    return [
        save_figure(course_growth_figure(courses, title), fig_dir / "course_growth.png"),
        save_figure(waterfall_figure(courses, title), fig_dir / "waterfall.png"),
        save_figure(spider_figure(courses, title), fig_dir / "spider.png"),
    ]
