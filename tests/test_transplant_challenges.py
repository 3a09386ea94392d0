"""Pathogen growth and spread (model.scenarios.transplant_challenges) against exact solutions.

Right values: the logistic equation's closed form ``L0 e^(rt) / (1 + L0 (e^(rt) - 1))`` and,
for spread from a fully infected site into an empty neighbour, ``1 - e^(-s t / 4)``.
"""

import math

import numpy as np
import pytest

from mtor_abm.model.scenarios.transplant_challenges import PathogenParams, grow_and_spread


def test_uniform_load_without_spread_follows_the_logistic_closed_form():
    p = PathogenParams(growth_per_h=0.05, spread_per_h=0.0)
    load = np.full((6, 6), 0.01)
    for _ in range(20):
        grow_and_spread(load, 5.0, p)  # r dt = 0.25 per step, 100 h in all
    e = math.exp(0.05 * 100.0)
    assert load == pytest.approx(np.full((6, 6), 0.01 * e / (1 + 0.01 * (e - 1))), rel=1e-12)


@pytest.mark.parametrize("s_dt", [2.0, 400.0])
def test_spread_into_an_empty_neighbour_is_exact_and_stays_a_fraction(s_dt):
    """A fully infected centre (no growth) seeds each of its four neighbours with the exact
    ``1 - exp(-s dt / 4)`` (explicit Euler gave s dt / 4: 0.5 for s dt = 2, and 100 before a
    clip for s dt = 400); diagonal sites stay clean, nothing leaves [0, 1]."""
    p = PathogenParams(growth_per_h=0.0, spread_per_h=s_dt / 10.0)
    load = np.zeros((5, 5))
    load[2, 2] = 1.0
    grow_and_spread(load, 10.0, p)
    expected = -math.expm1(-s_dt / 4.0)
    for x, y in ((1, 2), (3, 2), (2, 1), (2, 3)):
        assert load[x, y] == pytest.approx(expected, rel=1e-12)
    assert load[2, 2] == 1.0 and load[1, 1] == 0.0 and load[0, 2] == 0.0
    assert np.all((load >= 0.0) & (load <= 1.0))
