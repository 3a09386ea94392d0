"""Adverse-effect panel: the indices of every regime (1 = untreated)."""

from __future__ import annotations

import numpy as np

from mtor_abm.experiments.report.conditions import regime_label
from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.report.tables import md_table
from mtor_abm.model.adverse import CAPPED_KEYS, MAX_DELAY_INDEX
from mtor_abm.model.scenarios import IN_VITRO_PANEL, get_scenario
from mtor_abm.visualization.numbers import limited

IN_VITRO_SECTION = (
    f"## Adverse-effect panel: {IN_VITRO_PANEL}\n\nIts indices (glucose intolerance, "
    "hyperlipidaemia, infection risk, wound-healing delay) score a patient's whole-body "
    "exposure to the regime; a dish of cells has none.\n"
)


def adverse_panel(data: Results):
    """The four adverse-effect indices of each regime (mean over its runs); for an in-vitro
    scenario (:attr:`~model.scenarios.ScenarioSpec.in_vitro`) a section saying the panel does
    not apply, whatever old results hold."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    res = data.results[data.results["status"] == "ok"]
    scenarios = set(data.results["scenario"])
    if scenarios and all(get_scenario(s).in_vitro for s in scenarios):
        return [("", None, IN_VITRO_SECTION)]
    columns = [c for c in res.columns if c.startswith("adverse_")]
    if not columns or res.empty:
        return []
    show_start = res.loc[res["drug"] != "none", "start_day"].nunique() > 1
    labels = res.apply(regime_label, axis=1, show_start=show_start)
    means = res[columns].groupby(labels, sort=False).mean()
    fig = Figure(figsize=(3.0 * len(columns), 0.35 * len(means) + 2.2))
    axes = fig.subplots(1, len(columns), sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(means))
    low = min(0.5, float(means.min().min()) * 0.8)
    high = max(2.0, float(means.max().max()) * 1.25)
    for ax, col in zip(axes, columns, strict=True):
        values = means[col].to_numpy(float)
        colors = ["tab:red" if v > 1 else "tab:blue" for v in values]
        ax.barh(y, values - 1.0, left=1.0, color=colors)  # bars from 1 = untreated
        ax.axvline(1.0, color="k", lw=0.7)
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_xticks([t for t in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(col.removeprefix("adverse_").replace("_", " "), fontsize=9)
    axes[0].set_yticks(y, means.index, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("Adverse-effect indices by regime (1 = untreated, higher is worse)", fontsize=10)
    fig.tight_layout()
    rows = [
        {"regime": k, **{c.removeprefix("adverse_"): _index(c, v) for c, v in r.items()}}
        for k, r in means.iterrows()
    ]
    title = f"Adverse-effect indices (1 = untreated; ≥ {MAX_DELAY_INDEX:g}: at the index's limit)"
    return [("adverse_panel.png", fig, md_table(title, rows))]


def _index(column: str, value: float) -> str:
    """An adverse index for the table: the panel is seedless, so a regime's mean at the limit
    means every run reached it (``≥ 20``)."""
    key = column.removeprefix("adverse_")
    return limited(value, MAX_DELAY_INDEX if key in CAPPED_KEYS else None)
