"""Saturable (dose-dependent) oral absorption: ka(D) = ka / (1 + D / D50), checked against the
Bateman function of one-compartment oral PK, and the drug-file rules for it."""

import json
import math

import numpy as np
import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import Regime, load_library
from mtor_abm.model.pk import simulate
from mtor_abm.model.pk_compartments import build_model
from mtor_abm.model.pk_state import PKState

KA, D50, F, CL, V = 2.0, 50.0, 0.5, 5.0, 50.0  # 1/h, mg, fraction, L/h, L

TOY = f"""
name = "toy_saturable"
class = "atp_competitive"
molecular_weight_g_per_mol = 500.0
description = "Toy one-compartment oral drug with saturable absorption."
[potency]
ic50_mtorc1_nM = 10.0
ic50_mtorc2_nM = 20.0
hill = 1.0
[pk]
route = "oral"
parameters = "systemic"
bioavailability = {F}
ka_per_h = {KA}
absorption_half_dose_mg = {D50}
clearance_L_per_h = {CL}
central_volume_L = {V}
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
absorption_half_dose_mg = "assumed"
clearance_L_per_h = "assumed"
central_volume_L = "assumed"
dose_mg = "assumed"
"""


@pytest.fixture(scope="module")
def toys(tmp_path_factory):
    path = tmp_path_factory.mktemp("drugs") / "toy_saturable.toml"
    path.write_text(TOY)
    return load_library([path])


def bateman_ng_ml(dose_mg, t_h):
    """One-compartment oral concentration after one dose absorbed at ka(dose), ng/mL."""
    ka = KA / (1.0 + dose_mg / D50)
    k = CL / V
    t = np.maximum(t_h, 0.0)
    return F * dose_mg * ka / (V * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t)) * 1e3


@pytest.mark.parametrize("dose", [5.0, 50.0, 500.0])
def test_one_dose_follows_the_bateman_function_at_its_own_rate(toys, dose):
    times, conc = simulate(Regime("toy_saturable", dose, "weekly", stop_day=0.5), 2, 0.1, toys)
    np.testing.assert_allclose(conc["toy_saturable"], bateman_ng_ml(dose, times), rtol=1e-9)


def test_peak_rises_less_than_dose_while_auc_stays_proportional(toys):
    """Saturable absorption slows a large dose: its peak is lower per mg and later, but every
    dose is absorbed in full, so AUC x CL is F x dose at every dose."""
    peaks, tmax = [], []
    for dose in (5.0, 50.0, 500.0):
        times, conc = simulate(Regime("toy_saturable", dose, "weekly", stop_day=0.5), 6, 0.02, toys)
        c = conc["toy_saturable"]
        auc_mg_h_per_l = np.trapezoid(c, times) / 1e3
        assert auc_mg_h_per_l * CL == pytest.approx(F * dose, rel=0.01)
        peaks.append(c.max() / dose)
        tmax.append(times[np.argmax(c)])
    assert peaks[0] > peaks[1] > peaks[2]
    assert tmax[0] < tmax[1] < tmax[2]
    # ka(D) analytic: tmax = ln(ka / k) / (ka - k)
    ka, k = KA / (1.0 + 500.0 / D50), CL / V
    assert tmax[2] == pytest.approx(math.log(ka / k) / (ka - k), abs=0.02)


def test_a_loading_dose_is_absorbed_at_its_own_rate(toys):
    regime = Regime("toy_saturable", 100.0, "daily", stop_day=1.5, loading_dose_mg=300.0)
    times, conc = simulate(regime, 3, 0.25, toys)
    expected = bateman_ng_ml(300.0, times) + bateman_ng_ml(100.0, times - 24.0)
    np.testing.assert_allclose(conc["toy_saturable"], expected, rtol=1e-9, atol=1e-12)


def test_checkpoint_keeps_the_depots_and_resumes_identically(toys):
    regime = Regime("toy_saturable", 100.0, "daily", loading_dose_mg=300.0)
    straight = PKState.from_regime(regime, toys)
    straight.advance(10.0)
    straight.advance(20.0)
    resumed = PKState.from_regime(regime, toys)
    resumed.advance(10.0)
    resumed = PKState.from_dict(json.loads(json.dumps(resumed.to_dict())))
    assert resumed.model.depot_dose_mg == (100.0, 300.0)
    resumed.advance(20.0)
    np.testing.assert_array_equal(resumed.amounts_mg, straight.amounts_mg)


def test_a_linear_drug_has_one_depot_and_an_old_checkpoint_still_loads():
    library = load_library()
    model = build_model(library.drug("sirolimus"), library, (2.0, 6.0))
    assert model.depot_dose_mg == () and model.dose_index == 0
    state = PKState.from_regime(Regime("sirolimus", 2.0, "daily", loading_dose_mg=6.0), library)
    state.advance(30.0)
    data = json.loads(json.dumps(state.to_dict()))
    del data["model"]["depot_dose_mg"]  # written before saturable absorption existed
    restored = PKState.from_dict(data)
    restored.advance(5.0)
    state.advance(5.0)
    np.testing.assert_array_equal(restored.amounts_mg, state.amounts_mg)


def test_everolimus_absorbs_10_mg_at_the_calibrated_rate():
    """The saturation leaves the 10 mg daily regime (SWOG S0931 troughs, Tmax) as calibrated:
    ka(10 mg) = 1.2 /h."""
    pk = load_library().drug("everolimus").pk
    assert pk.saturable_absorption
    assert pk.ka_for_dose_per_h(10.0) == pytest.approx(1.2, abs=1e-3)
    assert pk.ka_for_dose_per_h(70.0) < 0.5 * pk.ka_for_dose_per_h(10.0)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (f"absorption_half_dose_mg = {D50}", "absorption_half_dose_mg = 0.0", "must be a number"),
        (f"absorption_half_dose_mg = {D50}", 'absorption_half_dose_mg = "x"', "must be a number"),
        ('absorption_half_dose_mg = "assumed"\n', "", "sources.absorption_half_dose_mg"),
    ],
)
def test_bad_saturable_absorption_is_a_clear_error(tmp_path, old, new, message):
    path = tmp_path / "bad.toml"
    path.write_text(TOY.replace(old, new))
    with pytest.raises(InputError, match=message):
        load_library([path])


def test_saturable_absorption_is_for_oral_drugs_only(tmp_path):
    text = TOY.replace('route = "oral"', 'route = "iv"\ninfusion_h = 1.0')
    for key in ("bioavailability", "ka_per_h"):
        text = text.replace(f"{key} = {F if key == 'bioavailability' else KA}\n", "")
        text = text.replace(f'{key} = "assumed"\n', "")
    path = tmp_path / "iv.toml"
    path.write_text(text.replace("[sources]\n", '[sources]\ninfusion_h = "assumed"\n'))
    with pytest.raises(
        InputError, match="absorption_half_dose_mg is only allowed with route 'oral'"
    ):
        load_library([path])
