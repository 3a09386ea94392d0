"""The neurodegeneration scenario (model.scenarios.neuro): aggregates, autophagy, neuron loss.

Targets (published figures, each with its source):

* N1: rapalogs lower aggregate load by autophagy: mutant huntingtin aggregates and toxicity
  fall under rapamycin / CCI-779 (Ravikumar 2004 Nat Genet 36:585).
* A2: the benefit works through autophagy: rapamycin's effect in flies requires autophagy
  (Bjedov 2010 Cell Metab 11:35).

Treated and untreated cohorts run on the same seed (the same random numbers for death draws).
"""

import functools

import numpy as np

from mtor_abm.model.pharmacology import UNTREATED, Regime
from mtor_abm.model.scenarios.neuro import NeuroModel, NeuroScenario

ORGANISMS = 20
STANDARD_NM = 4.4  # 14 ppm rapamycin in food ~ 4 ng/mL in blood (Livi 2013 Aging 5:100)


def rapamycin(start_day: float = 0.0) -> Regime:
    """Rapamycin held at the standard blood level from ``start_day``."""
    return Regime("sirolimus", 0.0, "fixed", start_day=start_day, conc_nM=STANDARD_NM)


@functools.cache
def run(start_day: float | None, days: int, **params) -> dict:
    """Timeseries of a cohort (untreated when ``start_day`` is None)."""
    regime = UNTREATED if start_day is None else rapamycin(start_day)
    model = NeuroModel(NeuroScenario(rng=5, organisms=ORGANISMS, **params), regime)
    for _ in range(days):
        model.step()
    return model.timeseries()


def test_untreated_mutant_neurons_accumulate_aggregates_and_die():
    series = run(None, 365)
    assert series["aggregate_load"][0] == 0.0
    assert series["aggregate_load"][365] > 0.2
    assert 0.5 < series["neuron_survival_fraction"][365] < 0.9


def test_rapamycin_before_aggregates_lowers_load_and_neuron_loss():
    """N1 (Ravikumar 2004): treatment from day 0 lowers aggregates and toxicity."""
    untreated, treated = run(None, 365), run(0.0, 365)
    assert treated["aggregate_load"][365] < 0.93 * untreated["aggregate_load"][365]
    loss_u = 1 - untreated["neuron_survival_fraction"][365]
    loss_t = 1 - treated["neuron_survival_fraction"][365]
    assert loss_t < 0.9 * loss_u
    assert treated["mean_autophagy"][365] > untreated["mean_autophagy"][365]


def test_rapamycin_after_aggregates_form_still_lowers_load_but_saves_fewer_neurons():
    untreated, early, late = run(None, 365), run(0.0, 365), run(180.0, 365)
    assert untreated["aggregate_load"][180] > 0.2  # aggregates established at the start
    assert late["aggregate_load"][365] < 0.93 * untreated["aggregate_load"][365]
    survival = [s["neuron_survival_fraction"][365] for s in (untreated, late, early)]
    assert survival[0] < survival[1] < survival[2]


def test_benefit_disappears_without_autophagy():
    """A2 (Bjedov 2010): with autophagy knocked out the rapalog no longer helps."""
    days = 60
    with_autophagy = run(None, days)["aggregate_load"][days], run(0.0, days)["aggregate_load"][days]
    assert with_autophagy[1] < 0.95 * with_autophagy[0]
    knockout = (
        run(None, days, autophagy_capacity=0.0),
        run(0.0, days, autophagy_capacity=0.0),
    )
    assert knockout[0]["aggregate_load"][days] > with_autophagy[0]  # no clearance: more load
    np.testing.assert_allclose(
        knockout[1]["aggregate_load"][days], knockout[0]["aggregate_load"][days], rtol=0.01
    )
    assert (
        knockout[1]["neuron_survival_fraction"][days]
        == knockout[0]["neuron_survival_fraction"][days]
    )


def test_wild_type_protein_aggregates_less_than_mutant():
    mutant, wild_type = run(None, 120), run(None, 120, mutant_protein=False)
    assert wild_type["aggregate_load"][120] < 0.5 * mutant["aggregate_load"][120]


def test_neurons_never_come_back():
    survival = np.asarray(run(None, 365)["neuron_survival_fraction"])
    assert np.all(np.diff(survival) <= 0)


def test_glia_take_up_released_aggregates():
    without, with_glia = run(None, 365), run(None, 365, glia=True)
    assert with_glia["neuron_survival_fraction"][365] > without["neuron_survival_fraction"][365]


def test_views_and_cell_state():
    model = NeuroModel(NeuroScenario(rng=1, organisms=4, lattice=5), UNTREATED)
    model.step()
    codes, labels = model.category_layer()
    assert codes.shape == (11, 11) and labels[0] == "healthy neuron"
    assert set(model.readout_layers()) >= {"mTORC1", "pS6K", "pAKT_S473", "autophagy", "damage"}
    cell = model.cell_state_at(6, 6)
    assert cell["organism"] == 3 and cell["cell_type"] == "neuron"
    assert model.cell_state_at(5, 0) is None


def test_fast_proteasome_gives_the_analytic_soluble_level():
    """With no aggregation the soluble protein obeys dp/dt = make - k p, so after t days
    p = make / k (1 - exp(-k t)); at proteasome_per_day = 10 (inside its documented bounds)
    forward Euler at 4 sub-steps a day overshot to negative values and was clipped to 0."""
    sc = NeuroScenario(
        rng=1,
        organisms=3,
        lattice=3,
        production_spread=0.0,
        aggregation_per_day=0.0,
        proteasome_per_day=10.0,
    )
    model = NeuroModel(sc, UNTREATED)
    days = 3
    for _ in range(days):
        model.step()
    flux = model.autophagic_flux()  # untreated: held at its steady state over the days
    k = sc.proteasome_per_day + sc.autophagy_soluble_per_day * flux
    expected = sc.production_per_day / k * -np.expm1(-k * days)
    assert np.allclose(model.soluble, expected, rtol=1e-9)
    assert np.allclose(model.soluble, 0.005, rtol=0.01)  # ~ make / proteasome
    assert np.all(model.aggregate == 0.0)
