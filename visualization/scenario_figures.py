"""Which figures each scenario's runs get, registered here on the plotting side.

The model layer knows nothing of plotting: a scenario with figures of its own is listed in
:data:`SCENARIO_FIGURES` by its registry name (``model.scenarios.SCENARIOS``), and
:func:`save_run_figures` looks it up. A scenario not listed gets the
generic figures only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from mtor_abm.visualization.aging_figures import aging_figures, neuro_figures
from mtor_abm.visualization.figures import growth_figure, run_title, save_figure, signalling_figure
from mtor_abm.visualization.transplant_figures import transplant_figures
from mtor_abm.visualization.tumor_figures import save_tumor_figures

SCENARIO_FIGURES: Mapping[str, Callable[[Path, object], list[Path]]] = MappingProxyType(
    {
        "aging": aging_figures,
        "neuro": neuro_figures,
        "transplant": transplant_figures,
        "tumor": save_tumor_figures,
    }
)
"""``name -> figures(fig_dir, result)``: writes the scenario's own figures into ``fig_dir``
(besides the generic ones) and returns their paths."""


def save_run_figures(fig_dir: Path, result) -> list[Path]:
    """Write the figures of a run into ``fig_dir``; returns their paths.

    Generic figures (growth when the series has ``cells``, mean signalling) come first; then
    the scenario's own (:data:`SCENARIO_FIGURES`).
    """
    s = result.summary
    title = run_title(s)
    paths = []
    fig_dir = Path(fig_dir)
    figures = []
    if "cells" in result.timeseries:
        figures.append(
            ("growth.png", growth_figure(result.timeseries, result.twin_timeseries, title))
        )
    if any(k.startswith("mean_") for k in result.timeseries):
        figures.append(("signalling.png", signalling_figure(result.timeseries, title)))
    for name, fig in figures:
        save_figure(fig, fig_dir / name)
        paths.append(fig_dir / name)
    own = SCENARIO_FIGURES.get(s["scenario"])
    if own is not None:
        paths.extend(own(fig_dir, result))
    return paths
