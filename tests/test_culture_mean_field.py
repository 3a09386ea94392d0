"""The culture rows of the observation table are judged in mean field
(:func:`model.calibration.experiments.culture_growth_inhibition`); the product's culture is the
agent-based dish (:class:`model.scenarios.culture.CultureModel`). The two must agree for the
rows to say anything about the dish.

The mean field runs the dish's own rules (the fates of :mod:`model.fates` with exact timing,
the pericellular medium, cells already in S/G2/M at drug start finishing their division, the
size reserve carried into the next generation) on cohorts of the dish's seeding age density,
without randomness or space. The dish is compared as the product runs it: the default 40 x 40
dish seeded with 80 cells (it pushes neighbours to divide, so it grows exponentially while
subconfluent), mean of seeds 1-3, 72 h, against its untreated twin on the same seed.
"""

import numpy as np
import pytest
from culture_dish import dish_gi

from mtor_abm.model.calibration.experiments import culture_growth_inhibition

GENOTYPES = ("tumor_wild_type", "tumor_pten_null", "tumor_tsc_null")


@pytest.mark.parametrize("cell_type", GENOTYPES)
@pytest.mark.parametrize(
    ("drug", "conc_nM"),
    [
        ("everolimus", 10.0),  # the plateau of the rapalog response (S14)
        ("everolimus", 1.0),  # mid-slope (S13: half-maximal near 1 nM)
        ("azd8055", 25.0),  # the median cellular IC50 of the pediatric panel (S12)
    ],
)
def test_mean_field_growth_inhibition_matches_the_dish(cell_type, drug, conc_nM):
    """Within 0.05 of the dish's mean over three seeds (the seed-to-seed SD of one dish's GI is
    0.01-0.07, measured over 10 seeds), so the culture rows speak for the dish."""
    dish = dish_gi(cell_type, drug, conc_nM)
    mean_field = culture_growth_inhibition({drug: conc_nM}, cell_type)
    assert mean_field == pytest.approx(dish, abs=0.05)


def test_mean_field_keeps_the_dish_order_of_genotypes_at_everolimus_10_nM():
    """The genotypes rank the same way in the dish and in mean field."""
    dish = [dish_gi(ct, "everolimus", 10.0) for ct in GENOTYPES]
    mean_field = [culture_growth_inhibition({"everolimus": 10.0}, ct) for ct in GENOTYPES]
    assert np.argsort(dish).tolist() == np.argsort(mean_field).tolist()


def test_mean_field_is_smooth_in_concentration_for_the_fit():
    """The fit takes finite differences of the culture rows: the local slope of GI in
    log-concentration (step 1e-4) is the slope over +-2 % (within 20 %), not the flat tread of a
    staircase with a jump each time a cohort's division crosses 72 h."""
    from mtor_abm.model.pharmacology import load_library

    library = load_library()

    def gi(conc_nM: float) -> float:
        return culture_growth_inhibition(
            {"everolimus": conc_nM}, "tumor_pten_null", 72.0, None, library
        )

    local = (gi(1.0001) - gi(1.0)) / np.log(1.0001)
    secant = (gi(1.02) - gi(1.0 / 1.02)) / (2 * np.log(1.02))
    assert secant > 0.05
    assert local == pytest.approx(secant, rel=0.2)
