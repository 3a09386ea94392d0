"""Cohort models (model.scenarios.cohort): building, drug exposure per day."""

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.pharmacology import UNTREATED
from mtor_abm.model.scenarios.aging import AgingModel, AgingScenario
from mtor_abm.model.scenarios.neuro import NeuroModel, NeuroScenario


def test_cohort_steady_state_is_each_organisms_own_integration_bit_for_bit():
    """One vectorised integration over organisms gives exactly what integrating each organism
    alone (at its own growth-factor drive) gives, for every cell of it."""
    for model in (
        AgingModel(AgingScenario(rng=3, organisms=7), UNTREATED),
        NeuroModel(NeuroScenario(rng=4, organisms=5, lattice=3), UNTREATED),
    ):
        one = {k: v[:1] for k, v in model.params.items()}
        assert len(set(model.growth_factor)) == model.n_org  # organisms really differ
        for o, gf in enumerate(model.growth_factor):
            alone = sg.new_state(1, one, sg.Inputs(growth_factor=float(gf)))
            for k in sg.STATE_NAMES:
                assert np.array_equal(
                    model.per_org(model.state[k])[o], np.repeat(alone[k], model.cells_per_org)
                )


def test_a_stress_rate_of_one_per_day_hits_1_minus_1_over_e_of_organisms_a_day():
    """Acute stresses arrive as a Poisson process of ``stress_rate_per_day``: the chance of at
    least one on a given day is 1 - exp(-rate) = 0.632 at rate 1, not rate x 1 day = 1 (every
    organism every day). At severity 1 a hit empties at least one site of ~97 % of organisms
    (draws of min(Exp(1), 1) per cell), so 0.61 of 300 organisms (SE 0.03) have an empty site
    after day 1."""
    from mtor_abm.model.scenarios.aging import EMPTY

    fractions = []
    for seed in (2, 3):
        sc = AgingScenario(rng=seed, organisms=300, stress_rate_per_day=1.0, stress_severity=1.0)
        model = AgingModel(sc, UNTREATED)
        assert not (model.status == EMPTY).any()
        model.step()
        fractions.append((model.status == EMPTY).any(axis=1).mean())
    assert 0.5 < np.mean(fractions) < 0.72
