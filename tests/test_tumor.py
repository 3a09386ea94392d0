"""The tumor scenario (model.scenarios.tumor): growth, hypoxia, angiogenesis and drugs.

Every rule and rate at its default (tumor cell loss included), fixed seeds: the T1 and genotype
tests run the default 2.8-mm slice (cut to 3 weeks of treatment, seed 0; the module docstring
of model.scenarios.tumor gives the 6-seed calibration), mechanistic tests a 1.2-mm slice or
smaller with the lesion scaled down; runs shared by several tests are cached. Targets (published
figures, each with its source):

* T1 rapalogs are cytostatic: treated tumors grow more slowly than untreated, and shrinkage of
  >= 65.7 % in volume (RECIST partial response) happens in <= 5 % of seeds at clinical
  exposure (RECORD-1: Motzer 2008 Lancet 372:449; PR ~1-2 %, SD ~63-67 %).
* T2 hypoxic cells and a necrotic core appear ~100-200 um (5-10 cells) from the nearest vessel
  (Thomlinson & Gray 1955 Br J Cancer 9:539; Carmeliet & Jain 2000 Nature 407:249).
* T3 a rapalog lowers HIF-1a/VEGF output and vessel growth below untreated (Guba 2002 Nat
  Med 8:128).
* S4/S5 at tissue level: rapalogs raise pAKT-S473 (S6K-IRS1 feedback; O'Reilly 2006 Cancer Res
  66:1500), ATP-competitive inhibitors abolish it (Rodrik-Outmezguine 2011 Cancer Discov 1:248).
"""

import functools

import numpy as np
import pytest

from mtor_abm.experiments.run_folder import write_run
from mtor_abm.experiments.runner import run_scenario
from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import UNTREATED, Regime, default_regime, load_library
from mtor_abm.model.recist import PD_VOLUME, PR_VOLUME, recist
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_fields import SteadyField
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario
from mtor_abm.model.scenarios.tumor_readouts import tumor_readouts
from mtor_abm.model.scenarios.tumor_views import CATEGORY_LABELS

LIBRARY = load_library()
SMALL = {"width": 60, "height": 60, "seed_radius_sites": 12.0}
"""A 1.2 mm slice with a smaller lesion, for short and mechanistic tests."""
START_DAY = DEFAULT_START_DAY
DAYS = 35
"""Default runs (2.8 mm slice, established lesion, baseline day 14) are cut to 3 weeks of
treatment to keep this file short; slices much smaller than the default hold VEGF at their
no-flux edges and are not faithful for T1."""


def clinical(drug: str, start_day: float = START_DAY) -> Regime:
    """The drug's label regime from ``start_day`` (everolimus 10 mg daily, temsirolimus 25 mg
    weekly, ...)."""
    return default_regime(drug, LIBRARY, start_day)


def held(drug: str, conc_nM: float, start_day: float = START_DAY) -> Regime:
    """Blood held at ``conc_nM`` from ``start_day`` (``--conc``)."""
    return Regime(drug, 0.0, "fixed", start_day=start_day, conc_nM=conc_nM)


def build(regime: Regime, seed: int, **params) -> TumorModel:
    """A tumor model with default rules (on the small slice unless ``params`` say otherwise)."""
    return TumorModel(TumorScenario(rng=seed, **{**SMALL, **params}), regime, LIBRARY)


def run(drug: str, seed: int = 0, days: int = DAYS, genotype: str = "wild_type"):
    """An arm of the DEFAULT tumor (default slice and rules), baseline day 14: ``none`` or a
    clinical regime."""
    return _run(drug, seed, days, genotype)


@functools.cache
def _run(drug: str, seed: int, days: int, genotype: str):
    regime = UNTREATED if drug == "none" else clinical(drug)
    model = TumorModel(TumorScenario(rng=seed, genotype=genotype), regime, LIBRARY)
    for _ in range(days * 24):
        model.step()
    return model


def readouts(model: TumorModel) -> dict:
    """The summary readouts of a finished model."""
    return tumor_readouts(model, None, model.timeseries())


# ---------------------------------------------------------------------------------------------
# Quasi-steady fields
# ---------------------------------------------------------------------------------------------


def test_steady_field_matches_a_fresh_solve_after_cells_and_vessels_change():
    """The warm-started solver (its last solution, reused coarse factors) gives the exact steady
    state of the current tissue."""
    rng = np.random.default_rng(3)
    shape = (40, 30)
    solver = SteadyField(shape, 2000.0)
    vessels = rng.random(shape) < 0.02
    for _ in range(4):
        uptake = 600.0 * (rng.random(shape) < 0.7)
        vessels[rng.integers(0, 40), rng.integers(0, 30)] ^= True
        reused = solver.solve(uptake, 0.0, vessels, 40.0).copy()
        fresh = SteadyField(shape, 2000.0).solve(uptake, 0.0, vessels, 40.0)
        assert np.abs(reused - fresh).max() < 0.05  # mmHg, of 40 at the vessels
    assert np.all(reused[vessels] == 40.0)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="T2 not met: around one vessel in packed tumor tissue pO2 falls below "
    "hypoxia_mmHg (10) at 60 um (first hypoxic site at 80 um), not 100-200 um "
    "(o2_uptake_per_h 600 vs o2_diffusion_um2_per_s 2000 give too short a penetration)",
)
def test_oxygen_penetration_from_one_vessel_is_100_to_200_um():
    """T2 (Thomlinson & Gray 1955): around a capillary in packed tumor tissue, cells turn
    hypoxic ~100-200 um from the vessel. Measured as the distance at which the steady pO2
    profile from one vessel site crosses hypoxia_mmHg (linear between site centres)."""
    shape = (41, 41)
    vessel = np.zeros(shape, bool)
    vessel[20, 20] = True
    oxygen = SteadyField(shape, TumorScenario.o2_diffusion_um2_per_s).solve(
        TumorScenario.o2_uptake_per_h, 0.0, vessel, TumorScenario.vessel_po2_mmHg
    )
    profile = oxygen[20, 20:]
    assert np.all(np.diff(profile) < 0)
    distance_um = 20.0 * np.arange(len(profile))
    hypoxic_from_um = np.interp(-TumorScenario.hypoxia_mmHg, -profile, distance_um)
    assert 100.0 <= hypoxic_from_um <= 200.0, hypoxic_from_um


# ---------------------------------------------------------------------------------------------
# Untreated growth, hypoxia, necrosis and angiogenesis
# ---------------------------------------------------------------------------------------------


def test_same_seed_same_tumor_curve():
    a, b = build(UNTREATED, 5, width=30, height=30), build(UNTREATED, 5, width=30, height=30)
    for _ in range(48):
        a.step()
        b.step()
    assert a.timeseries() == b.timeseries()
    assert np.array_equal(a.vessels, b.vessels)


def test_untreated_tumor_grows_turns_hypoxic_recruits_vessels():
    """Growth, hypoxia and angiogenesis of the default tumor over 3 weeks from its baseline;
    its progression (T4, 1-3 months) is tests/test_tumor_clinic.py's (slow)."""
    model = run("none")
    series = model.timeseries()
    out = readouts(model)
    assert out["tumor_cells_final"] > 1.05 * out["tumor_cells_at_start"]
    assert max(series["hypoxic_fraction"]) > 0.1
    assert series["necrotic_cells"][-1] > 0
    assert model.vessels_sprouted > 0
    # The necrotic core is inside the tumor, not in the host tissue.
    region = model.tumor_region()
    assert np.all(region[model.necrotic])


def test_hypoxic_and_necrotic_cells_lie_100_to_200_um_from_the_nearest_vessel():
    """T2: the distance distribution of hypoxic cells and necrotic debris from vessels in the
    default lesion (3 weeks after its baseline; the small slice's lesion, which host tissue now
    holds back, is too small at 24 days to turn hypoxic)."""
    model = run("none")
    distance = model.distance_to_vessel_um()
    t = model.table
    tumor = t["type_id"] == 0
    oxygen = model.oxygen_at_cells()
    hypoxic = tumor & (oxygen < model.scenario.hypoxia_mmHg)
    d_hypoxic = distance[t["x"][hypoxic], t["y"][hypoxic]]
    d_normoxic = distance[t["x"][tumor & ~hypoxic], t["y"][tumor & ~hypoxic]]
    d_necrotic = distance[model.necrotic]
    assert len(d_hypoxic) > 20 and len(d_necrotic) > 3
    # Hypoxia appears 100-200 um from a vessel (its onset, the nearest 5 % of hypoxic cells;
    # measured 122 um) and most hypoxic cells lie within that band (median 179 um).
    assert 100.0 <= np.percentile(d_hypoxic, 5) <= 200.0
    assert 100.0 <= np.median(d_hypoxic) <= 200.0
    # Debris stays where cells died, while new vessels may since have grown nearby.
    assert 100.0 <= np.median(d_necrotic) <= 250.0
    assert np.median(d_normoxic) < np.median(d_hypoxic)


# ---------------------------------------------------------------------------------------------
# Rapalogs at clinical exposure (T1, T3) and the AKT feedback
# ---------------------------------------------------------------------------------------------


SEEDS = (0,)
"""Seeds of the default runs here (the tumor module docstring covers 6 seeds per arm)."""


@pytest.mark.parametrize("drug", ["everolimus", "temsirolimus"])
def test_default_rapalog_is_cytostatic_stable_disease_not_partial_response(drug):
    """T1 (RECORD-1): at clinical exposure the default tumor ends smaller than untreated on
    the same seed, at stable disease (no progression, no shrinkage to PR). Over 6 seeds and
    180 days with T4/T5: tests/test_tumor_clinic.py (slow)."""
    for seed in SEEDS:
        treated, untreated = readouts(run(drug, seed)), readouts(run("none", seed))
        assert treated["tumor_cells_final"] < 0.95 * untreated["tumor_cells_final"]
        assert treated["response"] == "SD"
        assert treated["relative_size"] > PR_VOLUME ** (2 / 3)


def test_rapalog_lowers_vegf_and_vessel_density():
    """T3 (Guba 2002): less VEGF and fewer vessels in the tumor than untreated."""
    treated, untreated = run("everolimus").timeseries(), run("none").timeseries()
    after = np.asarray(treated["time_h"]) >= START_DAY * 24 + 72
    assert np.mean(np.asarray(treated["vegf_mean"])[after]) < np.mean(
        np.asarray(untreated["vegf_mean"])[after]
    )
    assert treated["vessel_density"][-1] < untreated["vessel_density"][-1]


def test_rapalog_raises_pakt_s473_and_atp_competitive_drug_abolishes_it():
    """The S6K-IRS1 feedback in the tumor two days into treatment: rapalog pAKT-S473 above
    untreated; sapanisertib <= 0.2 of the reference at its daily peak (2 h after the dose, its
    Tmax; sapanisertib's cellular IC50 ~10 nM against a peak of ~130 nM), recovering towards
    the next dose as it clears (t1/2 ~7 h: intermittent, not continuous, mTORC2 block), and the
    dual drug slows growth more."""
    at = int(START_DAY * 24 + 48)
    rapalog = run("everolimus").timeseries()
    dual = run("sapanisertib", days=21).timeseries()
    untreated = run("none").timeseries()
    assert rapalog["mean_pS6K"][at] < 0.2
    assert rapalog["mean_pAKT_S473"][at] > 1.2 * untreated["mean_pAKT_S473"][at]
    assert dual["mean_pAKT_S473"][at + 2] < 0.2
    assert dual["mean_pAKT_S473"][at + 23] > dual["mean_pAKT_S473"][at + 2]
    end = len(dual["tumor_cells"]) - 1
    assert dual["tumor_cells"][end] < rapalog["tumor_cells"][end]


# ---------------------------------------------------------------------------------------------
# Genotypes
# ---------------------------------------------------------------------------------------------


def _rapalog_fraction(genotype: str) -> dict[str, float]:
    """Tumor-cell G1->S (proliferation) and growth (translation) signals after 2 days of
    everolimus held at 20 nM, as fractions of the untreated tumor's on the same seed."""
    means = {}
    for arm, regime in (("none", UNTREATED), ("drug", held("everolimus", 20.0, 0.0))):
        model = build(regime, 0, width=30, height=30, seed_radius_sites=6.0, genotype=genotype)
        for _ in range(48):
            model.step()
        t = model.table
        out = sg.outputs(t.view(sg.STATE_NAMES), t.view(sg.PARAM_NAMES))
        tumor = t["type_id"] == 0
        means[arm] = {k: float(out[k][tumor].mean()) for k in ("proliferation", "translation")}
    return {k: means["drug"][k] / means["none"][k] for k in means["none"]}


def test_rapalog_cuts_growth_signals_of_every_genotype():
    """The cell-autonomous part of the response: everolimus cuts the G1->S and growth
    (translation) signals of tumor cells of every genotype by more than 10 %."""
    for genotype in ("pten_null", "tsc_null", "wild_type"):
        fraction = _rapalog_fraction(genotype)
        assert fraction["proliferation"] < 0.9, genotype
        assert fraction["translation"] < 0.9, genotype


@pytest.mark.xfail(
    strict=True,
    reason="at the scenario defaults PTEN-null tumors are not the more sensitive at tissue level"
    " (main at 057d565, seed 0, 28 days of everolimus: x1.10 of baseline; wild type x1.00),"
    " although PTEN-null cells are in culture (rows S13/S14); with the translation-shock and"
    " cycle-carried loss rules on they are (tests/test_tumor_genotypes_slow.py), not default"
    " yet (T2)",
)
def test_pten_null_tumor_responds_more_than_wild_type():
    """PTEN-null tumors are hypersensitive to rapalogs (Neshat 2001 PNAS 98:10314; Podsypanina
    2001 PNAS 98:10320): AKT-driven cells need mTORC1-driven Mcl-1 translation to survive
    (Mills 2008 PNAS 105:10853). Everolimus shrinks the default PTEN-null tumor below its
    baseline, further than the wild type (which it holds near baseline), and further below
    its untreated twin; still stable disease, as T1 expects at clinical exposure."""
    for seed in SEEDS:
        pten_treated = readouts(run("everolimus", seed, genotype="pten_null"))
        pten_untreated = readouts(run("none", seed, genotype="pten_null"))
        wild_treated = readouts(run("everolimus", seed))
        wild_untreated = readouts(run("none", seed))
        assert pten_treated["relative_size"] < wild_treated["relative_size"] - 0.1
        assert pten_treated["relative_size"] < 1.0
        assert pten_treated["response"] == "SD"
        pten = pten_treated["tumor_cells_final"] / pten_untreated["tumor_cells_final"]
        wild = wild_treated["tumor_cells_final"] / wild_untreated["tumor_cells_final"]
        assert pten < wild


def test_tsc_null_mtorc1_ignores_growth_factor_withdrawal():
    """TSC loss: mTORC1 (pS6K) stays on without growth factors; wild type turns it off."""

    def ps6k(genotype, growth_factor):
        model = build(
            UNTREATED,
            0,
            width=20,
            height=20,
            seed_radius_sites=4.0,
            genotype=genotype,
            growth_factor=growth_factor,
        )
        for _ in range(6):
            model.step()
        return model.record()["mean_pS6K"]

    assert ps6k("tsc_null", 0.0) > 0.8 * ps6k("tsc_null", 1.0)
    assert ps6k("wild_type", 0.0) < 0.5 * ps6k("wild_type", 1.0)


# ---------------------------------------------------------------------------------------------
# Readouts, views, errors, outputs
# ---------------------------------------------------------------------------------------------


def test_recist_volume_thresholds_and_progression_from_the_nadir():
    hours = np.arange(5) * 24.0
    area_pr = PR_VOLUME ** (2 / 3)  # cells giving exactly -65.7 % volume
    assert recist(hours, [100, 90, 80, 70, 100 * area_pr * 0.99], 0.0) == ("PR", None)
    assert recist(hours, [100, 100, 100, 100, 100], 0.0) == ("SD", None)
    assert recist(hours, [100, 100, 100, 100, 0], 0.0) == ("CR", None)
    # +72.8 % volume from the nadir (50 cells) is progression, though above baseline only 2 %.
    grown = 50 * PD_VOLUME ** (2 / 3) + 1
    assert recist(hours, [100, 50, 50, grown, grown], 0.0) == ("PD", 3.0)


def test_views_for_the_dashboard():
    model = run("everolimus")
    codes, labels = model.category_layer()
    assert labels == CATEGORY_LABELS
    assert codes.shape == model.grid.dimensions
    assert (codes == 3).sum() == model.necrotic.sum()
    assert (codes == 4).sum() == model.vessels.sum()
    fields = model.field_layers()
    assert set(fields) >= {"oxygen", "nutrients", "drug", "VEGF"}
    assert fields["drug"][model.vessels].max() == pytest.approx(model.total_blood_nM())
    x, y = int(model.table["x"][0]), int(model.table["y"][0])
    state = model.cell_state_at(x, y)
    assert state["cell_type"] in model.cell_types and "HIF1a" in state
    series = model.timeseries()
    for column in (
        "time_h",
        "tumor_cells",
        "cells",
        "mean_pS6K",
        "mean_pAKT_S473",
        "mean_p4EBP1",
        "mean_autophagy",
        "vegf_mean",
        "vessel_density",
        "hypoxic_fraction",
        "necrotic_fraction",
        "cycling_fraction",
        "blood_nM",
    ):
        assert len(series[column]) == DAYS * 24 + 1


def test_bad_tumor_parameter_names_the_parameter():
    with pytest.raises(InputError, match="o2_uptake_per_h"):
        parse_overrides(TumorScenario, {"o2_uptake_per_h": "-5"})
    with pytest.raises(InputError, match="genotype"):
        parse_overrides(TumorScenario, {"genotype": "kras"})


def test_cli_run_writes_summary_and_tumor_figures(tmp_path):
    result = run_scenario(
        "tumor",
        held("everolimus", 10.0, start_day=1.0),
        days=2,
        seed=1,
        overrides={"width": 24, "height": 24, "seed_radius_sites": 4.0},
        library=LIBRARY,
    )
    readout = result.summary["readouts"]
    for key in (
        "tumor_cells_at_start",
        "tumor_cells_final",
        "relative_size",
        "response",
        "time_to_progression_days",
        "cycling_fraction",
        "hypoxic_fraction",
        "necrotic_fraction",
        "vessel_density",
        "mean_pS6K",
        "mean_pAKT_S473",
    ):
        assert key in readout
    write_run(tmp_path, result)
    for name in ("tumor_growth.png", "tumor_snapshot.png", "pk.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 1000


def test_checkpoint_restores_vessels_debris_and_continues_the_same_tumor():
    regime = held("everolimus", 10.0, start_day=1.0)
    original = build(regime, 2, width=30, height=30)
    for _ in range(30):
        original.step()
    arrays, meta = original.checkpoint_state()
    restored = build(regime, 2, width=30, height=30)
    restored.restore_checkpoint_state(arrays, meta)
    assert np.array_equal(restored.vessels, original.vessels)
    assert np.array_equal(restored.necrotic, original.necrotic)
    for _ in range(20):
        original.step()
        restored.step()
    # Bit for bit: the field solvers' preconditioner and initial guess are restored too.
    assert original.timeseries() == restored.timeseries()
    for name in original.fields:
        assert np.array_equal(original.fields[name].data, restored.fields[name].data)


def _ps6k_after_6h(resistance: str, drug: str, conc_nM: float) -> float:
    """Mean tumor pS6K after 6 h of ``drug`` held at ``conc_nM``, all tumor cells mutant."""
    params = {"width": 24, "height": 24, "seed_radius_sites": 4.0}
    params.update(resistance=resistance, resistant_fraction=1.0)
    model = build(held(drug, conc_nM, start_day=0.0), 0, **params)
    for _ in range(6):
        model.step()
    return model.record()["mean_pS6K"]


def test_resistance_mutants_escape_their_drugs_and_rapalink_overcomes_both():
    """Rodrik-Outmezguine 2016 Nature 534:272: FRB mutants resist rapalogs, kinase mutants
    resist rapalogs and ATP-competitive inhibitors, RapaLink-1 inhibits both. Sapanisertib at
    50x its cellular IC50 (the library's), where the kinase mutant's 10-fold loss leaves 5x:
    the kinase site is then 83 % blocked (5/6) against 98 % (50/51) in the FRB mutant, and
    S6K-T389, steeper than linear in mTORC1 activity, keeps several-fold more in the kinase
    mutant (about (17/2)^2 if quadratic; at least 5x asserted)."""
    sapanisertib_nM = 50.0 * load_library().drug("sapanisertib").potency.ic50_mtorc1_nM
    assert _ps6k_after_6h("none", "everolimus", 10.0) < 0.3
    assert _ps6k_after_6h("frb", "everolimus", 10.0) > 0.8
    assert _ps6k_after_6h("kinase", "everolimus", 10.0) > 0.8
    frb = _ps6k_after_6h("frb", "sapanisertib", sapanisertib_nM)
    kinase = _ps6k_after_6h("kinase", "sapanisertib", sapanisertib_nM)
    assert frb < 0.05
    assert kinase > 5.0 * frb
    assert kinase > 0.03
    rapalink = _ps6k_after_6h("none", "rapalink1", 1.0)
    for mutant in ("frb", "kinase"):
        assert _ps6k_after_6h(mutant, "rapalink1", 1.0) == pytest.approx(rapalink, rel=0.05)


def test_resistance_is_acquired_at_division_only_when_switched_on():
    def resistant_after_two_days(**params):
        model = build(UNTREATED, 0, width=24, height=24, seed_radius_sites=4.0, **params)
        assert model.table["resistant"].sum() == 0
        for _ in range(48):
            model.step()
        return int(model.table["resistant"].sum())

    assert resistant_after_two_days(resistance="none", resistance_per_division=0.5) == 0
    assert resistant_after_two_days(resistance="frb", resistance_per_division=0.0) == 0
    assert resistant_after_two_days(resistance="frb", resistance_per_division=0.5) > 0


def test_a_tumor_without_vessels_keeps_stepping():
    """Every vessel regressed (long everolimus runs): oxygen, nutrients and drug are 0
    everywhere (no source), and the step goes on instead of dividing by zero in the solver."""
    # 70 x 70 sites: above the 4,096 of a single-level (direct) solve, so multigrid CG runs.
    model = build(held("everolimus", 20.0, start_day=0.0), seed=2, width=70, height=70)
    model.step()
    model.vessels[...] = False
    for _ in range(3):
        model.step()
    assert np.all(model.fields["oxygen"].data == 0.0)
    assert np.all(model.fields["drug"].data == 0.0)
