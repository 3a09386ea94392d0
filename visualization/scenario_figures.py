"""Which figures each scenario's runs get, registered here on the plotting side.

The model layer knows nothing of plotting: a scenario with figures of its own is listed in
:data:`SCENARIO_FIGURES` by its registry name (``model.scenarios.SCENARIOS``), and
:func:`~visualization.figures.save_run_figures` looks it up. A scenario not listed gets the
generic figures only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from mtor_abm.visualization.aging_figures import aging_figures, neuro_figures
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
