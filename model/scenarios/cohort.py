"""Cohort models: many small organisms stepped daily, every cell of every one in shared arrays.

The aging and neuro scenarios follow a cohort of ``organisms`` small tissues over months to
years. Each organism is a Mesa agent (:class:`agents.organism.Organism`: identity and death
day); its cells are rows of one signalling table shared by the whole cohort (organism ``o``
owns rows ``o * C .. o * C + C - 1``), so one vectorised update advances every cell of every
organism at once.

One step is one day (``dt_h = 24``), in the phases of :class:`model.tissue.TissueModel`:

1. :meth:`dose_and_pk`   blood concentrations through the day and the day's mean drug ->
   target occupancy over its hours ``[t, t + 24)`` (:mod:`model.exposure`, the convention
   every model shares);
2. :meth:`update_fields` the scenario's fields (e.g. SASP);
3./4. :meth:`signal`     one vectorised signalling update of the cells of living organisms;
5./6. :meth:`decide_fates` the scenario's damage, fates and organism deaths;
7. :meth:`collect`        one DataCollector record.

Drug exposure: the cohort's organisms are mice, so a regime's doses go through the drugs'
mouse PK (:attr:`CohortModel.subject`: the mouse of the scenario's ``sex``; a drug's
``[pk_mouse]`` set, :mod:`model.species`), never the human one: a mouse clears sirolimus in
hours (t1/2 5.6 h), a patient in days (62 h). A diet dose (``--diet-ppm 14``: rapamycin in
the food, Harrison 2009 Nature 460:392) is a continuous input of what a mouse eats a day and
holds a near-steady blood level (4.0 ng/mL in males at 14 ppm, as measured in the ITP mice:
Miller 2011 J Gerontol A 66:191), so a day's signalling is driven by the day's mean
occupancy. A held ``--conc`` still sets a blood level directly (see
:mod:`model.scenarios.aging`). Occupancy is taken at the free drug of a mouse's blood, not at
its whole-blood level: most of it sits in erythrocytes (:meth:`model.druglib.Drug.
free_conc_factor`, the drug file's ``[pk_mouse] blood_unbound_fraction``).

Views for the dashboard: organisms are tiles of a mosaic (one tile per organism, a gap of
one empty site between tiles), so ``category_layer`` / ``readout_layers`` / ``field_layers`` /
``cell_state_at`` have the same signatures as :class:`model.tissue.TissueModel`'s.
"""

from __future__ import annotations

import itertools
import math

import mesa
import numpy as np

from mtor_abm.agents.organism import Organism
from mtor_abm.model import checkpoint as ck
from mtor_abm.model import records
from mtor_abm.model import signaling as sg
from mtor_abm.model.errors import InputError
from mtor_abm.model.exposure import StepExposure, step_exposure
from mtor_abm.model.pharmacology import (
    DrugLibrary,
    Regime,
    check_regime,
    load_library,
    target_occupancy,
)
from mtor_abm.model.pk_state import pk_state
from mtor_abm.model.scenarios.mouse import mouse_subject

DAY_H = 24.0
MAX_COHORT_CELLS = 10_000_000
"""Largest cohort, in cells over all organisms (as a culture's 10^7 seeded cells; ~3 GB)."""
SIGNAL_SUBSTEP_H = 6.0
"""Largest signalling sub-step within a day, h. The scheme is exact-exponential per sub-step,
so it is stable at any length and has the same steady state as fine steps; days-long
trends (mTORC2 erosion, feedback) are what a daily model needs from it."""


class CohortModel(mesa.Model):
    """Base of cohort scenarios (see module docstring).

    Args:
        scenario: typed parameters with at least ``organisms``, ``cell_type`` and
            ``growth_factor_spread``; its ``sex`` (:class:`~model.scenarios.mouse.
            MouseCohortScenario`) chooses the mouse PK (:attr:`subject`).
        regime: drug regime (``none`` = untreated).
        library: drug library (default: the packaged one).
        cells_per_organism: rows of the signalling table each organism owns.
        tile_shape: (width, height) of one organism's tile in the mosaic views.
    """

    def __init__(
        self,
        scenario,
        regime: Regime,
        library: DrugLibrary | None,
        cells_per_organism: int,
        tile_shape: tuple[int, int],
    ):
        super().__init__(scenario=scenario)
        self.library = library or load_library()
        check_regime(regime, self.library)
        self.regime = regime
        self.dt_h = self.STEP_H
        self.hours = 0.0
        self.n_org = int(scenario.organisms)
        self.cells_per_org = int(cells_per_organism)
        if self.n_org * self.cells_per_org > MAX_COHORT_CELLS:  # checked before it is built
            raise InputError(
                f"organisms x cells per organism = {self.n_org} x {self.cells_per_org} is more "
                f"than {MAX_COHORT_CELLS:.0e} cells; give fewer organisms or a smaller lattice"
            )
        self.tile_shape = tile_shape
        self.organism_list = [Organism(self, i) for i in range(self.n_org)]
        self.organisms = mesa.agent.AgentSet(self.organism_list, random=self.random)
        self.alive = np.ones(self.n_org, dtype=bool)
        self.death_day = np.full(self.n_org, np.nan)
        # Organism-level heterogeneity of growth-factor (insulin/IGF-1) drive: genetically
        # heterogeneous mice (UM-HET3) differ in IGF-1 (Harper 2003 Mech Ageing Dev).
        spread = float(scenario.growth_factor_spread)
        self.growth_factor = np.exp(self.rng.normal(0.0, spread, self.n_org) - spread**2 / 2)
        n = self.n_org * self.cells_per_org
        self.params = {k: np.full(n, v) for k, v in sg.cell_type_params(scenario.cell_type).items()}
        self.inputs = sg.Inputs(growth_factor=np.repeat(self.growth_factor, self.cells_per_org))
        self.state = self._steady_state()
        self.subject = mouse_subject(scenario)
        self.pk = pk_state(regime, self.library, self.subject)
        self.blood_nM: dict[str, float] = StepExposure.none(0.0, self.pk.species).mean_conc_nM()
        self.occupancy = (0.0, 0.0, 0.0)
        self.out = sg.outputs(self.state, self.params)

    STEP_H = DAY_H
    """Hours per step (one day): run lengths are whole numbers of days."""

    #: Array attributes (or dicts of arrays) that make up the cohort's state; scenarios extend.
    CHECKPOINT_ARRAYS: tuple[str, ...] = (
        "alive",
        "death_day",
        "growth_factor",
        "state",
        "params",
        "out",
    )

    def checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """The complete state needed to continue this cohort exactly: (arrays, JSON metadata)."""
        arrays = ck.array_attributes(self, self.CHECKPOINT_ARRAYS)
        meta = {**ck.model_clock_state(self), "occupancy": list(self.occupancy)}
        return arrays, meta

    def restore_checkpoint_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`checkpoint_state`, applied to a freshly built cohort."""
        ck.load_array_attributes(self, self.CHECKPOINT_ARRAYS, arrays)
        ck.restore_model_clock_state(self, meta)
        self.occupancy = tuple(float(x) for x in meta["occupancy"])
        self.inputs = sg.Inputs(growth_factor=np.repeat(self.growth_factor, self.cells_per_org))
        for organism, day in zip(self.organism_list, self.death_day, strict=True):
            organism.death_day = None if np.isnan(day) else float(day)

    def _steady_state(self) -> dict[str, np.ndarray]:
        """Untreated steady state of every cell: one vectorised integration over organisms.

        Cells of one organism share its growth-factor drive, so each organism's steady state
        is integrated once (one row per organism, all in one call) and repeated over its cells.
        """
        per_org = {k: v[:: self.cells_per_org] for k, v in self.params.items()}
        rows = sg.new_state(self.n_org, per_org, sg.Inputs(growth_factor=self.growth_factor))
        return {k: np.repeat(rows[k], self.cells_per_org) for k in sg.STATE_NAMES}

    # ------------------------------------------------------------------ per-organism views
    def per_org(self, values: np.ndarray) -> np.ndarray:
        """A flat per-cell array seen as [organism, cell] (a view)."""
        return values.reshape(self.n_org, self.cells_per_org)

    @property
    def day(self) -> float:
        """Days since day 0 (the cohort's age)."""
        return self.hours / DAY_H

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance the cohort by one day through the named phases."""
        self.dose_and_pk()
        self.update_fields()
        if self.alive.any():
            self.signal()
            self.decide_fates()
        self.hours += self.dt_h
        self.collect()

    def dose_and_pk(self) -> None:
        """Phase 1: the day's blood curve -> its mean blood level and mean target occupancy."""
        exposure = step_exposure(self.pk, self.dt_h)
        self.blood_nM = exposure.mean_conc_nM()
        occ = exposure.mean_action(self._blood_occupancy)
        self.occupancy = tuple(float(x) for x in occ)

    def _blood_occupancy(self, blood_nM: dict[str, float]) -> tuple[float, float, float]:
        """Target occupancy at mouse whole-blood concentrations ``blood_nM`` (nM by species),
        read through the mouse's free drug (:meth:`~model.druglib.DrugLibrary.acting_nM`, the
        seam every in-vivo scenario uses: ~95 % of whole-blood sirolimus sits in
        erythrocytes), as the drug's potency constants are calibrated to culture.
        """
        free = self.library.acting_nM(blood_nM, self.subject)
        return target_occupancy(free, 1.0, self.library)

    def update_fields(self) -> None:
        """Phase 2: the scenario's fields (none by default)."""

    def signal(self) -> None:
        """Phases 3-4: one signalling update of the cells of living organisms.

        The day's mean occupancy was computed at normal FKBP12; a cell's own FKBP12 level
        scales it as in :func:`target_occupancy`: ``z = fkbp12 * occ / (1 - occ)``, occupancy
        ``z / (1 + z)`` (exact for FKBP12-bound drug; the tiny FKBP12-free FRB binding is
        scaled too).
        """
        if self._cells_alike():
            self._signal_per_organism()
            return
        rows = np.repeat(self.alive, self.cells_per_org)
        state, out = self._advance_rows(rows)
        for table, values in ((self.state, state), (self.out, out)):
            for k, v in values.items():
                table[k][rows] = v

    def _advance_rows(self, rows: np.ndarray) -> tuple[dict, dict]:
        """One day's signalling of the cells at ``rows`` (an index or mask into the cell table)
        under the day's drug: their new state and outputs, not yet written back."""
        occ, inh1, inh2 = self.occupancy
        fk = self.params["fkbp12_level"][rows]
        z = fk * occ / max(1.0 - occ, 1e-12)
        inputs = sg.Inputs(
            growth_factor=self.inputs.growth_factor[rows],
            occ_frb=z / (1.0 + z),
            inh_mtorc1=inh1,
            inh_mtorc2=inh2,
        )
        state = {k: v[rows] for k, v in self.state.items()}
        params = {k: v[rows] for k, v in self.params.items()}
        sg.advance(state, params, inputs, self.dt_h, substep_h=SIGNAL_SUBSTEP_H)
        return state, sg.outputs(state, params)

    def _cells_alike(self) -> bool:
        """Whether every cell of each organism has the same signalling parameters and state.

        Cells of one organism share its growth-factor drive and the day's drug, so cells that
        start alike stay alike; then one row per organism gives every cell's update exactly.
        """
        c = self.cells_per_org
        for table in (self.params, self.state):
            for v in table.values():
                rows = v.reshape(self.n_org, c)
                if not np.array_equal(rows, np.broadcast_to(rows[:, :1], rows.shape)):
                    return False
        return True

    def _signal_per_organism(self) -> None:
        """:meth:`signal` for cohorts whose cells are alike: one row per living organism."""
        c = self.cells_per_org
        live = np.flatnonzero(self.alive)
        state, out = self._advance_rows(live * c)  # each living organism's first cell
        for table, values in ((self.state, state), (self.out, out)):
            for k, v in values.items():
                table[k].reshape(self.n_org, c)[live] = v[:, None]

    def decide_fates(self) -> None:
        """Phases 5-6: the scenario's damage, fates and deaths."""

    def kill(self, organisms: np.ndarray) -> None:
        """Organisms (a boolean mask) die today."""
        today = self.day + 1.0  # deaths are recorded at the end of the day they happen
        for index in np.flatnonzero(organisms & self.alive):
            self.organism_list[index].die(today)
            self.death_day[index] = today
        self.alive &= ~organisms

    def collect(self) -> None:
        """Phase 7: this day's readouts into the DataCollector (one reporter per readout)."""
        records.collect(self)

    def timeseries(self) -> dict[str, list[float]]:
        """The collected daily readouts as columns (``time_h``, ``day``, ...)."""
        return records.columns(self.datacollector)

    # ------------------------------------------------------------------ mosaic views
    def mosaic_shape(self) -> tuple[int, int, int]:
        """(tiles per mosaic row, mosaic width, mosaic height) in sites."""
        cols = math.ceil(math.sqrt(self.n_org))
        rows = math.ceil(self.n_org / cols)
        tw, th = self.tile_shape
        return cols, cols * (tw + 1) - 1, rows * (th + 1) - 1

    def mosaic(self, tiles: np.ndarray, fill) -> np.ndarray:
        """Place per-organism tiles [organism, tw, th] into one [x, y] array (gaps = fill)."""
        cols, width, height = self.mosaic_shape()
        tw, th = self.tile_shape
        out = np.full((width, height), fill, dtype=tiles.dtype)
        for o in range(self.n_org):
            x0, y0 = (o % cols) * (tw + 1), (o // cols) * (th + 1)
            out[x0 : x0 + tw, y0 : y0 + th] = tiles[o]
        return out

    def locate(self, x: int, y: int) -> tuple[int, int, int] | None:
        """(organism, tile x, tile y) of mosaic site (x, y), or None for a gap."""
        cols, width, height = self.mosaic_shape()
        tw, th = self.tile_shape
        if not (0 <= x < width and 0 <= y < height):
            return None
        ox, tx = divmod(x, tw + 1)
        oy, ty = divmod(y, th + 1)
        o = oy * cols + ox
        if tx >= tw or ty >= th or o >= self.n_org:
            return None
        return o, tx, ty

    def cell_readouts(self) -> dict[str, np.ndarray]:
        """Per-cell readouts relative to the untreated reference cell (flat, table order)."""
        return sg.relative_readouts(self.state)


# ------------------------------------------------------------------------------ survival
def gompertz_fit(death_days: np.ndarray, bin_days: float = 50.0) -> tuple[float, float] | None:
    """Gompertz fit ``hazard = a exp(b age)`` to binned deaths: (a per day, b per day).

    Log hazard per age bin (deaths / organism-days at risk) regressed on the bin's mid-age,
    over bins with at least one death. None with fewer than three such bins.
    """
    deaths = np.sort(death_days[np.isfinite(death_days)])
    if len(deaths) < 3:
        return None
    ages = np.where(np.isfinite(death_days), death_days, np.inf)
    edges = np.arange(0.0, deaths[-1] + bin_days, bin_days)
    mids, logh = [], []
    for lo, hi in itertools.pairwise(edges):
        d = np.sum((deaths >= lo) & (deaths < hi))
        exposure = np.sum(np.clip(ages, lo, hi) - lo)
        if d and exposure > 0:
            mids.append(0.5 * (lo + hi))
            logh.append(math.log(d / exposure))
    if len(mids) < 3:
        return None
    b, log_a = np.polyfit(mids, logh, 1)
    return float(math.exp(log_a)), float(b)
