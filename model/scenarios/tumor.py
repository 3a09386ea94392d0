"""Tumor: a 2D tissue slice around a growing tumor, fed by vessels, under a regime.

One lattice site per ~20 um cell. A tumor of one genotype (PTEN-null, TSC-null or wild type)
is seeded in the middle of host tissue crossed by pre-existing capillaries. Vessels hold the
oxygen, nutrient and drug levels of blood; cells consume oxygen and nutrients, so hypoxia and
a necrotic core appear 100-200 um from the nearest vessel as the tumor grows. Hypoxia
stabilises HIF-1a, whose translation needs mTORC1 (Hudson 2002 Mol Cell Biol 22:7004); HIF-1a
drives VEGF, and VEGF drives sprouting of new vessels (:mod:`model.scenarios.tumor_vessels`).

The step (the phases of :class:`model.tissue.TissueModel`): PK; quasi-steady fields (oxygen,
nutrients, drug, VEGF) and the vessels; inputs; signalling; fates (growth and G1->S from
S6K/4E-BP1 and size, apoptosis against the AKT survival signal, starvation offset by
autophagy, necrosis under severe hypoxia, quiescence when crowded); events (division, invasion
of host tissue, death).

Calibration (T1, RECORD-1: Motzer 2008 Lancet 372:449). Clinical tumors lose most of the cells
they make (cell-loss factor ~0.7-0.9: Steel 1967 Eur J Cancer 3:381), so by default tumor cells
die by apoptosis at ``tumor_cell_loss_per_h`` (raised as AKT survival falls below untreated),
besides starvation and necrosis, and the default tumor is an established lesion (600 um seed)
at the day-14 baseline. Its growth is then limited by the rim and by its vessels: untreated,
VEGF keeps co-opted vessels and grows new ones and the tumor progresses (RECIST PD); under a
rapalog, slower G1->S (4E-BP1/S6K) and the loss of VEGF-supported vessels hold it near its
baseline size (SD) without net shrinkage (PR rare). Default wild-type tumor, 60 days, seeds
0-5: untreated PD 6/6 (x2.6-2.7 from baseline); everolimus 10 mg daily SD 6/6 (x0.70-1.13,
0.26-0.43 of the untreated twin); temsirolimus 25 mg weekly SD 6/6 (x0.73-1.06); no PR. This
does not hinge on the loss rate (0.007-0.015/h give the same picture), but it does on
``vegf_threshold`` lying between the VEGF of treated and untreated tumors (seeds 0-2: at 0.24
everolimus gives SD 2/3 and PD 1/3; at 0.28 untreated PD 3/3 and everolimus SD 3/3; 0.30 left
an untreated tumor without angiogenesis).

Genotypes differ only through their networks: no rule here is keyed to a genotype (an
earlier genotype-keyed apoptosis constant, "mTORC1 addiction", was removed because it wrote
the PTEN-null result in). With the same rules, seed 0, PTEN-null: untreated PD (x2.05);
everolimus and temsirolimus SD at x1.31 of baseline (0.64 of untreated), so PTEN-null tumors
do *not* respond more than wild type, against Neshat 2001 PNAS 98:10314: the network's
translation and G1->S outputs fall by the same fraction in both genotypes (see
``tests/test_calibration_observations.py``, rows S13-S14). TSC-null tumors keep mTORC1 on
without growth factors; under everolimus their saturated mTORC1 keeps part of S6K and they
still progress: the clinical shrinkage of TSC tumors (EXIST-1: Franz 2013 Lancet 381:125) is
not reproduced. Hypoxia does not yet reach this tumor's cells through REDD1 (the network has
it, :func:`model.signaling.redd1_activity`; wiring it in slows untreated growth, x1.57 on seed
0, and belongs to the tumor recalibration).

Option, off by default: resistance by mTOR mutation (``resistance``: FRB-domain or kinase-domain).
"""

from __future__ import annotations

import numpy as np

from mtor_abm.agents.tumor import NormalCell, TumorCell
from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.checkpoint import join, split
from mtor_abm.model.fates import CycleParams, advance_cycle
from mtor_abm.model.fields import Field
from mtor_abm.model.multigrid import MultigridCG
from mtor_abm.model.neighbourhood import moore_neighbour_count
from mtor_abm.model.pharmacology import target_occupancy
from mtor_abm.model.recist import recist
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios.base import Param, TissueScenario
from mtor_abm.model.scenarios.tumor_fields import SteadyField
from mtor_abm.model.scenarios.tumor_vessels import (
    VesselParams,
    initial_vessels,
    neighbourhood_share,
    update_vessels,
)
from mtor_abm.model.tissue import FateMasks, TissueModel

GENOTYPES = ("pten_null", "tsc_null", "wild_type")
"""Tumor genotypes; the cell type is ``tumor_<genotype>`` in :mod:`model.signaling`."""
DEFAULT_START_DAY = 14.0
"""Treatment start (and baseline of the response) when none is given: the tumor is established."""
TUMOR, NORMAL = 0, 1
"""``type_id`` of tumor and host cells."""
CATEGORY_LABELS = ("tumor", "normal", "hypoxic tumor", "necrotic", "vessel")
"""Labels of :meth:`TumorModel.category_layer` codes 0-4."""
KINASE_MUTANT_FOLD = 10.0
"""Potency loss of ATP-competitive drugs on the activating kinase-domain mutant (M2327I);
assumed magnitude (Rodrik-Outmezguine 2016 Nature 534:272: resistant at clinical exposure)."""
DX_UM = 20.0
"""Lattice spacing, um (one cell diameter; assumed)."""
REPLETE_O2_MMHG = 20.0
"""Oxygen tension at which energy sensing reads fully replete, mmHg (assumed; well above the
~3 mmHg where AMPK/REDD1 signalling turns on)."""


class TumorScenario(TissueScenario):
    """Parameters of the tumor scenario (see ``PARAMETERS`` for units and sources).

    Args:
        width: slice width in sites of 20 um.
        height: slice height in sites of 20 um.
        genotype: tumor genotype (pten_null, tsc_null, wild_type).
        seed_radius_sites: radius of the tumor seeded at 0 h, sites (30 = 600 um: an
            established lesion of ~4,000 viable cells by the day-14 baseline; assumed).
        normal_density: fraction of the other sites holding host cells.
        growth_factor: growth-factor signal of the tissue (1 = physiological, 0 = withdrawn).
        vessel_spacing_sites: spacing of the pre-existing capillaries, sites.
        vessel_po2_mmHg: oxygen tension held in perfused vessels, mmHg.
        o2_diffusion_um2_per_s: oxygen diffusion coefficient, um^2/s.
        o2_uptake_per_h: oxygen consumption rate of a tumor cell, 1/h.
        normal_uptake_factor: host-cell oxygen and nutrient uptake relative to a tumor cell.
        hypoxia_mmHg: oxygen tension below which a cell counts as hypoxic, mmHg.
        energy_half_mmHg: oxygen tension at which energy sensing (AMPK, REDD1) is half on, mmHg.
        hif_half_mmHg: oxygen tension of half-maximal HIF-1a stabilisation, mmHg.
        necrosis_mmHg: oxygen tension of half-maximal necrosis hazard, mmHg.
        necrosis_per_h: necrosis hazard of an anoxic cell, 1/h.
        tumor_cell_loss_per_h: apoptosis hazard of a tumor cell with untreated or higher AKT
            survival signal, 1/h; up to twice that as the survival signal falls to zero. With
            starvation and necrosis the default tumor loses most of the cells it makes, as
            clinical tumors do (Steel 1967 Eur J Cancer 3:381); 0 switches it off.
        nutrient_diffusion_um2_per_s: glucose/amino-acid diffusion coefficient, um^2/s.
        nutrient_uptake_per_h: nutrient consumption rate of a tumor cell, 1/h.
        drug_diffusion_um2_per_s: drug diffusion coefficient in tissue, um^2/s.
        drug_uptake_per_h: drug uptake/sequestration rate of a cell, 1/h.
        vegf_diffusion_um2_per_s: VEGF diffusion coefficient, um^2/s.
        vegf_decay_per_h: VEGF clearance rate, 1/h.
        vegf_per_cell_per_h: VEGF secretion of a cell at full HIF-1a, VEGF units/h.
        vegf_threshold: VEGF level that activates endothelium (VEGF units; assumed, set so that
            the untreated established tumor switches on angiogenesis and a rapalog-treated one
            does not: Guba 2002 Nat Med 8:128).
        sprout_delay_h: hours of VEGF above threshold before a sprout is perfused.
        sprout_per_h: hazard of a new perfused vessel at a ready site, 1/h.
        vessel_regression_per_h: regression hazard of a co-opted vessel without VEGF, 1/h.
        resistance: mTOR mutation a resistant clone carries: ``frb`` (FRB-domain mutant,
            A2034V/F2108L: rapalogs cannot bind) or ``kinase`` (activating kinase-domain
            mutant, M2327I: resists rapalogs and ATP-competitive drugs); RapaLink-1 overcomes
            both (Rodrik-Outmezguine 2016 Nature 534:272). ``none``: no resistance.
        resistance_per_division: chance that a daughter cell acquires the mutation.
        resistant_fraction: fraction of the seeded tumor cells already resistant. Both have no
            effect with ``resistance = none`` (so a sweep over ``resistance`` has a control).
    """

    width: int = 120
    height: int = 120
    genotype: str = "wild_type"
    seed_radius_sites: float = 30.0
    normal_density: float = 0.7
    growth_factor: float = 1.0
    vessel_spacing_sites: int = 10
    vessel_po2_mmHg: float = 40.0
    o2_diffusion_um2_per_s: float = 2000.0
    o2_uptake_per_h: float = 600.0
    normal_uptake_factor: float = 0.5
    hypoxia_mmHg: float = 10.0
    energy_half_mmHg: float = 3.0
    hif_half_mmHg: float = 12.0
    necrosis_mmHg: float = 1.5
    necrosis_per_h: float = 0.05
    tumor_cell_loss_per_h: float = 0.01
    nutrient_diffusion_um2_per_s: float = 110.0
    nutrient_uptake_per_h: float = 5.0
    drug_diffusion_um2_per_s: float = 100.0
    drug_uptake_per_h: float = 2.0
    vegf_diffusion_um2_per_s: float = 104.0
    vegf_decay_per_h: float = 0.7
    vegf_per_cell_per_h: float = 0.7
    vegf_threshold: float = 0.26
    sprout_delay_h: float = 48.0
    sprout_per_h: float = 1.0 / 96.0
    vessel_regression_per_h: float = 1.0 / 120.0
    resistance: str = "none"
    resistance_per_division: float = 0.0
    resistant_fraction: float = 0.0

    PARAMETERS = {  # noqa: RUF012
        "width": Param("sites", "slice width in lattice sites of 20 um", 10, 2000),
        "height": Param("sites", "slice height in lattice sites of 20 um", 10, 2000),
        "genotype": Param("", "tumor genotype", choices=GENOTYPES),
        "seed_radius_sites": Param(
            "sites",
            "radius of the tumor seeded at 0 h (600 um: established lesion; assumed)",
            0.5,
            200,
        ),
        "normal_density": Param("fraction", "host cells per other site (assumed)", 0, 1),
        "growth_factor": Param(
            "relative", "tissue growth-factor signal (1 = physiological)", 0, 10
        ),
        "vessel_spacing_sites": Param(
            "sites", "pre-existing capillary spacing (100-200 um in sections; assumed)", 3, 100
        ),
        "vessel_po2_mmHg": Param(
            "mmHg",
            "O2 tension in perfused tumor vessels (~40; Vaupel 1989 Cancer Res 49:6449)",
            0,
            200,
        ),
        "o2_diffusion_um2_per_s": Param(
            "um^2/s", "O2 diffusion in tissue (Ghaffarizadeh 2018 PLoS Comput Biol)", 1, 1e5
        ),
        "o2_uptake_per_h": Param(
            "1/h", "O2 uptake of a tumor cell (10/min: PhysiCell, Ghaffarizadeh 2018)", 0, 1e5
        ),
        "normal_uptake_factor": Param(
            "relative", "host O2 and nutrient uptake vs a tumor cell (assumed)", 0, 10
        ),
        "hypoxia_mmHg": Param(
            "mmHg",
            "hypoxic below this O2 tension (Vaupel 2004 Semin Radiat Oncol 14:198)",
            0,
            100,
        ),
        "energy_half_mmHg": Param(
            "mmHg", "half-maximal energy stress (AMPK/REDD1; Brugarolas 2004; assumed)", 0.01, 100
        ),
        "hif_half_mmHg": Param(
            "mmHg",
            "half-maximal HIF-1a stabilisation (1.5-2 % O2: Jiang 1996 AJP 271:C1172)",
            0.01,
            100,
        ),
        "necrosis_mmHg": Param("mmHg", "half-maximal necrosis hazard (anoxia; assumed)", 0.01, 50),
        "necrosis_per_h": Param("1/h", "necrosis hazard of an anoxic cell (assumed)", 0, 10),
        "tumor_cell_loss_per_h": Param(
            "1/h",
            "tumor apoptosis at untreated AKT survival, up to 2x as AKT falls (with starvation "
            "and necrosis most births are lost, as in clinical tumors: Steel 1967 Eur J Cancer "
            "3:381; rate assumed)",
            0,
            10,
        ),
        "nutrient_diffusion_um2_per_s": Param(
            "um^2/s",
            "glucose diffusion in tumor tissue (Casciari 1988 Cancer Res 48:3905)",
            1,
            1e5,
        ),
        "nutrient_uptake_per_h": Param("1/h", "nutrient uptake of a tumor cell (assumed)", 0, 1e4),
        "drug_diffusion_um2_per_s": Param(
            "um^2/s", "drug diffusion in tissue (small molecule; assumed)", 1, 1e5
        ),
        "drug_uptake_per_h": Param(
            "1/h", "drug uptake and sequestration by a cell (assumed)", 0, 1e4
        ),
        "vegf_diffusion_um2_per_s": Param(
            "um^2/s", "VEGF diffusion (Mac Gabhann 2006 PNAS 103:17750)", 1, 1e5
        ),
        "vegf_decay_per_h": Param("1/h", "VEGF clearance (half-life ~1 h; assumed)", 0.001, 1e3),
        "vegf_per_cell_per_h": Param(
            "VEGF units/h", "VEGF secretion at full HIF-1a (assumed units)", 0, 1e3
        ),
        "vegf_threshold": Param(
            "VEGF units",
            "VEGF that activates endothelium (assumed: reached in the untreated established tumor, "
            "not under a rapalog)",
            0,
            1e3,
        ),
        "sprout_delay_h": Param(
            "h", "VEGF exposure before a sprout is perfused (days; Nagy 2007; assumed)", 0, 1e4
        ),
        "sprout_per_h": Param("1/h", "new-vessel hazard at a ready site (assumed)", 0, 10),
        "vessel_regression_per_h": Param(
            "1/h", "co-opted vessel regression without VEGF (Holash 1999 Science; assumed)", 0, 10
        ),
        "resistance": Param(
            "",
            "mTOR mutation of resistant clones (Rodrik-Outmezguine 2016 Nature 534:272)",
            choices=("none", "frb", "kinase"),
        ),
        "resistance_per_division": Param(
            "probability",
            "chance a daughter acquires the mutation (off by default; none with resistance=none)",
            0,
            1,
        ),
        "resistant_fraction": Param(
            "fraction",
            "seeded tumor cells already resistant (none with resistance=none: a sweep's control)",
            0,
            1,
        ),
    }


class TumorModel(TissueModel):
    """A tumor in host tissue under a regime (see module docstring)."""

    STEP_H = 1.0
    """Hours per step: run lengths are whole numbers of steps."""

    def __init__(self, scenario: TumorScenario, regime, library=None):
        sc = scenario
        super().__init__(
            sc, regime, library, dt_h=self.STEP_H, cell_types=(f"tumor_{sc.genotype}", "epithelial")
        )
        self.table = _table_with_columns(self.table, sc.width * sc.height)
        self.cycle = CycleParams()
        self.vessel_rules = vessel_rules(sc)
        self.baseline_h = regime.start_h if regime.drug != "none" else DEFAULT_START_DAY * 24.0
        shape = (int(sc.width), int(sc.height))
        self.vessels = initial_vessels(shape, int(sc.vessel_spacing_sites), self.rng)
        self.initial_vessels = int(self.vessels.sum())
        self.vessels_sprouted = 0  # new vessels since 0 h
        self.vessels_lost = 0  # regressed vessels since 0 h
        self.vegf_exposure_h = np.zeros(shape)
        self.necrotic = np.zeros(shape, dtype=bool)
        self.normal_site = np.zeros(shape, dtype=bool)
        self.necrosis_due = np.zeros(shape, dtype=bool)  # sites of this step's necrotic deaths
        diffusion = {
            "oxygen": sc.o2_diffusion_um2_per_s,
            "nutrients": sc.nutrient_diffusion_um2_per_s,
            "drug": sc.drug_diffusion_um2_per_s,
            "VEGF": sc.vegf_diffusion_um2_per_s,
        }
        decay = {"VEGF": sc.vegf_decay_per_h}
        # One multigrid workspace for this model's four fields (solved one after another).
        multigrid = MultigridCG(shape)
        self.solvers = {
            name: SteadyField(
                shape, d, DX_UM, decay_per_h=decay.get(name, 0.0), multigrid=multigrid
            )
            for name, d in diffusion.items()
        }
        # Named layers on the grid (mmHg, relative to plasma, nM, VEGF units), written in place
        # by the quasi-steady solvers each step.
        self.fields = {
            name: Field.on_grid(
                self.grid, name, 0.0, diffusion_um2_per_s=d, dx_um=DX_UM, method="implicit"
            )
            for name, d in diffusion.items()
        }
        self._seed_tissue(shape)
        self.tumor_cells_initial = self.n_tumor
        self.update_fields()
        self.datacollector = readout_collector(self)  # one Mesa reporter per readout

    def _seed_tissue(self, shape) -> None:
        """A disc of tumor cells in the middle; host cells at random on the other sites."""
        sc = self.scenario
        xs, ys = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
        cx, cy = (shape[0] - 1) / 2.0, (shape[1] - 1) / 2.0
        in_seed = np.hypot(xs - cx, ys - cy) <= sc.seed_radius_sites
        host = ~in_seed & (self.rng.random(shape) < sc.normal_density)
        for x, y in np.argwhere(in_seed):
            self.add_cell(TumorCell, self.grid[(int(x), int(y))], TUMOR)
        for x, y in np.argwhere(host):
            self.add_cell(NormalCell, self.grid[(int(x), int(y))], NORMAL)
        self.normal_site[host] = True
        if sc.resistance != "none":
            t = self.table
            tumor = t["type_id"] == TUMOR
            t["resistant"][tumor] = self.rng.random(int(tumor.sum())) < sc.resistant_fraction

    @property
    def n_tumor(self) -> int:
        """Live tumor cells."""
        return int(np.count_nonzero(self.table["type_id"] == TUMOR))

    # Phase 2 ------------------------------------------------------------------------------
    def update_fields(self) -> None:
        """Quasi-steady oxygen, nutrients, drug and VEGF; then vessels sprout and regress."""
        sc, t = self.scenario, self.table
        x, y = t["x"], t["y"]
        per_cell = np.where(t["type_id"] == TUMOR, 1.0, sc.normal_uptake_factor)
        demand = np.zeros(self.grid.dimensions)
        demand[x, y] = per_cell
        oxygen = self.solvers["oxygen"].solve(
            sc.o2_uptake_per_h * demand, 0.0, self.vessels, sc.vessel_po2_mmHg
        )
        self.fields["oxygen"].data[...] = oxygen
        nutrients = self.solvers["nutrients"].solve(
            sc.nutrient_uptake_per_h * demand, 0.0, self.vessels, 1.0
        )
        self.fields["nutrients"].data[...] = nutrients
        blood = self.total_blood_nM()
        if blood > 0:
            occupied = np.zeros(self.grid.dimensions)
            occupied[x, y] = sc.drug_uptake_per_h
            profile = self.solvers["drug"].solve(occupied, 0.0, self.vessels, 1.0)
            self.fields["drug"].data[...] = blood * profile
        else:
            self.fields["drug"].data[...] = 0.0
        production = np.zeros(self.grid.dimensions)
        production[x, y] = sc.vegf_per_cell_per_h * self.hif1a()
        self.fields["VEGF"].data[...] = self.solvers["VEGF"].solve(0.0, production)
        for f in self.fields.values():
            f.reset_accounting()
        self._update_vessels()

    def _update_vessels(self) -> None:
        """Sprouting where VEGF is high, regression of unsupported or necrotic vessels."""
        tumor_mask = self.tumor_region()
        sprouted, lost = update_vessels(
            self.vessels,
            self.vegf_exposure_h,
            self.fields["VEGF"].data,
            neighbourhood_share(tumor_mask),
            neighbourhood_share(self.necrotic),
            self.dt_h,
            self.vessel_rules,
            self.rng,
        )
        self.vessels_sprouted += sprouted
        self.vessels_lost += lost

    def total_blood_nM(self) -> float:
        """Blood concentration summed over drug species, nM."""
        return float(sum(c for s, c in self.blood_nM.items() if s != "none"))

    def local_drug_nM(self, blood_nM: dict[str, float]) -> dict[str, np.ndarray]:
        """Each species at each cell: its blood level times the tissue penetration profile."""
        t = self.table
        profile = self.solvers["drug"].solution.reshape(self.grid.dimensions)[t["x"], t["y"]]
        return {s: c * profile for s, c in blood_nM.items() if s != "none" and c > 0}

    def drug_action(self, conc: dict[str, np.ndarray]):
        """The engine's drug action, with resistant mutants feeling their own concentrations."""
        t = self.table
        occ, inh1, inh2 = super().drug_action(conc)
        rows = np.flatnonzero(t["resistant"]) if self.scenario.resistance != "none" else []
        if conc and len(rows):
            mutant = mutant_concentrations(
                {s: c[rows] for s, c in conc.items()}, self.scenario.resistance, self.library
            )
            action = target_occupancy(mutant, t["fkbp12_level"][rows], self.library)
            occ, inh1, inh2 = (np.array(np.broadcast_to(a, (t.n,))) for a in (occ, inh1, inh2))
            occ[rows], inh1[rows], inh2[rows] = action
        return occ, inh1, inh2

    def oxygen_at_cells(self) -> np.ndarray:
        """Oxygen tension at every cell, mmHg."""
        return self.fields["oxygen"].data[self.table["x"], self.table["y"]]

    def hif1a(self) -> np.ndarray:
        """HIF-1a of every cell (0-1 per unit translation): hypoxic stabilisation x translation.

        Stabilisation rises steeply below ``hif_half_mmHg`` (Hill 3; Jiang 1996 AJP 271:C1172);
        synthesis follows cap-dependent translation, i.e. mTORC1 through S6K and 4E-BP1
        (Hudson 2002 Mol Cell Biol 22:7004).
        """
        t = self.table
        o2 = self.oxygen_at_cells()
        stabilised = 1.0 / (1.0 + (o2 / self.scenario.hif_half_mmHg) ** 3)
        translation = np.clip(sg.translation_rate(t.view(("s6k", "p4ebp1"))), 0.0, 2.0)
        return stabilised * translation

    # Phase 3 ------------------------------------------------------------------------------
    def energy_at_cells(self) -> np.ndarray:
        """Energy sufficiency (1 = replete; AMPK = 1 - energy) from the local oxygen tension."""
        k = self.scenario.energy_half_mmHg
        o2 = self.oxygen_at_cells()
        scale = 1.0 + (k / REPLETE_O2_MMHG) ** 2  # energy 1 at the replete tension
        return np.clip(o2**2 / (o2**2 + k * k) * scale, 0.0, 1.0)

    def sense_inputs(self) -> sg.Inputs:
        """Growth factors (uniform), local nutrients and oxygen-driven energy state."""
        t = self.table
        return sg.Inputs(
            growth_factor=self.scenario.growth_factor,
            amino_acids=self.fields["nutrients"].data[t["x"], t["y"]],
            energy=self.energy_at_cells(),
        )

    # Phase 5 ------------------------------------------------------------------------------
    def invadable(self, window=(slice(None), slice(None))) -> np.ndarray:
        """Sites (in ``window``, a pair of slices; default all) a tumor cell can divide into:
        empty and not debris, or held by a displaceable host cell."""
        return (self.grid.empty.data[window] & ~self.necrotic[window]) | self.normal_site[window]

    def decide_fates(self) -> FateMasks:
        """Cycle, apoptosis and starvation (model.fates) plus necrosis under severe hypoxia."""
        t = self.table
        sc = self.scenario
        outputs = sg.outputs(t.view(sg.STATE_NAMES), t.view(sg.PARAM_NAMES))
        supply = self.fields["nutrients"].data[t["x"], t["y"]] * self.energy_at_cells()
        free = moore_neighbour_count(self.invadable())[t["x"], t["y"]] > 0
        is_tumor = t["type_id"] == TUMOR
        g1_before = t["g1_progress"].copy()
        die, divide = advance_cycle(
            t, outputs, supply, free, self.dt_h, self.cycle, self.rng, can_divide=is_tumor
        )
        # Tumor cell loss (apoptosis): raised when AKT survival falls below untreated, not
        # lowered above it (survival signalling saturates; assumed). The same rule for every
        # genotype: differences between genotypes come from their networks only.
        deficit = np.clip(1.0 - outputs["survival"], 0.0, 1.0)
        loss = sc.tumor_cell_loss_per_h * (1.0 + deficit)
        die |= is_tumor & (self.rng.random(t.n) < -np.expm1(-loss * self.dt_h))
        t["cycling"][...] = is_tumor & ((t["phase"] == 1) | (t["g1_progress"] > g1_before))
        o2 = self.oxygen_at_cells()
        hazard = sc.necrosis_per_h / (1.0 + (o2 / sc.necrosis_mmHg) ** 4)
        necrose = self.rng.random(t.n) < -np.expm1(-hazard * self.dt_h)
        self._necrose = necrose & is_tumor
        return FateMasks(die=die | necrose, divide=divide)

    # Phase 6 ------------------------------------------------------------------------------
    def apply_events(self, masks: FateMasks) -> None:
        """Necrosis (debris stays), apoptosis, then divisions in random order (invading hosts)."""
        dying, dividing = self.acting_cells(masks)
        t, necrose = self.table, np.flatnonzero(self._necrose)
        self.necrosis_due[...] = False
        self.necrosis_due[t["x"][necrose], t["y"][necrose]] = True  # by site: rows move
        dying.do("perish")
        dividing.do("divide_nearby")

    # Phase 7 (the engine's collect and timeseries) ------------------------------------------
    def record(self) -> dict[str, float]:
        """This hour's timeseries record (see :func:`timeseries_row`)."""
        return timeseries_row(self)

    # Views ---------------------------------------------------------------------------------
    def tumor_region(self) -> np.ndarray:
        """Sites held by tumor cells or necrotic debris (the lesion)."""
        t = self.table
        region = self.necrotic.copy()
        is_tumor = t["type_id"] == TUMOR
        region[t["x"][is_tumor], t["y"][is_tumor]] = True
        return region

    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Codes: 0 tumor, 1 normal, 2 hypoxic tumor, 3 necrotic, 4 vessel (-1 empty)."""
        codes, _ = super().category_layer()
        t = self.table
        hypoxic = (t["type_id"] == TUMOR) & (self.oxygen_at_cells() < self.scenario.hypoxia_mmHg)
        codes[t["x"][hypoxic], t["y"][hypoxic]] = 2
        codes[self.necrotic] = 3
        codes[self.vessels] = 4
        return codes, CATEGORY_LABELS

    def cell_readouts(self) -> dict[str, np.ndarray]:
        """Engine readouts plus local oxygen (mmHg) and HIF-1a (0-1 per unit translation)."""
        out = super().cell_readouts()
        out["oxygen_mmHg"] = self.oxygen_at_cells()
        out["HIF1a"] = self.hif1a()
        return out

    def distance_to_vessel_um(self) -> np.ndarray:
        """Distance of every site to the nearest vessel, um (Euclidean)."""
        from scipy.ndimage import distance_transform_edt

        if not self.vessels.any():
            return np.full(self.vessels.shape, np.inf)
        return distance_transform_edt(~self.vessels) * DX_UM

    # Checkpoints (engine hooks) ---------------------------------------------------------------
    def extra_checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Vessels, debris, host sites, VEGF exposure and the field solvers' state."""
        arrays = {
            "vessels": self.vessels.copy(),
            "necrotic": self.necrotic.copy(),
            "normal_site": self.normal_site.copy(),
            "vegf_exposure_h": self.vegf_exposure_h.copy(),
        }
        solvers = {}
        for key, solver in self.solvers.items():
            solver_arrays, solvers[key] = solver.state()
            arrays.update(join(solver_arrays, f"solver/{key}"))
        meta = {
            "tumor_cells_initial": self.tumor_cells_initial,
            "vessels_sprouted": self.vessels_sprouted,
            "vessels_lost": self.vessels_lost,
            "solvers": solvers,
        }
        return arrays, meta

    def restore_extra_checkpoint_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`extra_checkpoint_state`."""
        for name in ("vessels", "necrotic", "normal_site", "vegf_exposure_h"):
            getattr(self, name)[...] = arrays[name]
        for key, solver in self.solvers.items():
            # The initial guess and the coarse factors decide the solves' round-off.
            solver.load_state(split(arrays, f"solver/{key}"), meta["solvers"][key])
        self.tumor_cells_initial = int(meta["tumor_cells_initial"])
        self.vessels_sprouted = int(meta["vessels_sprouted"])
        self.vessels_lost = int(meta["vessels_lost"])

    def agent_class_for(self, type_id: int):
        """Tumor cells for type 0, host cells otherwise (used when restoring a checkpoint)."""
        return TumorCell if type_id == TUMOR else NormalCell


def vessel_rules(sc: TumorScenario) -> VesselParams:
    """The scenario's angiogenesis and regression rules."""
    return VesselParams(
        spacing_sites=int(sc.vessel_spacing_sites),
        vegf_threshold=sc.vegf_threshold,
        delay_h=sc.sprout_delay_h,
        sprout_per_h=sc.sprout_per_h,
        regression_per_h=sc.vessel_regression_per_h,
    )


def mutant_concentrations(conc: dict, resistance: str, library) -> dict:
    """Drug concentrations (arrays or numbers, nM) as a resistant mutant experiences them.

    Rapalogs do not act on either mutant (FRB mutants cannot bind FKBP12-rapalog; the
    activating kinase mutant overrides FRB occupancy); ATP-competitive drugs act on FRB
    mutants but are ``KINASE_MUTANT_FOLD`` weaker on kinase mutants (``resistance`` =
    ``kinase``); the bivalent RapaLink-1 acts on both (Rodrik-Outmezguine 2016 Nature
    534:272).
    """
    out = {}
    for species, c in conc.items():
        kind = library.drug(species).drug_class
        if kind == "rapalog":
            continue
        if kind == "atp_competitive" and resistance == "kinase":
            c = c / KINASE_MUTANT_FOLD
        out[species] = c
    return out


def _table_with_columns(table: CellTable, sites: int) -> CellTable:
    """An empty cell table with the engine's columns plus ``cycling`` (1 = Ki-67-like) and
    ``resistant`` (1 = carries the scenario's resistance mutation)."""
    columns = {name: table[name].dtype for name in table.columns}
    columns["cycling"] = np.int8
    columns["resistant"] = np.int8
    return CellTable(columns, capacity=max(1024, sites // 2))


# ------------------------------------------------------------------------------ readouts
TUMOR_MEANS = ("mean_pS6K", "mean_p4EBP1", "mean_pAKT_S473", "mean_autophagy")
"""Means over live tumor cells in each record, relative to the reference cell (None if none:
a mean over no cells is undefined, never 0, which would read as full inhibition)."""


def timeseries_row(model: TumorModel) -> dict[str, float]:
    """One hourly record of the tumor (the DataCollector's model reporters)."""
    t = model.table
    sc = model.scenario
    is_tumor = t["type_id"] == TUMOR
    n_tumor = int(is_tumor.sum())
    n_necrotic = int(model.necrotic.sum())
    region = model.tumor_region()
    area_mm2 = region.sum() * (DX_UM / 1000.0) ** 2
    vessels_in_tumor = int((model.vessels & region).sum())
    row = {
        "time_h": model.hours,
        "tumor_cells": float(n_tumor),
        "cells": float(t.n),
        "necrotic_cells": float(n_necrotic),
        "vessels": float(model.vessels.sum()),
        "vessel_density": vessels_in_tumor / area_mm2 if area_mm2 > 0 else None,
        "vegf_mean": float(model.fields["VEGF"].data.mean()),
        "blood_nM": model.total_blood_nM(),
        "oxygen_mean_mmHg": float(model.fields["oxygen"].data.mean()),
    }
    if n_tumor:
        o2 = model.oxygen_at_cells()[is_tumor]
        ref = sg.reference_levels()
        row.update(
            hypoxic_fraction=float(np.mean(o2 < sc.hypoxia_mmHg)),
            necrotic_fraction=n_necrotic / (n_tumor + n_necrotic),
            cycling_fraction=float(t["cycling"][is_tumor].mean()),
            mean_pS6K=float(t["s6k"][is_tumor].mean() / ref["s6k"]),
            mean_p4EBP1=float(t["p4ebp1"][is_tumor].mean() / ref["p4ebp1"]),
            mean_pAKT_S473=float(t["akt_s473"][is_tumor].mean() / ref["akt_s473"]),
            mean_autophagy=float(t["autophagy"][is_tumor].mean() / ref["autophagy"]),
            tumor_drug_nM=float(model.fields["drug"].data[t["x"], t["y"]][is_tumor].mean()),
        )
    else:
        # No live tumor cell: fractions and means over them do not exist (None, not 0).
        row.update(
            hypoxic_fraction=None,
            necrotic_fraction=1.0 if n_necrotic else None,
            cycling_fraction=None,
            tumor_drug_nM=None,
            **dict.fromkeys(TUMOR_MEANS, None),
        )
    return row


def tumor_readouts(model: TumorModel, twin, series) -> dict:
    """Summary readouts of a tumor run (baseline = treatment start)."""
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["tumor_cells"], dtype=float)
    start = int(np.searchsorted(hours, model.baseline_h - 1e-9))
    start = min(start, len(hours) - 1)
    at_start, final = cells[start], cells[-1]
    response, ttp = recist(hours, cells, hours[start])
    last = {k: series[k][-1] for k in series}
    return {
        "tumor_cells_at_start": int(at_start),
        "tumor_cells_final": int(final),
        "relative_size": float(final / at_start) if at_start > 0 else None,
        "response": response,
        "time_to_progression_days": ttp,
        **{
            key: None if last[key] is None else float(last[key])
            for key in (
                "cycling_fraction",
                "hypoxic_fraction",
                "necrotic_fraction",
                "vessel_density",
                "mean_pS6K",
                "mean_pAKT_S473",
            )
        },
    }
