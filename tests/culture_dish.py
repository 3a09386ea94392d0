"""The default culture dish as the product runs it, for tests that judge growth inhibition on
the dish itself: 40 x 40 sites seeded with 80 cells, 72 h, mean of seeds 1-3, against the
untreated dish on the same seed (runs cached: several tests share them)."""

import functools

import numpy as np

from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.regimes import build_regime
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario, growth_inhibition

SEEDS = (1, 2, 3)


@functools.cache
def dish_cells(cell_type: str, drug: str, conc_nM: float, seed: int) -> tuple[int, int]:
    """(cells at 0 h, cells at 72 h) of the default dish (``drug`` "none": untreated)."""
    library = load_library()
    regime = build_regime(library, drug, conc_nM=conc_nM if drug != "none" else None)
    model = CultureModel(CultureScenario(rng=seed, cell_type=cell_type), regime, library)
    for _ in range(72):
        model.step()
    return model.cells_initial, model.n_cells


def dish_gi(cell_type: str, drug: str, conc_nM: float) -> float:
    """Mean over SEEDS of the dish's 72-h growth inhibition against its untreated twin."""
    values = []
    for seed in SEEDS:
        n0, untreated = dish_cells(cell_type, "none", 0.0, seed)
        _, treated = dish_cells(cell_type, drug, conc_nM, seed)
        values.append(growth_inhibition(n0, treated, n0, untreated))
    return float(np.mean(values))
