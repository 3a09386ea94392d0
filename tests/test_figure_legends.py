"""No plotted line crosses a legend's text in the run figures (``mtor-sim run``'s figures/).

The fresh-user trial's signalling.png had its legend inside the axes, where the 1.0 reference
line ran through 'autophagy'. Each figure is drawn from a real short run; every legend text's
box on the canvas is tested against every line's drawn path (its data in display units).
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mtor_abm.model.pharmacology import load_library
from mtor_abm.visualization import figures
from mtor_abm.visualization.dashboard.state import ArmSpec, Run


def crossed_legend_texts(fig) -> list[str]:
    """Legend texts of ``fig`` that a line of the same axes passes through."""
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        for text in legend.get_texts():
            box = text.get_window_extent(renderer)
            for line in ax.get_lines():
                xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
                path = line.get_path().__class__(xy)
                if path.intersects_bbox(box, filled=False):
                    out.append(text.get_text())
                    break
    return out


@pytest.fixture(scope="module")
def culture_run():
    run = Run(
        "culture",
        [ArmSpec("s", "sirolimus", schedule="fixed", conc_nM=10.0)],
        {"width": 20, "height": 20, "initial_cells": 40},
        0,
        load_library(),
    )
    run.step(round(48.0 / run.dt_h))
    return run.timeseries()[0]


def test_no_line_crosses_the_run_figures_legends(culture_run):
    series = culture_run
    assert "mean_autophagy" in series
    made = [
        figures.signalling_figure(series, "culture: sirolimus held at 10 nM"),
        figures.growth_figure(series, series, "culture"),
        figures.pk_figure(series["time_h"], {"sirolimus": [1.0] * len(series["time_h"])}),
    ]
    for fig in made:
        assert crossed_legend_texts(fig) == []


def test_no_line_crosses_the_legend_whatever_the_curves():
    """Curves that sweep the whole plot (the trial's run put one under 'autophagy'): no place
    inside the axes is free, so only a legend outside them stays clear."""
    t = np.linspace(0.0, 72.0, 200)
    sweep = {
        "time_h": list(t),
        **{
            key: list(0.8 + 0.8 * np.sin(t / 3.0 + phase))
            for key, phase in (
                ("mean_pS6K", 0.0),
                ("mean_p4EBP1", 1.5),
                ("mean_pAKT_S473", 3.0),
                ("mean_autophagy", 4.5),
            )
        },
        "cells": list(100.0 + 50.0 * np.sin(t / 2.0)),
    }
    assert crossed_legend_texts(figures.signalling_figure(sweep, "sweep")) == []
    assert crossed_legend_texts(figures.growth_figure(sweep, sweep, "sweep")) == []


def test_no_line_crosses_the_tumor_growth_legend():
    """The tumor run's growth.png: curves crossed 'hypoxic', 'necrotic (debris)' and
    'treatment start' on a 20-day run of a small tumor (this one)."""
    from mtor_abm.visualization.tumor_figures import growth_by_state_figure

    run = Run(
        "tumor",
        [ArmSpec("e", "everolimus", dose_mg=10.0, schedule="daily", start_day=14.0)],
        {"width": 30, "height": 30, "seed_radius_sites": 6},
        0,
        load_library(),
    )
    run.step(round(24.0 * 20 / run.dt_h))
    fig = growth_by_state_figure(run.timeseries()[0], 14.0, "tumor")
    assert len(fig.axes[0].get_legend().get_texts()) == 6
    assert crossed_legend_texts(fig) == []


def test_the_check_finds_a_legend_inside_crossed_by_a_line():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="one")
    ax.legend(loc="center")  # the diagonal runs through the centre
    assert crossed_legend_texts(fig) == ["one"]
