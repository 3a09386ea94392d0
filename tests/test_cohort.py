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
