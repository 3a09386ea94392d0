"""Figures of the cohort scenarios: Kaplan-Meier survival, senescence and damage by age,
neuron survival and aggregate load (files only; ``Figure`` objects, see :mod:`.figures`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mtor_abm.model.survival import cohort_survival
from mtor_abm.visualization.figures import run_title, save_figure


def senescence_figure(series: dict, title: str = "", untreated: dict | None = None):
    """Senescent fraction and mean damage of living organisms by age (and the untreated
    twin's senescent fraction, dotted, when given)."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    day = np.asarray(series["day"])
    ax.plot(day, series["senescent_fraction"], color="tab:red", label="senescent fraction")
    if untreated is not None:
        ax.plot(
            untreated["day"],
            untreated["senescent_fraction"],
            color="tab:red",
            ls=":",
            label="senescent, untreated",
        )
    ax.plot(day, series["functional_fraction"], color="tab:green", label="functional fraction")
    ax.set_xlabel("age (days)")
    ax.set_ylabel("fraction of sites")
    ax.set_ylim(0, 1.02)
    twin = ax.twinx()
    twin.plot(day, series["mean_damage"], color="tab:gray", ls="--", label="mean damage")
    twin.set_ylabel("mean damage (1 = young)")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], frameon=False, loc="center left")
    ax.set_title(title)
    return fig


def neuro_figure(series: dict, title: str = ""):
    """Neuron survival and mean aggregate load per living neuron over time."""
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    day = np.asarray(series["day"])
    ax.plot(day, series["neuron_survival_fraction"], color="tab:blue", label="neurons alive")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("surviving neuron fraction")
    ax.set_ylim(0, 1.02)
    twin = ax.twinx()
    twin.plot(day, series["aggregate_load"], color="tab:purple", ls="--", label="aggregate load")
    twin.set_ylabel("aggregate load per neuron")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], frameon=False, loc="lower left")
    ax.set_title(title)
    return fig


def survival_figure(arms: dict[str, tuple], title: str = ""):
    """Kaplan-Meier survival with 95 % bands and median marks, one curve per arm.

    Args:
        arms: label -> ``(death_days, end_day)``: the day each organism died (NaN = alive at
            the end, censored there) and the last simulated day.

    The curve, band and median are :func:`model.survival.cohort_survival`'s, the statistic of
    the run's readouts and of the report, so the three never disagree.
    """
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    for i, (label, (death_days, end_day)) in enumerate(arms.items()):
        color = f"C{i % 10}"
        km = cohort_survival(death_days, end_day)
        ax.step(km.times, km.survival, where="post", color=color, label=label)
        ax.fill_between(km.times, km.lower, km.upper, step="post", color=color, alpha=0.2, lw=0)
        if km.median is not None:
            ax.plot([km.median], [0.5], marker="o", color=color, ms=5)
    ax.axhline(0.5, color="gray", lw=0.5, ls="--")
    ax.set_xlabel("age (days)")
    ax.set_ylabel("surviving fraction (Kaplan-Meier, 95 % band)")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def aging_figures(fig_dir: Path, result) -> list[Path]:
    """Registry hook of ``aging``: survival against the untreated twin, senescence by age."""
    s = result.summary
    title = run_title(s)
    label = title.split(": ", 1)[1]
    arms = {label: (result.model.death_day, result.model.day)}
    if result.twin_model is not None:
        arms["untreated (same seed)"] = (result.twin_model.death_day, result.twin_model.day)
    fig_dir = Path(fig_dir)
    return [
        save_figure(survival_figure(arms, title), fig_dir / "survival.png"),
        save_figure(
            senescence_figure(result.timeseries, title, result.twin_timeseries),
            fig_dir / "senescence.png",
        ),
    ]


def neuro_figures(fig_dir: Path, result) -> list[Path]:
    """Registry hook of ``neuro``: neuron survival and aggregate load over time."""
    title = run_title(result.summary)
    path = Path(fig_dir) / "neurons.png"
    return [save_figure(neuro_figure(result.timeseries, title), path)]
