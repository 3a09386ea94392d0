"""Run length: a run simulates exactly what its summary and manifest say, resumed or not.

Formerly ``--days 2.5`` on a daily-step cohort simulated 2 days, ``--days 3.5`` 4,
``culture --days 0.1`` 2 h, each reported as the requested days; a cohort saved at 2.5 days
and resumed for 2.5 simulated 4 days and reported 5. Days that are not a whole number of the
scenario's steps are refused now, and the summary records the model's own clock.
"""

import json

import pandas as pd
import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.experiments.runner import whole_steps
from mtor_abm.model.errors import InputError
from mtor_abm.model.scenarios import SCENARIOS

DISH = ["--set", "width=12", "--set", "height=12", "--set", "initial_cells=20"]
COHORT = ["--set", "organisms=12", "--set", "stress_rate_per_day=0.3"]
COHORT += ["--set", "stress_severity=0.4"]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("days", ["2.5", "3.5"])
def test_cohort_days_must_be_whole_days(days, capsys, tmp_path):
    assert main(["run", "aging", "--days", days, *COHORT, "--out", str(tmp_path / "a")]) == 2
    err = one_line_error(capsys)
    assert "whole number" in err and "(1 day)" in err and f"got {days}" in err
    assert not (tmp_path / "a" / "summary.json").exists()


def test_tissue_days_must_be_whole_hours(capsys, tmp_path):
    assert main(["run", "culture", "--days", "0.1", *DISH, "--out", str(tmp_path / "c")]) == 2
    err = one_line_error(capsys)
    assert "whole number" in err and "(1 h)" in err and "got 0.1" in err


def test_whole_steps_by_hand():
    assert whole_steps(2.0, 24.0) == 2
    assert whole_steps(1.5, 1.0) == 36
    assert whole_steps(1 / 24, 1.0) == 1
    with pytest.raises(InputError, match="nearest: 2 or 3"):
        whole_steps(2.5, 24.0)
    with pytest.raises(InputError, match="nearest: 1"):
        whole_steps(0.5, 24.0)


def test_every_scenario_steps_as_its_class_says():
    """The run-length check reads the model class's STEP_H: it is the built model's dt_h."""
    for spec in SCENARIOS.values():
        assert spec.model_class.STEP_H in (1.0, 24.0)
    from mtor_abm.model.pharmacology import UNTREATED
    from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario

    assert (
        CultureModel(
            CultureScenario(rng=0, **{"width": 5, "height": 5, "initial_cells": 1}), UNTREATED
        ).dt_h
        == CultureModel.STEP_H
    )


def test_summary_and_manifest_record_the_simulated_days(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "culture", "--days", "1.5", *DISH, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    series = pd.read_parquet(out / "timeseries.parquet")
    assert summary["days"] == manifest["days"] == 1.5
    assert series["time_h"].iloc[-1] == 36.0


def _run_frame(out):
    return (
        json.loads((out / "summary.json").read_text()),
        pd.read_parquet(out / "timeseries.parquet"),
    )


@pytest.mark.parametrize(
    ("scenario", "extra", "first", "second"),
    [("culture", DISH, "2.5", "2.5"), ("aging", COHORT, "2", "3")],
)
def test_saved_then_resumed_equals_one_run_bit_for_bit(scenario, extra, first, second, tmp_path):
    """A run saved after ``first`` days and resumed for ``second`` more is the uninterrupted
    run of their sum: same summary (days included), same time series to the bit."""
    state = tmp_path / "state.npz"
    head = ["run", scenario, "--seed", "4", *extra]
    assert (
        main([*head, "--days", first, "--save-state", str(state), "--out", str(tmp_path / "a")])
        == 0
    )
    resumed = ["run", "--resume-state", str(state), "--days", second]
    assert main([*resumed, "--out", str(tmp_path / "b")]) == 0
    total = str(float(first) + float(second))
    assert main([*head, "--days", total, "--out", str(tmp_path / "c")]) == 0
    summary_b, series_b = _run_frame(tmp_path / "b")
    summary_c, series_c = _run_frame(tmp_path / "c")
    assert summary_b["days"] == summary_c["days"] == float(total)
    assert summary_b["readouts"] == summary_c["readouts"]
    pd.testing.assert_frame_equal(series_b, series_c, check_exact=True)
    if scenario == "aging":  # the case of the issue: deaths on the last day are kept
        assert any(d is not None for d in summary_c["readouts"]["lifespans_days"])


def test_resume_by_a_fraction_of_a_cohort_step_is_refused(tmp_path, capsys):
    state = tmp_path / "state.npz"
    head = ["run", "aging", "--seed", "4", *COHORT, "--days", "2"]
    assert main([*head, "--save-state", str(state), "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    args = ["run", "--resume-state", str(state), "--days", "2.5"]
    assert main([*args, "--out", str(tmp_path / "b")]) == 2
    assert "whole number" in one_line_error(capsys)


def test_sweep_spec_with_a_fraction_of_a_cohort_day_is_refused_up_front():
    """A sweep would otherwise fail every run at its start; the spec check names the key."""
    from mtor_abm.experiments.spec import parse_spec

    with pytest.raises(InputError, match=r"days.*whole number.*\(1 day\)"):
        parse_spec({"scenario": "aging", "days": 2.5, "set": {"organisms": 4}})
    assert {r.days for r in parse_spec({"scenario": "aging", "days": 3}).runs} == {3.0}
