"""The host T-cell response of the transplant model: entry through vessels, antigen contact,
activation, cycle, death, kills, divisions and the biased random walk.

A mixin of :class:`model.scenarios.transplant.TransplantModel` (the model provides the T-cell
table ``tcells``, the tissue ``kind_grid``, the IL-2 and chemokine fields and the masks); the
rules themselves are the vectorised functions of :mod:`model.scenarios.transplant_tcells`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from mesa.agent import AgentSet

from mtor_abm.agents.transplant import (
    ALLO,
    DONOR_APC,
    EFFECTOR,
    GRAFT,
    NAIVE,
    PATHOGEN,
    TREG,
    TCell,
)
from mtor_abm.model import signaling as sg
from mtor_abm.model.scenarios import transplant_tcells as tc
from mtor_abm.model.scenarios.transplant_params import GRAFT_ANTIGEN, SYNAPSES_PER_SITE

TCELL_COLUMNS: Mapping[str, type] = MappingProxyType(
    {
        "x": np.int32,
        "y": np.int32,
        "subset": np.int8,  # NAIVE, EFFECTOR, MEMORY, TREG (agents.transplant)
        "specific": np.int8,  # ALLO or PATHOGEN
        "tcr": float,  # TCR signal, 0-1 (decays after contact ends)
        "g1_progress": float,  # 0-1
        "phase": np.int8,  # 0 = G0/G1, 1 = S/G2/M
        "phase_timer_h": float,
        "age_h": float,  # hours since activation or the last division
        "divisions": np.int16,
    }
)


class TCellResponse:
    """Mixin of the T-cell methods; the model provides ``tcells``, ``tparams``, ``kind_grid``,
    ``il2``, ``chemokine``, ``pathogen``, ``vessel_sites`` and ``counters``."""

    def add_tcell(self, site: tuple[int, int], subset: int = NAIVE, specific: int = ALLO) -> TCell:
        """A new T-cell at ``site`` with the resting signalling state (naive entry)."""
        values = {k: float(v[0]) for k, v in self._resting.items()}
        values.update(x=site[0], y=site[1], subset=subset, specific=specific)
        row = self.tcells.add(values)
        return TCell(self, row)

    @property
    def n_tcells(self) -> int:
        """Number of T-cells in the tissue."""
        return self.tcells.n

    def _suppression(self) -> np.ndarray:
        """Treg restraint of each T-cell: 1 / (1 + activated Tregs in its 3x3 neighbourhood /
        half), each Treg counted by its TCR signal (0-1): Tregs suppress once their own TCR is
        engaged, then whatever the target's specificity (Thornton & Shevach 1998 J Exp Med
        188:287), so natural Tregs that have not met donor antigen restrain no one."""
        t = self.tcells
        tregs = tc.per_site_counts(
            t["x"], t["y"], (t["subset"] == TREG) * t["tcr"], self.il2.data.shape
        )
        local = tc.neighbourhood_sum(tregs)[t["x"], t["y"]]
        return 1.0 / (1.0 + local / self.tparams.treg_half)

    def _tcell_fates(self) -> None:
        """Contact, activation, cycle and death hazards of T-cells (masks kept for phase 6)."""
        t, p = self.tcells, self.tparams
        n = t.n
        self._tmasks = None
        if n == 0:
            return
        x, y, subset = t["x"], t["y"], t["subset"]
        contact = self._antigen_contact()
        tcr = t["tcr"]
        np.maximum(contact, tcr * np.exp(-self.dt_h / p.tcr_decay_h), out=tcr)
        naive = subset == NAIVE
        activate = naive & (self.rng.random(n) < -np.expm1(-p.activation_per_h * contact))
        subset[activate] = EFFECTOR
        t["age_h"][activate] = 0.0
        t["g1_progress"][activate] = 1.0 - p.first_division_g1
        self.counters["activated"] += int(activate.sum())
        out = sg.outputs(t.view(sg.STATE_NAMES), self.tcell_signalling)
        mtor = tc.mtorc1_output(t["s6k"], self.tcell_ref)
        subset[...] = tc.subset_transitions(subset, tcr, mtor, self._nfat, self.rng, p, self.dt_h)
        suppression = self._suppression()
        divide = tc.advance_cycle(
            t, out["proliferation"], self._il2_occ, suppression, self.tcell_ref, p, self.dt_h
        )
        hazard = tc.death_hazard(subset, tcr, self._il2_occ, p)
        die = self.rng.random(n) < -np.expm1(-hazard * self.dt_h)
        on_donor = np.isin(self.kind_grid[x, y], (GRAFT, DONOR_APC))
        killer = (subset == EFFECTOR) & (t["specific"] == ALLO) & on_donor & ~die
        kill = killer & (self.rng.random(n) < -np.expm1(-p.kill_per_h * suppression * self.dt_h))
        self._tmasks = (die, divide & ~die, kill, contact > 0)

    def _antigen_contact(self) -> np.ndarray:
        """TCR signal each T-cell receives from its site (donor antigen or pathogen)."""
        t = self.tcells
        x, y = t["x"], t["y"]
        kind = self.kind_grid[x, y]
        allo = np.where(kind == DONOR_APC, 1.0, np.where(kind == GRAFT, GRAFT_ANTIGEN, 0.0))
        microbe = np.clip(self.pathogen[x, y] / self.pathogen_params.antigen_load, 0, 1)
        crowd = tc.per_site_counts(x, y, np.ones(t.n), self.kind_grid.shape)[x, y]
        share = np.minimum(1.0, SYNAPSES_PER_SITE / np.maximum(crowd, 1.0))
        return np.where(t["specific"] == ALLO, allo, microbe) * share

    def _tcell_events(self) -> None:
        """Kills, deaths and divisions of T-cells (a loop over only the cells that act)."""
        if self._tmasks is None:
            return
        die, divide, kill, _ = self._tmasks
        t = self.tcells
        owners = t.owners
        killers = AgentSet([owners[r] for r in np.flatnonzero(kill)], random=self.random)
        killers.do("strike")
        dying = AgentSet([owners[r] for r in np.flatnonzero(die)], random=self.random)
        dividing = AgentSet([owners[r] for r in np.flatnonzero(divide)], random=self.random)
        dying.do("die")
        dividing.do("proliferate")

    def differentiate_daughters(self, mother: TCell, daughter: TCell, mtor: float) -> None:
        """A division's bookkeeping: both cells restart their age; their subsets follow the
        mother's mTORC1 output ``mtor`` (0-1; :func:`transplant_tcells.daughter_subsets`)."""
        t = self.tcells
        pair = np.array([mother.row, daughter.row])
        t["age_h"][pair] = 0.0
        t["subset"][pair] = tc.daughter_subsets(
            np.full(2, mtor), t["subset"][pair], self.rng, self.tparams
        )
        self.counters["divisions"] += 1

    def tcell_mtor(self, row: int) -> float:
        """mTORC1 output (0-1, relative to the activated reference) of the T-cell at ``row``."""
        return float(tc.mtorc1_output(self.tcells["s6k"][row : row + 1], self.tcell_ref)[0])

    def _enter_tcells(self) -> None:
        """Naive precursors and natural Tregs arrive through the vessels at their steady rates
        (Poisson); natural Tregs come with the alloreactive precursors from 0 h
        (``natural_tregs_per_naive`` of them per precursor), resting until they meet antigen."""
        sc = self.scenario
        allo_tregs = sc.naive_entry_per_day * self.tparams.natural_tregs_per_naive
        streams = [
            (ALLO, NAIVE, sc.naive_entry_per_day, "allo_entered"),
            (ALLO, TREG, allo_tregs, "natural_tregs_entered"),
        ]
        if sc.infection:
            streams.append((PATHOGEN, NAIVE, sc.pathogen_precursors_per_day, "pathogen_entered"))
        for specific, subset, per_day, counter in streams:
            n = int(self.rng.poisson(per_day * self.dt_h / 24.0))
            for _ in range(n):
                site = self.vessel_sites[self.rng.integers(len(self.vessel_sites))]
                self.add_tcell((int(site[0]), int(site[1])), subset, specific)
            self.counters[counter] += n

    def _move_tcells(self) -> None:
        """Biased random walk of all T-cells; cells engaged with antigen stay (arrest)."""
        t = self.tcells
        if t.n == 0:
            return
        arrested = self._antigen_contact() > 0
        x, y = t["x"].astype(np.intp), t["y"].astype(np.intp)
        moves = round(self.tparams.moves_per_h * self.dt_h)
        tc.random_walk(x, y, self.chemokine.data, arrested, self.rng, self.tparams, moves)
        t["x"][...] = x
        t["y"][...] = y
