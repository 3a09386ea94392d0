"""The in-vitro dish (ScenarioSpec.in_vitro): no adverse-effect panel anywhere (command line,
JSON, sweeps, stored summaries), and a drug named alone held at a medium concentration in every
place a default regime is built (command line, Python API, sweep specs, dashboard arms), while
a dosing regime given to a dish is labelled as a patient's blood curve replayed in the medium."""

from __future__ import annotations

import json

import pytest

from mtor_abm.experiments import api, runner
from mtor_abm.experiments.cli import main
from mtor_abm.experiments.spec import parse_spec
from mtor_abm.experiments.store import check_adverse
from mtor_abm.model.adverse import ADVERSE_KEYS, adverse_panel
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import Regime, load_library
from mtor_abm.model.regimes import build_regime, in_vitro_note
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.species import Subject
from mtor_abm.visualization.dashboard.state import ArmSpec, make_regime, scenario_arm

LIB = load_library()
DISH = ["--set", "width=12", "--set", "height=12", "--set", "initial_cells=20"]
#: Sirolimus at 10-20 nM holds S6K phosphorylation down in cultured cells (Choo 2008 PNAS
#: 105:17414): the dish's medium concentration of a drug with none of its own.
CHOO_NM = 10.0
#: Torin1's own held concentration, 250 nM as used in cells (Thoreen 2009 JBC 284:8023).
TORIN1_NM = 250.0


def test_the_dish_is_the_one_in_vitro_scenario():
    assert {name for name, spec in SCENARIOS.items() if spec.in_vitro} == {"culture"}


def _no_panel(*args, **kwargs):
    raise AssertionError("an in-vitro run computed an adverse-effect panel")


def test_a_culture_run_computes_no_adverse_panel_and_says_so(capsys, monkeypatch):
    """3 h of sirolimus on a dish printed glucose_intolerance 0.713: organ-level indices of a
    patient, for cells in a dish. Now none is computed; text and JSON say it does not apply."""
    monkeypatch.setattr(runner, "adverse_panel", _no_panel)
    args = ["run", "culture", "--drug", "sirolimus", "--days", "0.125", *DISH]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "adverse panel: not applicable in vitro" in out
    assert not any(key in out for key in ADVERSE_KEYS)
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "adverse" in summary and summary["adverse"] is None


def test_an_in_vivo_run_keeps_the_panel_of_its_regime(capsys):
    """The aging cohort (mice) keeps its panel: model.adverse's panel of the run's regime."""
    small = ["--set", "lattice=4", "--set", "stem_cells=2", "--replicates", "2"]
    assert main(["run", "aging", "--drug", "sirolimus", "--days", "3", *small, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    regime = Regime(**summary["regime"])
    assert regime.parsed_schedule.kind != "fixed" or regime.conc_nM is not None
    mice = Subject(**summary["pk_subject"])
    assert mice.species == "mouse"  # a cohort's panel goes through its mice's PK
    assert summary["adverse"] == pytest.approx(adverse_panel(regime, 3.0, LIB, subject=mice))
    assert set(summary["adverse"]) == set(ADVERSE_KEYS)


@pytest.mark.parametrize(("drug", "conc"), [("sirolimus", CHOO_NM), ("torin1", TORIN1_NM)])
def test_a_drug_named_alone_is_held_in_the_dish_everywhere_a_default_is_built(drug, conc):
    """Command line, Python API, sweep spec and dashboard arm all hold the medium at the same
    concentration; in vivo (tumor) the same words still give the drug's own regime."""
    held = Regime(drug, 0.0, "fixed", conc_nM=conc)
    assert build_regime(LIB, drug, in_vitro=True) == held
    assert api.build("culture", drug, width=8, height=8, initial_cells=4).regime == held
    spec = parse_spec({"scenario": "culture", "days": 1, "regimes": [{"drug": drug}]}, LIB)
    assert spec.runs[0].regime == runner.regime_dict(held)
    assert make_regime(scenario_arm("s", drug, "culture"), "culture", LIB) == held
    assert make_regime(ArmSpec("s", drug), "culture", LIB) == held  # a lesson arm, drug alone
    if drug == "sirolimus":  # a clinical drug keeps its patient regime in vivo
        tumor = make_regime(scenario_arm("s", drug, "tumor"), "tumor", LIB)
        assert (tumor.dose_mg, tumor.schedule, tumor.loading_dose_mg) == (2.0, "daily", 6.0)
        assert build_regime(LIB, drug) == Regime(drug, 2.0, "daily", loading_dose_mg=6.0)


def test_culture_cli_json_holds_sirolimus_at_the_medium_concentration(capsys):
    assert main(["run", "culture", "--drug", "sirolimus", "--days", "0.125", *DISH, "--json"]) == 0
    regime = json.loads(capsys.readouterr().out)["regime"]
    assert (regime["schedule"], regime["conc_nM"], regime["loading_dose_mg"]) == (
        "fixed",
        CHOO_NM,
        None,
    )


def test_a_dosing_regime_in_a_dish_is_labelled_as_a_patients_blood_curve(capsys):
    """A dish has no PK: a dose given to culture runs (the medium follows the blood curve the
    regime gives a patient, e.g. to mimic clinical exposure) and a note says so."""
    args = ["run", "culture", "--drug", "sirolimus", "--dose", "2", "--days", "0.125", *DISH]
    assert main([*args, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["regime"]["schedule"] == "daily"
    assert "note: a dish has no pharmacokinetics" in err
    assert "blood curve of sirolimus 2 mg daily after a 6 mg loading dose" in err
    assert in_vitro_note(Regime("sirolimus", 0.0, "fixed", conc_nM=10.0)) is None


def test_a_stored_in_vivo_summary_without_its_panel_is_refused():
    check_adverse({"scenario": "culture", "adverse": None}, "run summary")
    with pytest.raises(InputError, match=r"'adverse' must be an object .* 'tumor'"):
        check_adverse({"scenario": "tumor", "adverse": None}, "run summary")


def test_the_dashboard_arm_of_a_dish_shows_the_held_medium_and_labels_a_dose():
    """A drug picked for the culture shows its held medium concentration (no dose field); a
    dosing schedule picked instead shows the line saying the medium replays a patient's blood
    curve; in vivo the dose field is there without that line."""
    import ipyvuetify as v
    import solara

    from mtor_abm.visualization.dashboard.controls import DISH_DOSING, RegimeInputs

    def render(scenario: str):
        arm = solara.reactive(scenario_arm("s", "sirolimus", scenario))

        @solara.component
        def Inputs():
            RegimeInputs(LIB, arm.value, arm.set, scenario)

        _, rc = solara.render(Inputs(), handle_error=False)
        return arm, rc

    def shown(rc) -> str:
        return " ".join(str(w.children) for w in rc.find(v.Html).widgets)

    arm, rc = render("culture")
    assert float(rc.find(v.TextField, label="Held concentration (nM)").widget.v_model) == CHOO_NM
    assert not rc.find(v.TextField, label="Dose (mg)").widgets
    rc.find(v.Select, label="Schedule").widget.v_model = "daily"
    assert rc.find(v.TextField, label="Dose (mg)").widgets
    assert DISH_DOSING in shown(rc)
    assert make_regime(arm.value, "culture", LIB).schedule == "daily"
    _, rc = render("tumor")
    assert rc.find(v.TextField, label="Dose (mg)").widgets and DISH_DOSING not in shown(rc)


def test_the_dashboard_run_of_a_dish_refuses_to_compute_a_panel():
    from mtor_abm.visualization.dashboard.state import Run

    run = Run("culture", [ArmSpec("s", "sirolimus")], {"width": 8, "height": 8})
    with pytest.raises(ValueError, match="in vitro"):
        run.adverse_panels(3.0)
