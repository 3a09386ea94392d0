"""The one regime builder (model.regimes): every front end gets the same regime from the same words.

Expected values are the drug files' own [dosing] tables (read here with tomllib), so a changed
default in a TOML file moves the expectation with it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from mtor_abm.experiments.cli_commands import make_regime as cli_regime
from mtor_abm.experiments.spec import build_regime as spec_regime
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import UNTREATED, Regime, dose_times_h, load_library
from mtor_abm.model.regimes import build_regime, describe_regime, loading_dose_note
from mtor_abm.visualization.dashboard.state import ArmSpec
from mtor_abm.visualization.dashboard.state import make_regime as arm_regime

DRUGS = Path(__file__).resolve().parents[1] / "model" / "drugs"


def dosing(name: str) -> dict:
    return tomllib.loads((DRUGS / f"{name}.toml").read_text())["dosing"]


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_untreated_is_the_control(lib):
    assert build_regime(lib, "none") is UNTREATED


def test_defaults_come_from_the_drug_file_with_its_loading_dose(lib):
    d = dosing("sirolimus")
    r = build_regime(lib, "sirolimus")
    assert (r.dose_mg, r.schedule, r.loading_dose_mg) == (
        d["dose_mg"],
        d["schedule"],
        d["loading_dose_mg"],
    )


def test_a_chosen_dose_keeps_the_loading_dose_in_the_labels_ratio(lib):
    """Rapamune label: 6 mg once then 2 mg daily, and 15 mg once then 5 mg daily (a loading
    dose three times the daily dose); --dose 5 used to drop the loading dose without a word."""
    d = dosing("sirolimus")
    r = build_regime(lib, "sirolimus", dose_mg=5.0)
    assert r.dose_mg == 5.0 and r.schedule == d["schedule"]
    assert r.loading_dose_mg == pytest.approx(15.0)
    assert r.loading_dose_mg == pytest.approx(5.0 * d["loading_dose_mg"] / d["dose_mg"])
    assert describe_regime(r) == "sirolimus 5 mg daily after a 15 mg loading dose"
    assert "scaled to 5 mg" in loading_dose_note(lib, r)
    at_default = build_regime(lib, "sirolimus", dose_mg=d["dose_mg"], schedule="every_1d")
    assert at_default.loading_dose_mg == d["loading_dose_mg"]  # the same schedule, other words
    doses = dose_times_h(r, 0.0, 49.0)[1]
    assert list(doses) == pytest.approx([15.0, 5.0, 5.0])  # the first dose is the loading one


def test_another_schedule_or_zero_leaves_the_loading_dose_out_and_says_so(lib):
    weekly = build_regime(lib, "sirolimus", dose_mg=10.0, schedule="weekly")
    assert weekly.loading_dose_mg is None
    assert "not weekly" in loading_dose_note(lib, weekly)
    none = build_regime(lib, "sirolimus", dose_mg=5.0, loading_dose_mg=0.0)
    assert none.loading_dose_mg is None
    assert list(dose_times_h(none, 0.0, 25.0)[1]) == [5.0, 5.0]
    assert "left out on request" in loading_dose_note(lib, none)
    given = build_regime(lib, "sirolimus", dose_mg=10.0, schedule="weekly", loading_dose_mg=20.0)
    assert given.loading_dose_mg == 20.0 and "loading dose 20 mg (given" in loading_dose_note(
        lib, given
    )
    assert loading_dose_note(lib, build_regime(lib, "sirolimus")) is None  # the default's own
    evero = build_regime(lib, "everolimus", dose_mg=5.0)  # no loading dose in its label
    assert evero.loading_dose_mg is None and loading_dose_note(lib, evero) is None


def test_the_command_line_notes_the_loading_dose_on_stderr(lib, capsys):
    args = SimpleNamespace(
        drug="sirolimus", dose=5.0, schedule=None, loading_dose=None, conc=None, start_day=None
    )
    assert cli_regime(args, lib).loading_dose_mg == pytest.approx(15.0)
    err = capsys.readouterr().err
    assert err.startswith("note: sirolimus: loading dose 15 mg") and err.count("\n") == 1


def test_research_tool_is_held_at_its_file_concentration(lib):
    r = build_regime(lib, "torin1")
    assert r.schedule == "fixed" and r.conc_nM == dosing("torin1")["conc_nM"]


def test_concentration_with_a_dosing_schedule_names_the_field(lib):
    with pytest.raises(InputError, match="conc_nM"):
        build_regime(lib, "sirolimus", conc_nM=10.0, schedule="daily")


def test_stop_before_start_names_the_field(lib):
    with pytest.raises(InputError, match="stop_day"):
        build_regime(lib, "sirolimus", start_day=5.0, stop_day=5.0)


def test_window_is_kept(lib):
    r = build_regime(lib, "everolimus", start_day=2.0, stop_day=9.0)
    assert (r.start_h, r.stop_h) == (48.0, 216.0)


def test_cli_spec_and_dashboard_agree(lib):
    """The three front ends map their inputs onto the same builder and the same regime."""
    args = SimpleNamespace(
        drug="everolimus",
        dose=7.5,
        schedule="weekly",
        loading_dose=None,
        conc=None,
        start_day=3.0,
        stop_day=None,
    )
    from_cli = cli_regime(args, lib)
    from_spec = spec_regime({"drug": "everolimus", "dose": 7.5, "schedule": "weekly"}, 3.0, lib)
    from_arm = arm_regime(ArmSpec("e", "everolimus", 7.5, "weekly", 3.0), None, lib)
    assert from_cli == from_arm == Regime(**from_spec)
    assert (from_cli.dose_mg, from_cli.schedule, from_cli.start_day) == (7.5, "weekly", 3.0)


@pytest.mark.parametrize("steps", [True, 3, "abc", [5]])
def test_a_damaged_dose_record_is_one_input_error(steps):
    """A manifest whose dose_steps is not a list of (day, trough, dose) triples (a damaged
    record) ends in an InputError naming dose_steps, never a TypeError."""
    with pytest.raises(InputError, match="dose_steps"):
        Regime("sirolimus", 2.0, "daily", target_trough_ng_ml=(5, 15), dose_steps=steps)
