"""Every time-series column is numeric in every table a run writes, a None-only one too."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.experiments.series import series_frame


def test_none_becomes_nan_and_numbers_keep_their_type():
    frame = series_frame({"time_h": [0, 1, 2], "a": [None, None, None], "b": [1.5, None, 2.0]})
    assert frame["time_h"].dtype == np.int64
    assert frame["a"].dtype == np.float64 and frame["a"].isna().all()
    assert frame["b"].dtype == np.float64
    assert frame["b"].iloc[0] == 1.5 and math.isnan(frame["b"].iloc[1])


def test_a_value_that_is_no_number_is_refused():
    with pytest.raises(ValueError, match="column 'a'"):
        series_frame({"a": [None, "x"]})


def test_an_untreated_transplant_run_folder_reports(tmp_path):
    """An untreated transplant has no second drug, so ``co_drug_nM`` is None at every record:
    the written table must still be one the report reads."""
    out = tmp_path / "run"
    small = ["--set", "width=30", "--set", "height=30", "--set", "graft_radius=6"]
    assert main(["run", "transplant", "--days", "0.25", *small, "--out", str(out)]) == 0
    table = pd.read_parquet(out / "timeseries.parquet")
    assert table["co_drug_nM"].dtype == np.float64 and table["co_drug_nM"].isna().all()
    assert main(["report", str(out)]) == 0
