"""Readouts in Mesa's DataCollector as a Mesa user expects: one model reporter per readout, so
``get_model_vars_dataframe()`` has one numeric column per readout and one row per collection."""

from __future__ import annotations

import numbers

import mesa
import numpy as np
import pandas as pd
import pytest
from scenario_cases import build_small

from mtor_abm.model import records
from mtor_abm.model.scenarios import SCENARIOS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_model_vars_dataframe_has_one_column_per_readout(name):
    model, _ = build_small(name, 2, True)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(model.record())
    assert len(frame) == 4  # the state at build, then one row per step
    for column in frame.columns:
        values = frame[column].tolist()
        assert all(v is None or isinstance(v, numbers.Number) for v in values), column
    # Time advances by the model's step: the clock column is 0, dt, 2 dt, 3 dt hours.
    np.testing.assert_allclose(frame["time_h"], np.arange(4) * model.dt_h)
    series = model.timeseries()
    assert series.keys() == set(frame.columns)
    # A readout that is undefined at a collection (None: e.g. no T-cell yet) is NaN in the data
    # frame, as pandas stores a missing number in a float column.
    for c in frame.columns:
        in_frame = [None if pd.isna(v) else v for v in frame[c].tolist()]
        assert series[c] == in_frame, c


class _Counter(mesa.Model):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.datacollector = records.readout_collector(self)

    def record(self):
        return {"n": self.n, "twice": 2 * self.n}


def test_each_reporter_reads_its_own_readout_and_old_checkpoint_layout_loads():
    m = _Counter()
    for _ in range(2):
        m.n += 1
        records.collect(m)
    assert records.columns(m.datacollector) == {"n": [0, 1, 2], "twice": [0, 2, 4]}
    old = {"record": [{"n": 5, "twice": 10}, {"n": 6, "twice": 12}]}
    records.load_columns(m.datacollector, old)
    assert records.columns(m.datacollector) == {"n": [5, 6], "twice": [10, 12]}
    with pytest.raises(ValueError, match="do not match"):
        records.load_columns(m.datacollector, {"n": [1]})
