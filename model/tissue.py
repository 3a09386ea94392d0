"""TissueModel: the engine every scenario shares.

A Mesa model on a ``mesa.discrete_space`` lattice (one cell per site, ~20 um apart), with
diffusion-reaction fields as PropertyLayers, a per-cell state table (:mod:`model.celltable`)
and the step as named phases:

1. :meth:`dose_and_pk`    scheduled doses enter, blood concentrations advance over the step;
2. :meth:`update_fields`  sources and sinks, diffusion (scenario-specific);
3. :meth:`sense_inputs`   every cell reads its local fields in one gather;
4. :meth:`signal`         one vectorised update of every cell's mTOR state;
5. :meth:`decide_fates`   vectorised rates and hazards -> masks of cells that act;
6. :meth:`apply_events`   the cells with events act, through Mesa ``AgentSet``s;
7. :meth:`collect`        readouts into the DataCollector.

Scenario models also offer the views the dashboard and snapshot figures use:
:meth:`category_layer`, :meth:`readout_layers`, :meth:`field_layers`, :meth:`cell_state_at`,
and ``timeseries()`` (columns of the recorded readouts, with ``time_h``).

One step is ``dt_h`` hours of tissue time (1 h unless a scenario says otherwise): the hours
``[t, t + dt)``, whose drug exposure is the interval average of :mod:`model.exposure` (the
convention every model and the adverse panel share); the record at ``time_h = t + dt``
describes that step. Nothing here is module-level state: many models live side by side in one
process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import mesa
import numpy as np
from mesa.agent import AgentSet

from mtor_abm.model import records
from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.checkpoint import (
    join,
    model_clock_state,
    recreate_agents,
    restore_model_clock_state,
    split,
)
from mtor_abm.model.exposure import StepExposure, step_exposure
from mtor_abm.model.mesa_internals import LazyMooreGrid
from mtor_abm.model.neighbourhood import moore_neighbour_count
from mtor_abm.model.pharmacology import (
    DrugLibrary,
    Regime,
    check_regime,
    load_library,
    target_occupancy,
)
from mtor_abm.model.pk_state import pk_state
from mtor_abm.model.species import HUMAN, Subject

#: Columns every tissue's cell table has besides signalling state and parameters.
BASE_COLUMNS: Mapping[str, type] = MappingProxyType(
    {
        "x": np.int32,
        "y": np.int32,
        "type_id": np.int16,
        "mass": float,  # cell mass relative to a newborn cell (1 = newborn, ~2 at division)
        "g1_progress": float,  # progress through G1 towards the G1->S transition (0-1)
        "phase": np.int8,  # 0 = G1 (or G0), 1 = S/G2/M
        "phase_timer_h": float,  # hours spent in S/G2/M
        "age_h": float,  # hours since birth
    }
)


@dataclass
class FateMasks:
    """Rows of cells with a discrete event this step (boolean masks over live rows)."""

    die: np.ndarray
    divide: np.ndarray


class TissueModel(mesa.Model):
    """Base class of scenario models: lattice, fields, cell table, PK and the step.

    Args:
        scenario: the scenario's typed parameters (a ``mesa.experimental.scenarios.Scenario``)
            with at least ``width`` and ``height`` (sites).
        regime: drug regime (drug ``none`` for the untreated control).
        library: drug library (default: the packaged one).
        dt_h: hours per step.
        cell_types: the cell types this tissue can hold (index = ``type_id``).
    """

    in_vivo: bool = True
    """True: the regime's concentrations are a patient's whole-blood levels, read by the cells
    through their free drug (:meth:`mean_drug_action`); a culture sets False (medium levels)."""
    subject: Subject = HUMAN
    """Whose blood the regime's doses reach (tissue scenarios follow patients)."""

    def __init__(
        self,
        scenario,
        regime: Regime,
        library: DrugLibrary | None = None,
        dt_h: float = 1.0,
        cell_types: tuple[str, ...] = ("epithelial",),
    ):
        super().__init__(scenario=scenario)
        self.library = library or load_library()
        check_regime(regime, self.library)
        self.regime = regime
        self.dt_h = float(dt_h)
        self.hours = 0.0
        self.cell_types = tuple(cell_types)
        self.type_params = [sg.cell_type_params(name) for name in self.cell_types]
        width, height = int(scenario.width), int(scenario.height)
        # Mesa's Moore grid, building a site's Cell only on first use (model.mesa_internals):
        # the eager grid costs ~1.3 KB per site, most of a large slice's memory.
        self.grid = LazyMooreGrid((width, height), torus=False, capacity=1, random=self.random)
        columns = {**BASE_COLUMNS}
        columns.update(dict.fromkeys(sg.STATE_NAMES, float))
        columns.update(dict.fromkeys(sg.PARAM_NAMES, float))
        self.table = CellTable(columns, capacity=max(1024, width * height // 4))
        self.fields: dict = {}
        self.pk = pk_state(regime, self.library)
        self.exposure = StepExposure.none(0.0, self.pk.species)
        self.blood_nM: dict[str, float] = self.exposure.mean_conc_nM()
        self._steady_rows: dict[tuple, dict[str, float]] = {}

    # ------------------------------------------------------------------ building the tissue
    def steady_state_values(self, type_id: int, inputs: sg.Inputs | None = None) -> dict:
        """Parameters and untreated steady state of a cell type under ``inputs`` (one row).

        Computed once per (type, inputs) and kept on this model: seeding thousands of cells
        costs one steady-state integration per cell type, not one per cell.
        """
        key = (type_id, tuple(inputs or sg.Inputs()))
        if key not in self._steady_rows:
            params = self.type_params[type_id]
            state = sg.new_state(1, params, inputs)
            self._steady_rows[key] = {**params, **{k: float(v[0]) for k, v in state.items()}}
        return self._steady_rows[key]

    def add_cell(self, agent_class, site, type_id: int, inputs: sg.Inputs | None = None):
        """Create a cell of ``self.cell_types[type_id]`` at ``site``, at its steady state."""
        values = dict(self.steady_state_values(type_id, inputs))
        values.update(type_id=type_id, mass=1.0 + self.rng.random(), g1_progress=self.rng.random())
        row = self.table.add(values)
        agent = agent_class(self, row)
        agent.place(site)
        return agent

    @property
    def n_cells(self) -> int:
        """Number of live cells."""
        return self.table.n

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance the tissue by ``dt_h`` hours through the named phases."""
        self.dose_and_pk()
        self.update_fields()
        inputs = self.sense_inputs()
        self.signal(inputs)
        masks = self.decide_fates()
        self.apply_events(masks)
        self.hours += self.dt_h
        self.table["age_h"][...] += self.dt_h
        self.collect()

    def dose_and_pk(self) -> None:
        """Phase 1: blood concentrations over this step (exact PK, doses inside it included).

        ``self.exposure`` is the step's exposure (:func:`model.exposure.step_exposure`) and
        ``self.blood_nM`` its mean blood concentration per species (nM).
        """
        self.exposure = step_exposure(self.pk, self.dt_h)
        self.blood_nM = self.exposure.mean_conc_nM()

    def update_fields(self) -> None:
        """Phase 2: sources, sinks and diffusion of the scenario's fields."""

    def sense_inputs(self) -> sg.Inputs:
        """Phase 3: what each cell senses; scenarios override with their fields."""
        return sg.Inputs()

    def local_drug_nM(self, blood_nM: dict[str, float]) -> dict[str, np.ndarray | float]:
        """Drug concentration per species at each cell when the blood holds ``blood_nM``
        (default: the blood concentration; scenarios scale it by their tissue profiles)."""
        return {s: c for s, c in blood_nM.items() if s != "none" and c > 0}

    def step_drug_action(self):
        """(FRB occupancy, mTORC1 and mTORC2 inhibition) of every cell averaged over this step."""
        return self.mean_drug_action(lambda conc: self.drug_action(self.local_drug_nM(conc)))

    def mean_drug_action(self, action, entries: int = 3) -> tuple:
        """The step's average of ``action(conc)``, ``conc`` (nM by species) being the step's
        blood levels as the cells' targets read them: a patient's whole-blood level through
        its free drug (:meth:`model.druglib.DrugLibrary.acting_nM`, the subject
        :attr:`subject`), a culture's medium level as it is (:attr:`in_vivo` False). Tissue
        fields scale these levels linearly, so a field may scale either."""
        if not self.in_vivo:
            return self.exposure.mean_action(action, entries)
        lib, subject = self.library, self.subject
        return self.exposure.mean_action(lambda b: action(lib.acting_nM(b, subject)), entries)

    def signal(self, inputs: sg.Inputs) -> None:
        """Phase 4: the step's drug action and one vectorised signalling update of all cells."""
        t = self.table
        if t.n == 0:
            return
        occ, inh1, inh2 = self.step_drug_action()
        inputs = inputs._replace(occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2)
        sg.advance(t.view(sg.STATE_NAMES), t.view(sg.PARAM_NAMES), inputs, self.dt_h)

    def drug_action(self, conc: dict[str, np.ndarray | float]):
        """(FRB occupancy, mTORC1 and mTORC2 kinase inhibition) of every cell at ``conc``.

        Scenarios with cells that feel drugs differently (e.g. resistant mutants) override it.
        """
        return target_occupancy(conc, self.table["fkbp12_level"], self.library)

    def decide_fates(self) -> FateMasks:
        """Phase 5: scenario-specific rates and hazards."""
        empty = np.zeros(self.table.n, dtype=bool)
        return FateMasks(die=empty, divide=empty.copy())

    def apply_events(self, masks: FateMasks) -> None:
        """Phase 6: deaths, then divisions into empty neighbouring sites (random order)."""
        dying, dividing = self.acting_cells(masks)
        dying.do("perish")
        dividing.do("divide_nearby")

    def acting_cells(self, masks: FateMasks) -> tuple[AgentSet, AgentSet]:
        """(dying, dividing): Mesa AgentSets of the cells with this step's events.

        Dying cells in table order; dividing cells (not dying) in a random order drawn from
        the model's ``rng``. Both are taken before any event moves a table row.
        """
        owners = self.table.owners
        dying = [owners[r] for r in np.flatnonzero(masks.die)]
        dividing_rows = np.flatnonzero(masks.divide & ~masks.die)
        dividing = [owners[r] for r in self.rng.permutation(dividing_rows)]
        return AgentSet(dying, random=self.random), AgentSet(dividing, random=self.random)

    def random_empty_neighbour(self, coordinate, usable=None):
        """A uniformly chosen usable Moore-neighbour site of ``coordinate``, or None.

        ``usable(window)`` gives the bool mask of usable sites in ``window`` (a pair of
        slices of the grid); the default is the empty sites. Scenarios pass their own rule
        (e.g. the tumor's: empty and not debris, or a displaceable host cell).
        """
        x, y = coordinate
        w, h = self.grid.dimensions
        x0, x1, y0, y1 = max(x - 1, 0), min(x + 2, w), max(y - 1, 0), min(y + 2, h)
        window = (slice(x0, x1), slice(y0, y1))
        mask = self.grid.empty.data[window] if usable is None else usable(window)
        free = np.flatnonzero(mask)  # row-major, as np.argwhere (a third of its time)
        if free.size == 0:
            return None
        dx, dy = divmod(int(free[self.rng.integers(free.size)]), y1 - y0)
        return self.grid[(x0 + dx, y0 + dy)]

    def empty_neighbour_count(self) -> np.ndarray:
        """Number of empty Moore neighbours of every site (one numpy pass over the grid)."""
        return moore_neighbour_count(self.grid.empty.data)

    def collect(self) -> None:
        """Phase 7: this step's readouts into the scenario's DataCollector (if it has one).

        Scenarios attach ``self.datacollector = readout_collector(self)`` (:mod:`model.records`):
        ``record()`` returns this step's readouts as a dict, one Mesa reporter reads each.
        """
        if hasattr(self, "datacollector"):
            records.collect(self)

    def timeseries(self) -> dict[str, list[float]]:
        """The collected readouts as columns (``time_h`` and the scenario's readouts)."""
        return records.columns(self.datacollector)

    # ------------------------------------------------------------------ checkpoints
    def checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """The complete state needed to continue this model exactly: (arrays, JSON metadata).

        Covers the cell table (row order and agent ids kept), every field in ``self.fields``,
        PK compartments and pending doses, both RNG states, the clocks and the DataCollector's
        records. Scenarios with more state extend :meth:`extra_checkpoint_state`.
        """
        t = self.table
        arrays = {f"table/{c}": t[c].copy() for c in t.columns}
        arrays["table/_unique_id"] = np.array([a.unique_id for a in t.owners[: t.n]], np.int64)
        ledgers = {}
        for name, f in self.fields.items():
            field_arrays, ledgers[name] = f.state()
            arrays.update(join(field_arrays, f"field/{name}"))
        meta = {**model_clock_state(self), "field_ledgers": ledgers}
        extra_arrays, extra_meta = self.extra_checkpoint_state()
        arrays.update(join(extra_arrays, "extra"))
        meta["extra"] = extra_meta
        return arrays, meta

    def restore_checkpoint_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`checkpoint_state`, applied to a freshly built model."""

        table = split(arrays, "table")
        uids = table.pop("_unique_id")
        for agent in list(self.table.owners[: self.table.n]):
            agent.remove()
        self.table.n = 0
        rows = self.table.load_columns(table)
        t = self.table
        for row, agent in recreate_agents(
            rows, uids, lambda r: self.agent_class_for(int(t["type_id"][r]))(self, r)
        ):
            agent.place(self.grid[(int(t["x"][row]), int(t["y"][row]))])
        for name, f in self.fields.items():
            f.load_state(split(arrays, f"field/{name}"), meta["field_ledgers"][name])
        restore_model_clock_state(self, meta)
        self.restore_extra_checkpoint_state(split(arrays, "extra"), meta["extra"])

    def extra_checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Scenario state beyond the engine's (arrays, JSON metadata); none by default."""
        return {}, {}

    def restore_extra_checkpoint_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`extra_checkpoint_state`."""

    def agent_class_for(self, type_id: int):
        """The agent class of cells of ``type_id`` (used when restoring a checkpoint)."""
        from mtor_abm.agents.cell import TissueCell

        return TissueCell

    # ------------------------------------------------------------------ views (dashboard, figures)
    # Every scenario model offers these, so the dashboard and snapshot figures need no
    # scenario-specific code. Arrays are indexed [x, y] like the grid (shape width x height).
    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Integer category of every site (-1 = empty) and the category labels.

        The default category is the cell type; scenarios may add states (e.g. necrotic,
        senescent, effector) by overriding.
        """
        codes = np.full((self.grid.width, self.grid.height), -1, dtype=np.int16)
        t = self.table
        codes[t["x"], t["y"]] = t["type_id"]
        return codes, self.cell_types

    def readout_layers(self) -> dict[str, np.ndarray]:
        """Per-site intracellular readouts relative to the untreated reference cell (NaN = empty).

        Keys: ``mTORC1``, ``pS6K``, ``p4EBP1``, ``pAKT_S473``, ``autophagy``; scenarios add more
        (e.g. ``damage``). ``mTORC1`` is the complex's activation by upstream signals (Rheb,
        Rag, AMPK); a rapalog leaves it on and blocks its substrates' access (FRB), so under
        a rapalog ``mTORC1`` stays near 1 while ``pS6K`` falls; ATP-site inhibitors lower both.
        """
        t = self.table
        out = {}
        for name, values in self.cell_readouts().items():
            layer = np.full((self.grid.width, self.grid.height), np.nan)
            layer[t["x"], t["y"]] = values
            out[name] = layer
        return out

    def cell_readouts(self) -> dict[str, np.ndarray]:
        """Per-cell (table order) readouts relative to the untreated reference cell."""
        return sg.relative_readouts(self.table.view(sg.STATE_NAMES))

    def field_layers(self) -> dict[str, np.ndarray]:
        """The scenario's fields by name (copies of the grids, in their own units)."""
        return {name: np.array(f.data, copy=True) for name, f in self.fields.items()}

    def cell_state_at(self, x: int, y: int) -> dict[str, float] | None:
        """The readouts of the cell at site (x, y), or None when the site is empty."""
        t = self.table
        hit = np.flatnonzero((t["x"] == x) & (t["y"] == y))
        if len(hit) == 0:
            return None
        row = int(hit[0])
        values = {k: float(v[row]) for k, v in self.cell_readouts().items()}
        return {"cell_type": self.cell_types[int(t["type_id"][row])], **values}
