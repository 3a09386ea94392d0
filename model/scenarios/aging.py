"""Aging: a cohort of small tissues ("organisms") over a mouse lifespan, under rapalog regimes.

Each organism is a ``lattice`` x ``lattice`` patch of somatic cells plus a pool of
``stem_cells``, stepped daily (:mod:`model.scenarios.cohort`). Per cell and day:

* **Damage** is produced in proportion to the cell's load, ``1 - w + w * translation``: the
  share ``w = load_damage_share`` follows its mTORC1-driven translation (protein synthesis,
  misfolding, metabolic stress; 1 = untreated reference cell), the rest does not; SASP from
  senescent neighbours raises it. It is cleared first order, a share
  ``autophagy_clearance_share`` by autophagy and the rest by routes that need no Atg genes
  (proteasome, dilution). Autophagic degradation is the signalling model's ULK1-driven flux
  (hours) times a **lysosomal capacity** that follows nuclear TFEB over days
  (:mod:`model.scenarios.lysosome`: mTORC1 holds TFEB out of the nucleus as it holds ULK1-S757;
  Settembre 2012 EMBO J 31:1095) times ``autophagy_capacity`` (0 = Atg knockout).
* **Aggregated damage**: a small fraction of the damage present aggregates each day
  (lipofuscin-like, Terman & Brunk 2004), which daughters inherit from their stem cells: the
  slow clock of the model. A share ``degradable_share`` of it (protein aggregates, damaged
  organelles) can be degraded, the rest (cross-linked lipofuscin) cannot. Lysosomes are
  taken up by the day's load up to a flux ``lysosome_load`` (basal lysosomes run near
  saturation), so the degradable part is degraded only by capacity above it
  (``residual_clearance_per_day`` per unit of flux above ``lysosome_load``): untreated it
  builds up for life; under mTORC1 inhibition it is degraded within months, and what a
  transient course cleared stays cleared after it ends (it re-forms only at the slow daily
  rate).

* **Senescence**: a functional cell becomes senescent with a daily hazard rising
  exponentially with its damage. Senescent cells stay in place, secrete SASP in proportion to
  their own load (SASP factors are mTORC1-dependent: Laberge 2015 Nat Cell Biol
  17:1049; Herranz 2015 Nat Cell Biol 17:1205) and are slowly cleared by immune surveillance.
* **Acute stresses** (infection, injury) arrive at random and kill a random fraction of the
  functional cells; a young organism refills the gaps from its stem cells.
* **Stem cells** refill empty sites; each has a renewal capacity falling with its own damage,
  and is lost (exhausted) with a hazard that rises with its damage and with chronic mTORC1
  activity (Chen 2009 Sci Signal 2:ra75; Yilmaz 2012 Nature 486:490).
* An organism **dies** when its functional cell fraction falls below ``death_threshold``.

mTORC1 inhibition thus helps through three arms: less translation-driven damage, faster
autophagic clearance, and degradation of aggregates by spare lysosomal capacity. The last two
need autophagy: with ``autophagy_capacity = 0`` only the first is left (Bjedov 2010 Cell
Metab 11:35: rapamycin's lifespan gain in flies needs Atg5).

Calibration (5 seeds x 100 organisms at male blood levels;
``tests/test_aging_rapamycin_slow.py``):
untreated median 872 days, p90 1028; from day 270 at 4.7 / 14 / 42 ppm (``--conc`` 1.5 / 4.4 /
13) median +12 / +17 / +21 % (Miller 2014 Aging Cell 13:468: +3 / +13 / +23 % males, +16 / +21
/ +26 % females); from day 600 at 14 ppm p90 +13 % (Harrison 2009 Nature 460:392: +9 % males,
+14 % females); a 3-month course from day 600 raises the median remaining life by +22 % at
42 ppm and +23 % at 126 ppm (Bitto 2016 eLife 5:e16351: up to +60 %); with autophagy knocked
out the untreated median is 0.86x and the gain at 14 ppm falls from +17 % to +4 %. The dose
steps come from the free blood drug (graded FRB occupancy, :mod:`model.druglib`
``DrugLibrary.acting_nM``) and the TFEB arm (graded lysosomal capacity,
:mod:`model.scenarios.lysosome`). In sample: ``autophagy_clearance_share`` (0.1) and
``degradable_share`` (0.2), both assumed, were chosen on 2 seeds for A1 and A4 once the free
blood drug was read as a concentration ratio; A3's order, A5 and the neuro scenario were not
fitted. With ``lysosome_load``, ``tfeb_gain`` or the free blood drug 15 % either way every
direction holds (p90 +8..+15 %, the dose steps ordered, the course +9..+23 % at 42 ppm and
+10..+23 % at 126 ppm; 2 seeds: ``benchmarks/aging_robustness.py``); the course's size rests
on ``lysosome_load`` (at -15 % untreated flux already degrades aggregates, and the course
gains +9 %).

Nothing draws a lifespan: the cohort's survival curve emerges from these rules. Senescence,
SASP and stem exhaustion feed back on each other, so the functional reserve erodes faster
with age, and the chance that a random stress overwhelms the remaining reserve rises roughly
exponentially with age (the Strehler-Mildvan account of Gompertz mortality: Strehler &
Mildvan 1960 Science 132:14).

Mouse dosing as blood exposure
------------------------------
The cohort's organisms are mice: a regime's doses go through the drugs' mouse PK
(:mod:`model.species`; sirolimus t1/2 5.6 h in a mouse against 62 h in a patient), with the
cohort's ``sex`` (``--set sex=female``) choosing the clearance. Rapamycin in the food
(``--diet-ppm``: mg drug per kg food, eaten through the day; 14 ppm = 2.24 mg/kg/day,
Harrison 2009 Nature 460:392) reaches a steady blood level F x intake / CL (1 ng/mL
sirolimus = 1.094 nM):

==========  =======================  =======================================
diet        blood, male / female     command line
==========  =======================  =======================================
4.7 ppm     1.3 / 2.7 ng/mL          ``--drug sirolimus --diet-ppm 4.7``
14 ppm      4.0 / 8.0 ng/mL          ``--drug sirolimus --diet-ppm 14``
42 ppm      12 / 24 ng/mL            ``--drug sirolimus --diet-ppm 42``
==========  =======================  =======================================

What the cells see is the free drug: plasma sirolimus is 0.09 of the whole-blood level (most
sits in erythrocytes) and 2.5 % of it is unbound, so 0.225 % of a blood level is free (Yatscoff
1993 Transplantation 56:1202; the Rapamune label's blood/plasma 36 and 92 % binding agree),
while the drug's potency constants are calibrated to culture media (0.5 % unbound). Every
in-vivo scenario, a patient's as a mouse's, therefore reads a blood level as the medium level
with the same free drug (x 0.45, the drug file's ``blood_unbound_fraction``; human blood
taken for mouse blood): FRB occupancy 0.58 / 0.80 / 0.91 / 0.96 at 4.7 / 14 / 42 / 126 ppm
(males), graded where a culture-equivalent reading saturated (0.74 / 0.89 / 0.95 / 0.98).

Males at 14 ppm match the ~4 ng/mL of the ITP mice (Livi 2013 Aging 5:100; Miller 2011 J
Gerontol A 66:191); females are higher at each dose (Miller 2014 Aging Cell 13:468; the
female/male ratio 2 is assumed, see the drug file's ``[sources.pk_mouse]``). A held
``--conc`` still sets a blood level directly (``--conc 1.5 / 4.4 / 13`` nM are the male
levels above). Start and stop days apply to both (``--start-day 600`` is the late start of
Harrison 2009, ``--stop-day`` a transient course). A dose with a schedule is mg per mouse
through the same mouse PK (``--dose 0.06 --schedule every_5d``: 2 mg/kg every 5 days for a
30 g mouse, cf. Arriola Apelo 2016 J Gerontol A 71:876, given orally here). The adverse
panel of the run sees the same mouse blood levels.

Modules: the parameters and cell states are :mod:`model.scenarios.aging_params`, the views
:mod:`model.scenarios.aging_views`; this module holds the daily rules and the readouts.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.model import neighbourhood as nb
from mtor_abm.model import signaling as sg
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios.aging_params import EMPTY, FUNCTIONAL, SENESCENT, AgingScenario
from mtor_abm.model.scenarios.aging_views import AgingViews
from mtor_abm.model.scenarios.cohort import CohortModel
from mtor_abm.model.scenarios.lysosome import lysosome_target, reference_ulk1, relax_lysosome
from mtor_abm.model.survival import km_quantile

__all__ = (
    "EMPTY",
    "FUNCTIONAL",
    "SENESCENT",
    "AgingModel",
    "AgingScenario",
    "aging_readouts",
)


class AgingModel(AgingViews, CohortModel):
    """A cohort of aging organisms under a regime (see module docstring)."""

    CHECKPOINT_ARRAYS = (
        *CohortModel.CHECKPOINT_ARRAYS,
        "status",
        "stem_active",
        "damage",
        "residual",
        "degradable",
        "sasp",
        "lysosome",
    )

    def __init__(self, scenario: AgingScenario, regime, library=None):
        self.n_soma = int(scenario.lattice) ** 2
        self.n_stem = int(scenario.stem_cells)
        super().__init__(
            scenario,
            regime,
            library,
            cells_per_organism=self.n_soma + self.n_stem,
            tile_shape=(int(scenario.lattice), int(scenario.lattice) + 1),
        )
        n, m = self.n_org, self.n_soma
        self.status = np.full((n, m), FUNCTIONAL, dtype=np.int8)
        self.stem_active = np.ones((n, self.n_stem), dtype=bool)
        self.damage = np.ones((n, m + self.n_stem))  # clearable; 1 = young steady state
        self.residual = np.zeros((n, m + self.n_stem))  # aggregated (lipofuscin-like)
        self.degradable = np.zeros((n, m + self.n_stem))  # the part of it spare lysosomes degrade
        self.sasp = np.zeros((n, m))
        self.ulk1_ref = reference_ulk1(scenario.cell_type)
        # TFEB-driven lysosomal capacity (1 = untreated reference cell), at its steady state.
        self.lysosome = lysosome_target(
            self.per_org(self.state["ulk1"]) / self.ulk1_ref,
            scenario.tfeb_gain,
            scenario.lysosome_max,
        )
        self.datacollector = readout_collector(self)  # one Mesa reporter per readout

    # Phase 2 ------------------------------------------------------------------------------
    def update_fields(self) -> None:
        """SASP: senescent cells secrete it in proportion to their mTORC1-driven load.

        Each site sees two thirds of the mean secretion of its 8 neighbours (short-range
        paracrine) plus a third of the organism-wide mean (circulating SASP; assumed split).
        1 = surrounded by senescent cells at the untreated reference load.
        """
        side = int(self.scenario.lattice)
        drive = self.mtor_drive()[:, : self.n_soma]
        source = np.where(self.status == SENESCENT, drive, 0.0)
        grid = source.reshape(self.n_org, side, side)
        near = nb.neighbourhood_sum(grid, nb.MOORE_RING)
        local = near.reshape(self.n_org, -1) / 8.0
        systemic = source.mean(axis=1, keepdims=True)
        self.sasp = (2.0 * local + systemic) / 3.0

    # Phases 5-6 ---------------------------------------------------------------------------
    def decide_fates(self) -> None:
        """Damage, senescence, stresses, stem renewal and exhaustion, organism deaths."""
        sc = self.scenario
        live = self.alive
        load = self.mtor_drive()[live]
        lysosome = self.lysosome[live]
        ulk1_rel = self.per_org(self.state["ulk1"])[live] / self.ulk1_ref
        target = lysosome_target(ulk1_rel, sc.tfeb_gain, sc.lysosome_max)
        relax_lysosome(lysosome, target, sc.tfeb_tau_days)
        self.lysosome[live] = lysosome
        flux = self.autophagic_flux()[live]
        status, damage, residual = self.status[live], self.damage[live], self.residual[live]
        degradable = self.degradable[live]
        stem = self.stem_active[live]
        m = self.n_soma
        # Damage: production by load (and SASP) against autophagic clearance, exact per day.
        sasp = np.concatenate(
            [
                self.sasp[live],
                np.repeat(self.sasp[live].mean(axis=1, keepdims=True), self.n_stem, 1),
            ],
            axis=1,
        )
        k = sc.damage_clearance_per_day
        production = k * load * (1.0 + sc.sasp_damage_gain * sasp)
        share = sc.autophagy_clearance_share
        clearance = k * (share * flux + (1.0 - share))
        decay = np.exp(-clearance)
        gain = np.where(
            clearance > 1e-12, -np.expm1(-clearance) / np.maximum(clearance, 1e-12), 1.0
        )
        # Lysosomes at the untreated level are saturated by the day's load: only capacity above
        # it (spare) degrades the aggregated, lipofuscin-like pool (Terman & Brunk 2004).
        spare = np.maximum(flux - sc.lysosome_load, 0.0)
        degraded = degradable * -np.expm1(-sc.residual_clearance_per_day * spare)
        formed = sc.residual_fraction_per_day * damage * (0.5 * (1.0 + decay))
        residual += formed - degraded
        degradable += sc.degradable_share * formed - degraded
        damage[...] = damage * decay + production * gain
        total = damage + residual
        # Senescence of functional cells; immune clearance of senescent ones.
        hazard = sc.senescence_hazard_per_day * np.exp(
            sc.senescence_damage_slope * (total[:, :m] - 1.0)
        )
        draws = self.daily_draws()
        functional = status == FUNCTIONAL
        status[functional & (draws["senescence"] < -np.expm1(-hazard))] = SENESCENT
        # Rates per day become the day's probabilities exactly (1 - exp(-rate)), not rate x 1 day.
        p_clear = -np.expm1(-sc.senescent_clearance_per_day)
        cleared = (status == SENESCENT) & (draws["clearance"] < p_clear)
        status[cleared] = EMPTY
        # Acute stresses: a random fraction (exponential, mean stress_severity) of cells die.
        hit = draws["stress"] < -np.expm1(-sc.stress_rate_per_day)
        severity = np.minimum(draws["severity"] * sc.stress_severity, 1.0)
        killed = hit[:, None] & (draws["stress_kill"] < severity[:, None])
        status[killed & (status == FUNCTIONAL)] = EMPTY
        self._renew_from_stem(status, damage, residual, degradable, stem, load[:, m:], draws)
        self.status[live], self.stem_active[live] = status, stem
        self.damage[live], self.residual[live] = damage, residual
        self.degradable[live] = degradable
        functional_fraction = np.zeros(self.n_org)
        functional_fraction[live] = np.mean(status == FUNCTIONAL, axis=1)
        self.kill(live & (functional_fraction < sc.death_threshold))

    def autophagic_flux(self) -> np.ndarray:
        """Autophagic degradation of every cell [organism, cell], 1 = untreated reference cell.

        The network's ULK1-driven flux (hours) times the TFEB-driven lysosomal capacity
        (days, :mod:`model.scenarios.lysosome`) times the genetic ``autophagy_capacity``.
        """
        flux = self.per_org(self.out["autophagy"]) * self.lysosome
        return flux * self.scenario.autophagy_capacity

    def mtor_drive(self) -> np.ndarray:
        """mTORC1-driven load of every cell [organism, cell], 1 = untreated reference cell.

        ``1 - w + w * translation`` with ``w = load_damage_share``: the share of damage
        production, SASP secretion and stem-cell activation that follows mTORC1 output.
        """
        w = self.scenario.load_damage_share
        return 1.0 - w + w * self.per_org(self.out["translation"])

    def daily_draws(self) -> dict[str, np.ndarray]:
        """Today's random numbers for the living organisms' rows.

        Drawn for every organism, dead or alive, in a fixed order: each organism's stream
        then depends only on the day, so regimes on the same seed share their random numbers
        (common random numbers) and differ only through the biology.
        """
        n, m, k, rng = self.n_org, self.n_soma, self.n_stem, self.rng
        draws = {
            "senescence": rng.random((n, m)),
            "clearance": rng.random((n, m)),
            "stress": rng.random(n),
            "severity": rng.exponential(1.0, n),
            "stress_kill": rng.random((n, m)),
            "fill": rng.random((n, m)),
            "exhaustion": rng.random((n, k)),
        }
        return {key: v[self.alive] for key, v in draws.items()}

    def _renew_from_stem(
        self, status, damage, residual, degradable, stem, stem_load, draws
    ) -> None:
        """Stem cells refill empty sites and wear out (in place, rows of living organisms).

        Daughters inherit their pool's mean damage; each division adds non-degradable wear
        (DNA damage, telomere attrition) to the dividing stem cells.
        """
        sc, m = self.scenario, self.n_soma
        stem_damage, stem_residual = damage[:, m:], residual[:, m:]
        stem_total = stem_damage + stem_residual
        potency = np.where(stem, np.exp(-np.maximum(stem_total - 1.0, 0.0)), 0.0)
        capacity = potency.sum(axis=1) / self.n_stem
        empty = status == EMPTY
        p_fill = -np.expm1(-sc.stem_renewal_per_day * capacity)
        fill = empty & (draws["fill"] < p_fill[:, None])
        daughters = fill.sum(axis=1)
        active = np.maximum(stem.sum(axis=1), 1)
        any_stem = stem.any(axis=1)
        pool_damage = np.where(any_stem, (stem_damage * stem).sum(axis=1) / active, 1.0)
        pool_residual = np.where(any_stem, (stem_residual * stem).sum(axis=1) / active, 0.0)
        stem_degradable = degradable[:, m:]
        pool_degradable = np.where(any_stem, (stem_degradable * stem).sum(axis=1) / active, 0.0)
        status[fill] = FUNCTIONAL
        damage[:, :m] = np.where(fill, pool_damage[:, None], damage[:, :m])
        residual[:, :m] = np.where(fill, pool_residual[:, None], residual[:, :m])
        degradable[:, :m] = np.where(fill, pool_degradable[:, None], degradable[:, :m])
        stem_residual += np.where(stem, (sc.stem_division_damage * daughters / active)[:, None], 0)
        # Exhaustion: damage and chronic mTORC1 activity (translation) drive stem cells out.
        exhaust = (
            sc.stem_exhaustion_per_day
            * stem_load
            * np.exp(sc.senescence_damage_slope * (stem_damage + stem_residual - 1.0))
        )
        stem &= ~(draws["exhaustion"] < -np.expm1(-exhaust))

    def total_damage(self) -> np.ndarray:
        """Clearable plus non-degradable damage of every cell [organism, cell]."""
        return self.damage + self.residual

    # Phase 7 ------------------------------------------------------------------------------
    def record(self) -> dict[str, float]:
        """This day's timeseries record (cohort means over living organisms)."""
        live = self.alive
        ref = sg.reference_levels()
        row = {
            "time_h": self.hours,
            "day": self.day,
            "alive_fraction": float(live.mean()),
            "drug_nM": float(sum(c for s, c in self.blood_nM.items() if s != "none")),
        }
        if live.any():
            st = self.status[live]
            s6k = self.per_org(self.state["s6k"])[live]
            akt = self.per_org(self.state["akt_s473"])[live]
            row.update(
                functional_fraction=float(np.mean(st == FUNCTIONAL)),
                senescent_fraction=float(np.mean(st == SENESCENT)),
                mean_damage=float(self.total_damage()[live][:, : self.n_soma][st != EMPTY].mean())
                if np.any(st != EMPTY)
                else None,
                stem_fraction=float(self.stem_active[live].mean()),
                mean_sasp=float(self.sasp[live].mean()),
                mean_pS6K=float(s6k.mean() / ref["s6k"]),
                mean_pAKT_S473=float(akt.mean() / ref["akt_s473"]),
                mean_autophagy=float(self.per_org(self.out["autophagy"])[live].mean()),
                mean_lysosome=float(self.lysosome[live].mean()),
            )
        else:
            for key in (
                "functional_fraction",
                "senescent_fraction",
                "mean_damage",
                "stem_fraction",
                "mean_sasp",
                "mean_pS6K",
                "mean_pAKT_S473",
                "mean_autophagy",
                "mean_lysosome",
            ):
                row[key] = None  # a mean over no living organism: undefined
        return row


# ------------------------------------------------------------------------------ readouts
def aging_readouts(model: AgingModel, twin: AgingModel | None, series) -> dict:
    """Lifespans (death day of each organism; null if alive at the end), median and
    90th-percentile lifespan (Kaplan-Meier; null if not reached), the senescent fraction of
    the last living organisms; with an untreated twin on the same seed, its median and p90 and
    the relative p90 extension (Harrison 2009's measure of maximum lifespan)."""
    end = model.day
    deaths = model.death_day
    sen = [v for v in series["senescent_fraction"] if v is not None]  # None: none alive
    out = {
        "lifespans_days": [None if np.isnan(d) else float(d) for d in deaths],
        "median_lifespan_days": km_quantile(deaths, end, 0.5),
        "p90_lifespan_days": km_quantile(deaths, end, 0.9),
        "alive_at_end": int(model.alive.sum()),
        "senescent_fraction_final": float(sen[-1]) if sen else None,
    }
    if twin is not None:
        p90_untreated = km_quantile(twin.death_day, twin.day, 0.9)
        out["median_lifespan_untreated_days"] = km_quantile(twin.death_day, twin.day, 0.5)
        out["p90_lifespan_untreated_days"] = p90_untreated
        p90 = out["p90_lifespan_days"]
        both = p90 is not None and p90_untreated
        out["p90_extension"] = p90 / p90_untreated - 1.0 if both else None
    return out
