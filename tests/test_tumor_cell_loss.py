"""The tumor's cell-loss rules, against their closed forms.

* Loss is carried by the cycle (:func:`cycle_engaged_loss`): ``drive (1 + K) / (drive + K)``,
  1 at the reference drive, 0 for a cell arrested in G1 (a cytostatic block leaves it alive).
* A cell whose translation falls below the level it has adapted to gets the squared fall as a
  push towards apoptosis, and the adapted level follows with the scenario's time constant
  (:meth:`TumorModel.translation_shock`).
"""

import numpy as np
import pytest

from mtor_abm.model.pharmacology import UNTREATED, load_library
from mtor_abm.model.scenarios.tumor import TumorModel, cycle_engaged_loss
from mtor_abm.model.scenarios.tumor_params import TumorScenario


@pytest.mark.parametrize("half", [0.1, 0.25, 1.0])
def test_engaged_loss_closed_form(half):
    drive = np.array([0.0, half, 1.0, 1e6])
    got = cycle_engaged_loss(drive, half)
    # 0 arrested; at drive = K half of the saturation 1 + K; 1 at the reference; -> 1 + K.
    assert got[0] == 0.0
    assert got[1] == pytest.approx((1.0 + half) / 2.0)
    assert got[2] == pytest.approx(1.0)
    assert got[3] == pytest.approx(1.0 + half, rel=1e-5)


def test_engaged_loss_off_is_drive_independent():
    assert cycle_engaged_loss(np.array([0.0, 0.5, 3.0]), 0.0).tolist() == [1.0, 1.0, 1.0]


def _small_model(**params) -> TumorModel:
    scenario = TumorScenario(rng=0, width=20, height=20, seed_radius_sites=3, **params)
    return TumorModel(scenario, UNTREATED, load_library())


def test_translation_shock_squared_fall_and_adaptation():
    tau = 100.0
    model = _small_model(translation_adapt_h=tau)
    n = model.table.n
    model.table["translation_adapted"][:n] = 0.0  # not yet set: a cell starts adapted
    assert np.all(model.translation_shock(np.full(n, 2.0)) == 0.0)
    # Translation halves: the shock is the squared fall, (1 - 1/2)^2.
    shock = model.translation_shock(np.full(n, 1.0))
    assert shock == pytest.approx(np.full(n, 0.25))
    # The adapted level moved from 2 towards 1 by 1 - exp(-dt / tau) of the gap.
    expected = 2.0 - (1.0 - np.exp(-model.dt_h / tau))
    assert model.table["translation_adapted"][:n] == pytest.approx(np.full(n, expected))
    # A rise is no shock.
    assert np.all(model.translation_shock(np.full(n, 3.0)) == 0.0)
