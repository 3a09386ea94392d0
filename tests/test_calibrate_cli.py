"""``mtor-sim calibrate``: the fit's outputs and its errors."""

import json
from pathlib import Path

import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.model.calibration.evaluate import load_observations
from mtor_abm.model.calibration.fit import split_holdout
from mtor_abm.model.calibration.parameter_set import parameter_set_hash

SMALL = Path(__file__).parent / "data" / "small_observations.toml"


@pytest.mark.slow
def test_calibrate_writes_fitted_set_fit_report_and_figure(tmp_path, capsys):
    """A one-start, one-step fit on four rows (one held out) writes the three outputs; the
    report's hash is that of the fitted set and every row is reported with its residual."""
    out = tmp_path / "fit"
    argv = ["calibrate", "--observations", str(SMALL), "--starts", "1"]
    assert main([*argv, "--max-evaluations", "1", "--out", str(out)]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["parameter_set_sha256"] == parameter_set_hash(report["parameters"])
    assert {r["id"] for r in report["rows"]} == {o.id for o in load_observations(SMALL)}
    assert report["held_out_n"] == 1 and report["in_sample_n"] == 3
    assert (out / "calibration.png").stat().st_size > 10_000
    assert "sha256" in (out / "fitted_parameters.toml").read_text()
    err = capsys.readouterr().err  # progress: one line per residual evaluation and per start
    assert "start 1/1, evaluation 1: cost" in err and "start 1/1 done" in err
    assert "the start and fitted parameters on all 4 rows ..." in err  # after the last start


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--holdout", "1.5"], "--holdout must be a fraction"),
        (["--observations", "/nonexistent/obs.toml"], "cannot be read"),
    ],
)
def test_calibrate_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["calibrate", *args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and err.count("\n") == 1


def test_holdout_fraction_picks_the_same_rows_every_time():
    rows = load_observations()
    first = split_holdout(rows, 0.2)[1]
    assert [o.id for o in first] == [o.id for o in split_holdout(rows, 0.2)[1]]
    flagged = {o.id for o in rows if o.holdout}
    assert flagged <= {o.id for o in first}
    assert 0.1 * len(rows) < len(first) < 0.5 * len(rows)
