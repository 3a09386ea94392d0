"""Drug exposure per step (model.exposure): one timing convention for every model and the panel.

A step covers the hours [t, t + dt) and sees the drug action averaged over them; the record
at time_h = t + dt describes that step. Right values are by hand: a held concentration acts
on exactly the steps inside its window, and a dose given at hour 24 first acts in [24, 25).
"""

import math

import numpy as np
import pytest

from mtor_abm.agents.cell import TissueCell
from mtor_abm.model import adverse
from mtor_abm.model import signaling as sg
from mtor_abm.model.exposure import step_exposure
from mtor_abm.model.pharmacology import Regime, default_regime, load_library, target_occupancy
from mtor_abm.model.pk_state import PKState
from mtor_abm.model.scenarios.aging import AgingModel, AgingScenario
from mtor_abm.model.scenarios.base import TissueScenario
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario
from mtor_abm.model.tissue import TissueModel

LIBRARY = load_library()


def held(conc_nM: float, start_day: float, stop_day: float | None = None) -> Regime:
    return Regime(
        "sirolimus", 0.0, "fixed", start_day=start_day, stop_day=stop_day, conc_nM=conc_nM
    )


def test_held_concentration_weights_are_the_covered_fraction_of_each_step():
    """Held 10 nM on [24 h, 36 h): steps inside get weight 1, outside 0; a 2-h step [35, 37)
    half; the mean blood level is the held level times that fraction."""
    pk = PKState.from_regime(held(10.0, 1.0, 1.5), LIBRARY)
    weights = []
    for _ in range(48):
        exposure = step_exposure(pk, 1.0)
        weights.append(sum(w for w, _ in exposure.nodes))
    assert weights == [0.0] * 24 + [1.0] * 12 + [0.0] * 12
    pk = PKState.from_regime(held(10.0, 1.0, 1.5), LIBRARY)
    pk.time_h = 35.0
    exposure = step_exposure(pk, 2.0)
    assert exposure.mean_conc_nM() == {"sirolimus": 5.0}
    assert pk.time_h == 37.0


def test_oral_dose_exposure_is_the_average_over_the_step():
    """The step's mean concentration is the time average of the exact PK curve over [t, t+dt)
    (compared with a fine trapezoid of PKState samples); a dose at hour 24 acts in [24, 25)."""
    regime = Regime("sirolimus", 2.0, "daily", start_day=1.0)
    pk = PKState.from_regime(regime, LIBRARY)
    means = []
    for _ in range(30):
        means.append(step_exposure(pk, 1.0).mean_conc_nM()["sirolimus"])
    assert means[:24] == [0.0] * 24
    fine = PKState.from_regime(regime, LIBRARY)
    for hour in (24, 25, 29):
        times = np.linspace(hour, hour + 1.0, 2001)
        samples = []
        for t in times:
            fine.advance_to(float(t))
            samples.append(fine.concentrations_nM()["sirolimus"])
        assert means[hour] == pytest.approx(np.trapezoid(samples, times), rel=1e-5)


@pytest.mark.parametrize("drug", ["everolimus", "azd8055"])
def test_step_action_is_the_time_average_of_the_action(drug):
    """Over a day of the label regime at steady state, each hourly step's mean FRB occupancy /
    kinase inhibition matches a fine time average of the action (200 samples per hour) to
    1e-3, whether the action was merged (flat blood level) or sampled at every node."""
    from mtor_abm.model.pharmacology import default_regime

    regime = default_regime(drug, LIBRARY)
    pk = PKState.from_regime(regime, LIBRARY)
    fine = PKState.from_regime(regime, LIBRARY)
    for _ in range(24 * 7):
        step_exposure(pk, 1.0)
    fine.advance_to(pk.time_h)
    fk = np.array([0.5, 1.0, 2.0])

    def action(conc):
        return target_occupancy(conc, fk, LIBRARY)

    for _ in range(24):
        exposure = step_exposure(pk, 1.0)
        got = exposure.mean_action(action)
        samples = []
        for t in exposure.start_h + (np.arange(200) + 0.5) / 200:
            fine.advance_to(float(t))
            samples.append(action({s: c for s, c in fine.concentrations_nM().items() if c > 0}))
        want = np.mean(samples, axis=0)
        for g, w in zip(got, want, strict=True):
            assert np.allclose(g, w, rtol=1e-3, atol=1e-9)


def test_culture_held_drug_acts_exactly_from_24_h_to_36_h():
    """``run culture --drug sirolimus --conc 100 --start-day 1 --stop-day 1.5``.
    The record at 24 h (step [23, 24)) is untreated, the records at 25-36 h (steps inside
    [24, 36)) carry 100 nM, the one at 37 h none; pS6K falls in the first step of the window
    and is still suppressed at its last record (it was already down at 24 h and back at 36 h)."""
    sc = CultureScenario(rng=1, width=12, height=12, initial_cells=20)
    model = CultureModel(sc, held(100.0, 1.0, 1.5))
    for _ in range(48):
        model.step()
    series = model.timeseries()
    by_hour = dict(zip(series["time_h"], range(len(series["time_h"])), strict=True))
    drug = {h: series["drug_nM"][i] for h, i in by_hour.items()}
    assert all(drug[h] == (100.0 if 24 < h <= 36 else 0.0) for h in drug)
    ps6k = {h: series["mean_pS6K"][i] for h, i in by_hour.items()}
    assert ps6k[24.0] > 0.9  # untreated until the window opens
    assert ps6k[25.0] < 0.1 and ps6k[36.0] < 0.1  # inside the window
    assert ps6k[37.0] > ps6k[36.0]  # recovering after it


def test_cohort_held_drug_acts_on_exactly_days_3_to_6():
    """A cohort held at a concentration from day 3 to day 6: the daily occupancy is the full
    occupancy on days 3, 4 and 5 (steps [72 h, 144 h)) and zero on every other day (day 2 had
    a quarter and day 5 three quarters). The full occupancy is taken at the mouse's free blood
    drug, as every in-vivo model reads a blood level (model.druglib Drug.free_conc_factor)."""
    conc = 4.4
    model = AgingModel(AgingScenario(rng=1, organisms=3), held(conc, 3.0, 6.0))
    free = conc * LIBRARY.drug("sirolimus").free_conc_factor(model.subject)
    full = target_occupancy({"sirolimus": free}, 1.0, LIBRARY)
    daily = []
    for _ in range(8):
        model.step()
        daily.append(model.occupancy)
    for day, occ in enumerate(daily):
        expected = full if 3 <= day < 6 else (0.0, 0.0, 0.0)
        assert occ == pytest.approx(expected, rel=1e-12, abs=0.0), day
    drug = model.timeseries()["drug_nM"]  # record k describes day k - 1
    assert drug == [0.0, 0.0, 0.0, 0.0, conc, conc, conc, 0.0, 0.0]


class _Slice(TissueScenario):
    width: int = 3
    height: int = 3


def test_adverse_panel_and_a_tissue_see_the_same_exposure():
    """The adverse panel's reference cells and the same cell types in a tissue, stepped under
    one oral regime (a dose inside the run), end in the same state: the panel's indices equal
    the ones computed from the tissue's cells (the panel used the blood level at the start of
    each step, tissues the one at its end)."""
    regime = Regime("sirolimus", 2.0, "daily", start_day=0.5)
    types = tuple(name for name, _ in adverse.REFERENCE_CELLS)
    days, hours = 2, 48

    def tissue(reg):
        model = TissueModel(_Slice(rng=0), reg, LIBRARY, dt_h=1.0, cell_types=types)
        for type_id in range(len(types)):
            model.add_cell(TissueCell, model.grid[(type_id % 3, type_id // 3)], type_id)
        return model

    treated, untreated = tissue(regime), tissue(Regime("none", 0.0, "daily"))
    params = adverse._reference_arrays()
    acc = dict.fromkeys(adverse.ADVERSE_KEYS, 0.0)
    for hour in range(hours):
        treated.step()
        untreated.step()
        if hour >= hours - 24:
            state = {
                k: np.concatenate([treated.table[k], untreated.table[k]]) for k in sg.STATE_NAMES
            }
            occ = np.concatenate([treated.step_drug_action()[0], np.zeros(len(types))])
            for key, value in adverse._indices(
                state, params, occ, len(types), 0.0
            ).items():  # sirolimus: no calcineurin block
                acc[key] += value / 24
    panel = adverse.adverse_panel(regime, days, LIBRARY)
    assert abs(panel["hyperlipidemia"] - 1.0) > 0.01  # the regime does act on the panel
    for key in adverse.ADVERSE_KEYS:
        assert panel[key] == pytest.approx(acc[key], rel=1e-9), key
    assert not math.isnan(sum(acc.values()))


def test_a_drug_free_step_gives_as_many_zeros_as_the_action_has_values():
    """Every caller's action has its own length (three target actions, one calcineurin block):
    a step without drug gives that many zeros, and a length that differs is refused, whether or
    not the step has drug."""
    library = LIBRARY
    untreated = PKState.from_regime(default_regime("none", library), library)
    exposure = step_exposure(untreated, 1.0)
    assert exposure.mean_action(lambda conc: (1.0,), entries=1) == (0.0,)
    assert exposure.mean_action(lambda conc: (1.0, 1.0, 1.0)) == (0.0, 0.0, 0.0)
    dosed = PKState.from_regime(default_regime("sirolimus", library), library)
    with_drug = step_exposure(dosed, 1.0)
    (value,) = with_drug.mean_action(lambda conc: (sum(conc.values()),), entries=1)
    assert value > 0.0
    with pytest.raises(ValueError, match="gave 3 values, entries=1"):
        with_drug.mean_action(lambda conc: (0.0, 0.0, 0.0), entries=1)


def test_a_patients_blood_level_acts_through_its_free_drug_and_a_dish_reads_its_medium():
    """One seam between blood and cells (model.druglib DrugLibrary.acting_nM): a tissue that
    follows a patient (in_vivo, the tumor and transplant) reads a held 10 nM of sirolimus as
    the medium level with the same free drug, 10 x 0.09 x 0.025 / 0.005 = 4.5 nM (Yatscoff 1993
    Transplantation 56:1202: plasma / blood 0.09, 2.5 % of plasma drug unbound; potency
    calibrated to culture at 0.5 %); a dish (culture) reads its medium's 10 nM as it is."""

    def dish_of(seed):
        return CultureModel(
            CultureScenario(rng=seed, width=6, height=6, initial_cells=4), held(10.0, 0.0, 1.0)
        )

    dish, patient = dish_of(1), dish_of(1)
    patient.in_vivo = True
    for model in (dish, patient):
        model.dose_and_pk()
    fk = dish.table["fkbp12_level"]
    expected_dish = target_occupancy({"sirolimus": 10.0}, fk, LIBRARY)[0]
    expected_patient = target_occupancy({"sirolimus": 10.0 * 0.09 * 0.025 / 0.005}, fk, LIBRARY)[0]
    assert np.allclose(dish.step_drug_action()[0], expected_dish, rtol=1e-12)
    assert np.allclose(patient.step_drug_action()[0], expected_patient, rtol=1e-3)
    assert np.all(expected_patient < expected_dish)
