"""No state shared between models (everything hangs off a model instance).

Two models of the same scenario and lattice shape live in one process, as the dashboard's
side-by-side arms and a sweep worker's runs do; stepped in turn, each must give exactly the
record it gives when it is the only model ever stepped. Module-level caches, shared solver
buffers or counters would make the interleaved histories differ from the lone ones.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenario_cases import build_small as build

from mtor_abm.model.scenarios import SCENARIOS


def same(a: dict, b: dict) -> bool:
    """Equal series, value by value (NaN equals NaN; None, a mean over no cells, equals None)."""

    def equal(x, y) -> bool:
        if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
            return True
        return x == y

    if a.keys() != b.keys():
        return False
    return all(
        len(a[k]) == len(b[k]) and all(equal(x, y) for x, y in zip(a[k], b[k], strict=True))
        for k in a
    )


#: Optional parts of a scenario with state of their own, each a case of its own.
VARIANTS = {
    "transplant with wound and infection": (
        "transplant",
        {"wound": "true", "infection": "true", "infection_day": "1"},
    ),
}
CASES = {name: (name, None) for name in sorted(SCENARIOS)} | VARIANTS


@pytest.mark.parametrize("case", CASES)
def test_two_models_stepped_in_turn_equal_each_alone(case):
    name, extra = CASES[case]
    lone = []
    for seed, treated in ((3, True), (4, False)):
        model, steps = build(name, seed, treated, extra)
        for _ in range(steps):
            model.step()
        lone.append(model.timeseries())
    a, steps = build(name, 3, True, extra)
    b, _ = build(name, 4, False, extra)
    for _ in range(steps):
        a.step()
        b.step()
    assert not same(lone[0], lone[1]), "the two models should differ (seed and regime)"
    if extra:  # the optional parts ran: the pathogen was inoculated in both models
        assert a._infected and b._infected
    assert same(a.timeseries(), lone[0])
    assert same(b.timeseries(), lone[1])
