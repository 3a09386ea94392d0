"""Every regime field a sweep spec can vary is a column of results.parquet and part of the
condition label, so runs that differ only in that field are never pooled."""

from __future__ import annotations

import dataclasses

import pandas as pd

from mtor_abm.experiments.report.conditions import conditions
from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.spec import REGIME_KEYS
from mtor_abm.experiments.store import REGIME_COLUMNS
from mtor_abm.experiments.sweep import run_sweep
from mtor_abm.model.pharmacology import Regime

LOADING_SPEC = """
scenario = "culture"
days = 1
seed = 3
[set]
width = 12
height = 12
initial_cells = 10
[[regimes]]
drug = "sirolimus"
dose = 2
schedule = "daily"
loading_dose = [2, 6]
"""


def test_every_spec_regime_key_is_a_results_column():
    fields = {f.name for f in dataclasses.fields(Regime) if f.init}
    # Trough monitoring (a target and its record) is not a sweep key, so not a column.
    monitoring = {"target_trough_ng_ml", "dose_steps"}
    assert set(REGIME_COLUMNS) == fields - monitoring
    assert not any(key.startswith(("target", "dose_steps")) for key in REGIME_KEYS)
    # spec keys are the regime fields without their unit suffix
    for key in REGIME_KEYS:
        assert any(column.startswith(key) for column in REGIME_COLUMNS), key


def test_loading_dose_sweep_gives_two_columns_values_and_two_conditions(tmp_path):
    spec = tmp_path / "loading.toml"
    spec.write_text(LOADING_SPEC)
    out = tmp_path / "sweep"
    run_sweep(spec, out, workers=1, progress=False)
    results = pd.read_parquet(out / "results.parquet")
    assert sorted(results["loading_dose_mg"]) == [2.0, 6.0]
    labels = conditions(Results(results, pd.DataFrame(), "sweep", {}, []))
    assert labels.nunique() == 2, list(labels)
    assert any("loading 6 mg" in label for label in labels)
