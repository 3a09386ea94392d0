"""Survival figures: Kaplan-Meier lifespans and graft (rejection-free) survival."""

from __future__ import annotations

import numpy as np

from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.report.tables import md_table
from mtor_abm.model.survival import kaplan_meier, right_censored


def _survival_curves(ax, groups: dict[str, tuple[np.ndarray, np.ndarray]], xlabel: str, colors):
    """Kaplan-Meier curves with 95 % bands and median marks; returns the table rows.

    Curves, bands, medians and their intervals come from :mod:`model.survival` (the model's
    readouts use the same); the log-rank test is lifelines'.
    """
    from lifelines.statistics import logrank_test

    rows, reference = [], groups.get("untreated")
    for name, (durations, events) in groups.items():
        color = colors[name]
        km = kaplan_meier(durations, events)
        ax.step(km.times, km.survival, where="post", color=color, label=name)
        ax.fill_between(km.times, km.lower, km.upper, step="post", color=color, alpha=0.2, lw=0)
        median = km.median
        row = {"condition": name, "n": km.subjects, "events": km.events}
        if median is not None:
            ax.plot([median], [0.5], marker="o", color=color, ms=6)
            ax.vlines(median, 0, 0.5, color=color, lw=0.7, ls=":")
            lo, hi = km.median_interval()
            bounds = f"{_num_or(lo, '-inf')}-{_num_or(hi, 'inf')}"
            row["median"] = f"{median:.1f} ({bounds})"
        else:
            row["median"] = "not reached"
        if reference is not None and name != "untreated":
            if not (np.any(reference[1]) or np.any(events)):
                # lifelines returns p = 1 here: no events means no evidence, not "no difference"
                row["logrank_p_vs_untreated"] = "not determinable: no events in either group"
            else:
                test = logrank_test(reference[0], durations, reference[1], events)
                row["logrank_p_vs_untreated"] = f"{test.p_value:.3g}"
        rows.append(row)
    ax.axhline(0.5, color="gray", lw=0.5, ls="--")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, fontsize=8)
    return rows


def _num_or(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.1f}"


def survival_km(data: Results):
    """Kaplan-Meier lifespans per condition (an organism alive at the end is censored)."""
    from matplotlib.figure import Figure

    res = data.results
    if "lifespans_days" not in res:
        return []
    groups = {}
    for name, g in res[res["status"] == "ok"].groupby("condition", sort=False):
        durations, events = [], []
        for lifespans, days in zip(g["lifespans_days"], g["days"], strict=True):
            if lifespans is not None and len(lifespans):
                run_durations, run_events = right_censored(lifespans, days)
                durations.append(run_durations)
                events.append(run_events)
        if durations:
            groups[name] = (np.concatenate(durations), np.concatenate(events))
    if not groups:
        return []
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    groups = dict(sorted(groups.items(), key=lambda kv: kv[0] != "untreated"))
    rows = _survival_curves(ax, groups, "age (days)", data.colors)
    ax.set_ylabel("fraction of the cohort alive")
    ax.set_title("Kaplan-Meier survival (95 % bands; dots: medians)")
    return [("survival_km.png", fig, md_table("Lifespan (Kaplan-Meier; median, 95 % CI)", rows))]


def graft_survival(data: Results):
    """Surviving graft fraction over time and rejection-free graft survival (Kaplan-Meier)."""
    from matplotlib.figure import Figure

    s, res = data.series, data.results
    if "graft_cells" not in s or s.empty:
        return []
    has_km = "rejection_day" in res
    fig = Figure(figsize=(11 if has_km else 6.4, 4.2))
    axes = fig.subplots(1, 2 if has_km else 1)
    axes = np.atleast_1d(axes)
    cond = res.set_index("run_id")["condition"]
    frac = s[["run_id", "time_h", "graft_cells"]].copy()
    first = frac.groupby("run_id")["graft_cells"].transform("first").replace(0, np.nan)
    frac["fraction"] = frac["graft_cells"] / first
    frac["condition"] = frac["run_id"].map(cond)
    for name, g in frac.groupby("condition", sort=False):
        q = g.groupby("time_h")["fraction"].quantile([0.25, 0.5, 0.75]).unstack()
        days = q.index.to_numpy(float) / 24.0
        axes[0].plot(days, q[0.5], color=data.colors[name], label=name)
        axes[0].fill_between(days, q[0.25], q[0.75], color=data.colors[name], alpha=0.2, lw=0)
    axes[0].set_xlabel("days after transplant")
    axes[0].set_ylabel("graft cells / at transplant")
    axes[0].set_title("Graft: median and interquartile range")
    axes[0].legend(frameon=False, fontsize=8)
    table = ""
    if has_km:
        groups = {}
        for name, g in res[res["status"] == "ok"].groupby("condition", sort=False):
            groups[name] = right_censored(g["rejection_day"].to_numpy(float), g["days"])
        groups = dict(sorted(groups.items(), key=lambda kv: kv[0] != "untreated"))
        rows = _survival_curves(axes[1], groups, "days after transplant", data.colors)
        axes[1].set_ylabel("grafts not rejected")
        axes[1].set_title("Rejection-free graft survival (Kaplan-Meier)")
        table = md_table("Graft survival (rejection; median, 95 % CI)", rows)
    fig.tight_layout()
    return [("graft_survival.png", fig, table)]
