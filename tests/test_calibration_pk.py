"""Calibration of the PK against published figures (labels and trials).

Each test names its source. Concentrations are whole blood (sirolimus,
everolimus, temsirolimus) or plasma (ATP-competitive inhibitors), in ng/mL.
"""

import math

import numpy as np
import pytest

from mtor_abm.model.pharmacology import Regime, load_library
from mtor_abm.model.pk import simulate, steady_state_summary


@pytest.fixture(scope="module")
def library():
    return load_library()


def single_dose_curve(library, drug, dose_mg, days, dt_h, schedule="daily"):
    """Blood concentration (ng/mL) per species after one dose at hour 0."""
    return simulate(Regime(drug, dose_mg, schedule, stop_day=0.5), days, dt_h, library)


def fitted_half_life_h(times, conc, t_from_h, t_to_h):
    """Terminal half-life (h) from a log-linear fit of the simulated curve over a window."""
    window = (times >= t_from_h) & (times <= t_to_h)
    slope = np.polyfit(times[window], np.log(conc[window]), 1)[0]
    return math.log(2.0) / -slope


def daily_troughs(library, regime, days):
    """Pre-dose concentrations (ng/mL) at hour 0 of each day 0..days."""
    _, conc = simulate(regime, days, 24.0, library)
    return conc[regime.drug]


# ---------------------------------------------------------------------------------------------
# P1 sirolimus half-life and Tmax
# ---------------------------------------------------------------------------------------------


def test_sirolimus_half_life_within_label_range(library):
    """P1: terminal half-life 46-78 h (62 +/- 16 h).

    Zimmerman & Kahan 1997 J Clin Pharmacol 37:405; Rapamune label.
    """
    times, conc = single_dose_curve(library, "sirolimus", 2.0, 20, 1.0)
    fitted = fitted_half_life_h(times, conc["sirolimus"], 200.0, 480.0)
    summary = steady_state_summary(Regime("sirolimus", 2.0, "daily"), library)
    assert 46.0 <= fitted <= 78.0
    assert summary["half_life_h"] == pytest.approx(62.0, abs=3.0)


def test_sirolimus_peaks_1_to_3_h_after_an_oral_dose(library):
    """P1: Tmax 1-3 h (1.4 +/- 1.2 h). Zimmerman & Kahan 1997; Rapamune label."""
    times, conc = single_dose_curve(library, "sirolimus", 2.0, 0.5, 0.05)
    assert 1.0 <= times[np.argmax(conc["sirolimus"])] <= 3.0


# ---------------------------------------------------------------------------------------------
# P2 sirolimus transplant troughs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("loading_mg", "maintenance_mg"), [(6.0, 2.0), (15.0, 5.0)])
def test_sirolimus_maintenance_troughs_5_to_15_ng_ml(library, loading_mg, maintenance_mg):
    """P2: troughs 5-15 ng/mL at maintenance 2-5 mg/day after a loading dose.

    Rapamune label (6 mg loading then 2 mg/day; 15 mg then 5 mg/day in high-risk patients);
    Stenton 2005 Clin Pharmacokinet 44:769.
    """
    regime = Regime("sirolimus", maintenance_mg, "daily", loading_dose_mg=loading_mg)
    troughs = daily_troughs(library, regime, 21)
    steady = steady_state_summary(regime, library)["trough_ng_ml"]
    assert 5.0 <= steady <= 15.0
    assert np.all((troughs[7:] >= 5.0) & (troughs[7:] <= 15.0))


def test_sirolimus_trough_stabilises_5_to_7_days_after_a_dose_change(library):
    """P2: a stable trough is reached 5-7+ days after a dose change (not in a day or two).

    Rapamune label (adjust no more often than every 7-14 days); Stenton 2005 Clin
    Pharmacokinet 44:769. The change 2 -> 5 mg/day on day 21 is the sum of two regimes
    (linear PK): 2 mg/day stopped before day 21 plus 5 mg/day from day 21.
    """
    before = Regime("sirolimus", 2.0, "daily", loading_dose_mg=6.0, stop_day=21)
    after = Regime("sirolimus", 5.0, "daily", start_day=21)
    troughs = daily_troughs(library, before, 42) + daily_troughs(library, after, 42)
    old, new = troughs[21], steady_state_summary(after, library)["trough_ng_ml"]
    progress = (troughs[21:] - old) / (new - old)  # 0 on the day of change, 1 at the new level
    assert progress[2] < 0.6
    assert progress[7] >= 0.8
    assert progress[14] >= 0.95


# ---------------------------------------------------------------------------------------------
# P3, P4 everolimus
# ---------------------------------------------------------------------------------------------


def test_everolimus_half_life_within_26_to_38_h(library):
    """P3: half-life 26-38 h (30 h). O'Donnell 2008 JCO 26:1588; Afinitor label."""
    times, conc = single_dose_curve(library, "everolimus", 10.0, 10, 1.0)
    fitted = fitted_half_life_h(times, conc["everolimus"], 120.0, 240.0)
    summary = steady_state_summary(Regime("everolimus", 10.0, "daily"), library)
    assert 26.0 <= fitted <= 38.0
    assert 26.0 <= summary["half_life_h"] <= 38.0


def test_everolimus_peaks_1_to_3_h_after_an_oral_dose(library):
    """P3: Tmax 1-3 h. O'Donnell 2008 JCO 26:1588; Afinitor label."""
    times, conc = single_dose_curve(library, "everolimus", 10.0, 0.5, 0.05)
    assert 1.0 <= times[np.argmax(conc["everolimus"])] <= 3.0


def test_everolimus_reaches_steady_state_by_day_8(library):
    """P3: steady state by ~day 8 of daily dosing. O'Donnell 2008 JCO 26:1588; Afinitor label."""
    regime = Regime("everolimus", 10.0, "daily")
    troughs = daily_troughs(library, regime, 8)
    steady = steady_state_summary(regime, library)["trough_ng_ml"]
    assert troughs[8] >= 0.95 * steady
    assert troughs[2] < 0.8 * steady  # it does accumulate first


def test_everolimus_10_mg_daily_trough_near_median_13_ng_ml(library):
    """P4: 10 mg daily troughs median ~13 ng/mL (IQR ~9-23). SWOG S0931."""
    summary = steady_state_summary(Regime("everolimus", 10.0, "daily"), library)
    assert 9.0 <= summary["trough_ng_ml"] <= 23.0
    assert summary["trough_ng_ml"] == pytest.approx(13.0, rel=0.15)


# ---------------------------------------------------------------------------------------------
# P5 temsirolimus and its sirolimus metabolite
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def temsirolimus_week(library):
    return single_dose_curve(library, "temsirolimus", 25.0, 21, 0.1, schedule="weekly")


def test_temsirolimus_peak_near_585_ng_ml_after_25_mg_iv(library, temsirolimus_week):
    """P5: 25 mg IV over 30-60 min gives Cmax ~585 ng/mL at the end of infusion. Torisel label."""
    times, conc = temsirolimus_week
    assert conc["temsirolimus"].max() == pytest.approx(585.0, rel=0.15)
    assert times[np.argmax(conc["temsirolimus"])] <= 1.0
    weekly = steady_state_summary(Regime("temsirolimus", 25.0, "weekly"), library)
    assert weekly["cmax_ng_ml"] == pytest.approx(585.0, rel=0.15)


def test_temsirolimus_half_life_near_17_h(library, temsirolimus_week):
    """P5: temsirolimus t1/2 ~17 h (17.3 h). Torisel label."""
    times, conc = temsirolimus_week
    fitted = fitted_half_life_h(times, conc["temsirolimus"], 48.0, 120.0)
    summary = steady_state_summary(Regime("temsirolimus", 25.0, "weekly"), library)
    assert fitted == pytest.approx(17.3, rel=0.15)
    assert summary["half_life_h"] == pytest.approx(17.3, rel=0.15)


def test_sirolimus_metabolite_outlasts_temsirolimus(library, temsirolimus_week):
    """P5: the active metabolite sirolimus (t1/2 ~55 h) outlasts the parent; its AUC is ~2.7x.

    Torisel label (sirolimus AUC 2.7-fold temsirolimus AUC after 25 mg IV; t1/2 54.6 h).
    """
    times, conc = temsirolimus_week
    tem, sir = conc["temsirolimus"], conc["sirolimus"]
    fitted = fitted_half_life_h(times, sir, 200.0, 480.0)
    assert 45.0 <= fitted <= 70.0
    after_two_days = times >= 48.0
    assert np.all(sir[after_two_days] > tem[after_two_days])
    auc_ratio = np.trapezoid(sir, times) / np.trapezoid(tem, times)
    assert 2.0 <= auc_ratio <= 3.5


def test_temsirolimus_exposure_rises_less_than_dose_proportionally(library):
    """P7: parent whole-blood AUC ratio 175 mg / 25 mg < 7. Torisel label (less than
    dose-proportional over 1-25 mg); mechanism: saturable binding in blood cells (Boni 2009
    Semin Oncol 36:S18). Exposure still rises with dose (ratio > 1)."""

    def auc(dose_mg):
        times, conc = single_dose_curve(library, "temsirolimus", dose_mg, 14, 0.25, "weekly")
        return np.trapezoid(conc["temsirolimus"], times)

    ratio = auc(175.0) / auc(25.0)
    assert 1.0 < ratio < 7.0
    assert auc(25.0) == pytest.approx(1627.0, rel=0.2)  # Torisel label, whole blood


# ---------------------------------------------------------------------------------------------
# Calcineurin inhibitors (labels)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "low", "high"),
    [("tacrolimus", 4.0, 11.0), ("cyclosporine", 100.0, 400.0)],
)
def test_calcineurin_inhibitor_troughs_in_label_range(library, drug, low, high):
    """Tacrolimus 0.1 mg/kg/day (3.5 mg every 12 h): troughs 4-11 ng/mL (Prograf label, kidney
    transplant with MMF); cyclosporine ~4 mg/kg/day: troughs 100-400 ng/mL (Neoral label
    monitoring range)."""
    drug_ = library.drug(drug)
    summary = steady_state_summary(Regime(drug, drug_.default_dose_mg, "bid"), library)
    assert low <= summary["trough_ng_ml"] <= high


# ---------------------------------------------------------------------------------------------
# P6 sapanisertib; other ATP-competitive inhibitors
# ---------------------------------------------------------------------------------------------


def test_sapanisertib_half_life_6_to_8_h(library):
    """P6: sapanisertib t1/2 ~6-8 h. Voss 2020 BJC."""
    times, conc = single_dose_curve(library, "sapanisertib", 6.0, 3, 0.25)
    fitted = fitted_half_life_h(times, conc["sapanisertib"], 24.0, 72.0)
    assert 6.0 <= fitted <= 8.0


def test_sapanisertib_daily_and_weekly_mtds_differ_in_shape_not_weekly_dose(library):
    """P6: MTD ~6 mg daily or 40 mg weekly (Voss 2020 BJC).

    With a 6-8 h half-life, daily dosing barely accumulates, while the weekly MTD gives a
    several-fold higher peak and washes out before the next dose; the weekly amounts are alike.
    """
    daily = steady_state_summary(Regime("sapanisertib", 6.0, "daily"), library)
    weekly = steady_state_summary(Regime("sapanisertib", 40.0, "weekly"), library)
    _, one = single_dose_curve(library, "sapanisertib", 6.0, 1, 0.05)
    assert daily["cmax_ng_ml"] / one["sapanisertib"].max() < 1.2
    assert weekly["cmax_ng_ml"] / daily["cmax_ng_ml"] > 3.0
    assert weekly["trough_ng_ml"] < 0.01 * weekly["cmax_ng_ml"]


@pytest.mark.parametrize(("drug", "dose_mg"), [("azd8055", 90.0), ("vistusertib", 50.0)])
def test_dual_mtor_inhibitors_clear_within_hours(library, drug, dose_mg):
    """AZD8055 t1/2 a few hours (Naing 2012 BJC 107:1093); vistusertib t1/2 ~3 h (Basu 2015
    Clin Cancer Res 21:3412). Confidence C: loose bounds only.
    """
    times, conc = single_dose_curve(library, drug, dose_mg, 1, 0.1)
    fitted = fitted_half_life_h(times, conc[drug], 8.0, 24.0)
    assert 1.5 <= fitted <= 6.0
    assert times[np.argmax(conc[drug])] <= 2.0
