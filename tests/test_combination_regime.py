"""Two drugs given together (``Regime.co_regime``): tacrolimus + low-dose sirolimus.

Each drug keeps its own PK (its blood curve is its one-drug curve) and its own trough
monitoring; the cells see both concentrations at once, so sirolimus's FRB occupancy falls as
tacrolimus takes FKBP12 from it (checked against the binding equations written out here). A
combination run resumes to the same result as one long run; what cannot take a combination
(a dish, a sweep spec, a drug name) refuses it in one line.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.experiments.resume import resume_run, save_state
from mtor_abm.experiments.runner import regime_dict, run_scenario
from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.exposure import step_exposure
from mtor_abm.model.pharmacology import (
    Regime,
    calcineurin_inhibition,
    load_library,
    target_occupancy,
)
from mtor_abm.model.pk import simulate
from mtor_abm.model.pk_state import CombinedPKState, PKState, pk_state, pk_state_from_dict
from mtor_abm.model.regimens import REGIMENS
from mtor_abm.model.regimes import build_regime, build_regimen, describe_regime

DRUGS = Path(__file__).resolve().parent.parent / "model" / "drugs"
SMALL = {"width": 30, "height": 30, "graft_radius": 6, "vessels": 12}


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def combo(library):
    """The preset over a 15-day run (troughs measured on days 7 and 14)."""
    return build_regimen(library, "tacrolimus+sirolimus", 15)


def _toml(drug: str) -> dict:
    """A drug file read directly (not through the library)."""
    return tomllib.loads((DRUGS / f"{drug}.toml").read_text())


# ------------------------------------------------------------------------------ the preset
def test_preset_gives_both_drugs_each_to_its_own_trough_range(combo):
    preset = REGIMENS["tacrolimus+sirolimus"]
    # Am J Transplant 2004 (doi:10.1111/j.1600-6143.2004.00499.x), group I from month 3:
    # tacrolimus 5-10 ng/mL, sirolimus 4-8 ng/mL.
    assert preset.drug_targets == (("tacrolimus", (5.0, 10.0)), ("sirolimus", (4.0, 8.0)))
    tac, siro = combo.parts
    assert combo.label == "tacrolimus+sirolimus" and combo.co_regime == siro
    assert (tac.drug, tac.dose_mg, tac.schedule, tac.target_trough_ng_ml) == (
        "tacrolimus",
        3.5,  # Prograf label: 0.1 mg/kg/day in two doses at 70 kg
        "bid",
        (5.0, 10.0),
    )
    assert (siro.drug, siro.dose_mg, siro.loading_dose_mg, siro.target_trough_ng_ml) == (
        "sirolimus",
        2.0,  # Rapamune label: 6 mg loading, then 2 mg daily
        6.0,
        (4.0, 8.0),
    )
    words = describe_regime(combo)
    assert words.startswith("tacrolimus 3.5 mg bid") and " + sirolimus 2 mg daily" in words


def test_each_drug_is_monitored_as_it_would_be_alone(combo, library):
    """The monitoring record of each drug is the one that drug has alone (no PK interaction
    is modelled), and its first trough is the drug's own blood level before the day-7 dose."""
    for part, (drug, target) in zip(
        combo.parts, REGIMENS["tacrolimus+sirolimus"].drug_targets, strict=True
    ):
        alone = build_regime(library, drug, target_trough_ng_ml=target, monitor_until_day=15)
        assert part.dose_steps == alone.dose_steps
        assert [s[0] for s in part.dose_steps] == [7.0, 14.0]
        plain = Regime(drug, part.dose_mg, part.schedule, loading_dose_mg=part.loading_dose_mg)
        times, conc = simulate(plain, 7.0, dt_h=12.0, library=library)
        assert times[-1] == 168.0
        assert part.dose_steps[0][1] == pytest.approx(float(conc[drug][-1]), rel=1e-9)


# ------------------------------------------------------------------------------ PK
def test_each_drugs_blood_curve_is_its_one_drug_curve(combo, library):
    """Stepped hour by hour over 10 days (doses of both drugs, the loading dose, the
    monitored dose changes), each drug's level at every step end equals its one-drug
    state's, and each step's mean (the quadrature is cut at the other drug's doses too)
    agrees to 1e-9."""
    both = pk_state(combo, library)
    assert isinstance(both, CombinedPKState) and both.species == ("tacrolimus", "sirolimus")
    alone = [PKState.from_regime(part, library) for part in combo.parts]
    for _ in range(240):
        means = step_exposure(both, 1.0).mean_conc_nM()
        ends = both.concentrations_nM()
        for state in alone:
            (drug,) = state.species
            mean_alone = step_exposure(state, 1.0).mean_conc_nM()[drug]
            assert means[drug] == pytest.approx(mean_alone, rel=1e-9, abs=1e-300)
            assert ends[drug] == pytest.approx(state.concentrations_nM()[drug], rel=1e-12)
    assert both.time_h == 240.0
    restored = pk_state_from_dict(json.loads(json.dumps(both.to_dict())))
    assert restored.concentrations_nM() == both.concentrations_nM()
    assert restored.regime == combo


def test_one_drug_records_keep_their_fields(library):
    """A one-drug regime's record and PK checkpoint have no ``co_regime`` key (records made
    before combinations existed read the same)."""
    regime = build_regime(library, "sirolimus")
    assert "co_regime" not in regime_dict(regime)
    assert "co_regime" not in PKState.from_regime(regime, library).to_dict()["regime"]
    assert isinstance(pk_state(regime, library), PKState)


# ------------------------------------------------------------------------------ the cell
def _independent_occupancy(c_siro: float, c_tac: float, fkbp12_nM: float) -> float:
    """FRB occupancy of sirolimus with tacrolimus competing for FKBP12, written out from the
    drug files' constants (Banaszynski 2005 ternary model; tacrolimus binds FKBP12, not FRB):
    a_i = f_i C_i / Kd_FKBP12_i, complex = F a_s / (1 + a_s + a_t),
    z = complex / Kd_ternary + f_s C_s / Kd_direct, occ = z / (1 + z)."""
    s, t = _toml("sirolimus")["potency"], _toml("tacrolimus")["potency"]
    a_s = s["unbound_fraction"] * c_siro / s["kd_fkbp12_nM"]
    a_t = t["unbound_fraction"] * c_tac / t["kd_fkbp12_nM"]
    complex_nM = fkbp12_nM * a_s / (1.0 + a_s + a_t)
    z = complex_nM / s["kd_frb_ternary_nM"] + s["unbound_fraction"] * c_siro / s["kd_frb_direct_nM"]
    return z / (1.0 + z)


def _tcell_s6k(occ_frb: float, hours: int = 24) -> float:
    """A T-cell's S6K phosphorylation after ``hours`` at FRB occupancy ``occ_frb``."""
    params = sg.cell_type_params("tcell")
    state = sg.new_state(1, params, sg.Inputs())
    for _ in range(hours):
        sg.advance(state, params, sg.Inputs(occ_frb=occ_frb), 1.0)
    return float(state["s6k"][0])


def test_tacrolimus_takes_fkbp12_from_sirolimus_in_the_tcell(library):
    """At the middle of the preset's ranges (sirolimus 6 ng/mL, tacrolimus 7.5 ng/mL), the
    T-cell's FRB occupancy and calcineurin block equal the binding equations computed here,
    and tacrolimus lowers sirolimus's occupancy (more pS6K than sirolimus alone)."""
    mw_s = _toml("sirolimus")["molecular_weight_g_per_mol"]
    mw_t = _toml("tacrolimus")["molecular_weight_g_per_mol"]
    c_s, c_t = 6.0 * 1e3 / mw_s, 7.5 * 1e3 / mw_t  # ng/mL -> nM
    fk = sg.cell_type_params("tcell")["fkbp12_level"]
    fkbp12_nM = 1000.0 * fk  # FKBP12 ~1 uM at normal level (model.fkbp12, assumed)
    alone, *_ = target_occupancy({"sirolimus": c_s}, fk, library)
    both, *_ = target_occupancy({"sirolimus": c_s, "tacrolimus": c_t}, fk, library)
    assert alone == pytest.approx(_independent_occupancy(c_s, 0.0, fkbp12_nM), rel=1e-12)
    assert both == pytest.approx(_independent_occupancy(c_s, c_t, fkbp12_nM), rel=1e-12)
    assert both < alone
    # calcineurin: u = C_t / IC50 * fk * (1 + a_t) / (1 + a_s + a_t), inh = u / (1 + u)
    t, s = _toml("tacrolimus")["potency"], _toml("sirolimus")["potency"]
    a_t = t["unbound_fraction"] * c_t / t["kd_fkbp12_nM"]
    a_s = s["unbound_fraction"] * c_s / s["kd_fkbp12_nM"]
    u = c_t / t["ic50_calcineurin_nM"] * fk * (1 + a_t) / (1 + a_s + a_t)
    block = calcineurin_inhibition({"sirolimus": c_s, "tacrolimus": c_t}, fk, library)
    assert block == pytest.approx(u / (1 + u), rel=1e-12)
    # pS6K follows the occupancy: tacrolimus partly relieves sirolimus's block of S6K
    assert _tcell_s6k(both) > _tcell_s6k(alone) > _tcell_s6k(1.0)
    assert _tcell_s6k(both) == _tcell_s6k(_independent_occupancy(c_s, c_t, fkbp12_nM))


# ------------------------------------------------------------------------------ runs
def test_resumed_combination_run_equals_one_long_run(library, tmp_path):
    """8 days in one run, or 4 days saved and resumed for 4: the same summary (both drugs'
    troughs measured on day 7, after the resume) and the same timeseries."""
    regime = build_regimen(library, "tacrolimus+sirolimus", 8)
    whole = run_scenario("transplant", regime, 8, 3, SMALL, library, progress=False)
    first = run_scenario(
        "transplant",
        build_regimen(library, "tacrolimus+sirolimus", 4),
        4,
        3,
        SMALL,
        library,
        progress=False,
    )
    assert first.summary["regime"]["dose_steps"] == []
    save_state(tmp_path / "half.npz", first)
    resumed = resume_run(tmp_path / "half.npz", 4)
    assert resumed.summary == whole.summary
    assert resumed.timeseries == whole.timeseries
    recorded = whole.summary["regime"]
    assert whole.summary["drug"] == "tacrolimus+sirolimus"
    assert [s[0] for s in recorded["dose_steps"]] == [7.0]
    assert [s[0] for s in recorded["co_regime"]["dose_steps"]] == [7.0]
    assert recorded["co_regime"]["target_trough_ng_ml"] == [4.0, 8.0]


def test_api_regimen_is_the_cli_preset(library, combo):
    from mtor_abm.experiments import api

    assert api.regimen("tacrolimus+sirolimus", days=15, library=library) == combo
    with pytest.raises(InputError, match=r"regimen .* is unknown"):
        api.regimen("tacrolimus+everolimus", days=15)


def test_cli_run_prints_both_drugs_troughs_and_writes_them(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", "transplant", "--regimen", "tacrolimus+sirolimus", "--days", "8"]
    args += ["--set", "width=30", "--set", "height=30", "--set", "graft_radius=6"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "tacrolimus troughs (target 5-10 ng/mL): day 7 " in text
    assert "sirolimus troughs (target 4-8 ng/mL): day 7 " in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["regime"]["co_regime"]["drug"] == "sirolimus"
    assert len(manifest["regime"]["co_regime"]["dose_steps"]) == 1
    assert main(["run", "--from-manifest", str(out / "manifest.json"), "--json"]) == 0
    rerun = json.loads(capsys.readouterr().out)
    assert rerun == json.loads((out / "summary.json").read_text())
    assert main(["report", str(out)]) == 0
    report = (out / "report" / "report.md").read_text()
    assert "| tacrolimus 3.5 mg bid + sirolimus 2 mg daily (loading 6 mg) |" in report


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "culture", "--regimen", "tacrolimus+sirolimus"], "a dish"),
        (["run", "transplant", "--regimen", "tacrolimus+sirolimus", "--dose", "2"], "--dose"),
        (["run", "transplant", "--drug", "tacrolimus+sirolimus"], "names two drugs"),
    ],
)
def test_cli_refuses_unsupported_combinations_in_one_line(argv, words, capsys):
    assert main([*argv, "--days", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], err


def test_sweep_spec_refuses_a_combination_naming_the_field(tmp_path):
    from mtor_abm.experiments.spec import load_spec

    spec = tmp_path / "combo.toml"
    spec.write_text(
        'scenario = "transplant"\ndays = 1\n\n[[regimes]]\ndrug = "tacrolimus+sirolimus"\n'
    )
    with pytest.raises(InputError) as err:
        load_spec(spec)
    message = str(err.value)
    assert "\n" not in message and "[[regimes]][0]" in message and "one drug" in message


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        (Regime("sirolimus", 2.0, "daily"), Regime("sirolimus", 1.0, "daily"), "twice"),
        (Regime("tacrolimus", 3.5, "bid"), Regime("none", 0.0, "daily"), "drug none"),
        (
            Regime("tacrolimus", 3.5, "bid"),
            Regime("sirolimus", 0.0, "fixed", conc_nM=5.0),
            "schedule 'fixed'",
        ),
        (
            Regime("tacrolimus", 3.5, "bid"),
            Regime("sirolimus", 2.0, "daily", co_regime=Regime("everolimus", 0.75, "bid")),
            "two drugs, not more",
        ),
    ],
)
def test_bad_combinations_are_refused_in_one_line(first, second, words):
    with pytest.raises(InputError) as err:
        Regime(**{**regime_dict(first), "co_regime": second})
    message = str(err.value)
    assert "\n" not in message and message.startswith("co_regime") and words in message


def test_combinations_the_model_cannot_describe_are_refused(library):
    # temsirolimus is metabolised to sirolimus: both would put sirolimus in the blood
    second = Regime("sirolimus", 2.0, "daily")
    with pytest.raises(InputError, match="both put sirolimus in the blood"):
        build_regime(library, "temsirolimus", co_regime=second)
    with pytest.raises(InputError, match="a dish"):
        build_regime(library, "tacrolimus", in_vitro=True, co_regime=second)
    with pytest.raises(InputError, match="regime: a dish holds one drug"):
        run_scenario(
            "culture",
            Regime("tacrolimus", 3.5, "bid", co_regime=second),
            1,
            progress=False,
        )


def test_transplant_records_each_drugs_blood_level_never_their_sum(library):
    """A combination's ``drug_nM`` is the first drug's step-mean blood level and ``co_drug_nM``
    the second's, each equal to that drug's one-drug PK alone (nM of tacrolimus and nM of
    sirolimus are never added up); a one-drug run has no second level."""
    regime = build_regimen(library, "tacrolimus+sirolimus", 2)
    run = run_scenario("transplant", regime, 2, 0, SMALL, library, progress=False)
    series = run.timeseries
    hours = np.asarray(series["time_h"])
    step_h = hours[2] - hours[1]
    for column, part in zip(("drug_nM", "co_drug_nM"), regime.parts, strict=True):
        state = PKState.from_regime(part, library)
        expected = [0.0]  # the record at hour 0, before any step
        for _ in hours[1:]:
            expected.append(step_exposure(state, step_h).mean_conc_nM()[part.drug])
        assert np.asarray(series[column], dtype=float) == pytest.approx(expected, rel=1e-9)
    alone = run_scenario("transplant", regime.parts[1], 1, 0, SMALL, library, progress=False)
    assert all(v is None or np.isnan(v) for v in alone.timeseries["co_drug_nM"])
