"""No silent surprises: what the user asked for is what runs, and every label says what ran.

Dosing options without a drug, a treatment that starts after the run ends, a loading dose
missing from a label, a replicate mean that is really one replicate's value: each is refused
or shown, never silently resolved.
"""

from __future__ import annotations

import json

import pytest

from mtor_abm.experiments import runner
from mtor_abm.experiments.cli import main
from mtor_abm.experiments.cli_run import combine_replicates
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import dose_times_h, load_library
from mtor_abm.model.regimes import build_regime, describe_regime
from mtor_abm.visualization.figures import run_title

CULTURE = ["run", "culture", "--set", "width=10", "--set", "height=10", "--days", "0.5"]


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize(
    "option",
    [
        ["--conc", "10"],
        ["--dose", "5"],
        ["--schedule", "weekly"],
        ["--loading-dose", "6"],
        ["--start-day", "1"],
        ["--stop-day", "2"],
        ["--drug", "none", "--conc", "10"],
    ],
)
def test_dosing_options_without_a_drug_are_refused_not_run_untreated(option, capsys, monkeypatch):
    def untreated_run(*args, **kwargs):
        raise AssertionError("ran untreated although a dose was asked for")

    monkeypatch.setattr(runner, "run_scenario", untreated_run)
    assert main([*CULTURE, *option]) == 2
    line = _one_error(capsys)
    assert f"error: {option[-2]} needs --drug" in line


def test_a_treatment_that_starts_after_the_run_ends_is_refused(capsys):
    """The tumor's default start is day 14: a 10-day everolimus run would be untreated."""
    assert main(["run", "tumor", "--drug", "everolimus", "--days", "10"]) == 2
    line = _one_error(capsys)
    assert "starts on day 14" in line and "ends on day 10" in line
    library = load_library()
    regime = build_regime(library, "sirolimus", start_day=3.0)
    with pytest.raises(InputError, match="never be given"):
        runner.run_scenario("culture", regime, 3.0, 0, {"width": 10, "height": 10}, library)


def test_a_treated_sweep_run_that_ends_before_treatment_is_a_failed_record(tmp_path):
    from mtor_abm.experiments.sweep import run_sweep

    spec = tmp_path / "spec.toml"
    spec.write_text(
        'scenario = "culture"\ndays = 1\n[set]\nwidth = 10\nheight = 10\n'
        '[[regimes]]\ndrug = "sirolimus"\nconc = 10\nstart_day = [0, 2]\n'
    )
    counts = run_sweep(spec, tmp_path / "sweep", workers=1, progress=False)
    assert counts["failed"] == 1
    record = json.loads((tmp_path / "sweep" / "runs" / "000001.json").read_text())
    assert record["status"] == "failed" and "never be given" in record["error"]


def test_pk_header_and_json_show_the_loading_dose_the_simulation_gives(capsys):
    """Sirolimus' label dose is 2 mg daily after a 6 mg first dose (Rapamune label)."""
    library = load_library()
    regime = build_regime(library, "sirolimus")
    times, amounts = dose_times_h(regime, 0.0, 72.0)
    assert len(times) == 3 and amounts[0] != amounts[1]  # the first dose differs
    assert main(["pk", "--drug", "sirolimus", "--days", "3"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert f"{amounts[1]:g} mg daily after a {amounts[0]:g} mg loading dose" in header
    assert main(["pk", "--drug", "sirolimus", "--days", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["loading_dose_mg"] == amounts[0]
    assert f"{amounts[0]:g} mg loading dose" in result["regime_label"]


def test_run_header_and_figure_titles_show_the_whole_regime(capsys):
    # a dose given to the dish (its default is a held medium concentration): the medium
    # follows the patient's blood curve of the whole regime, loading dose included
    dosed = ["--drug", "sirolimus", "--dose", "2", "--stop-day", "0.25"]
    assert main([*CULTURE, *dosed, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    title = run_title(summary)
    assert title == "culture: sirolimus 2 mg daily after a 6 mg loading dose to day 0.25"
    assert main([*CULTURE, *dosed]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith(title + " over 0.5 days")


def test_describe_regime_names_every_field_that_changes_exposure():
    library = load_library()
    held = build_regime(library, "torin1", conc_nM=250.0, start_day=3.0, stop_day=6.0)
    assert describe_regime(held) == "torin1 held at 250 nM from day 3 to day 6"
    weekly = build_regime(library, "everolimus", dose_mg=30.0, schedule="weekly")
    assert describe_regime(weekly) == "everolimus 30 mg weekly"
    assert describe_regime(build_regime(library, "none")) == "untreated"


def test_replicates_are_combined_without_standing_in_for_each_other():
    rows = [
        {"cells": 10, "ttp_days": 4.0, "response": "PR", "rejected": True, "same": "x"},
        {"cells": 20, "ttp_days": None, "response": "SD", "rejected": False, "same": "x"},
        {"cells": 60, "ttp_days": float("nan"), "response": "PR", "rejected": True, "same": "x"},
    ]
    combined = combine_replicates(rows)
    assert combined["cells"] == pytest.approx(30.0)
    assert combined["ttp_days"] is None  # missing in two replicates: no mean of the third
    assert combined["response"] == {"PR": 2, "SD": 1}
    assert combined["rejected"] == {"false": 1, "true": 2}
    assert combined["same"] == "x"
    assert combine_replicates([{"a": None}, {"a": 1.0}]) == {"a": None}
