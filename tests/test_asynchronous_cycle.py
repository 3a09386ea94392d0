"""Asynchronous seeding (model.fates.asynchronous_cycle): cells spread over the cycle as in an
exponentially growing population (Powell 1956 J Gen Microbiol 15:492)."""

import math

import numpy as np
import pytest

from mtor_abm.model.fates import CycleParams, asynchronous_cycle


def _seeded(n: int, seed: int = 3):
    table = {
        "mass": np.zeros(n),
        "phase": np.zeros(n, dtype=np.int8),
        "g1_progress": np.zeros(n),
        "phase_timer_h": np.zeros(n),
    }
    asynchronous_cycle(table, np.arange(n), CycleParams(), np.random.default_rng(seed))
    return table


def test_share_of_cells_past_g1_is_that_of_an_exponential_population():
    """Age density 2 ln2/T 2^(-a/T): the share older than G1 (10 h of a 22-h cycle) is
    1 - 2 (1 - 2^(-10/22)) = 0.459, below the 12/22 = 0.545 of a uniform spread (young cells
    are over-represented in a growing population)."""
    p = CycleParams()
    cycle = p.g1_min_h + p.sg2m_h
    expected = 1.0 - 2.0 * (1.0 - 2.0 ** (-p.g1_min_h / cycle))
    table = _seeded(200_000)
    assert np.mean(table["phase"] == 1) == pytest.approx(expected, abs=0.005)
    assert expected == pytest.approx(0.4594, abs=1e-3)


def test_positions_are_consistent_with_the_age_drawn():
    """G1 cells have progress in [0, 1) and no S/G2/M time; the others have finished G1 and are
    less than sg2m_h into S/G2/M; mass grows linearly from the balanced newborn mass."""
    p = CycleParams()
    table = _seeded(10_000)
    g1 = table["phase"] == 0
    assert np.all((table["g1_progress"][g1] >= 0) & (table["g1_progress"][g1] < 1))
    assert np.all(table["phase_timer_h"][g1] == 0)
    assert np.all(table["g1_progress"][~g1] == 1)
    assert np.all((table["phase_timer_h"][~g1] >= 0) & (table["phase_timer_h"][~g1] < p.sg2m_h))
    newborn = 0.5 * (p.mass_g1s + p.growth_per_h * p.sg2m_h)
    age = np.where(g1, table["g1_progress"] * p.g1_min_h, p.g1_min_h + table["phase_timer_h"])
    np.testing.assert_allclose(table["mass"], newborn + p.growth_per_h * age, rtol=1e-12)
    assert math.isclose(newborn, 0.5 * (1.6 + 12 / 22))
