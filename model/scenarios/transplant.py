"""Transplant: a donor graft in host tissue, rejected (or not) by alloreactive T-cells.

A disc of donor tissue sits in host tissue; donor antigen-presenting cells (passenger
leukocytes) are scattered in it at the start. Host naive alloreactive T-cells arrive through
vessels at a steady rate, crawl (random walk biased up a chemokine made by the inflamed graft),
are primed on contact with donor APCs (or, weakly, graft cells), secrete IL-2 (a diffusing
field they also consume), proliferate through IL-2 -> PI3K -> mTORC1 -> G1->S, and
differentiate by mTORC1 activity into effectors, memory precursors or Tregs
(:mod:`model.scenarios.transplant_tcells`). Natural Tregs enter with the naive precursors from
0 h. Effectors kill donor cells on contact; Tregs restrain nearby effectors. Drugs reach the
tissue from the vessels as a diffusing field: rapalogs act on the T-cells' mTOR network,
calcineurin inhibitors (tacrolimus, cyclosporine) on their NFAT-made IL-2 and FoxP3 induction.

Precursor frequency: only alloreactive precursors are simulated (1-10 % of host T-cells are
alloreactive; Suchin 2001 J Immunol 166:973); each simulated naive cell is one precursor, so a
few tens of them entering expand to thousands while bystander T-cells are left out.

Optional challenges (:mod:`model.scenarios.transplant_challenges`): ``infection=true`` seeds a
pathogen at ``infection_day`` that pathogen-specific T-cells must clear; ``wound=true`` opens a
surgical wound at 0 h that fibroblasts close.

Modules: the scenario's parameters and constants are :mod:`model.scenarios.transplant_params`,
the T-cell side of the model :mod:`model.scenarios.transplant_response`, its views
:mod:`model.scenarios.transplant_views` and its records and readouts
:mod:`model.scenarios.transplant_readouts`, the wound's and the infection's steps
:mod:`model.scenarios.transplant_wound_infection`; this module holds the tissue, fields and
phases.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.agents.cell import TissueCell
from mtor_abm.agents.transplant import (
    DONOR_APC,
    EFFECTOR,
    FIBROBLAST,
    GRAFT,
    HOST,
    MEMORY,
    TREG,
    Fibroblast,
    GraftCell,
    TCell,
)
from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.checkpoint import recreate_agents, split
from mtor_abm.model.errors import InputError
from mtor_abm.model.fates import CycleParams
from mtor_abm.model.fields import Field
from mtor_abm.model.pharmacology import calcineurin_inhibition, target_occupancy
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios import transplant_challenges as ch
from mtor_abm.model.scenarios import transplant_tcells as tc
from mtor_abm.model.scenarios.transplant_fields import CachedImplicitField
from mtor_abm.model.scenarios.transplant_params import (
    APC_DEATH_PER_H,
    CHEMOKINE_DECAY_PER_H,
    CHEMOKINE_DIFFUSION_UM2_PER_S,
    CHEMOKINE_GRAFT_PER_H,
    CHEMOKINE_PATHOGEN_PER_H,
    DRUG_DIFFUSION_UM2_PER_S,
    DRUG_TISSUE_LOSS_PER_H,
    IL2_DECAY_PER_H,
    IL2_DIFFUSION_UM2_PER_S,
    TransplantScenario,
)
from mtor_abm.model.scenarios.transplant_readouts import timeseries_row, transplant_readouts
from mtor_abm.model.scenarios.transplant_response import TCELL_COLUMNS, TCellResponse
from mtor_abm.model.scenarios.transplant_views import CATEGORY_LABELS, TransplantViews
from mtor_abm.model.scenarios.transplant_wound_infection import WoundAndInfection
from mtor_abm.model.tissue import BASE_COLUMNS, FateMasks, TissueModel

__all__ = (
    "CATEGORY_LABELS",
    "TransplantModel",
    "TransplantScenario",
    "transplant_readouts",
)


class TransplantModel(TCellResponse, WoundAndInfection, TransplantViews, TissueModel):
    """Host tissue with a donor graft and the T-cell response (see module docstring)."""

    STEP_H = 1.0
    """Hours per step: run lengths are whole numbers of steps."""

    def __init__(self, scenario: TransplantScenario, regime, library=None):
        super().__init__(scenario, regime, library, dt_h=self.STEP_H, cell_types=CELL_TYPES)
        sc = scenario
        columns = {**BASE_COLUMNS, "kind": np.int8}
        columns.update(dict.fromkeys(sg.STATE_NAMES, float))
        columns.update(dict.fromkeys(sg.PARAM_NAMES, float))
        self.table = CellTable(columns, capacity=sc.width * sc.height + 64)
        tcols = {**TCELL_COLUMNS, **dict.fromkeys(sg.STATE_NAMES, float)}
        self.tcells = CellTable(tcols, capacity=4096)
        self.tparams = tc.TCellParams()
        self.tcell_signalling = sg.cell_type_params("tcell")
        self.tcell_ref = tc.activated_reference(self.tparams)
        self._resting = sg.new_state(
            1, self.tcell_signalling, sg.Inputs(growth_factor=self.tparams.gf_rest)
        )
        self.cycle = CycleParams()
        self.pathogen_params = ch.PathogenParams()
        self.wound_params = ch.WoundParams()
        shape = (sc.width, sc.height)
        self.graft_mask = ch.disc_mask(shape, (sc.width // 2, sc.height // 2), sc.graft_radius)
        self.wound_mask = np.zeros(shape, dtype=bool)
        if sc.wound:
            centre = (max(int(sc.wound_radius) + 3, sc.width // 5), sc.height // 5)
            self.wound_mask = ch.disc_mask(shape, centre, sc.wound_radius) & ~self.graft_mask
        self._build_tissue()
        self.vessel_mask = self._place_vessels(int(sc.vessels))
        self.vessel_sites = np.argwhere(self.vessel_mask)
        self.il2 = CachedImplicitField.on_grid(
            self.grid,
            "IL2",
            0.0,
            diffusion_um2_per_s=IL2_DIFFUSION_UM2_PER_S,
            decay_per_h=IL2_DECAY_PER_H,
        )
        self.chemokine = CachedImplicitField.on_grid(
            self.grid,
            "chemokine",
            0.0,
            diffusion_um2_per_s=CHEMOKINE_DIFFUSION_UM2_PER_S,
            decay_per_h=CHEMOKINE_DECAY_PER_H,
        )
        self.drug = Field.on_grid(
            self.grid,
            "drug",
            0.0,
            diffusion_um2_per_s=DRUG_DIFFUSION_UM2_PER_S,
            decay_per_h=DRUG_TISSUE_LOSS_PER_H,
            source_mask=self.vessel_mask,
            source_values=1.0,
            method="implicit",
        )
        self.drug.step(10_000.0)  # the steady profile per nM of blood (see update_fields)
        self.drug_profile = self.drug.data.copy()
        self.drug.data[...] = 0.0
        self.fields = {"IL2": self.il2, "chemokine": self.chemokine, "drug": self.drug}
        self.pathogen = np.zeros(shape)
        self.kind_grid = np.full(shape, -1, dtype=np.int8)
        self._refresh_kind_grid()
        self.graft_initial = int(np.sum(self.table["kind"] == GRAFT))
        self.wound_area = int(self.wound_mask.sum())
        self.fibroblast_s6k_ref = float(self.steady_state_values(FIBROBLAST_TYPE)["s6k"])
        self.counters = {
            "kills": 0,
            "divisions": 0,
            "activated": 0,
            "allo_entered": 0,
            "pathogen_entered": 0,
            "natural_tregs_entered": 0,
        }
        self.division_ages: list[float] = []
        self.infection_cleared_day: float | None = None
        self.wound_closure_day: float | None = None
        self._infected = False
        self.datacollector = readout_collector(self)  # one Mesa reporter per readout

    # ------------------------------------------------------------------ building the tissue
    def _build_tissue(self) -> None:
        """Host cells everywhere, a donor disc with APCs, an open wound ringed by fibroblasts."""
        sc = self.scenario
        ring = np.zeros_like(self.wound_mask)
        if sc.wound:
            centre = np.argwhere(self.wound_mask).mean(axis=0).round().astype(int)
            outer = ch.disc_mask(
                self.wound_mask.shape,
                tuple(centre),
                sc.wound_radius + self.wound_params.fibroblast_ring,
            )
            ring = outer & ~self.wound_mask & ~self.graft_mask
        graft_sites = np.flatnonzero(self.graft_mask.ravel())
        n_apc = min(int(sc.donor_apcs), len(graft_sites))
        apc_sites = set(self.rng.choice(graft_sites, size=n_apc, replace=False).tolist())
        for flat in range(sc.width * sc.height):
            x, y = divmod(flat, sc.height)
            if self.wound_mask[x, y]:
                continue
            if self.graft_mask[x, y]:
                kind, type_id = (DONOR_APC if flat in apc_sites else GRAFT), DONOR_TYPE
            elif ring[x, y]:
                kind, type_id = FIBROBLAST, FIBROBLAST_TYPE
            else:
                kind, type_id = HOST, HOST_TYPE
            agent = self.add_cell(AGENT_CLASSES[type_id], self.grid[(x, y)], type_id)
            self.table["kind"][agent.row] = kind

    def _place_vessels(self, n: int) -> np.ndarray:
        """``n`` vessel sites in host tissue at least two sites from the graft and wound."""
        keep_out = tc.neighbourhood_sum(self.graft_mask | self.wound_mask) > 0
        keep_out = tc.neighbourhood_sum(keep_out) > 0
        free = np.flatnonzero(~keep_out.ravel())
        if len(free) == 0:
            sc = self.scenario
            raise InputError(
                f"graft_radius ({sc.graft_radius:g}) and wound_radius leave no host tissue for "
                f"vessels in a {sc.width}x{sc.height} tissue; allowed: a graft smaller than the "
                "tissue, e.g. graft_radius <= width / 3"
            )
        chosen = self.rng.choice(free, size=min(n, len(free)), replace=False)
        mask = np.zeros(self.graft_mask.shape, dtype=bool)
        mask.ravel()[chosen] = True
        return mask

    def _refresh_kind_grid(self) -> None:
        """The tissue kind at every site (-1 empty), from the tissue table."""
        t = self.table
        self.kind_grid.fill(-1)
        self.kind_grid[t["x"], t["y"]] = t["kind"]

    # ------------------------------------------------------------------ phase 2: fields
    def update_fields(self) -> None:
        """Drug from the vessels; chemokine from donor and infected sites; IL-2 from T-cells.

        Tissue drug equilibrates with blood within ~1 h (L^2/D over the tissue), much faster
        than PK changes, so it is the blood level times the field's steady profile from the
        vessels (computed once).
        """
        blood = sum(c for s, c in self.blood_nM.items() if s != "none")
        self.drug.data[...] = blood * self.drug_profile
        donor = (self.kind_grid == GRAFT) | (self.kind_grid == DONOR_APC)
        chem = CHEMOKINE_GRAFT_PER_H * donor + CHEMOKINE_PATHOGEN_PER_H * self.pathogen
        self.chemokine.step(self.dt_h, production=chem)
        t, p = self.tcells, self.tparams
        shape = self.il2.data.shape
        if t.n == 0:
            self.il2.step(self.dt_h)
            return
        subset = t["subset"]
        conventional = (subset == EFFECTOR) | (subset == MEMORY)
        suppression = self._suppression()
        self._nfat = 1.0 - self._calcineurin_block(t["x"], t["y"])
        secretion = p.il2_secretion_pM_per_h * t["tcr"] * suppression * self._nfat
        secretion = np.where(conventional, secretion, 0.0)
        uptake = np.select(
            [conventional, subset == TREG], [p.il2_uptake_per_h, p.il2_uptake_treg_per_h], 0.0
        )
        x, y = t["x"], t["y"]
        self.il2.step(
            self.dt_h,
            production=tc.per_site_counts(x, y, secretion, shape),
            uptake_rate_per_h=tc.per_site_counts(x, y, uptake, shape),
        )

    def _calcineurin_block(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | float:
        """Fraction of calcineurin-NFAT signalling blocked (0-1) in T-cells at sites (x, y),
        averaged over this step (:func:`model.pharmacology.calcineurin_inhibition`: tacrolimus
        through the T-cell's FKBP12, so sirolimus competes with it; cyclosporine). NFAT makes
        the T-cell's IL-2 (Bierer 1990 PNAS 87:9231) and opens the Foxp3 gene (Tone 2008 Nat
        Immunol 9:194)."""
        fkbp12 = self.tcell_signalling["fkbp12_level"]
        (block,) = self.mean_drug_action(
            lambda conc: (calcineurin_inhibition(self._drug_at(x, y, conc), fkbp12, self.library),),
            entries=1,
        )
        return block

    def local_drug_nM(self, blood_nM: dict[str, float]) -> dict[str, np.ndarray | float]:
        """Drug per species at each tissue cell: the blood level scaled by the tissue field."""
        return self._drug_at(self.table["x"], self.table["y"], blood_nM)

    def _drug_at(self, x: np.ndarray, y: np.ndarray, blood_nM: dict[str, float]):
        """Per-species drug concentration (nM) at sites (x, y) for blood levels ``blood_nM``:
        each species' blood level times the tissue's steady profile per nM of blood."""
        share = self.drug_profile[x, y]
        return {s: c * share for s, c in blood_nM.items() if s != "none" and c > 0}

    # ------------------------------------------------------------------ phase 4: signalling
    def signal(self, inputs: sg.Inputs) -> None:
        """Tissue cells (base class), then every T-cell from its TCR, IL-2 and local drug."""
        super().signal(inputs)
        t, p = self.tcells, self.tparams
        if t.n == 0:
            return
        self._il2_occ = tc.il2_occupancy(self.il2.data[t["x"], t["y"]], p)
        gf = tc.growth_input(t["subset"], t["tcr"], self._il2_occ, p)
        fkbp12 = self.tcell_signalling["fkbp12_level"]
        occ, inh1, inh2 = self.mean_drug_action(
            lambda conc: target_occupancy(self._drug_at(t["x"], t["y"], conc), fkbp12, self.library)
        )
        tin = sg.Inputs(growth_factor=gf, occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2)
        sg.advance(t.view(sg.STATE_NAMES), self.tcell_signalling, tin, self.dt_h)

    # ------------------------------------------------------------------ phase 5: fates
    def decide_fates(self) -> FateMasks:
        """Fibroblast cycle and APC loss (tissue); T-cell contact, activation, cycle, death."""
        t = self.table
        die = np.zeros(t.n, dtype=bool)
        divide = np.zeros(t.n, dtype=bool)
        apc = t["kind"] == DONOR_APC
        die[apc] = self.rng.random(int(apc.sum())) < -np.expm1(-APC_DEATH_PER_H * self.dt_h)
        fib = np.flatnonzero(t["kind"] == FIBROBLAST)
        if len(fib):
            divide[fib] = self._fibroblast_cycle(fib)
        self._tcell_fates()
        return FateMasks(die=die, divide=divide)

    # ------------------------------------------------------------------ phase 6: events
    def apply_events(self, masks: FateMasks) -> None:
        """Tissue deaths and divisions, fibroblast migration, T-cell events, entry and moves."""
        super().apply_events(masks)
        self._refresh_kind_grid()
        if self.scenario.wound:
            self._migrate_fibroblasts()
        self._tcell_events()
        self._enter_tcells()
        self._move_tcells()
        self._update_pathogen()
        self._check_wound()
        self.tcells["age_h"][...] += self.dt_h

    def refill_margin(self, x: int, y: int) -> None:
        """A fibroblast left site (x, y): the dermis recruits a new one there off the wound;
        on the wound the site is open again."""
        if not self.wound_mask[x, y]:
            recruit = self.add_cell(Fibroblast, self.grid[(x, y)], FIBROBLAST_TYPE)
            self.table["kind"][recruit.row] = FIBROBLAST
        else:
            self.kind_grid[x, y] = -1

    # ------------------------------------------------------------------ checkpoints
    def agent_class_for(self, type_id: int):
        """The agent class of tissue cells of ``type_id`` (for checkpoint restore)."""
        return AGENT_CLASSES[type_id]

    def extra_checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """T-cell table and agents, pathogen, vessels and the counters behind the readouts."""
        t = self.tcells
        arrays = {f"tcells/{c}": t[c].copy() for c in t.columns}
        arrays["tcells/_unique_id"] = np.array([a.unique_id for a in t.owners[: t.n]], np.int64)
        arrays["pathogen"] = self.pathogen.copy()
        arrays["vessel_mask"] = self.vessel_mask.copy()
        arrays["division_ages"] = np.asarray(self.division_ages, dtype=float)
        meta = {
            "counters": dict(self.counters),
            "infection_cleared_day": self.infection_cleared_day,
            "wound_closure_day": self.wound_closure_day,
            "infected": self._infected,
        }
        return arrays, meta

    def restore_extra_checkpoint_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`extra_checkpoint_state` (after the engine restored the tissue)."""
        counter = self.agent_id_counter
        table = split(arrays, "tcells")
        uids = table.pop("_unique_id")
        for agent in list(self.tcells.owners[: self.tcells.n]):
            agent.remove()
        rows = self.tcells.load_columns(table)
        recreate_agents(rows, uids, lambda r: TCell(self, r))
        self.agent_id_counter = counter
        self.pathogen[...] = arrays["pathogen"]
        self.vessel_mask = np.asarray(arrays["vessel_mask"], dtype=bool)
        self.vessel_sites = np.argwhere(self.vessel_mask)
        self.division_ages = [float(v) for v in arrays["division_ages"]]
        self.counters = {k: int(v) for k, v in meta["counters"].items()}
        self.infection_cleared_day = meta["infection_cleared_day"]
        self.wound_closure_day = meta["wound_closure_day"]
        self._infected = bool(meta["infected"])
        self._refresh_kind_grid()

    # ------------------------------------------------------------------ phase 7: readouts
    def record(self) -> dict[str, float]:
        """This hour's timeseries record (see :func:`timeseries_row`)."""
        return timeseries_row(self)


HOST_TYPE, DONOR_TYPE, FIBROBLAST_TYPE = 0, 1, 2
CELL_TYPES = ("epithelial", "epithelial", "fibroblast")
"""Signalling types of the tissue table by type_id: host parenchyma, donor cells (graft and
APCs), wound fibroblasts."""
AGENT_CLASSES = (TissueCell, GraftCell, Fibroblast)
"""Agent class of each type_id (also used to rebuild agents from a checkpoint)."""
