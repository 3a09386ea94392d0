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
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library
from mtor_abm.model.regimes import build_regime
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


def test_a_chosen_dose_drops_the_default_loading_dose(lib):
    r = build_regime(lib, "sirolimus", dose_mg=5.0)
    assert r.dose_mg == 5.0 and r.loading_dose_mg is None
    assert r.schedule == dosing("sirolimus")["schedule"]


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
