"""Multi-seed versions of the stochastic tissue claims (``slow``: about a minute each on 2 cores).

The scenario test files check each claim on one fixed seed (transplant on three); a claim about a
stochastic tissue must hold on other seeds too, so here each is re-checked on seeds those files
do not use, every run of a claim in a pool of two worker processes. Same regimes, sizes and
bounds as the single-seed tests, which cite the targets.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from mtor_abm.model.recist import PR_VOLUME

pytestmark = pytest.mark.slow


def _pool_map(fn, jobs: list) -> list:
    """``[fn(job) for job in jobs]`` on two worker processes (CI's two cores), started fresh
    (spawn: no fork of a process that may run threads)."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, jobs))


# ---------------------------------------------------------------------------------------------
# Neuro: N1 (Ravikumar 2004), rapamycin from day 0 lowers aggregates and neuron loss
# ---------------------------------------------------------------------------------------------

NEURO_SEEDS = (1, 2, 3, 4)  # test_neuro.py uses seed 5


def _neuro_day_365(job: tuple[int, bool]) -> dict:
    from mtor_abm.model.pharmacology import UNTREATED, Regime
    from mtor_abm.model.scenarios.neuro import NeuroModel, NeuroScenario

    seed, treated = job
    regime = Regime("sirolimus", 0.0, "fixed", conc_nM=4.4) if treated else UNTREATED
    model = NeuroModel(NeuroScenario(rng=seed, organisms=20), regime)
    for _ in range(365):
        model.step()
    series = model.timeseries()
    return {k: series[k][365] for k in ("aggregate_load", "neuron_survival_fraction")}


def test_rapamycin_lowers_aggregates_and_neuron_loss_on_every_seed():
    """N1 on seeds 1-4, as test_rapamycin_before_aggregates_lowers_load_and_neuron_loss: 20
    organisms, sirolimus 4.4 nM from day 0; at day 365 aggregate load < 0.93x and neuron loss
    < 0.9x the untreated cohort of the same seed."""
    jobs = [(seed, treated) for seed in NEURO_SEEDS for treated in (False, True)]
    day365 = dict(zip(jobs, _pool_map(_neuro_day_365, jobs), strict=True))
    for seed in NEURO_SEEDS:
        untreated, treated = day365[(seed, False)], day365[(seed, True)]
        assert treated["aggregate_load"] < 0.93 * untreated["aggregate_load"], (seed, day365)
        loss_u = 1 - untreated["neuron_survival_fraction"]
        loss_t = 1 - treated["neuron_survival_fraction"]
        assert loss_t < 0.9 * loss_u, (seed, day365)


# ---------------------------------------------------------------------------------------------
# Transplant: I1/I2, untreated rejection and protection at transplant troughs
# ---------------------------------------------------------------------------------------------

TRANSPLANT_SEEDS = (3, 4, 5, 6, 7, 8, 9, 10)  # test_transplant.py uses seeds 0-2


def _transplant_readouts(job: tuple[int, bool]) -> dict:
    from test_transplant import SIROLIMUS_2MG, simulate

    from mtor_abm.model.pharmacology import UNTREATED

    seed, treated = job
    return simulate(SIROLIMUS_2MG if treated else UNTREATED, 30.0, seed)[2]


@pytest.fixture(scope="module")
def transplant_runs() -> dict:
    """Readouts of 30-day untreated and sirolimus 2 mg/day runs, keyed (seed, treated)."""
    jobs = [(seed, treated) for seed in TRANSPLANT_SEEDS for treated in (False, True)]
    return dict(zip(jobs, _pool_map(_transplant_readouts, jobs), strict=True))


def test_untreated_grafts_are_rejected_and_sirolimus_spares_more_on_every_seed(transplant_runs):
    """I1/I2 on seeds 3-10, as the transplant tests on seeds 0-2 (30 days): untreated, the
    graft is rejected on day 5-21 with < 5 % of it left; under sirolimus 2 mg/day (6 mg
    loading) the effector burst is < 0.2x untreated and more of the graft survives on every
    seed."""
    untreated = [transplant_runs[(seed, False)] for seed in TRANSPLANT_SEEDS]
    treated = [transplant_runs[(seed, True)] for seed in TRANSPLANT_SEEDS]
    for seed, u, t in zip(TRANSPLANT_SEEDS, untreated, treated, strict=True):
        assert u["rejected"] and 5.0 <= u["rejection_day"] <= 21.0, (seed, u)
        assert u["graft_surviving_fraction"] < 0.05, (seed, u)
        assert t["graft_surviving_fraction"] > u["graft_surviving_fraction"], (seed, t, u)
    peak_u = np.mean([row["effector_peak"] or 0.0 for row in untreated])
    peak_t = np.mean([row["effector_peak"] or 0.0 for row in treated])
    assert peak_t < 0.2 * peak_u


def test_sirolimus_at_troughs_protects_most_grafts_and_keeps_more_tregs(transplant_runs):
    """Over 8 seeds (3-10): at sirolimus troughs 5-15 ng/mL (2 mg/day) most grafts
    are not rejected within 30 days, the mean surviving fraction is > untreated + 0.4 (as
    test_rapalog_at_transplant_troughs_reduces_rejection_but_does_not_abolish_it on seeds
    0-2), the Treg fraction at the peak and the Treg count at the end are higher than
    untreated (I3, I4: Battaglia 2005 Blood 105:4743; Strauss 2007 J Immunol 178:320) and the
    memory share at the peak more than twice untreated (I3)."""

    def rows(treated):
        return [transplant_runs[(s, treated)] for s in TRANSPLANT_SEEDS]

    def mean(treated, key):
        return float(np.mean([row[key] or 0.0 for row in rows(treated)]))

    rejected = sum(row["rejected"] for row in rows(True))
    assert rejected < len(TRANSPLANT_SEEDS) / 2
    survival = mean(True, "graft_surviving_fraction")
    assert survival > mean(False, "graft_surviving_fraction") + 0.4
    assert mean(True, "treg_fraction") > mean(False, "treg_fraction")
    assert mean(True, "treg_final") >= mean(False, "treg_final")
    # I3: memory precursors (Araki 2009 Nature 460:108), as the three-seed test once did
    assert mean(True, "memory_fraction") > 2.0 * mean(False, "memory_fraction")


# ---------------------------------------------------------------------------------------------
# Aging: A1 (Harrison 2009), late-start rapamycin extends the 90th-percentile lifespan
# ---------------------------------------------------------------------------------------------

AGING_SEEDS = (3, 4)  # test_aging.py uses seed 2


def _aging_p90(job: tuple[int, bool]) -> float:
    from mtor_abm.model.pharmacology import UNTREATED, Regime
    from mtor_abm.model.scenarios.aging import AgingModel, AgingScenario
    from mtor_abm.model.survival import km_quantile

    seed, treated = job
    late = Regime("sirolimus", 0.0, "fixed", start_day=600.0, conc_nM=4.4)
    model = AgingModel(AgingScenario(rng=seed, organisms=100), late if treated else UNTREATED)
    for _ in range(1500):
        model.step()
    assert not model.alive.any()
    return km_quantile(model.death_day, model.day, 0.9)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="measured after the network v2 and exposure changes: seed 3 +12.7 % (1020 -> 1150 "
    "days), seed 4 +21.5 % (983 -> 1194), above the 18 % bound; the aging benefit is to be "
    "recalibrated through autophagy (aging v2), not by tuning this bound",
)
def test_late_rapamycin_extends_p90_lifespan_on_every_seed():
    """A1 on seeds 3-4, as test_late_rapamycin_extends_p90_lifespan_by_about_a_tenth: 100
    organisms, sirolimus 4.4 nM from day 600; the 90th-percentile lifespan rises 6-18 % (Harrison
    2009: +9 to +14 %) on each seed."""
    jobs = [(seed, treated) for seed in AGING_SEEDS for treated in (False, True)]
    p90 = dict(zip(jobs, _pool_map(_aging_p90, jobs), strict=True))
    for seed in AGING_SEEDS:
        gain = p90[(seed, True)] / p90[(seed, False)]
        assert 1.06 <= gain <= 1.18, (seed, gain, p90)


# ---------------------------------------------------------------------------------------------
# Tumor: T1 (RECORD-1) cytostatic rapalog, and PTEN-null hypersensitivity, default slice
# ---------------------------------------------------------------------------------------------

TUMOR_SEEDS = (1, 2)  # test_tumor.py uses seed 0


def _tumor_readouts(job: tuple[str, int, str]) -> dict:
    from test_tumor import readouts, run

    drug, seed, genotype = job
    return readouts(run(drug, seed, genotype=genotype))


def _tumor_arms(genotype: str) -> dict:
    jobs = [(drug, seed, genotype) for seed in TUMOR_SEEDS for drug in ("none", "everolimus")]
    return {job[:2]: out for job, out in zip(jobs, _pool_map(_tumor_readouts, jobs), strict=True)}


@pytest.fixture(scope="module")
def wild_type_tumors() -> dict:
    """Readouts of the default tumor (35 days, everolimus 10 mg daily from day 14 or
    untreated), keyed (drug, seed)."""
    return _tumor_arms("wild_type")


def test_everolimus_is_cytostatic_on_every_seed(wild_type_tumors):
    """T1 on seeds 1-2, as test_tumor.test_default_rapalog_is_cytostatic_stable_disease_not_
    partial_response: after 21 days of treatment the treated tumor ends < 0.95x its untreated
    twin, at stable disease (no PR, no PD). Untreated progression takes ~6 weeks on the
    clinical time scale of tumor v2 (RECORD-1 placebo), beyond these 35-day runs: T4 and the
    60-day treated/untreated ratio are judged over seeds 0-5 in tests/test_tumor_clinic.py."""
    for seed in TUMOR_SEEDS:
        treated, untreated = (
            wild_type_tumors[("everolimus", seed)],
            wild_type_tumors[("none", seed)],
        )
        assert treated["tumor_cells_final"] < 0.95 * untreated["tumor_cells_final"], seed
        assert treated["response"] == "SD", (seed, treated)
        assert treated["relative_size"] > PR_VOLUME ** (2 / 3), (seed, treated)


@pytest.mark.xfail(
    strict=True,
    reason="as test_tumor.test_pten_null_tumor_responds_more_than_wild_type: not at the"
    " scenario defaults; with the translation-shock and cycle-carried loss rules on, see"
    " tests/test_tumor_genotypes_slow.py",
)
def test_pten_null_tumor_responds_more_than_wild_type_on_every_seed(wild_type_tumors):
    """As test_pten_null_tumor_responds_more_than_wild_type (Neshat 2001), seeds 1-2: under
    everolimus the PTEN-null tumor ends below baseline and >= 0.1 smaller (relative to
    baseline) than the wild type, and smaller relative to its untreated twin."""
    pten = _tumor_arms("pten_null")
    for seed in TUMOR_SEEDS:
        pten_t, pten_u = pten[("everolimus", seed)], pten[("none", seed)]
        wild_t, wild_u = wild_type_tumors[("everolimus", seed)], wild_type_tumors[("none", seed)]
        assert pten_t["relative_size"] < 1.0, (seed, pten_t)
        assert pten_t["relative_size"] < wild_t["relative_size"] - 0.1, (seed, pten_t, wild_t)
        pten_ratio = pten_t["tumor_cells_final"] / pten_u["tumor_cells_final"]
        wild_ratio = wild_t["tumor_cells_final"] / wild_u["tumor_cells_final"]
        assert pten_ratio < wild_ratio, seed
