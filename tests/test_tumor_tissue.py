"""The tumor's tissue (model.scenarios.tumor, tumor_vessels, agents.tumor): host renewal, the
host tissue's resistance to the lesion, and graded angiogenesis. Small slices, a few days.

Expected values come from the rules' definitions (analytic), not from runs: a host tissue
kept at its density by contact-inhibited renewal (its turnover replaced), no expansion into
host tissue that cannot be displaced, half activation at ``vegf_threshold``, and sprouted
(immature) vessels regressing without VEGF while mature ones of normal tissue do not
(Benjamin 1998 Development 125:1591).
"""

import numpy as np
import pytest

from mtor_abm.model.pharmacology import UNTREATED, load_library
from mtor_abm.model.scenarios.tumor import TumorModel, vessel_rules
from mtor_abm.model.scenarios.tumor_params import NORMAL, TumorScenario
from mtor_abm.model.scenarios.tumor_vessels import activation, update_vessels

LIBRARY = load_library()


def build(seed: int = 0, **params) -> TumorModel:
    """An untreated tumor model on a small slice."""
    base = {"width": 30, "height": 30, "seed_radius_sites": 4.0}
    return TumorModel(TumorScenario(rng=seed, **{**base, **params}), UNTREATED, LIBRARY)


def hosts(model: TumorModel) -> int:
    return int(np.count_nonzero(model.table["type_id"] == NORMAL))


def test_host_tissue_refills_space_and_keeps_its_density():
    """Hosts removed from a patch far from the lesion are replaced by renewal within days (at
    ``host_division_per_h`` 1/24 h and energy near 1, a free site next to a host waits ~1 day),
    and the tissue does not overfill: every host has no more host neighbours than its density
    allows, plus the one its last division may add."""
    model = build(seed=1, host_turnover_per_h=1.0 / 240.0)
    start = hosts(model)
    patch = np.zeros(model.grid.dimensions, bool)
    patch[0:8, 0:8] = True
    t = model.table
    for agent in [t.owners[r] for r in np.flatnonzero(patch[t["x"], t["y"]])]:
        agent.die()
    removed = start - hosts(model)
    assert removed > 30
    for _ in range(10 * 24):
        model.step()
    t = model.table
    in_patch = patch[t["x"], t["y"]] & (t["type_id"] == NORMAL)
    density = model.scenario.normal_density
    assert in_patch.sum() >= 0.5 * density * patch.sum()
    assert model.normal_site.sum() == hosts(model)
    assert hosts(model) <= model.grid.width * model.grid.height


def test_host_turnover_without_renewal_erodes_the_tissue_at_its_rate():
    """With renewal off and no lesion to crush them (one tumor cell that cannot displace),
    hosts die at ``host_turnover_per_h``: after 5 days of 1/120 h about exp(-1) of them remain
    (binomial spread on ~800 cells: 4 % SD)."""
    model = build(
        seed=2,
        host_turnover_per_h=1.0 / 120.0,
        host_division_per_h=0.0,
        seed_radius_sites=0.5,
        host_displacement=0.0,
    )
    start = hosts(model)
    for _ in range(120):
        model.step()
    assert hosts(model) == pytest.approx(start * np.exp(-1.0), rel=0.15)


def test_tumor_cannot_expand_into_host_tissue_it_cannot_displace():
    """Packed host tissue that never yields (``host_displacement`` 0) and never turns over:
    the lesion stays within its seeded disc plus the empty sites around it; with displacement
    on, it grows past that."""
    params = {"normal_density": 1.0, "host_turnover_per_h": 0.0, "seed_radius_sites": 5.0}
    blocked = build(seed=3, host_displacement=0.0, **params)
    free = build(seed=3, host_displacement=1.0, **params)
    seeded = blocked.n_tumor
    for _ in range(5 * 24):
        blocked.step()
        free.step()
    region = blocked.tumor_region().sum()
    assert region <= seeded
    assert free.tumor_region().sum() > seeded


def test_endothelial_activation_is_graded_with_half_activation_at_the_threshold():
    """a = v^4 / (v^4 + K^4): 1/2 at K, 1/17 at K/2, 16/17 at 2K, 0 without VEGF; +-15 % of K
    changes it smoothly (0.85^4/(0.85^4+1) = 0.343, 1.15^4/(1.15^4+1) = 0.636)."""
    k = 0.3
    values = activation(np.array([0.0, k / 2, k, 2 * k, 0.85 * k, 1.15 * k]), k)
    expected = [0.0, 1 / 17, 0.5, 16 / 17, 0.85**4 / (0.85**4 + 1), 1.15**4 / (1.15**4 + 1)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_sprouted_vessels_regress_without_vegf_and_mature_host_vessels_stay():
    """No VEGF, no tumor: mature (pre-existing) vessels have no regression hazard; immature
    (sprouted) ones regress at ``regression_per_h``: after 1/rate hours about exp(-1) remain."""
    rules = vessel_rules(TumorScenario())
    rng = np.random.default_rng(0)
    shape = (60, 60)
    vessels = np.zeros(shape, bool)
    vessels[::3, ::3] = True
    immature = np.zeros(shape, bool)
    immature[::3, ::6] = True
    mature = vessels & ~immature
    exposure = np.zeros(shape)
    zero = np.zeros(shape)
    hours = round(1.0 / rules.regression_per_h)
    for _ in range(hours):
        update_vessels(vessels, exposure, zero, zero, zero, 1.0, rules, rng, immature=immature)
    assert np.all(vessels[mature])
    n_immature = int((immature | (vessels & ~mature)).sum())
    assert immature.sum() == n_immature
    assert immature.sum() == pytest.approx(200 * np.exp(-1.0), rel=0.2)
