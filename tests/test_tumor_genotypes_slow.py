"""Tumor genotypes under everolimus against the clinic (slow: ~4 min on two free cores).

The genotype rules of :mod:`model.scenarios.tumor` switched on (``MECHANISM``: translation
shock ``shock_apoptosis`` 3, cycle-carried loss ``loss_drive_half`` 0.25); they are not the
scenario's defaults yet, because with them the untreated default lesion keeps too few
hypoxic cells and too little debris for T2 (test_tumor's hypoxia test: no hypoxic tumor cell
at day 35 with the shock on; necrotic median 96 um, bound 100-250, with the loss rule alone).

* T6 TSC-null tumors shrink on everolimus: volume reduction >= 50 % in >= 25 % of seeds by
  6 months (EXIST-1: 35 % of SEGAs halved in volume; Franz 2013 Lancet 381:125). Seeds 0-5,
  everolimus 10 mg daily from day 14 (the scenario's default start), 42 days of treatment.
* The shrinkage is the drug's: untreated TSC-null tumors do not halve (EXIST-1 placebo arm:
  no SEGA response), seeds 0-1.
* PTEN loss makes the tumor more rapalog-sensitive than wild type (Neshat 2001 PNAS
  98:10314), in tissue as in the dish (row S14): the best volume change under everolimus is
  deeper for PTEN-null than for wild type on each of seeds 0-1.

Why 42 days and not 180: a reduction reached by day 42 is one reached by 6 months, and the
response comes from the fall of translation when everolimus starts (the cells' apoptotic
priming adapts to it over ``translation_adapt_h``, a week), so a tumor that has not halved by
then is not expected to halve later; six 180-day runs would take ~4x as long.
Volume is RECIST's volume-equivalent (:mod:`model.recist`).
"""

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from mtor_abm.model.pharmacology import UNTREATED, default_regime, load_library
from mtor_abm.model.recist import relative_volume
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario

pytestmark = pytest.mark.slow

TREATED_DAYS = 42
SEEDS = tuple(range(6))
HALVED = 0.5
"""EXIST-1's response: SEGA volume reduced by at least 50 %."""
RESPONDER_SHARE = 0.25
"""T6: at least a quarter of the seeds respond (EXIST-1: 35 % of patients)."""
MECHANISM = {"shock_apoptosis": 3.0, "loss_drive_half": 0.25}
"""The genotype rules switched on (see the module docstring)."""


def _best_volume(key: tuple) -> tuple:
    """Smallest volume-equivalent after treatment start relative to it, for
    ``key`` = (genotype, drug, seed)."""
    genotype, drug, seed = key
    library = load_library()
    regime = UNTREATED if drug == "none" else default_regime(drug, library, DEFAULT_START_DAY)
    scenario = TumorScenario(rng=seed, genotype=genotype, **MECHANISM)
    model = TumorModel(scenario, regime, library)
    for _ in range(round((DEFAULT_START_DAY + TREATED_DAYS) * 24 / model.dt_h)):
        model.step()
    series = model.timeseries()
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["tumor_cells"], dtype=float)
    after = cells[hours >= model.baseline_h - 1e-9]
    return key, float(relative_volume(after, after[0]).min())


@pytest.fixture(scope="module")
def best():
    keys = [("tsc_null", "everolimus", s) for s in SEEDS]
    keys += [("tsc_null", "none", s) for s in SEEDS[:2]]
    keys += [(g, "everolimus", s) for g in ("pten_null", "wild_type") for s in SEEDS[:2]]
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        volumes = dict(pool.map(_best_volume, keys))
    print("best volume-equivalent / baseline:", {k: round(v, 3) for k, v in volumes.items()})
    return volumes


@pytest.mark.xfail(
    strict=True,
    reason="T6 not met: once patients' blood is read through its free drug (x0.45 of a medium "
    "level, Yatscoff 1993) the translation shock at shock_apoptosis 3 leaves TSC-null best "
    "volumes of 0.51-0.60 on seeds 0-5 (0.32-0.39 before); the rule needs its refit (open)",
)
def test_t6_tsc_null_tumors_halve_on_everolimus(best):
    volumes = [best[("tsc_null", "everolimus", s)] for s in SEEDS]
    responders = sum(v <= HALVED for v in volumes)
    assert responders >= RESPONDER_SHARE * len(SEEDS), volumes


def test_untreated_tsc_null_tumors_do_not_halve(best):
    volumes = [best[("tsc_null", "none", s)] for s in SEEDS[:2]]
    assert all(v > HALVED for v in volumes), volumes


def test_pten_null_more_sensitive_than_wild_type_in_tissue(best):
    for seed in SEEDS[:2]:
        pten = best[("pten_null", "everolimus", seed)]
        wild = best[("wild_type", "everolimus", seed)]
        assert pten < wild, (seed, pten, wild)
