"""Tumor figures: growth curves, waterfall of best response (RECIST), spider plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.report.tables import md_table
from mtor_abm.model.recist import (
    PD_VOLUME,
    PR_VOLUME,
    SCAN_INTERVAL_DAYS,
    best_change_at_scans,
    is_partial_response,
    relative_volume,
)
from mtor_abm.model.scenarios import SCENARIOS

# RECIST thresholds (model.recist) as changes of the volume-equivalent from baseline.
PR_VOLUME_CHANGE, PD_VOLUME_CHANGE = PR_VOLUME - 1.0, PD_VOLUME - 1.0
MAX_SPIDER_LINES = 300
ASSESSMENT_DAYS = SCAN_INTERVAL_DAYS
"""Days between tumor assessments for the best response (weekly scans, model.recist)."""


def _tumor_relative(data: Results) -> pd.DataFrame | None:
    """Per run and time: days since treatment start, tumor cells relative to it
    (``relative``) and the volume-equivalent relative to it (``volume``, model.recist)."""
    s, res = data.series, data.results
    if "tumor_cells" not in s or "time_h" not in s or s.empty:
        return None
    start = _treatment_start(res)
    out = []
    for run_id, g in s.groupby("run_id"):
        days = g["time_h"].to_numpy(float) / 24.0
        cells = g["tumor_cells"].to_numpy(float)
        base = cells[np.searchsorted(days, start[run_id] - 1e-9).clip(0, len(days) - 1)]
        if base <= 0:
            continue
        out.append(
            pd.DataFrame(
                {
                    "run_id": run_id,
                    "day": days - start[run_id],
                    "relative": cells / base,
                    "volume": relative_volume(cells, base),
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else None


def _treatment_start(res: pd.DataFrame) -> dict[int, float]:
    """Day treatment starts per run; untreated runs take the treated runs' (or scenario's)."""
    treated = res.loc[res["drug"] != "none", "start_day"]
    scenario = SCENARIOS.get(res["scenario"].iloc[0])
    default = (
        float(treated.median())
        if len(treated)
        else (scenario.default_start_day if scenario else 0.0)
    )
    return {
        int(r.run_id): float(r.start_day) if r.drug != "none" else default for r in res.itertuples()
    }


def tumor_figures(data: Results):
    """Tumor growth curves (median, IQR), waterfall of best response, spider plot."""
    from matplotlib.figure import Figure

    res = data.results
    rel = _tumor_relative(data)
    out = []
    cond = res.set_index("run_id")["condition"]
    if rel is not None:
        rel["condition"] = rel["run_id"].map(cond)
        fig = Figure(figsize=(6.4, 4.2))
        ax = fig.subplots()
        for name, g in rel.groupby("condition", sort=False):
            color = data.colors[name]
            q = g.groupby("day")["relative"].quantile([0.25, 0.5, 0.75]).unstack()
            ax.plot(q.index, q[0.5], color=color, label=f"{name} (n={g.run_id.nunique()})")
            ax.fill_between(q.index, q[0.25], q[0.75], color=color, alpha=0.2, lw=0)
        ax.axvline(0, color="k", lw=0.6, ls=":")
        _log_y(ax)
        ax.set_xlabel("days since treatment start")
        ax.set_ylabel("tumor cells / at treatment start")
        ax.set_title("Tumor growth: median and interquartile range")
        ax.legend(frameon=False, fontsize=8)
        out.append(("tumor_growth.png", fig, ""))
        best = _best_response(rel)
        what = f"best response at {ASSESSMENT_DAYS:g}-day assessments"
    elif "relative_size" in res:
        sizes = res.set_index("run_id")["relative_size"].dropna()
        best = pd.Series(relative_volume(sizes, 1.0) - 1.0, index=sizes.index)
        what = "final volume-equivalent relative to treatment start"
    else:
        return out
    if best.empty:
        return out
    table = _response_table(best, cond, res)
    out.append(("waterfall.png", _waterfall(best, cond, what, data.colors), table))
    if rel is not None:
        out.append(("spider.png", _spider(rel, data.colors), ""))
    return out


def _best_response(rel: pd.DataFrame) -> pd.Series:
    """Per run: the best change of the volume-equivalent from treatment start at scans every
    ASSESSMENT_DAYS, up to the first scan at progression
    (:func:`model.recist.best_change_at_scans`)."""
    best = {
        run_id: best_change_at_scans(g["day"], g["volume"], ASSESSMENT_DAYS)
        for run_id, g in rel[rel["day"] > 0].groupby("run_id")
    }
    return pd.Series(best, dtype=float)


def _log_y(ax) -> None:
    """A log y axis with plain-number labels (minor ticks labelled within one decade)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    ax.yaxis.set_minor_formatter(plain if high / low < 12 else NullFormatter())
    ax.tick_params(axis="y", which="minor", labelsize=7)


def _waterfall(best: pd.Series, cond: pd.Series, what: str, colors: dict):
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    order = best.sort_values(ascending=False)
    names = [n for n in colors if n in set(cond[order.index])]
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.subplots()
    ax.bar(
        range(len(order)),
        100 * order.to_numpy(),
        color=[colors[cond[i]] for i in order.index],
        width=0.85,
    )
    for y, text in ((100 * PD_VOLUME_CHANGE, "PD"), (100 * PR_VOLUME_CHANGE, "PR")):
        ax.axhline(y, color="gray", ls="--", lw=0.7)
        ax.text(len(order) - 0.5, y, f" {text}", va="center", fontsize=8, color="gray")
    ax.axhline(0, color="k", lw=0.6)
    handles = [Patch(color=colors[n], label=n) for n in names]
    ax.set_xticks([])
    ax.set_xlabel("virtual tumors, ordered")
    ax.set_ylabel("change in volume-equivalent (%)")
    ax.set_title(f"Waterfall: {what}\n(RECIST -30 %/+20 % diameter as volume)")
    ax.legend(handles=handles, frameon=False, fontsize=8)
    return fig


def _spider(rel: pd.DataFrame, colors: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    shown = rel[rel["run_id"].isin(rel["run_id"].unique()[:MAX_SPIDER_LINES]) & (rel["day"] >= 0)]
    for _, g in shown.groupby("run_id", sort=False):
        color = colors[g["condition"].iloc[0]]
        ax.plot(g["day"], 100 * (g["volume"] - 1), color=color, lw=0.7, alpha=0.6)
    for n in [n for n in colors if n in set(shown["condition"])]:
        ax.plot([], [], color=colors[n], label=n)
    ax.axhline(0, color="k", lw=0.6)
    ax.axhline(100 * PR_VOLUME_CHANGE, color="gray", ls="--", lw=0.7)
    ax.set_xlabel("days since treatment start")
    ax.set_ylabel("change in volume-equivalent from treatment start (%)")
    ax.set_title("Spider plot: every virtual tumor")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _response_table(best: pd.Series, cond: pd.Series, res: pd.DataFrame) -> str:
    """Median best change and RECIST-like counts (the scenario's ``response`` when it has one)."""
    responses = res.set_index("run_id")["response"] if "response" in res else None
    rows = []
    for name, values in best.groupby(cond[best.index], sort=False):
        row = {
            "condition": name,
            "n": len(values),
            "median_best_change_%": f"{100 * values.median():.1f}",
            "best_PR_or_better": int(is_partial_response(values.to_numpy() + 1.0).sum()),
        }
        if responses is not None:
            counts = responses[values.index].value_counts()
            row.update({f"final_{k}": int(counts.get(k, 0)) for k in ("CR", "PR", "SD", "PD")})
        rows.append(row)
    return md_table("Best response per condition", rows)
