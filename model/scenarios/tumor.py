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

Tissue. The slice is large enough that the lesion never meets its edges over the 180-day
horizon: a 2.8 mm slice (140 x 140 sites) around a 500 um lesion, which grows untreated to a
radius of ~0.93 mm by day 180 (measured below), leaving ~470 um of host tissue, several oxygen
penetration lengths (~100 um) and vessel spacings (200 um), to the no-flux edges. A growing
domain or a far-field boundary would let a larger lesion grow past the slice, but every
lattice site costs the field solves (the step's main cost), and a lesion that stays inside a
fixed slice needs neither; ``tests/test_tumor_clinic.py`` checks that a wider slice gives the
same growth curve. Host tissue renews itself (``host_turnover_per_h``, contact-inhibited
``host_division_per_h`` into free space below ``normal_density``), so only the lesion erodes
it, and it resists the lesion: a tumor cell with no free neighbour displaces a host cell at
``host_displacement`` per hour (solid stress slows expansion: Helmlinger 1997 Nat Biotechnol
15:778). Angiogenesis is graded in VEGF (:mod:`model.scenarios.tumor_vessels`): no outcome
hangs on one threshold.

Calibration (RECORD-1: Motzer 2008 Lancet 372:449; 2010 Cancer 116:4256). Clinical tumors lose
most of the cells they make (cell-loss factor ~0.7-0.9: Steel 1967 Eur J Cancer 3:381), so
tumor cells die by apoptosis at ``tumor_cell_loss_per_h`` (raised as AKT survival falls below
untreated), besides starvation and necrosis. The default tumor is an established lesion at the
day-14 baseline; its growth is limited by its rim, the host tissue it must displace and its
vessels. Untreated, VEGF keeps co-opted vessels and grows new ones and the lesion progresses
in about six weeks (RECORD-1 placebo: 1.9 months); under everolimus, slower G1->S
(4E-BP1/S6K) balances the cell loss and the tumor stays near its baseline for months (stable
disease, no partial response), until FRB-mutant clones (``resistance``) that arose at division
outgrow it and it progresses (RECORD-1: median 4.9 months). Default wild-type tumor, 180 days,
treatment from day 14, seeds 0-5 (measured; ``tests/test_tumor_clinic.py`` checks them):
untreated PD at 44, 41, 42, 39, 38 and 35 days (median 40 days, 1.3 months; x3.3-3.5 cells,
x6.0-6.6 volume-equivalent by day 180, lesion radius ~0.93 mm); everolimus 10 mg daily best
response -13, -7, -7, -5, -5 and -9 % in volume (no PR), then PD at 116, 111, 143, 103, 118 and
134 days (median 117 days, 3.8 months; x1.6-2.1 cells by day 180, 2,800-3,900 resistant
cells); no lesion lost its vessel bed (vessels 284-381 of 196 at the start). (Measured with
the drug profile re-solved every 6 h only; it is now also re-solved when the vessels change.)
A 180-day run costs 102-108 s (untreated) to 107-116 s (everolimus) of CPU on this machine
(103 s wall as a whole process at load ~1). ``vegf_threshold`` x0.85 and x1.15 (seed 0): untreated
PD at 41 and 47 days, everolimus SD at day 90, as at the default (44 days; SD).

Genotypes differ only through their networks: no rule here is keyed to a genotype or a drug.
Measured on main at 057d565 (seed 0, 28 days of treatment from day 14, cells relative to the
start; best change in volume-equivalent), the tumor inverted the dish (culture GI at 10 nM
everolimus: PTEN-null 0.59, TSC-null 0.48, wild type 0.41): wild type untreated x1.25,
everolimus x1.00 (-11 %); PTEN-null x1.38, x1.10 (-6 %); TSC-null untreated x0.51 (-65 %:
the survival deficit of its low AKT), everolimus x1.42 (everolimus relieves the S6K-IRS1
feedback and with it that deficit). In absolute terms everolimus leaves a TSC-null cell at a
G1->S drive of 1.30 and translation 0.91 of the reference cell (PTEN-null 0.92 and 0.77, wild
type 0.76 and 0.71), at or above an untreated wild-type cell, which progresses: no memoryless
rule on a cell's state makes it shrink. What differs is the fall (translation -70 %, -48 %
and -32 %). Three rules of ``decide_fates`` carry this into tissue:

* survival runs through AKT or through eIF4E-translated Mcl-1, whichever is stronger (on by
  default): a TSC-null cell, whose AKT the feedback holds at ~0.2 of the reference, survives
  on its translation, as TSC tumors are benign and grow slowly;
* a fall of translation below the level a cell's apoptotic priming has adapted to pushes it
  towards apoptosis for about a week (``shock_apoptosis``, ``translation_adapt_h``; off by
  default);
* loss is carried by the cycle (``loss_drive_half``; off by default): a cytostatic block that
  holds cells in G1 leaves them alive.

With the last two on (``shock_apoptosis`` 3, ``loss_drive_half`` 0.25), 42 days of
everolimus, when a patient's blood was still read as a medium level: best volume-equivalent of
TSC-null tumors 0.32-0.39 of baseline on seeds 0-5 (T6: >= 50 % reduction in 6 of 6; EXIST-1
35 %); read through its free drug (x0.45, :meth:`model.druglib.DrugLibrary.acting_nM`) the
fall of translation is smaller and they reach only 0.51-0.60 (T6 not met: the shock needs its
refit); untreated TSC-null 0.98 and 1.00 (seeds 0-1);
PTEN-null 0.77 and 0.80 against wild type 0.90 and 0.88 (seeds 0-1: PTEN-null the more
sensitive, Neshat 2001 PNAS 98:10314); ``tests/test_tumor_genotypes_slow.py``. They are not
the defaults yet: with them the untreated default lesion keeps no hypoxic tumor cell at day 35
(T2; the shock also takes cells whose translation falls in hypoxia), with the loss rule alone
its debris lies nearer vessels (median 96 um against T2's 100-250, seed 0), and everolimus
progresses earlier (84 and 97 days on seeds 0-1, T5 wants 3-7 months; untreated 43 and 47
days). Hypoxia does not yet reach this tumor's cells through REDD1 (the network has it,
:func:`model.signaling.redd1_activity`).

Dual (ATP-competitive) inhibitors: sapanisertib 6 mg daily (its phase-1 MTD, Voss 2020; t1/2
7 h) and AZD8055 90 mg twice daily (phase-1 MTD, Naing 2012 BJC 107:1093; t1/2 3 h) are
label-like regimes; Torin1 (250 nM) and RapaLink-1 (10 nM) have no clinical dose and are held
at cell-culture concentrations. With loss independent of the drive (the default) any block of
division empties the tumor at the lumped loss rate: seed 0, 28 days, sapanisertib x0.02 of the
start (wild type and ccrcc); 180 days, AZD8055, RapaLink-1 and Torin1 complete responses. With
the two rules on, seed 0, 180 days: sapanisertib x0.21 cells (-90 % volume-equivalent at
weekly scans), AZD8055 x0.09, Torin1 x0.06, RapaLink-1 x0.03: no complete response, but still
a steady decline (the drive at which loss halves would have to be lower than the drive of an
arrested cell's slow G1, or birth limited by the size checkpoint counted; not done).

Resistance by mTOR mutation (``resistance``: FRB-domain, the default, or kinase-domain), acquired
at division (``resistance_per_division``): the route by which the default tumor escapes a
rapalog after months of stable disease (row T5; ``resistance=none`` switches it off).

Modules: the parameters and constants are :mod:`model.scenarios.tumor_params`, the views
:mod:`model.scenarios.tumor_views`, the records and readouts
:mod:`model.scenarios.tumor_readouts`; this module holds the step.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.agents.tumor import NormalCell, TumorCell
from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.checkpoint import join, split
from mtor_abm.model.fates import CycleParams, advance_cycle, nutrient_factor
from mtor_abm.model.fields import Field
from mtor_abm.model.multigrid import MultigridCG
from mtor_abm.model.neighbourhood import moore_neighbour_count
from mtor_abm.model.pharmacology import target_occupancy
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios.tumor_fields import SteadyField
from mtor_abm.model.scenarios.tumor_params import (
    DEFAULT_START_DAY,
    DX_UM,
    GENOTYPES,
    KINASE_MUTANT_FOLD,
    NORMAL,
    REPLETE_O2_MMHG,
    TUMOR,
    TumorScenario,
)
from mtor_abm.model.scenarios.tumor_readouts import timeseries_row, tumor_readouts
from mtor_abm.model.scenarios.tumor_vessels import (
    VesselParams,
    initial_vessels,
    neighbourhood_share,
    update_vessels,
)
from mtor_abm.model.scenarios.tumor_views import CATEGORY_LABELS, TumorViews
from mtor_abm.model.tissue import FateMasks, TissueModel

__all__ = (
    "CATEGORY_LABELS",
    "DEFAULT_START_DAY",
    "GENOTYPES",
    "TumorModel",
    "TumorScenario",
    "timeseries_row",
    "tumor_readouts",
)


class TumorModel(TumorViews, TissueModel):
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
        first_dose_h = min(part.start_h for part in regime.parts)  # a combination: either
        self.baseline_h = first_dose_h if regime.drug != "none" else DEFAULT_START_DAY * 24.0
        shape = (int(sc.width), int(sc.height))
        self.vessels = initial_vessels(shape, int(sc.vessel_spacing_sites), self.rng)
        self.initial_vessels = int(self.vessels.sum())
        self.immature = np.zeros(shape, dtype=bool)  # sprouted vessels (VEGF-dependent)
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
            drug = self.solvers["drug"]
            due = drug.solves == 0 or round(self.hours) % DRUG_PROFILE_EVERY_H == 0
            if due or not drug.has_sources(self.vessels):
                occupied = np.zeros(self.grid.dimensions)
                occupied[x, y] = sc.drug_uptake_per_h
                drug.solve(occupied, 0.0, self.vessels, 1.0)
            self.fields["drug"].data[...] = blood * drug.solution.reshape(self.grid.dimensions)
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
            immature=self.immature,
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
        """HIF-1a of every cell (0-1 per unit translation): stabilisation x translation; shape
        (cells,).

        Stabilisation rises steeply below ``hif_half_mmHg`` (Hill 3; Jiang 1996 AJP 271:C1172);
        a cell type's ``vhl_loss`` (:mod:`model.cell_types`) is the fraction stable at any
        oxygen, since pVHL is what degrades hydroxylated HIF-alpha in normoxia (Maxwell 1999
        Nature 399:271): ``vhl_loss + (1 - vhl_loss) * hypoxic``, 1 in VHL-null clear-cell
        renal carcinoma (genotype ``ccrcc``). Synthesis follows cap-dependent translation,
        i.e. mTORC1 through S6K and 4E-BP1 (Hudson 2002 Mol Cell Biol 22:7004), so a rapalog
        lowers HIF even in VHL-null cells (Thomas 2006 Nat Med 12:122). In ccRCC HIF-2a is the
        main driver; the model keeps one HIF-alpha -> VEGF path, named HIF-1a.
        """
        t = self.table
        o2 = self.oxygen_at_cells()
        hypoxic = 1.0 / (1.0 + (o2 / self.scenario.hif_half_mmHg) ** 3)
        stabilised = t["vhl_loss"] + (1.0 - t["vhl_loss"]) * hypoxic
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
        return self.free_space(window) | self.normal_site[window]

    def free_space(self, window=(slice(None), slice(None))) -> np.ndarray:
        """Sites (in ``window``) that are empty and not debris: where any cell can divide."""
        return self.grid.empty.data[window] & ~self.necrotic[window]

    def host_held(self, window=(slice(None), slice(None))) -> np.ndarray:
        """Sites (in ``window``) held by a host cell (a tumor cell may displace it)."""
        return self.normal_site[window]

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
        # Tumor cell loss (apoptosis): raised when survival signalling falls below untreated,
        # not lowered above it (survival signalling saturates; assumed). Survival runs through
        # AKT and through eIF4E-dependent translation of Mcl-1 (Wendel 2004 Nature 428:332;
        # Mills 2008 PNAS 105:10853): the stronger holds apoptosis off, so a TSC-null cell,
        # whose AKT the S6K-IRS1 feedback holds low, survives on its translation. Raised further
        # by a fall of translation below its adapted level (:meth:`translation_shock`), and
        # carried by the cycle: scaled by the cell's G1->S drive (:func:`cycle_engaged_loss`), so
        # a cell arrested in G1 by a cytostatic block is spared. The same rule for every
        # genotype: differences between genotypes come from their networks only.
        survival = np.maximum(outputs["survival"], outputs["translation"])
        deficit = np.clip(1.0 - survival, 0.0, 1.0)
        drive = outputs["proliferation"] * nutrient_factor(np.clip(supply, 0.0, None))
        engaged = cycle_engaged_loss(drive, sc.loss_drive_half)
        shock = self.translation_shock(outputs["translation"])
        loss = sc.tumor_cell_loss_per_h * (1.0 + deficit + sc.shock_apoptosis * shock) * engaged
        die |= is_tumor & (self.rng.random(t.n) < -np.expm1(-loss * self.dt_h))
        t["cycling"][...] = is_tumor & ((t["phase"] == 1) | (t["g1_progress"] > g1_before))
        o2 = self.oxygen_at_cells()
        hazard = sc.necrosis_per_h / (1.0 + (o2 / sc.necrosis_mmHg) ** 4)
        necrose = self.rng.random(t.n) < -np.expm1(-hazard * self.dt_h)
        self._necrose = necrose & is_tumor
        renew, turnover = self.host_renewal()
        return FateMasks(die=die | necrose | turnover, divide=divide | renew)

    def translation_shock(self, translation: np.ndarray) -> np.ndarray:
        """Fall of each cell's cap-dependent translation below the level it has adapted to,
        squared (0-1, shape (cells,)); then moves the adapted level towards the current one.

        Short-lived anti-apoptotic proteins such as Mcl-1 are made by eIF4E-dependent
        translation, so an mTORC1 block lowers them within hours (Mills 2008 PNAS 105:10853;
        Hsieh 2010 Cancer Cell 17:249), while a cell's apoptotic priming has adapted to its
        chronic signalling (Certo 2006 Cancer Cell 9:351): a cell whose translation falls far
        below its adapted level is pushed towards apoptosis, and the push fades as it adapts
        (``translation_adapt_h``). Genotypes differ through their translation only: a
        TSC-null cell runs at ~3x the reference and a rapalog takes it near the reference.
        The adapted level (column ``translation_adapted``) is inherited at division; a new
        cell starts adapted to its current level. Squared: a small fall is tolerated, a deep
        one is not (assumed form).
        """
        adapted = self.table["translation_adapted"]
        new = adapted <= 0.0
        adapted[new] = translation[new]
        with np.errstate(divide="ignore", invalid="ignore"):
            fall = np.clip(1.0 - translation / adapted, 0.0, 1.0)
        fall = np.where(adapted > 0.0, fall, 0.0)
        adapted += (translation - adapted) * -np.expm1(
            -self.dt_h / self.scenario.translation_adapt_h
        )
        return fall * fall

    def host_renewal(self) -> tuple[np.ndarray, np.ndarray]:
        """(divide, die) masks of host cells: tissue turnover and contact-inhibited renewal.

        A host cell dies at ``host_turnover_per_h``; it divides at ``host_division_per_h`` times
        its energy sufficiency when a neighbouring site is free (empty, not debris) and fewer
        than ``normal_density`` of its 8 neighbours hold host cells. The tissue thus keeps its
        density, refills space the tumor leaves, and is eroded only by the tumor.
        """
        t, sc = self.table, self.scenario
        is_host = t["type_id"] == NORMAL
        x, y = t["x"], t["y"]
        free = moore_neighbour_count(self.free_space())[x, y] > 0
        crowd = moore_neighbour_count(self.normal_site)[x, y] / 8.0
        rate = sc.host_division_per_h * self.energy_at_cells()
        draw = self.rng.random((2, t.n))
        divide = is_host & free & (crowd < sc.normal_density)
        divide &= draw[0] < -np.expm1(-rate * self.dt_h)
        die = is_host & (draw[1] < -np.expm1(-sc.host_turnover_per_h * self.dt_h))
        return divide, die

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

    # Checkpoints (engine hooks) ---------------------------------------------------------------
    def extra_checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Vessels, debris, host sites, VEGF exposure and the field solvers' state."""
        arrays = {
            "vessels": self.vessels.copy(),
            "necrotic": self.necrotic.copy(),
            "normal_site": self.normal_site.copy(),
            "vegf_exposure_h": self.vegf_exposure_h.copy(),
            "immature": self.immature.copy(),
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
        self.immature[...] = arrays.get("immature", False)  # absent in states saved before it
        for key, solver in self.solvers.items():
            # The initial guess and the coarse factors decide the solves' round-off.
            solver.load_state(split(arrays, f"solver/{key}"), meta["solvers"][key])
        self.tumor_cells_initial = int(meta["tumor_cells_initial"])
        self.vessels_sprouted = int(meta["vessels_sprouted"])
        self.vessels_lost = int(meta["vessels_lost"])

    def agent_class_for(self, type_id: int):
        """Tumor cells for type 0, host cells otherwise (used when restoring a checkpoint)."""
        return TumorCell if type_id == TUMOR else NormalCell


DRUG_PROFILE_EVERY_H = 6
"""Hours between solves of the drug's tissue profile (its shape, scaled by the blood level each
step; solved at once when drug first reaches the blood or the vessels change): cells move
little in that time (numerical; saves most of the drug solves)."""


def cycle_engaged_loss(drive: np.ndarray, half: float) -> np.ndarray:
    """Tumor cell loss relative to a cell at the reference G1->S drive; shape of ``drive``.

    ``drive`` is the cell's G1->S drive (:func:`model.signaling.outputs` ``proliferation``
    times the local :func:`model.fates.nutrient_factor`; 1 = the untreated reference cell, fed).
    Loss rises with it and saturates, ``drive (1 + half) / (drive + half)`` (1 at drive 1,
    ``1 + half`` at most, 0 for a cell arrested in G1): apoptosis in tumors is carried by
    cycling cells, as deregulated mitogenic drive engages apoptosis unless survival signals
    hold it (Evan & Vousden 2001 Nature 411:342), and a cytostatic block that holds cells in
    G1 leaves them alive rather than lost (the saturating form and ``half`` assumed).
    ``half`` 0: loss independent of the drive (1 for any drive; the default).
    """
    drive = np.clip(np.asarray(drive, dtype=float), 0.0, None)
    if half <= 0.0:
        return np.ones_like(drive)
    return drive * (1.0 + half) / (drive + half)


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
    ``resistant`` (1 = carries the scenario's resistance mutation) and ``translation_adapted``
    (the translation level a cell's apoptotic priming has adapted to, 0 = not yet set)."""
    columns = {name: table[name].dtype for name in table.columns}
    columns["cycling"] = np.int8
    columns["resistant"] = np.int8
    columns["translation_adapted"] = np.float64
    return CellTable(columns, capacity=max(1024, sites // 2))
