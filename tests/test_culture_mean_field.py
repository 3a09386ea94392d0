"""The culture rows of the observation table are judged in mean field
(:func:`model.calibration.experiments.culture_growth_inhibition`); the product's culture is the
agent-based dish (:class:`model.scenarios.culture.CultureModel`). The two must agree for the
rows to say anything about the dish.

They do not yet: measured (seeds 1-3, everolimus 10 nM, 72 h, the dish seeded
asynchronously), dish against mean field: wild type 0.35 / 0.47, PTEN-null 0.37 / 0.47,
TSC-null 0.04 / 0.18. The mean field takes a cell's size to follow its growth rate at once,
uses the average survival and ignores crowding, while the dish has cells that keep dividing on
a size reserve, colonies whose inner cells wait for space, and, for TSC-null cells with little
AKT left by the S6K and Grb10 feedback, more death untreated than treated. Until the culture
rows are evaluated on the dish (or the mean field carries per-generation mass and crowding),
this is a strict xfail that names the gap.
"""

import numpy as np
import pytest

from mtor_abm.model.calibration.experiments import culture_growth_inhibition
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.regimes import build_regime
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario, growth_inhibition

SEEDS = (1, 2, 3)


def _dish_cells(cell_type: str, regime, seed: int) -> tuple[int, int]:
    model = CultureModel(CultureScenario(rng=seed, cell_type=cell_type), regime, load_library())
    for _ in range(72):
        model.step()
    return model.cells_initial, model.n_cells


def dish_gi(cell_type: str, drug: str, conc_nM: float) -> float:
    """Mean over SEEDS of the dish's 72-h growth inhibition against its untreated twin."""
    library = load_library()
    values = []
    for seed in SEEDS:
        n0, untreated = _dish_cells(cell_type, build_regime(library, "none"), seed)
        _, treated = _dish_cells(cell_type, build_regime(library, drug, conc_nM=conc_nM), seed)
        values.append(growth_inhibition(n0, treated, n0, untreated))
    return float(np.mean(values))


@pytest.mark.xfail(
    strict=True,
    reason="mean-field culture GI differs from the dish by 0.1-0.15 (wild type 0.47 vs 0.35,"
    " TSC-null 0.18 vs 0.04; module docstring)",
)
def test_mean_field_growth_inhibition_matches_the_dish():
    """For each genotype within 0.05 of the dish's mean over three seeds, everolimus 10 nM,
    72 h, and so the same order of sensitivity."""
    for cell_type in ("tumor_wild_type", "tumor_pten_null", "tumor_tsc_null"):
        dish = dish_gi(cell_type, "everolimus", 10.0)
        mean_field = culture_growth_inhibition({"everolimus": 10.0}, cell_type)
        assert mean_field == pytest.approx(dish, abs=0.05), cell_type
