"""The optional challenges' steps of the transplant model: a wound and an infection.

A mixin of :class:`~model.scenarios.transplant.TransplantModel` (it works on the model's own
state): with ``wound=true``, margin fibroblasts cycle through the engine's cell cycle and crawl
onto open wound sites, and the day the open area falls below the closure fraction is kept;
with ``infection=true``, the pathogen is inoculated on ``infection_day``, grows, spreads and is
cleared by pathogen-specific effectors, and the day it is gone is kept. The rules themselves
(growth, spread, clearance, motility) are :mod:`model.scenarios.transplant_challenges`.
"""

from __future__ import annotations

import numpy as np
from mesa.agent import AgentSet

from mtor_abm.agents.transplant import EFFECTOR, FIBROBLAST, PATHOGEN
from mtor_abm.model import signaling as sg
from mtor_abm.model.fates import advance_cycle as advance_tissue_cycle
from mtor_abm.model.scenarios import transplant_challenges as ch
from mtor_abm.model.scenarios import transplant_tcells as tc


class WoundAndInfection:
    """Wound closure by fibroblasts and infection by a pathogen (see the module docstring)."""

    def _fibroblast_cycle(self, rows: np.ndarray) -> np.ndarray:
        """The engine's cycle (model.fates) on fibroblast rows only; returns who divides.

        Margin fibroblasts do not die here (the engine's basal and starvation hazards are for
        cultured cells; assumed).
        """
        t = self.table
        sub = {k: t[k][rows] for k in ("mass", "g1_progress", "phase", "phase_timer_h")}
        state = {k: t[k][rows] for k in sg.STATE_NAMES}
        params = {k: t[k][rows] for k in sg.PARAM_NAMES}
        out = sg.outputs(state, params)
        has_space = self.empty_neighbour_count()[t["x"][rows], t["y"][rows]] > 0
        nutrient = np.ones(len(rows))
        _, divide = advance_tissue_cycle(
            sub, out, nutrient, has_space, self.dt_h, self.cycle, self.rng
        )
        for k, v in sub.items():
            t[k][rows] = v
        return divide

    def _migrate_fibroblasts(self) -> None:
        """Margin fibroblasts crawl onto open wound sites; the dermis refills the margin."""
        t, p = self.table, self.wound_params
        fib = np.flatnonzero(t["kind"] == FIBROBLAST)
        open_wound = self.wound_mask & (self.kind_grid < 0)
        near_open = tc.neighbourhood_sum(open_wound)[t["x"][fib], t["y"][fib]] > 0
        speed = ch.motility(t["s6k"][fib], self.fibroblast_s6k_ref, p)
        go = near_open & (self.rng.random(len(fib)) < -np.expm1(-p.migration_per_h * speed))
        owners = t.owners
        crawling = AgentSet([owners[r] for r in fib[go]], random=self.random)
        crawling.do("crawl", open_wound)

    def _update_pathogen(self) -> None:
        """Inoculation on ``infection_day``, growth and spread, clearance by effectors."""
        sc = self.scenario
        if not sc.infection:
            return
        if not self._infected and self.hours + self.dt_h > 24.0 * sc.infection_day:
            self._infected = True
            x0, y0 = sc.width - sc.width // 5, sc.height // 5
            self.pathogen[x0 - 1 : x0 + 2, y0 - 1 : y0 + 2] = self.pathogen_params.initial_load
            return
        if not self._infected or self.infection_cleared_day is not None:
            return
        ch.grow_and_spread(self.pathogen, self.dt_h, self.pathogen_params)
        t = self.tcells
        eff = ((t["subset"] == EFFECTOR) & (t["specific"] == PATHOGEN)).astype(float)
        counts = tc.per_site_counts(t["x"], t["y"], eff, self.pathogen.shape)
        ch.clear(self.pathogen, counts, self.dt_h, self.pathogen_params)
        if not self.pathogen.any():
            self.infection_cleared_day = (self.hours + self.dt_h) / 24.0

    def _check_wound(self) -> None:
        """Record the day the wound's open area first falls below the closure fraction."""
        if not self.scenario.wound or self.wound_closure_day is not None:
            return
        open_sites = int(np.sum(self.wound_mask & (self.kind_grid < 0)))
        if open_sites <= self.wound_params.closed_below * self.wound_area:
            self.wound_closure_day = (self.hours + self.dt_h) / 24.0
