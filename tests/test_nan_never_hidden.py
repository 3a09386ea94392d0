"""NaN is never hidden: a NaN or infinite result is an internal failure
(exit 1 with one ``error:`` line, nothing written), and a mean over no cells is null."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

from mtor_abm.experiments import backends, cli
from mtor_abm.experiments.runner import NonFiniteResult, json_safe
from mtor_abm.experiments.spec import Run


def call(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_json_writer_refuses_non_finite_numbers_naming_where(bad):
    with pytest.raises(NonFiniteResult, match=r"readouts\.mean_pS6K"):
        json_safe({"readouts": {"cells": 3, "mean_pS6K": bad}})
    with pytest.raises(NonFiniteResult, match=r"series\[2\]"):
        json_safe({"series": [1.0, 2.0, bad]})
    assert json_safe({"a": None, "b": [1.0, None]}) == {"a": None, "b": [1.0, None]}


def test_nan_pathway_readout_is_exit_1_with_one_error_line(monkeypatch):
    from mtor_abm.model import pathway

    real = pathway.simulate_pathway

    def with_nan(*args, **kwargs):
        result = real(*args, **kwargs)
        result["pAKT_S473"][3] = math.nan
        return result

    monkeypatch.setattr(pathway, "simulate_pathway", with_nan)
    status, out, err = call(["pathway", "--drug", "sirolimus", "--conc", "10", "--json"])
    assert status == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: internal failure: pAKT_S473[3]")


def test_nan_in_a_run_writes_nothing(monkeypatch, tmp_path):
    from mtor_abm.experiments import runner

    real = runner._finish

    def with_nan(*args, **kwargs):
        result = real(*args, **kwargs)
        result.timeseries["mean_pS6K"][-1] = math.nan
        return result

    monkeypatch.setattr(runner, "_finish", with_nan)
    out = tmp_path / "run"
    argv = ["run", "culture", "--days", "0.25", "--set", "width=8", "--set", "height=8"]
    status, _, err = call([*argv, "--out", str(out)])
    assert status == 1, err
    assert "timeseries.mean_pS6K" in err and len(err.splitlines()) == 1
    assert not (out / "summary.json").exists()


def test_nan_in_a_sweep_run_is_a_failed_record(monkeypatch):
    from mtor_abm.experiments.runner import run_scenario

    def with_nan(*args, **kwargs):
        result = run_scenario(*args, **kwargs)
        result.summary["readouts"]["mean_pS6K"] = math.nan
        return result

    monkeypatch.setattr(backends, "run_scenario", with_nan)
    run = Run(
        0,
        "culture",
        0.25,
        1,
        0,
        {"width": 8, "height": 8},
        {
            "drug": "none",
            "dose_mg": 0.0,
            "schedule": "daily",
            "start_day": 0.0,
            "stop_day": None,
            "conc_nM": None,
            "loading_dose_mg": None,
        },
    )
    record = backends.run_one(run, quiet=True)
    assert record["status"] == "failed"
    assert "summary.readouts.mean_pS6K is nan" in record["error"]
    json.dumps(record, allow_nan=False)


def test_tumor_without_cells_reports_null_means_not_zero():
    """All tumor cells lost within a day: no mean pAKT or pS6K exists (0.0 read as full
    inhibition before)."""
    argv = ["run", "tumor", "--set", "width=20", "--set", "height=20", "--days", "1"]
    status, out, err = call([*argv, "--set", "tumor_cell_loss_per_h=10", "--json"])
    assert status == 0, err
    readouts = json.loads(out)["readouts"]
    assert readouts["tumor_cells_final"] == 0
    for key in ("mean_pS6K", "mean_pAKT_S473", "cycling_fraction", "hypoxic_fraction"):
        assert readouts[key] is None, key


def test_cohort_with_every_organism_dead_records_null_means():
    from mtor_abm.experiments.runner import run_scenario
    from mtor_abm.model.pharmacology import UNTREATED

    params = {"organisms": 3, "lattice": 2, "stress_rate_per_day": 1, "stress_severity": 1}
    result = run_scenario("aging", UNTREATED, 10, 1, params, progress=False)
    assert result.summary["readouts"]["alive_at_end"] == 0
    assert result.timeseries["mean_pS6K"][-1] is None  # no living organism: no mean
    assert result.summary["readouts"]["senescent_fraction_final"] is not None  # last alive day
    json_safe(result.summary)
    json_safe(result.timeseries)
