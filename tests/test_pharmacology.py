"""Drug library, regimes, schedules, exact PK maths and drug -> target occupancy."""

import itertools
import json
import math
import textwrap

import numpy as np
import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    FKBP12_CELL_NM,
    DrugLibrary,
    Regime,
    calcineurin_inhibition,
    default_regime,
    dose_times_h,
    load_library,
    parse_schedule,
    target_occupancy,
)
from mtor_abm.model.pk import simulate, steady_state_summary
from mtor_abm.model.pk_state import PKState

PACKAGED = {
    "none",
    "sirolimus",
    "everolimus",
    "temsirolimus",
    "torin1",
    "azd8055",
    "sapanisertib",
    "vistusertib",
    "rapalink1",
    "tacrolimus",
    "cyclosporine",
}

TOY_ORAL = """
name = "toy_oral"
class = "atp_competitive"
molecular_weight_g_per_mol = 500.0
description = "Toy one-compartment oral drug for tests."
[potency]
ic50_mtorc1_nM = 10.0
ic50_mtorc2_nM = 20.0
hill = 1.0
[pk]
route = "oral"
parameters = "systemic"
bioavailability = 0.5
ka_per_h = 1.0
clearance_L_per_h = 5.0
central_volume_L = 50.0
[dosing]
dose_mg = 100.0
schedule = "daily"
[sources]
molecular_weight_g_per_mol = "assumed"
ic50_mtorc1_nM = "assumed"
ic50_mtorc2_nM = "assumed"
hill = "assumed"
bioavailability = "assumed"
ka_per_h = "assumed"
clearance_L_per_h = "assumed"
central_volume_L = "assumed"
dose_mg = "assumed"
"""

TOY_IV = """
name = "toy_iv"
class = "rapalog"
molecular_weight_g_per_mol = 1000.0
description = "Toy two-compartment IV drug for tests."
[potency]
kd_fkbp12_nM = 0.2
kd_frb_ternary_nM = 12.0
kd_frb_direct_nM = 26000.0
unbound_fraction = 0.005
[pk]
route = "iv"
infusion_h = 1.0
clearance_L_per_h = 10.0
central_volume_L = 20.0
peripheral_volume_L = 80.0
intercompartmental_clearance_L_per_h = 15.0
[dosing]
dose_mg = 25.0
schedule = "weekly"
[sources]
molecular_weight_g_per_mol = "assumed"
unbound_fraction = "assumed"
kd_fkbp12_nM = "assumed"
kd_frb_ternary_nM = "assumed"
kd_frb_direct_nM = "assumed"
infusion_h = "assumed"
clearance_L_per_h = "assumed"
central_volume_L = "assumed"
peripheral_volume_L = "assumed"
intercompartmental_clearance_L_per_h = "assumed"
dose_mg = "assumed"
"""

TOY_BOLUS = """
name = "toy_bolus"
class = "atp_competitive"
molecular_weight_g_per_mol = 400.0
description = "Toy one-compartment IV bolus drug given by half-life."
[potency]
ic50_mtorc1_nM = 1.0
ic50_mtorc2_nM = 1.0
hill = 2.0
[pk]
route = "iv"
infusion_h = 0.0
half_life_h = 10.0
central_volume_L = 40.0
[dosing]
dose_mg = 10.0
schedule = "daily"
[sources]
molecular_weight_g_per_mol = "assumed"
ic50_mtorc1_nM = "assumed"
ic50_mtorc2_nM = "assumed"
hill = "assumed"
infusion_h = "assumed"
half_life_h = "assumed"
central_volume_L = "assumed"
dose_mg = "assumed"
"""


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def toys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drugs")
    paths = []
    for text in (TOY_ORAL, TOY_IV, TOY_BOLUS):
        path = folder / (text.split('"')[1] + ".toml")
        path.write_text(text)
        paths.append(path)
    return load_library(paths)


def write_drug(tmp_path, text, name="mine.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def single_dose(regime_kwargs, library, days, dt_h):
    regime = Regime(**regime_kwargs, stop_day=regime_kwargs.get("start_day", 0) + 0.5)
    return simulate(regime, days, dt_h, library)


# ---------------------------------------------------------------------------------------------
# Library and bad input
# ---------------------------------------------------------------------------------------------


def test_packaged_library_holds_every_drug_with_its_defaults(library):
    assert set(library) == PACKAGED
    assert library.drug("torin1").fixed_only and library.drug("rapalink1").fixed_only
    assert library.drug("temsirolimus").pk.metabolite == "sirolimus"
    for name in library:
        drug = library.drug(name)
        assert drug.sources, name
        assert default_regime(name, library).drug == name


def test_unknown_drug_is_a_clear_error(library):
    with pytest.raises(InputError) as err:
        library.drug("rapamicin")
    message = str(err.value)
    assert message.startswith("unknown drug 'rapamicin'; allowed: none, ")
    assert "sirolimus" in message and "\n" not in message


def test_unknown_schedule_lists_the_allowed_forms():
    with pytest.raises(InputError) as err:
        Regime("sirolimus", 2.0, "twice_a_day")
    message = str(err.value)
    assert "schedule 'twice_a_day' is unknown" in message
    assert "every_<N>d" in message and "5on_2off" in message and "\n" not in message


@pytest.mark.parametrize("bad", ["every_0d", "0on_2off", "every_xd", "daily ", ""])
def test_malformed_schedules_are_rejected(bad):
    with pytest.raises(InputError, match="allowed"):
        parse_schedule(bad)


def test_negative_dose_is_rejected():
    with pytest.raises(InputError, match=r"^dose_mg must be a number in \[0, 10000\] mg, got -3$"):
        Regime("sirolimus", -3, "daily")


def test_stop_before_start_is_rejected():
    with pytest.raises(InputError, match="stop_day must be after start_day"):
        Regime("sirolimus", 2.0, "daily", start_day=5, stop_day=5)


def test_torin1_with_a_clinical_schedule_points_to_fixed(library):
    with pytest.raises(InputError) as err:
        PKState.from_regime(Regime("torin1", 10.0, "daily"), library)
    message = str(err.value)
    assert "'torin1' has no clinical PK" in message and "'fixed'" in message
    assert "--conc" in message


def test_fixed_schedule_needs_a_concentration_and_only_fixed_takes_one():
    with pytest.raises(InputError, match="needs conc_nM"):
        Regime("torin1", 0.0, "fixed")
    with pytest.raises(InputError, match="only used with schedule 'fixed'"):
        Regime("sirolimus", 2.0, "daily", conc_nM=10.0)


def test_loading_dose_needs_separate_doses():
    with pytest.raises(InputError, match="loading_dose_mg needs a schedule with separate doses"):
        Regime("sirolimus", 2.0, "continuous", loading_dose_mg=6.0)


def test_user_drug_file_loads_and_joins_the_library(toys):
    assert {"toy_oral", "toy_iv", "toy_bolus"} <= set(toys)
    assert set(toys) >= PACKAGED
    # half_life_h = 10 h with V = 40 L means CL = ln2 / 10 * 40 L/h
    assert toys.drug("toy_bolus").pk.clearance_L_per_h == pytest.approx(math.log(2) * 4.0)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('class = "atp_competitive"', 'class = "allosteric"', "class 'allosteric' is unknown"),
        ("ic50_mtorc2_nM = 20.0\n", "", "potency.ic50_mtorc2_nM is missing"),
        (
            "clearance_L_per_h = 5.0",
            "half_life_h = -4.0",
            "pk.half_life_h must be a number in [0.01, 10000] h",
        ),
        ('hill = "assumed"\n', "", "sources.hill is missing"),
        ("ka_per_h = 1.0", "ka_per_hour = 1.0", "pk.ka_per_hour is not a known field"),
        ("bioavailability = 0.5", "bioavailability = 1.5", "pk.bioavailability must be"),
    ],
)
def test_bad_user_drug_file_names_the_file_and_field(tmp_path, old, new, expected):
    assert old in TOY_ORAL
    path = write_drug(tmp_path, TOY_ORAL.replace(old, new))
    with pytest.raises(InputError) as err:
        load_library([path])
    message = str(err.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_metabolite_must_be_a_drug_in_the_library(tmp_path):
    text = TOY_IV.replace(
        "intercompartmental_clearance_L_per_h = 15.0",
        'intercompartmental_clearance_L_per_h = 15.0\nmetabolite = "nothing"\n'
        "metabolite_fraction = 0.5",
    ).replace('dose_mg = "assumed"', 'dose_mg = "assumed"\nmetabolite_fraction = "assumed"')
    path = write_drug(tmp_path, text)
    with pytest.raises(InputError, match=r"pk\.metabolite 'nothing' is not a drug in the library"):
        load_library([path])


def test_user_drug_cannot_reuse_a_packaged_name(tmp_path):
    path = write_drug(tmp_path, TOY_ORAL.replace('name = "toy_oral"', 'name = "sirolimus"'))
    with pytest.raises(InputError, match="already defined"):
        load_library([path])


def test_missing_drug_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot read drug file"):
        load_library([tmp_path / "absent.toml"])


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------


def test_bid_doses_every_12_hours():
    times, doses = dose_times_h(Regime("sirolimus", 1.0, "bid"), 0.0, 48.0)
    assert times.tolist() == [0.0, 12.0, 24.0, 36.0]
    assert doses.tolist() == [1.0] * 4


def test_every_5d_doses_every_fifth_day_from_start():
    times, _ = dose_times_h(Regime("sirolimus", 1.0, "every_5d", start_day=2), 0.0, 24.0 * 20)
    assert (times / 24).tolist() == [2.0, 7.0, 12.0, 17.0]


def test_5on_2off_doses_five_days_then_rests_two():
    times, _ = dose_times_h(Regime("sirolimus", 1.0, "5on_2off"), 0.0, 24.0 * 14)
    assert (times / 24).tolist() == [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]


def test_doses_start_at_start_day_and_stop_before_stop_day():
    regime = Regime("sirolimus", 1.0, "daily", start_day=3, stop_day=6)
    times, _ = dose_times_h(regime, 0.0, 24.0 * 30)
    assert (times / 24).tolist() == [3.0, 4.0, 5.0]


def test_loading_dose_is_the_first_dose_only():
    regime = Regime("sirolimus", 2.0, "daily", start_day=1, loading_dose_mg=6.0)
    _, doses = dose_times_h(regime, 0.0, 24.0 * 4)
    assert doses.tolist() == [6.0, 2.0, 2.0]
    _, later = dose_times_h(regime, 30.0, 24.0 * 4)
    assert later.tolist() == [2.0, 2.0]


def test_dose_windows_are_half_open_so_each_dose_counts_once():
    regime = Regime("sirolimus", 1.0, "daily")
    edges = np.arange(0.0, 24.0 * 10 + 1e-9, 0.7)
    counted = sum(len(dose_times_h(regime, a, b)[0]) for a, b in itertools.pairwise(edges))
    assert counted == len(dose_times_h(regime, 0.0, edges[-1])[0])


# ---------------------------------------------------------------------------------------------
# Exact PK maths
# ---------------------------------------------------------------------------------------------


def test_two_doses_are_the_sum_of_shifted_single_doses(toys):
    dt = 0.5
    _, first = single_dose({"drug": "toy_oral", "dose_mg": 100.0, "schedule": "daily"}, toys, 6, dt)
    _, second = single_dose(
        {"drug": "toy_oral", "dose_mg": 60.0, "schedule": "daily", "start_day": 1}, toys, 6, dt
    )
    both = Regime("toy_oral", 100.0, "every_1d", stop_day=2)
    _, together = simulate(both, 6, dt, toys)
    expected = first["toy_oral"] + second["toy_oral"] * 100.0 / 60.0
    np.testing.assert_allclose(together["toy_oral"], expected, rtol=1e-10, atol=1e-12)


def test_one_compartment_accumulation_matches_analytic_factor(toys):
    k = 5.0 / 50.0  # CL / V of toy_oral, 1/h
    tau = 24.0
    summary = steady_state_summary(Regime("toy_oral", 100.0, "daily"), toys)
    _, one = single_dose({"drug": "toy_oral", "dose_mg": 100.0, "schedule": "daily"}, toys, 1, tau)
    single_trough = one["toy_oral"][-1]  # 24 h after a single dose, pre-dose time
    ratio = summary["trough_ng_ml"] / single_trough
    assert ratio == pytest.approx(1.0 / (1.0 - math.exp(-k * tau)), rel=1e-6)


def test_iv_bolus_steady_state_matches_analytic_peak_and_trough(toys):
    k, volume, tau, dose = math.log(2) / 10.0, 40.0, 24.0, 10.0
    summary = steady_state_summary(Regime("toy_bolus", dose, "daily"), toys)
    peak = dose / volume * 1e3 / (1.0 - math.exp(-k * tau))
    assert summary["cmax_ng_ml"] == pytest.approx(peak, rel=1e-6)
    assert summary["trough_ng_ml"] == pytest.approx(peak * math.exp(-k * tau), rel=1e-6)
    assert summary["half_life_h"] == pytest.approx(10.0)


@pytest.mark.parametrize(("drug", "dose"), [("toy_oral", 100.0), ("toy_iv", 25.0)])
def test_one_dose_auc_times_clearance_is_the_absorbed_dose(toys, drug, dose):
    days, dt = 12, 0.1
    times, conc = single_dose({"drug": drug, "dose_mg": dose, "schedule": "weekly"}, toys, days, dt)
    pk = toys.drug(drug).pk
    auc_mg_h_per_l = np.trapezoid(conc[drug], times) / 1e3
    absorbed = pk.bioavailability * dose
    assert auc_mg_h_per_l * pk.clearance_L_per_h == pytest.approx(absorbed, rel=0.01)


def test_metabolite_auc_times_its_clearance_is_the_formed_amount(library):
    times, conc = single_dose(
        {"drug": "temsirolimus", "dose_mg": 25.0, "schedule": "weekly"}, library, 40, 0.25
    )
    tem, sir = library.drug("temsirolimus"), library.drug("sirolimus")
    formed_mg = 25.0 * tem.pk.metabolite_fraction
    formed_mg *= sir.molecular_weight_g_per_mol / tem.molecular_weight_g_per_mol
    auc = np.trapezoid(conc["sirolimus"], times) / 1e3
    assert auc * sir.pk.clearance_L_per_h == pytest.approx(formed_mg, rel=0.01)


@pytest.mark.parametrize("regime_args", [("toy_oral", 100.0, "bid"), ("toy_iv", 25.0, "every_2d")])
def test_concentrations_do_not_depend_on_the_step(toys, regime_args):
    coarse = PKState.from_regime(Regime(*regime_args), toys)
    fine = PKState.from_regime(Regime(*regime_args), toys)
    for hour in range(1, 73):
        coarse.advance(1.0)
        for _ in range(10):
            fine.advance(0.1)
        a, b = coarse.concentrations_ng_ml(), fine.concentrations_ng_ml()
        for species in a:
            assert b[species] == pytest.approx(a[species], rel=1e-9, abs=1e-12), hour


def test_iv_infusion_peaks_at_the_end_of_the_infusion(toys):
    times, conc = single_dose(
        {"drug": "toy_iv", "dose_mg": 25.0, "schedule": "weekly"}, toys, 1, 0.05
    )
    assert times[np.argmax(conc["toy_iv"])] == pytest.approx(1.0)


def test_continuous_input_approaches_rate_over_clearance(toys):
    state = PKState.from_regime(Regime("toy_oral", 48.0, "continuous"), toys)
    state.advance(24.0 * 20)
    pk = toys.drug("toy_oral").pk
    css = pk.bioavailability * 48.0 / 24.0 / pk.clearance_L_per_h * 1e3
    assert state.concentrations_ng_ml()["toy_oral"] == pytest.approx(css, rel=1e-6)


def test_nanomolar_follows_from_molecular_weight(toys):
    state = PKState.from_regime(Regime("toy_oral", 100.0, "daily"), toys)
    state.advance(5.0)
    ng_ml, nM = state.concentrations_ng_ml()["toy_oral"], state.concentrations_nM()["toy_oral"]
    assert nM == pytest.approx(ng_ml * 1e3 / 500.0)


def test_untreated_control_is_zero_everywhere(library):
    _, conc = simulate(Regime("none", 0.0, "daily"), 3, 1.0, library)
    assert list(conc) == ["none"] and not conc["none"].any()
    assert target_occupancy({"none": 0.0}, 1.0, library) == (0.0, 0.0, 0.0)


def test_fixed_concentration_is_held_from_start_to_stop_without_pk(library):
    regime = Regime("torin1", 0.0, "fixed", conc_nM=250.0, start_day=1, stop_day=2)
    state = PKState.from_regime(regime, library)
    seen = []
    for _ in range(3):
        seen.append(state.concentrations_nM()["torin1"])
        state.advance(24.0)
    assert seen == [0.0, 250.0, 0.0]


def test_temsirolimus_reports_parent_and_metabolite_separately(library):
    state = PKState.from_regime(default_regime("temsirolimus", library), library)
    state.advance(6.0)
    conc = state.concentrations_nM()
    assert set(conc) == {"temsirolimus", "sirolimus"}
    assert conc["temsirolimus"] > 0 and conc["sirolimus"] > 0


def test_state_survives_a_json_checkpoint(library):
    state = PKState.from_regime(default_regime("temsirolimus", library), library)
    state.advance(30.0)
    restored = PKState.from_dict(json.loads(json.dumps(state.to_dict())))
    for s in (state, restored):
        s.advance(200.0)
    assert restored.concentrations_nM() == state.concentrations_nM()


def test_time_cannot_run_backwards(library):
    state = PKState.from_regime(default_regime("sirolimus", library), library)
    state.advance(5.0)
    with pytest.raises(InputError, match="cannot go back in time"):
        state.advance_to(1.0)


# ---------------------------------------------------------------------------------------------
# Occupancy
# ---------------------------------------------------------------------------------------------


def test_occupancy_rises_with_concentration(library):
    conc = np.logspace(-3, 4, 50)
    for drug in ("sirolimus", "everolimus", "torin1", "azd8055", "rapalink1"):
        occ, inh1, inh2 = target_occupancy({drug: conc}, 1.0, library)
        for values in (occ, inh1, inh2):
            assert np.all(np.diff(values) >= 0) and values.min() >= 0 and values.max() <= 1


def test_fkbp12_knockout_shifts_rapalog_potency_at_least_1000_fold(library):
    def half_max_nM(fkbp12):
        conc = np.logspace(-3, 7, 4001)
        occ, _, _ = target_occupancy({"sirolimus": conc}, fkbp12, library)
        return np.interp(0.5, occ, conc)

    # z = F f C / (Kf (1 + f C / Kf) Kt) = 1  <=>  C = Kf Kt / (f (F - Kt)) (Banaszynski 2005)
    pot = library.drug("sirolimus").potency
    analytic = pot.kd_fkbp12_nM * pot.kd_frb_ternary_nM
    analytic /= pot.unbound_fraction * (FKBP12_CELL_NM - pot.kd_frb_ternary_nM)
    assert half_max_nM(1.0) == pytest.approx(analytic, rel=0.01)
    assert 0.1 <= half_max_nM(1.0) <= 1.0  # in-cell potency 0.1-1 nM (Thoreen 2009; Choo 2008)
    assert half_max_nM(0.0) / half_max_nM(1.0) >= 1000.0


def test_rapalog_leaves_the_kinase_site_and_atp_competitor_ignores_fkbp12(library):
    occ, inh1, inh2 = target_occupancy({"sirolimus": 20.0}, 1.0, library)
    assert occ > 0.95 and inh1 == 0.0 and inh2 == 0.0
    normal = target_occupancy({"torin1": 250.0}, 1.0, library)
    knockout = target_occupancy({"torin1": 250.0}, 0.0, library)
    assert normal == knockout and normal[0] == 0.0 and normal[1] > 0.95 and normal[2] > 0.95


def test_bivalent_kinase_inhibition_needs_fkbp12(library):
    _, with_fkbp12, _ = target_occupancy({"rapalink1": 10.0}, 1.0, library)
    _, without, _ = target_occupancy({"rapalink1": 10.0}, 0.0, library)
    assert with_fkbp12 > 0.9 and without < 0.02


def test_parent_and_metabolite_compete_for_frb(library):
    alone, _, _ = target_occupancy({"temsirolimus": 0.3}, 1.0, library)
    both, _, _ = target_occupancy({"temsirolimus": 0.3, "sirolimus": 0.3}, 1.0, library)
    assert both > alone
    # Both load FKBP12 with the same constants: a = f C / Kf each, z = F (2a) / (1 + 2a) / Kt
    pot = library.drug("sirolimus").potency
    a = pot.unbound_fraction * 0.3 / pot.kd_fkbp12_nM
    z = FKBP12_CELL_NM * 2 * a / (1 + 2 * a) / pot.kd_frb_ternary_nM
    z += 2 * pot.unbound_fraction * 0.3 / pot.kd_frb_direct_nM
    assert both == pytest.approx(z / (1 + z), rel=1e-6)


def test_occupancy_broadcasts_over_cells(library):
    fkbp12 = np.array([0.0, 0.5, 1.0, 2.0])
    ic50 = library.drug("azd8055").potency.ic50_mtorc1_nM
    occ, inh1, inh2 = target_occupancy({"sirolimus": 1.0, "azd8055": ic50}, fkbp12, library)
    assert occ.shape == inh1.shape == inh2.shape == (4,)
    assert np.all(np.diff(occ) > 0) and np.allclose(inh1, 0.5)


def test_occupancy_rejects_unknown_species_and_negative_levels(library):
    with pytest.raises(InputError, match="unknown drug"):
        target_occupancy({"rapamicin": 1.0}, 1.0, library)
    with pytest.raises(InputError, match="fkbp12_level"):
        target_occupancy({"sirolimus": 1.0}, -1.0, library)


def test_library_is_read_only(library):
    assert isinstance(library, DrugLibrary)
    with pytest.raises(TypeError):
        library["x"] = None  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Calcineurin inhibitors and FKBP12 competition
# ---------------------------------------------------------------------------------------------


def test_tacrolimus_needs_fkbp12_and_cyclosporine_does_not(library):
    """FK506 acts as an FKBP12 complex, cyclosporine through cyclophilin (Bierer 1990 PNAS
    87:9231): at each drug's in-cell IC50 calcineurin is half blocked; without FKBP12
    tacrolimus does nothing, cyclosporine is unchanged."""
    tac = library.drug("tacrolimus").potency.ic50_calcineurin_nM
    csa = library.drug("cyclosporine").potency.ic50_calcineurin_nM
    assert calcineurin_inhibition({"tacrolimus": tac}, 1.0, library) == pytest.approx(0.5)
    assert calcineurin_inhibition({"tacrolimus": tac}, 0.0, library) == 0.0
    assert calcineurin_inhibition({"cyclosporine": csa}, 0.0, library) == pytest.approx(0.5)
    assert calcineurin_inhibition({"sirolimus": 10.0}, 1.0, library) == 0.0


def test_tacrolimus_in_excess_displaces_rapamycin_from_fkbp12_but_cyclosporine_does_not(library):
    """Rapamycin and FK506 share FKBP12, so FK506 in excess antagonises rapamycin (Bierer 1990;
    Dumont 1990 J Immunol 144:1418); cyclosporine binds cyclophilin and leaves it alone. The
    occupancy with FK506 follows the competitive-binding formula computed here."""
    alone, _, _ = target_occupancy({"sirolimus": 1.0}, 1.0, library)
    with_tac, _, _ = target_occupancy({"sirolimus": 1.0, "tacrolimus": 100.0}, 1.0, library)
    with_csa, _, _ = target_occupancy({"sirolimus": 1.0, "cyclosporine": 100.0}, 1.0, library)
    assert with_csa == pytest.approx(alone)
    sir, tac = library.drug("sirolimus").potency, library.drug("tacrolimus").potency
    a_s = sir.unbound_fraction * 1.0 / sir.kd_fkbp12_nM
    a_t = tac.unbound_fraction * 100.0 / tac.kd_fkbp12_nM
    z = FKBP12_CELL_NM * a_s / (1 + a_s + a_t) / sir.kd_frb_ternary_nM
    z += sir.unbound_fraction / sir.kd_frb_direct_nM
    assert with_tac == pytest.approx(z / (1 + z), rel=1e-9)
    assert with_tac < alone / 2


def test_calcineurin_drug_files_need_their_potency(tmp_path):
    text = textwrap.dedent(
        """
        name = "cni"
        class = "calcineurin_inhibitor"
        molecular_weight_g_per_mol = 800.0
        description = "toy"
        [potency]
        kd_fkbp12_nM = 0.4
        [dosing]
        dose_mg = 0.0
        schedule = "fixed"
        conc_nM = 1.0
        [sources]
        molecular_weight_g_per_mol = "assumed"
        kd_fkbp12_nM = "assumed"
        dose_mg = "assumed"
        conc_nM = "assumed"
        """
    )
    path = write_drug(tmp_path, text)
    with pytest.raises(InputError, match="unbound_fraction must be given together"):
        load_library([path])
