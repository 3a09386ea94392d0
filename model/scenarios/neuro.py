"""Neurodegeneration: post-mitotic neurons, an aggregation-prone protein, autophagic clearance.

A cohort of ``organisms`` small brain regions (``lattice`` x ``lattice`` neurons each, no
division, no replacement) stepped daily (:mod:`model.scenarios.cohort`). Per neuron:

* an aggregation-prone protein (e.g. mutant huntingtin) is made at ``production_per_day``;
  soluble protein is degraded by the proteasome and by autophagy, or joins aggregates, faster
  when aggregates are already there (seeded growth) and ``mutant_fold`` times faster for the
  mutant protein (expanded polyglutamine);
* aggregates are cleared by autophagy only: the signalling model's ULK1-driven flux times the
  TFEB-driven lysosomal capacity (:mod:`model.scenarios.lysosome`, which rises over days as
  mTORC1 releases its autophagy substrates, more at higher doses) times
  ``autophagy_capacity`` (Ravikumar 2004 Nat Genet 36:585: mutant huntingtin aggregates are
  autophagy substrates, and rapamycin / CCI-779 lowers them and their toxicity through
  autophagy; Bjedov 2010 Cell Metab 11:35: rapamycin's benefit needs autophagy genes);
* aggregate load impairs a neuron and raises its death hazard; a dying neuron releases part of
  its aggregates to its neighbours (prion-like spread), which glia, when present, partly take
  up and clear.

The drug reaches the neurons at the blood concentration (assumed: rapamycin crosses the
blood-brain barrier and lowers brain mTORC1 at diet doses, Halloran 2012 Neuroscience
223:102). Treatment "before aggregates form" is a start at day 0; "after they are established"
a later ``--start-day`` (e.g. 180). The mapping of mouse diet doses to ``--conc`` is in
:mod:`model.scenarios.aging`.

Calibration (5 seeds x 100 organisms, one year; ``tests/test_neuro_dose_slow.py``): from day 0
at 4.7 / 14 / 42 ppm (male blood levels, read through the mouse's free drug as in
:mod:`model.scenarios.aging`: FRB occupancy 0.58 / 0.80 / 0.91) the year's aggregate burden per
starting neuron falls by 21 / 35 / 45 % and 81 / 88 / 92 % of neurons survive (untreated 68 %);
started at day 180, 42 ppm lowers it by 23 % and 79 % survive (N1: Ravikumar 2004).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from mtor_abm.model import neighbourhood as nb
from mtor_abm.model import signaling as sg
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios.base import Param
from mtor_abm.model.scenarios.cohort import CohortModel
from mtor_abm.model.scenarios.lysosome import (
    LYSOSOME_MAX,
    TFEB_GAIN,
    TFEB_PARAMETERS,
    TFEB_TAU_DAYS,
    lysosome_target,
    reference_ulk1,
    relax_lysosome,
)
from mtor_abm.model.scenarios.mouse import MouseCohortScenario

#: Categories of the mosaic view, in code order.
CATEGORIES = ("healthy neuron", "impaired neuron", "dead neuron", "dead organism")
SUBSTEPS_PER_DAY = 4
"""Sub-steps of the protein kinetics per day. Each is exact for its linear terms (any rate is
stable); only the seeding coefficient, which follows the slowly growing aggregate load, is held
for the sub-step."""


class NeuroScenario(MouseCohortScenario):  # + sex: the mouse PK
    """Parameters of the neurodegeneration scenario.

    Args:
        organisms: cohort size (``--replicates`` sets it).
        lattice: side of each organism's neuron lattice, sites.
        cell_type: signalling parameters of the neurons.
        growth_factor_spread: SD of log growth-factor drive between organisms.
        mutant_protein: whether the aggregation-prone protein is the mutant (expanded) form.
        mutant_fold: aggregation rate of the mutant relative to the wild-type protein.
        production_per_day: synthesis of the protein, units/day (1 unit = aggregate load at
            which the death hazard is ``toxicity_per_day``).
        production_translation_share: share of synthesis that follows mTORC1 translation.
        production_spread: SD of log synthesis rate between neurons.
        proteasome_per_day: proteasomal degradation of the soluble protein, 1/day.
        autophagy_soluble_per_day: autophagic degradation of the soluble protein at flux 1, 1/day.
        aggregation_per_day: nucleation rate of the wild-type protein into aggregates, 1/day.
        seeding_per_load: rise of the aggregation rate per unit aggregate already present.
        autophagy_aggregate_per_day: autophagic clearance of aggregates at flux 1, 1/day.
        autophagy_capacity: autophagy machinery (1 = normal, 0 = knocked out).
        tfeb_gain: rise of lysosomal capacity per relative rise of ULK1 activity (TFEB arm).
        lysosome_max: saturating lysosomal capacity under full TFEB activation, relative.
        tfeb_tau_days: time constant of lysosomal capacity following TFEB, days.
        toxicity_per_day: death hazard of a neuron at aggregate load 1, 1/day.
        toxicity_power: exponent of the hazard in the aggregate load.
        impaired_load: aggregate load above which a neuron counts as impaired.
        spread_fraction: share of a dying neuron's aggregates released to its neighbours.
        glia: whether glia take up released aggregates.
        glial_uptake: share of released aggregates glia clear (scaled by their autophagy).
    """

    organisms: int = 40
    lattice: int = 8
    cell_type: str = "neuron"
    growth_factor_spread: float = 0.15
    mutant_protein: bool = True
    mutant_fold: float = 4.0
    production_per_day: float = 0.05
    production_translation_share: float = 0.0
    production_spread: float = 0.3
    proteasome_per_day: float = 0.1
    autophagy_soluble_per_day: float = 0.02
    aggregation_per_day: float = 0.005
    seeding_per_load: float = 7.0
    autophagy_aggregate_per_day: float = 0.04
    autophagy_capacity: float = 1.0
    tfeb_gain: float = TFEB_GAIN
    lysosome_max: float = LYSOSOME_MAX
    tfeb_tau_days: float = TFEB_TAU_DAYS
    toxicity_per_day: float = 0.01
    toxicity_power: float = 2.0
    impaired_load: float = 0.5
    spread_fraction: float = 0.5
    glia: bool = False
    glial_uptake: float = 0.5

    PARAMETERS = MappingProxyType(
        {
            "organisms": Param("organisms", "cohort size (--replicates sets it)", 1, 100_000),
            "lattice": Param("sites", "side of each organism's neuron lattice", 2, 64),
            "cell_type": Param(
                "", "signalling parameters of the neurons", choices=tuple(sg.CELL_TYPES)
            ),
            "growth_factor_spread": Param(
                "log SD", "between-organism spread of growth-factor drive (assumed)", 0, 2
            ),
            "mutant_protein": Param("", "the protein is the mutant, aggregation-prone form"),
            "mutant_fold": Param(
                "fold",
                "aggregation rate of the mutant relative to wild type (assumed; polyQ expansion "
                "accelerates aggregation: Scherzinger 1999 PNAS 96:4604)",
                1,
                1000,
            ),
            "production_per_day": Param("units/day", "synthesis of the protein (assumed)", 0, 100),
            "production_translation_share": Param(
                "fraction",
                "share of synthesis following mTORC1 translation (assumed 0: Ravikumar 2004 "
                "attributes rapamycin's benefit to autophagy, not to less synthesis)",
                0,
                1,
            ),
            "production_spread": Param(
                "log SD", "between-neuron spread of synthesis (assumed; expression varies)", 0, 3
            ),
            "proteasome_per_day": Param(
                "1/day", "proteasomal degradation of the soluble protein (assumed)", 0, 100
            ),
            "autophagy_soluble_per_day": Param(
                "1/day", "autophagic degradation of the soluble protein at flux 1 (assumed)", 0, 100
            ),
            "aggregation_per_day": Param(
                "1/day", "nucleation of the wild-type protein into aggregates (assumed)", 0, 100
            ),
            "seeding_per_load": Param(
                "1/unit",
                "rise of the aggregation rate per unit aggregate present (assumed)",
                0,
                1000,
            ),
            "autophagy_aggregate_per_day": Param(
                "1/day",
                "autophagic clearance of aggregates at flux 1 (assumed; Ravikumar 2004)",
                0,
                100,
            ),
            "autophagy_capacity": Param(
                "relative",
                "autophagy machinery, 1 = normal, 0 = knockout (Atg5/Atg7 loss: Bjedov 2010)",
                0,
                10,
            ),
            **TFEB_PARAMETERS,
            "toxicity_per_day": Param(
                "1/day", "death hazard of a neuron at aggregate load 1 (assumed)", 0, 10
            ),
            "toxicity_power": Param(
                "", "exponent of the hazard in the aggregate load (assumed)", 0, 10
            ),
            "impaired_load": Param(
                "units", "aggregate load above which a neuron counts as impaired (assumed)", 0, 100
            ),
            "spread_fraction": Param(
                "fraction",
                "share of a dying neuron's aggregates passed to its neighbours (assumed; "
                "prion-like spread: Brundin 2010 Nat Rev Mol Cell Biol 11:301)",
                0,
                1,
            ),
            "glia": Param("", "glia take up aggregates released by dying neurons"),
            "glial_uptake": Param(
                "fraction", "share of released aggregates glia clear at flux 1 (assumed)", 0, 1
            ),
        }
    )


class NeuroModel(CohortModel):
    """A cohort of brain regions with aggregation-prone protein (see module docstring)."""

    CHECKPOINT_ARRAYS = (
        *CohortModel.CHECKPOINT_ARRAYS,
        "neuron_alive",
        "soluble",
        "aggregate",
        "production_factor",
        "lysosome",
    )

    def __init__(self, scenario: NeuroScenario, regime, library=None):
        side = int(scenario.lattice)
        super().__init__(
            scenario, regime, library, cells_per_organism=side * side, tile_shape=(side, side)
        )
        shape = (self.n_org, side * side)
        self.neuron_alive = np.ones(shape, dtype=bool)
        self.soluble = np.zeros(shape)
        self.aggregate = np.zeros(shape)
        spread = float(scenario.production_spread)
        self.production_factor = np.exp(self.rng.normal(0.0, spread, shape) - spread**2 / 2)
        self.ulk1_ref = reference_ulk1(scenario.cell_type)
        self.lysosome = self.lysosome_steady_state()  # TFEB-driven, 1 = untreated reference
        self.datacollector = readout_collector(self)  # one Mesa reporter per readout

    # Phases 5-6 ---------------------------------------------------------------------------
    def decide_fates(self) -> None:
        """Protein kinetics (4 sub-steps), neuron deaths, release of aggregates."""
        sc = self.scenario
        relax_lysosome(self.lysosome, self.lysosome_steady_state(), sc.tfeb_tau_days)
        flux = self.autophagic_flux()
        w = sc.production_translation_share
        translation = self.per_org(self.out["translation"])
        make = sc.production_per_day * self.production_factor * (1.0 - w + w * translation)
        nucleation = sc.aggregation_per_day * (sc.mutant_fold if sc.mutant_protein else 1.0)
        degrade = sc.proteasome_per_day + sc.autophagy_soluble_per_day * flux
        clear = sc.autophagy_aggregate_per_day * flux
        h = 1.0 / SUBSTEPS_PER_DAY
        p, a = self.soluble, self.aggregate
        for _ in range(SUBSTEPS_PER_DAY):
            protein_kinetics_substep(
                p, a, make, degrade, nucleation * (1.0 + sc.seeding_per_load * a), clear, h
            )
        live = self.neuron_alive & self.alive[:, None]
        hazard = sc.toxicity_per_day * np.power(a, sc.toxicity_power)
        dying = live & (self.rng.random(a.shape) < -np.expm1(-hazard))
        self._release(dying, flux)
        self.neuron_alive &= ~dying
        p[~self.neuron_alive] = 0.0
        a[~self.neuron_alive] = 0.0

    def autophagic_flux(self) -> np.ndarray:
        """Autophagic degradation of every neuron [organism, cell], 1 = untreated reference
        cell: the network's ULK1-driven flux times the TFEB-driven lysosomal capacity times
        the genetic ``autophagy_capacity``."""
        flux = self.per_org(self.out["autophagy"]) * self.lysosome
        return flux * self.scenario.autophagy_capacity

    def lysosome_steady_state(self) -> np.ndarray:
        """TFEB-driven lysosomal capacity each neuron's ULK1 activity calls for [organism, cell]
        (:func:`model.scenarios.lysosome.lysosome_target`)."""
        sc = self.scenario
        ulk1_rel = self.per_org(self.state["ulk1"]) / self.ulk1_ref
        return lysosome_target(ulk1_rel, sc.tfeb_gain, sc.lysosome_max)

    def _release(self, dying: np.ndarray, flux: np.ndarray) -> None:
        """Dying neurons pass ``spread_fraction`` of their aggregates to living neighbours."""
        sc = self.scenario
        if not dying.any() or sc.spread_fraction <= 0:
            return
        side = int(sc.lattice)
        released = np.where(dying, self.aggregate * sc.spread_fraction, 0.0)
        if sc.glia:
            released *= 1.0 - np.clip(sc.glial_uptake * flux, 0.0, 1.0)
        grid = released.reshape(self.n_org, side, side)
        share = nb.neighbourhood_sum(grid, nb.MOORE_RING)
        receivers = (self.neuron_alive & ~dying).reshape(grid.shape)
        self.aggregate += np.where(receivers, share / 8.0, 0.0).reshape(self.aggregate.shape)

    # Phase 7 ------------------------------------------------------------------------------
    def record(self) -> dict[str, float]:
        """This day's record: neuron survival, aggregate and soluble load, signalling means."""
        ref = sg.reference_levels()
        alive = self.neuron_alive
        any_alive = bool(alive.any())
        return {
            "time_h": self.hours,
            "day": self.day,
            "drug_nM": float(sum(c for s, c in self.blood_nM.items() if s != "none")),
            "neuron_survival_fraction": float(alive.mean()),
            # means over living neurons: None (undefined) once none is left
            "aggregate_load": float(self.aggregate[alive].mean()) if any_alive else None,
            "soluble_load": float(self.soluble[alive].mean()) if any_alive else None,
            "impaired_fraction": float(
                np.mean(alive & (self.aggregate > self.scenario.impaired_load))
            ),
            "mean_pS6K": float(self.state["s6k"].mean() / ref["s6k"]),
            "mean_pAKT_S473": float(self.state["akt_s473"].mean() / ref["akt_s473"]),
            "mean_autophagy": float(self.out["autophagy"].mean()),
            "mean_lysosome": float(self.lysosome.mean()),
        }

    # ------------------------------------------------------------------ views
    def tile_codes(self) -> np.ndarray:
        """Category codes of every organism's tile [organism, side, side]."""
        side = int(self.scenario.lattice)
        codes = np.where(self.aggregate > self.scenario.impaired_load, 1, 0).astype(np.int16)
        codes[~self.neuron_alive] = 2
        codes[~self.alive] = 3
        return codes.reshape(self.n_org, side, side)

    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Mosaic of the organisms' neurons (healthy/impaired/dead)."""
        return self.mosaic(self.tile_codes(), -1), CATEGORIES

    def _tiles(self, values: np.ndarray) -> np.ndarray:
        side = int(self.scenario.lattice)
        tiles = np.where(self.neuron_alive, values.reshape(self.neuron_alive.shape), np.nan)
        return tiles.reshape(self.n_org, side, side)

    def readout_layers(self) -> dict[str, np.ndarray]:
        """Per-neuron readouts (NaN = dead): signalling relative to reference, aggregates."""
        layers = {k: self.mosaic(self._tiles(v), np.nan) for k, v in self.cell_readouts().items()}
        layers["aggregate"] = self.mosaic(self._tiles(self.aggregate), np.nan)
        layers["damage"] = layers["aggregate"]
        return layers

    def field_layers(self) -> dict[str, np.ndarray]:
        """No diffusing field: aggregates move only when a neuron dies."""
        return {}

    def cell_state_at(self, x: int, y: int) -> dict | None:
        """The neuron at mosaic site (x, y), or None for a gap."""
        where = self.locate(x, y)
        if where is None:
            return None
        o, tx, ty = where
        col = tx * int(self.scenario.lattice) + ty
        row = o * self.cells_per_org + col
        values = {k: float(v[row]) for k, v in self.cell_readouts().items()}
        return {
            "cell_type": self.scenario.cell_type,
            "state": CATEGORIES[int(self.tile_codes()[o, tx, ty])],
            "organism": o,
            "aggregate": float(self.aggregate[o, col]),
            "soluble": float(self.soluble[o, col]),
            **values,
        }


def neuro_readouts(model: NeuroModel, twin, series) -> dict:
    """Final aggregate load per surviving neuron (None if none survives) and the surviving
    neuron fraction."""
    load = series["aggregate_load"][-1]
    return {
        "aggregate_load_final": None if load is None else float(load),
        "neuron_survival_fraction": float(series["neuron_survival_fraction"][-1]),
        "impaired_fraction_final": float(series["impaired_fraction"][-1]),
    }


def protein_kinetics_substep(soluble, aggregate, make, degrade, joining_rate, clear, h) -> None:
    """Advance soluble protein and aggregates by ``h`` days, in place, exactly for these rates.

    ``dp/dt = make - (degrade + joining_rate) p`` and ``da/dt = joining_rate p - clear a``
    with every rate held over the sub-step (units/day and 1/day; arrays broadcast over
    neurons): p relaxes exponentially to ``make / (degrade + joining_rate)``, and a receives
    the exact integral of ``joining_rate p`` as a constant input over the sub-step while it
    decays exponentially. Non-negative and stable for any rate (forward Euler went negative,
    then 0, above 4 per day at four sub-steps a day).
    """
    k_p = degrade + joining_rate
    decay_p = np.exp(-k_p * h)
    # (1 - exp(-k h)) / k, with its limit h at k = 0.
    hold_p = np.where(k_p > 0, -np.expm1(-k_p * h) / np.where(k_p > 0, k_p, 1.0), h)
    target = np.where(k_p > 0, make / np.where(k_p > 0, k_p, 1.0), 0.0)
    # Integral of p over the sub-step: target h + (p0 - target) hold_p; plain growth at k = 0.
    integral = np.where(
        k_p > 0, target * h + (soluble - target) * hold_p, soluble * h + 0.5 * make * h * h
    )
    joined = joining_rate * integral
    soluble[...] = np.where(k_p > 0, target + (soluble - target) * decay_p, soluble + make * h)
    decay_a = np.exp(-clear * h)
    hold_a = np.where(clear > 0, -np.expm1(-clear * h) / np.where(clear > 0, clear, 1.0), h)
    aggregate[...] = aggregate * decay_a + joined / h * hold_a
    np.maximum(soluble, 0.0, out=soluble)
    np.maximum(aggregate, 0.0, out=aggregate)
