"""Regime fields that cannot act together are refused on every face, never dropped unsaid.

A held concentration (``--conc``, or a research-tool drug, which is only ever held) has no
doses, so a dose, a loading dose or a trough target given with it would be ignored; drug
``none`` (untreated) has no dose, schedule, concentration, start or end. The one builder
(:func:`model.regimes.build_regime`) refuses each pair, so the command line (``mtor-sim run``),
a sweep spec's ``[[regimes]]`` table and the API (``api.regime``, ``build_regime``) all end in
one line naming the field, what was wrong and what is allowed. A field that does act (a stop
day on a held concentration, a start day in a dish) is kept, and a drug file's default dose
is never "given".
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import pytest

from mtor_abm.experiments import api
from mtor_abm.experiments.cli import main
from mtor_abm.experiments.spec import load_spec
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.pk_state import pk_state
from mtor_abm.model.regimes import build_regime

LIBRARY = load_library()


@dataclass(frozen=True)
class Case:
    """One conflicting set of regime fields, by their spec names (``dose``, ``conc``, ...)."""

    name: str
    scenario: str  # culture (a dish) or transplant (a patient)
    fields: dict
    named: str  # the field the error must name (its flag)
    clashes_with: str  # the word naming what it conflicts with


CASES = [
    Case("dose with conc, dish", "culture", {"drug": "sirolimus", "conc": 10, "dose": 2},
         "--dose", "--conc"),
    Case("dose with conc, patient", "transplant", {"drug": "sirolimus", "conc": 10, "dose": 2},
         "--dose", "--conc"),
    Case("loading dose with conc", "transplant",
         {"drug": "sirolimus", "conc": 10, "loading_dose": 6}, "--loading-dose", "--conc"),
    Case("loading dose 0 with conc", "transplant",
         {"drug": "sirolimus", "conc": 10, "loading_dose": 0}, "--loading-dose", "--conc"),
    Case("schedule with conc", "transplant",
         {"drug": "sirolimus", "conc": 10, "schedule": "weekly"}, "--conc", "weekly"),
    Case("trough target with conc", "transplant",
         {"drug": "sirolimus", "conc": 10, "target_trough": (5, 10)}, "--target-trough", "--conc"),
    Case("trough target in a dish", "culture", {"drug": "sirolimus", "target_trough": (5, 10)},
         "--target-trough", "dish"),
    Case("dose of a research tool", "transplant", {"drug": "torin1", "dose": 5},
         "--dose", "research tool"),
    Case("loading dose of a research tool, dish", "culture",
         {"drug": "torin1", "loading_dose": 5}, "--loading-dose", "research tool"),
    Case("dose of none", "transplant", {"drug": "none", "dose": 2}, "--dose", "untreated"),
    Case("conc of none", "culture", {"drug": "none", "conc": 10}, "--conc", "untreated"),
    Case("schedule of none", "transplant", {"drug": "none", "schedule": "daily"},
         "--schedule", "untreated"),
    Case("loading dose of none", "transplant", {"drug": "none", "loading_dose": 6},
         "--loading-dose", "untreated"),
    Case("stop day of none", "transplant", {"drug": "none", "stop_day": 5},
         "--stop-day", "untreated"),
    Case("start day of none", "culture", {"drug": "none", "start_day": 1},
         "--start-day", "untreated"),
    Case("trough target of none", "transplant", {"drug": "none", "target_trough": (5, 10)},
         "--target-trough", "untreated"),
]  # fmt: skip

FLAGS = {
    "dose": "--dose",
    "conc": "--conc",
    "loading_dose": "--loading-dose",
    "schedule": "--schedule",
    "start_day": "--start-day",
    "stop_day": "--stop-day",
    "target_trough": "--target-trough",
}
API_NAMES = {"dose": "dose_mg", "conc": "conc_nM", "loading_dose": "loading_dose_mg"}
DAYS = 2.0


def cli_error(case: Case, tmp_path) -> str:
    """``mtor-sim run`` with the case's fields: exit status 2 and one ``error:`` line."""
    argv = ["run", case.scenario, "--days", f"{DAYS:g}"]
    for key, value in case.fields.items():
        if key == "drug" and value == "none":
            continue  # the default; --drug none given or not, the run is untreated
        text = "-".join(f"{v:g}" for v in value) if key == "target_trough" else str(value)
        argv += ["--drug" if key == "drug" else FLAGS[key], text]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    assert status == 2, (argv, out.getvalue(), err.getvalue())
    assert out.getvalue() == ""  # nothing ran
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def spec_error(case: Case, tmp_path) -> str:
    """A sweep spec with the case's fields as its one ``[[regimes]]`` table."""
    if "target_trough" in case.fields:
        pytest.skip("a sweep spec has no trough-target key (it is refused as unknown)")
    lines = [f'scenario = "{case.scenario}"', f"days = {DAYS:g}", "[[regimes]]"]
    for key, value in case.fields.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    path = tmp_path / "conflict.toml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        load_spec(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("spec [[regimes]][0]: ")
    return message


def api_error(case: Case, tmp_path) -> str:
    """``api.regime`` (a patient; drug ``none`` anywhere); ``build_regime`` for a dish (with
    ``in_vitro``, as the API builds a drug named alone for one) and for a trough target."""
    kwargs = {API_NAMES.get(k, k): v for k, v in case.fields.items() if k != "drug"}
    drug = case.fields["drug"]
    target = kwargs.pop("target_trough", None)
    with pytest.raises(InputError) as err:
        if target is None and (case.scenario == "transplant" or drug == "none"):
            api.regime(drug, **kwargs)
        else:
            build_regime(
                LIBRARY,
                drug,
                **kwargs,
                in_vitro=case.scenario == "culture",
                target_trough_ng_ml=target,
                monitor_until_day=None if target is None else DAYS,
            )
    message = str(err.value)
    assert "\n" not in message
    return message


FACES = {"cli": cli_error, "spec": spec_error, "api": api_error}


@pytest.mark.parametrize("face", list(FACES))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_field_that_would_be_ignored_is_refused_naming_it(face, case, tmp_path):
    message = FACES[face](case, tmp_path)
    assert case.named in message, message
    assert case.clashes_with in message, message
    assert "allowed" in message, message


# ------------------------------------------------------------------------------ what is kept
def test_a_held_concentration_alone_takes_no_default_dose_as_given():
    """The drug file's dose (sirolimus 2 mg daily, 6 mg loading) is not 'given': --conc alone
    holds the concentration, in a dish and in a patient."""
    for in_vitro in (False, True):
        regime = build_regime(LIBRARY, "sirolimus", conc_nM=10.0, in_vitro=in_vitro)
        assert (regime.schedule, regime.conc_nM, regime.loading_dose_mg) == ("fixed", 10.0, None)


def test_a_dish_holds_a_drug_named_alone_and_a_research_tool_at_its_own_concentration():
    assert build_regime(LIBRARY, "sirolimus", in_vitro=True).conc_nM == 10.0  # IN_VITRO_CONC_NM
    torin1 = build_regime(LIBRARY, "torin1")
    assert torin1.conc_nM == LIBRARY.drug("torin1").default_conc_nM


@pytest.mark.parametrize("in_vitro", [False, True])
def test_start_and_stop_days_act_on_a_held_concentration(in_vitro):
    """Held from day 1 to day 2: 0 nM before, 10 nM between, 0 nM after (not dropped)."""
    regime = build_regime(
        LIBRARY, "sirolimus", conc_nM=10.0, start_day=1.0, stop_day=2.0, in_vitro=in_vitro
    )
    state = pk_state(regime, LIBRARY)
    held = []
    for hour in (12.0, 36.0, 60.0):
        state.advance_to(hour)
        held.append(state.concentrations_nM()["sirolimus"])
    assert held == [0.0, 10.0, 0.0]


def test_a_dose_given_in_a_dish_doses_and_says_so(capsys):
    """A dose in a dish is kept (the medium follows the patient's blood curve) with a note."""
    tiny = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=4"]
    status = main(["run", "culture", "--drug", "sirolimus", "--dose", "2", "--days", "0.25", *tiny])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.startswith("culture: sirolimus 2 mg daily after a 6 mg loading dose over 0.25 days")
    assert "note: a dish has no pharmacokinetics" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--regimen", "sirolimus-alone", "--conc", "3"], "--conc"),
        (["--regimen", "sirolimus-alone", "--target-trough", "4-8"], "--target-trough"),
        (["--regimen", "tacrolimus+sirolimus", "--dose", "2"], "--dose"),
        (["--regimen", "sirolimus-alone", "--drug", "everolimus"], "--drug"),
    ],
)
def test_a_regimen_refuses_the_fields_it_sets_itself(argv, named, capsys):
    assert main(["run", "transplant", *argv, "--days", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert named in err and "--regimen" in err


def test_a_regimen_in_a_dish_is_refused_naming_the_regimen(capsys):
    """It doses to a patient's trough; the error names --regimen, which the user typed (not
    the --target-trough it stands for)."""
    assert main(["run", "culture", "--regimen", "sirolimus-alone", "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "--regimen sirolimus-alone" in err and "dish" in err and "allowed" in err
    assert "--target-trough" not in err


@pytest.mark.parametrize(
    "extra",
    [
        ["--days", "0.188"],  # not a whole number of the dish's 1 h steps
        ["--start-day", "5", "--days", "2"],  # the run ends before the treatment starts
    ],
)
def test_a_run_refused_after_its_regime_is_built_prints_no_note(extra, capsys):
    """The regime's notes (a scaled loading dose, a dish following a blood curve) are printed
    once the runs are done, so a run refused later still ends in one error line only."""
    tiny = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=4"]
    assert main(["run", "culture", "--drug", "sirolimus", "--dose", "1", *extra, *tiny]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: "), err


def test_a_trough_titrated_regime_is_refused_by_a_dish_built_through_the_api():
    """The builder refuses ``target_trough`` for a dish, but a Regime titrated for a patient
    could still be handed to the culture model through the API and run as if its doses were
    fixed; the model itself refuses it in one line."""
    titrated = build_regime(LIBRARY, "sirolimus", target_trough_ng_ml=(5, 10), monitor_until_day=4)
    assert titrated.target_trough_ng_ml == (5, 10)
    with pytest.raises(InputError) as err:
        api.build("culture", titrated, seed=0)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("regime: a dish has no blood to monitor")
    assert "5-10 ng/mL" in message and "allowed:" in message
