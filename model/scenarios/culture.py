"""Culture: an in-vitro monolayer in a dish, under a held drug concentration or a regime.

Cells are seeded sparsely on a 2D dish (one lattice site per ~20 um cell), spread over the cell
cycle as a culture taken from a growing flask is (:func:`model.fates.asynchronous_cycle`), grow,
cycle and divide into free space: into an empty neighbouring site, or, when there is none, by
pushing the cells between them and the nearest free site within ``push_radius`` one site
outwards (:meth:`CultureModel.divide_pushing`). Cells with no free site within that radius wait
in G1 (contact inhibition at confluence). Cycle events are timed inside the hour
(:func:`model.fates.grow_and_cycle` with ``exact_timing``), so a cell's cycle time does not
depend on the step. The medium above them holds
nutrients (amino acids and glucose, level 1 = fresh complete medium) that cells consume and
that exchange with the well-mixed bulk; the drug concentration is that of the medium: held
(`--conc`, schedule ``fixed``) or following a regime's blood curve.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from scipy import ndimage

from mtor_abm.agents.cell import TissueCell
from mtor_abm.model import culture_medium as medium
from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.fates import (
    CycleParams,
    advance_cycle,
    asynchronous_cycle,
    division_carry,
    nutrient_factor,
)
from mtor_abm.model.fields import Field
from mtor_abm.model.records import readout_collector
from mtor_abm.model.scenarios.base import Param, TissueScenario
from mtor_abm.model.tissue import FateMasks, TissueModel


class CultureScenario(TissueScenario):
    """Parameters of the culture scenario.

    Args:
        width: dish width in lattice sites (20 um each).
        height: dish height in lattice sites.
        initial_cells: cells seeded at random sites at 0 h.
        cell_type: the cell line's signalling parameters (a name from ``mtor-sim pathway``).
        nutrient_level: bulk medium nutrients (1 = fresh complete medium).
        growth_factor: serum growth-factor signal (1 = 10 % serum).
        oxygen: energy/oxygen sufficiency of the incubator (1 = normoxic, replete ATP); below 1
            it induces REDD1 (TSC2-dependent mTORC1 inhibition) and lowers energy (AMPK).
        nutrient_exchange_per_h: exchange rate of pericellular medium with the bulk, 1/h.
        nutrient_uptake_per_h: nutrient uptake rate of a growing cell, 1/h.
        fkbp12_level: FKBP12 abundance of the line (1 = normal, 0 = knocked out).
        push_radius: how far (sites, chessboard distance) a dividing cell can push the cells
            between it and the nearest free site to make room for its daughter; 1 = only
            into an empty neighbouring site. Lattice models of monolayers let cells divide
            while a free site lies within a proliferating rim of a few cell diameters and shift
            the cells in between (Drasdo & Hoehme 2005 Phys Biol 2:133; Block 2007 Phys Rev
            Lett 99:248101): colonies then grow exponentially while sparse, as 2-D cultures do,
            instead of their inner cells waiting for a free neighbour while the dish is mostly
            empty. 3 sites (~60 um) is assumed.
    """

    width: int = 40
    height: int = 40
    initial_cells: int = 80
    cell_type: str = "epithelial"
    nutrient_level: float = medium.NUTRIENT_LEVEL
    growth_factor: float = 1.0
    oxygen: float = 1.0
    nutrient_exchange_per_h: float = medium.NUTRIENT_EXCHANGE_PER_H
    nutrient_uptake_per_h: float = medium.NUTRIENT_UPTAKE_PER_H
    fkbp12_level: float = 1.0
    push_radius: int = 3

    PARAMETERS = MappingProxyType(
        {
            "width": Param("sites", "dish width in lattice sites of 20 um", 5, 4000),
            "height": Param("sites", "dish height in lattice sites of 20 um", 5, 4000),
            "initial_cells": Param("cells", "cells seeded at random sites at 0 h", 1, 10_000_000),
            "cell_type": Param(
                "", "signalling parameters of the cell line", choices=tuple(sg.CELL_TYPES)
            ),
            "nutrient_level": Param("relative", "bulk medium nutrients (1 = fresh medium)", 0, 10),
            "growth_factor": Param(
                "relative", "serum growth-factor signal (1 = 10 % serum)", 0, 10
            ),
            "oxygen": Param("relative", "oxygen/energy sufficiency (1 = normoxic)", 0, 1),
            "nutrient_exchange_per_h": Param(
                "1/h", "pericellular medium exchange with the bulk (assumed)", 0, 100
            ),
            "nutrient_uptake_per_h": Param(
                "1/h", "nutrient uptake of a growing cell (assumed)", 0, 100
            ),
            "fkbp12_level": Param(
                "relative", "FKBP12 abundance (1 = normal, 0 = knockout)", 0, 100
            ),
            "push_radius": Param(
                "sites",
                "how far a dividing cell can push neighbours to a free site (assumed)",
                1,
                20,
            ),
        }
    )


class CultureModel(TissueModel):
    """A monolayer culture under a regime (see module docstring)."""

    in_vivo = False  # the regime's level is the medium's: read as it is (potency calibration)

    STEP_H = 1.0
    """Hours per step: run lengths are whole numbers of steps."""

    def __init__(self, scenario: CultureScenario, regime, library=None):
        if regime.co_regime is not None:
            raise InputError(
                f"regime: a dish holds one drug in its medium, got the combination "
                f"{regime.label}; allowed: one drug (run a combination in vivo, e.g. transplant)"
            )
        if regime.target_trough_ng_ml is not None:
            raise InputError(
                f"regime: a dish has no blood to monitor, got {regime.drug} titrated to a "
                f"trough of {regime.target_trough_ng_ml[0]:g}-{regime.target_trough_ng_ml[1]:g} "
                "ng/mL; allowed: a held concentration or a fixed dose (run trough monitoring "
                "in vivo, e.g. transplant)"
            )
        super().__init__(
            scenario, regime, library, dt_h=self.STEP_H, cell_types=(scenario.cell_type,)
        )
        sc = scenario
        self.type_params[0]["fkbp12_level"] = float(sc.fkbp12_level)
        self.cycle = CycleParams()
        self.medium_inputs = sg.Inputs(
            growth_factor=sc.growth_factor,
            amino_acids=sc.nutrient_level,
            energy=sc.oxygen,
            oxygen=sc.oxygen,  # hypoxia: REDD1 -> TSC2 as well as energy (AMPK)
        )
        self.nutrients = Field.on_grid(
            self.grid, "nutrients", float(sc.nutrient_level), diffusion_um2_per_s=0.0
        )
        self.drug = Field.on_grid(self.grid, "drug", 0.0, diffusion_um2_per_s=0.0)
        self.fields = {"nutrients": self.nutrients, "drug": self.drug}
        n = min(int(sc.initial_cells), sc.width * sc.height)
        sites = self.rng.choice(sc.width * sc.height, size=n, replace=False)
        for flat in sites:
            site = self.grid[(int(flat // sc.height), int(flat % sc.height))]
            self.add_cell(TissueCell, site, 0, self.medium_inputs)
        asynchronous_cycle(self.table, np.arange(self.n_cells), self.cycle, self.rng)
        self.cells_initial = self.n_cells
        self.datacollector = readout_collector(self)  # one Mesa reporter per readout

    def record(self) -> dict[str, float]:
        """This hour's timeseries record (see :func:`timeseries_row`)."""
        return timeseries_row(self)

    # Phase 2 ------------------------------------------------------------------------------
    def update_fields(self) -> None:
        """Nutrients: exchange with the bulk medium and uptake by cells; drug: the medium."""
        sc = self.scenario
        t = self.table
        uptake = np.zeros(self.grid.dimensions)
        if t.n:
            growth = sg.translation_rate(t.view(("s6k", "p4ebp1")))
            uptake[t["x"], t["y"]] = sc.nutrient_uptake_per_h * np.clip(growth, 0.0, None)
        k_ex = sc.nutrient_exchange_per_h
        self.nutrients.step(
            self.dt_h, production=k_ex * sc.nutrient_level, uptake_rate_per_h=uptake + k_ex
        )
        self.drug.data[...] = sum(c for s, c in self.blood_nM.items() if s != "none")

    # Phase 3 ------------------------------------------------------------------------------
    def sense_inputs(self) -> sg.Inputs:
        """Each cell reads the pericellular nutrient level; serum and oxygen are uniform."""
        t = self.table
        local = self.nutrients.data[t["x"], t["y"]]
        return self.medium_inputs._replace(amino_acids=local)

    # Phase 5 ------------------------------------------------------------------------------
    def decide_fates(self):
        """Growth, the cycle and death from the signalling outputs (model.fates)."""
        t = self.table
        if t.n == 0:
            return FateMasks(np.zeros(0, bool), np.zeros(0, bool))
        outputs = sg.outputs(t.view(sg.STATE_NAMES), t.view(sg.PARAM_NAMES))
        nutrient = self.nutrients.data[t["x"], t["y"]]  # 1 = fresh complete medium
        has_space = self.free_site_distance()[t["x"], t["y"]] <= self.scenario.push_radius
        die, divide = advance_cycle(
            t, outputs, nutrient, has_space, self.dt_h, self.cycle, self.rng, exact_timing=True
        )
        fed = nutrient_factor(np.clip(nutrient, 0.0, None))
        self._carry = division_carry(t, outputs, fed, self.dt_h, self.cycle)
        return FateMasks(die=die, divide=divide)

    def free_site_distance(self) -> np.ndarray:
        """Chessboard distance (sites) from every site to the nearest empty site; 0 where empty,
        a number larger than the dish where none is left."""
        occupied = ~self.grid.empty.data
        if occupied.all():
            return np.full(occupied.shape, occupied.size, dtype=np.int64)
        return ndimage.distance_transform_cdt(occupied, metric="chessboard")

    # Phase 6 ------------------------------------------------------------------------------
    def apply_events(self, masks: FateMasks) -> None:
        """Deaths, then divisions in a random order (:meth:`divide_pushing`); each pair of
        daughters gets what it did since the division inside the step
        (:func:`model.fates.division_carry`)."""
        t = self.table
        g1_carry, mass_carry = self._carry
        owners = t.owners
        carry = {
            owners[r]: (g1_carry[r], mass_carry[r])
            for r in np.flatnonzero(masks.divide & ~masks.die)
        }
        dying, dividing = self.acting_cells(masks)
        dying.do("perish")
        for cell in dividing:
            daughter = self.divide_pushing(cell)
            if daughter is None:
                continue
            g1, mass = carry[cell]
            for row in (cell.row, daughter.row):
                t["g1_progress"][row] += g1
                t["mass"][row] += mass

    def divide_pushing(self, cell: TissueCell) -> TissueCell | None:
        """Divide ``cell``: into a uniformly chosen empty Moore neighbour if there is one; else
        towards a uniformly chosen nearest empty site within ``push_radius`` (chessboard
        distance ``d``), moving each cell on the lattice line from ``cell`` to that site one
        site along it and placing the daughter on the site next to ``cell``. None (no
        division this step) when no site is free within the radius.
        """
        site = self.random_empty_neighbour(cell.cell.coordinate)
        if site is not None:
            return cell.divide(site)
        x, y = cell.cell.coordinate
        radius = int(self.scenario.push_radius)
        x0, y0 = max(x - radius, 0), max(y - radius, 0)
        window = self.grid.empty.data[x0 : x + radius + 1, y0 : y + radius + 1]
        free = np.argwhere(window) + np.array([x0, y0])
        if len(free) == 0:
            return None
        offsets = free - (x, y)
        distance = np.abs(offsets).max(axis=1)
        nearest = offsets[distance == distance.min()]
        dx, dy = nearest[self.rng.integers(len(nearest))]
        d = int(max(abs(dx), abs(dy)))
        k = np.arange(1, d + 1)
        path = np.stack(
            [x + np.floor(k * dx / d + 0.5), y + np.floor(k * dy / d + 0.5)], axis=1
        ).astype(int)  # Moore steps: every site but the last is occupied (none is nearer)
        for i in range(d - 2, -1, -1):  # from the free end back to the dividing cell
            pushed = self.grid[tuple(path[i])].agents[0]
            pushed.place(self.grid[tuple(path[i + 1])])
        return cell.divide(self.grid[tuple(path[0])])


# ------------------------------------------------------------------------------ readouts
CELL_MEANS = (
    "cycling_fraction",
    "mean_pS6K",
    "mean_p4EBP1",
    "mean_pAKT_S473",
    "mean_autophagy",
    "mean_mass",
)
"""Per-cell averages in each timeseries record (None when no cell is left: undefined, not 0)."""


def timeseries_row(model: CultureModel) -> dict[str, float]:
    """One hourly record of the culture (the DataCollector's model reporters)."""
    t = model.table
    ref = sg.reference_levels()
    row = {
        "time_h": model.hours,
        "cells": float(t.n),
        "drug_nM": float(sum(c for s, c in model.blood_nM.items() if s != "none")),
        "nutrients_mean": float(model.nutrients.data.mean()),
    }
    if t.n:
        out = sg.outputs(t.view(sg.STATE_NAMES), t.view(sg.PARAM_NAMES))
        row.update(
            cycling_fraction=float(np.mean(t["phase"] == 1)),
            mean_pS6K=float(t["s6k"].mean() / ref["s6k"]),
            mean_p4EBP1=float(t["p4ebp1"].mean() / ref["p4ebp1"]),
            mean_pAKT_S473=float(t["akt_s473"].mean() / ref["akt_s473"]),
            mean_autophagy=float(out["autophagy"].mean()),
            mean_mass=float(t["mass"].mean()),
        )
    else:
        row.update(dict.fromkeys(CELL_MEANS, None))  # a mean over no cells: undefined
    return row


def doubling_time_h(hours: np.ndarray, cells: np.ndarray) -> float | None:
    """Population doubling time from a log-linear fit of cell count, h.

    None when the population did not grow: no net gain over the run (a flat, noisy count
    otherwise fits a meaningless slope, e.g. 3740 h for a dish that went from 100 to 100
    cells) or a fitted slope that is not positive.
    """
    keep = cells > 0
    if keep.sum() < 3 or cells[-1] <= cells[0]:
        return None
    slope = np.polyfit(hours[keep], np.log(cells[keep]), 1)[0]
    return float(np.log(2.0) / slope) if slope > 1e-9 else None


def growth_inhibition(n0: int, n: int, n0_untreated: int, n_untreated: int) -> float | None:
    """``1 - (N - N0) / (N_untreated - N0)`` (NCI-60 convention): 0 = grows as untreated,
    1 = no net growth, > 1 = net loss. None when the untreated culture did not grow
    (``N_untreated - N0 <= 0``): there is no growth to inhibit, so the index is undefined,
    for the untreated arm itself as for every treated arm against it."""
    gain_untreated = n_untreated - n0_untreated
    if gain_untreated <= 0:
        return None
    return float(1.0 - (n - n0) / gain_untreated)


def culture_readouts(model: CultureModel, twin: CultureModel | None, series) -> dict:
    """Summary readouts; ``growth_inhibition`` (:func:`growth_inhibition`) against the
    untreated ``twin`` on the same seed, or against itself for an untreated run (0 when it
    grew); None when the untreated culture did not grow, or a treated run has no twin.
    """
    n0, n = model.cells_initial, model.n_cells
    untreated = twin if twin is not None else model if model.regime.drug == "none" else None
    gi = None
    if untreated is not None:
        gi = growth_inhibition(n0, n, untreated.cells_initial, untreated.n_cells)
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["cells"], dtype=float)
    return {
        "cells_initial": int(n0),
        "cells_final": int(n),
        "doubling_time_h": doubling_time_h(hours, cells),
        "growth_inhibition": gi,
    }
