"""Agents of the transplant scenario: T-cells, graft (donor) cells and wound fibroblasts.

Tissue cells (host parenchyma, donor graft cells, donor antigen-presenting cells, fibroblasts)
occupy one lattice site each, like every :class:`~agents.cell.TissueCell`. T-cells crawl over
the tissue on their own layer: their position and state are rows of the model's T-cell table
(``model.tcells``), several may share a site, and they never take a tissue site. Their moves
are vectorised in the model; what is left here are the discrete events: divide, die, kill,
crawl, each called by the model through Mesa's ``AgentSet`` for the cells that act.
"""

from __future__ import annotations

import mesa

from mtor_abm.agents.cell import TissueCell

# Tissue kinds (the ``kind`` column of the tissue table).
HOST, GRAFT, DONOR_APC, FIBROBLAST = 0, 1, 2, 3
TISSUE_KINDS = ("host", "graft", "donor APC", "fibroblast")

# T-cell subsets (the ``subset`` column of the T-cell table).
NAIVE, EFFECTOR, MEMORY, TREG = 0, 1, 2, 3
SUBSETS = ("naive", "effector", "memory", "treg")

# T-cell specificities (the ``specific`` column): donor alloantigen or the pathogen.
ALLO, PATHOGEN = 0, 1


class GraftCell(TissueCell):
    """A donor cell (parenchyma or passenger APC) carrying donor MHC: a target of effectors."""

    def killed(self) -> None:
        """Die by a cytotoxic T-cell's hit (perforin/granzyme): the site is left empty."""
        self.die()


class Fibroblast(TissueCell):
    """A fibroblast of the wound margin: divides into and migrates onto open wound sites."""

    def migrate(self, site) -> None:
        """Crawl onto the empty site ``site`` (a Moore neighbour), leaving the old one empty."""
        self.place(site)

    def crawl(self, open_wound) -> None:
        """Crawl onto a uniformly chosen open wound site among the Moore neighbours, if any.

        ``open_wound`` (bool ``[x, y]``, shared by the fibroblasts moving this step) is kept
        up to date: the new site is taken, the old one is refilled or opened by the model.
        """
        model = self.model
        x, y = self.cell.coordinate
        # The Moore neighbours in Mesa's order (``connections``; not ``neighborhood``, whose
        # functools.cache would keep every cell, and with it the grid, alive for ever).
        targets = [c for c in self.cell.connections.values() if open_wound[c.coordinate]]
        if not targets:
            return
        site = targets[model.rng.integers(len(targets))]
        self.migrate(site)
        open_wound[site.coordinate] = False
        model.kind_grid[site.coordinate] = FIBROBLAST
        model.refill_margin(x, y)
        if model.wound_mask[x, y]:
            open_wound[x, y] = True


class TCell(mesa.Agent):
    """A T lymphocyte whose numbers live in row ``row`` of ``model.tcells``.

    Args:
        model: the transplant model (it owns the T-cell table ``tcells``).
        row: this cell's row in ``model.tcells``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row
        model.tcells.owners[row] = self

    def divide(self) -> TCell:
        """Split in two: the daughter copies this row; both restart the cycle in G1."""
        table = self.model.tcells
        daughter_row = table.copy_row(self.row)
        daughter = TCell(self.model, daughter_row)
        for row in (self.row, daughter_row):
            table["g1_progress"][row] = 0.0
            table["phase"][row] = 0
            table["phase_timer_h"][row] = 0.0
            table["divisions"][row] += 1
        return daughter

    def die(self) -> None:
        """Die (apoptosis) or leave the tissue (naive egress): free the table row."""
        moved = self.model.tcells.remove(self.row)
        if moved is not None:
            moved.row = self.row
        self.row = -1
        self.remove()

    def kill(self, target: GraftCell) -> None:
        """Lyse ``target``, a donor cell under this effector (contact killing)."""
        target.killed()

    def strike(self) -> None:
        """Kill the donor cell (graft or donor APC) on this effector's site, if one is there."""
        model = self.model
        x, y = int(model.tcells["x"][self.row]), int(model.tcells["y"][self.row])
        if model.kind_grid[x, y] in (GRAFT, DONOR_APC):
            self.kill(model.grid[(x, y)].agents[0])
            model.kind_grid[x, y] = -1
            model.counters["kills"] += 1

    def proliferate(self) -> TCell:
        """Divide; the daughters' subsets follow this cell's mTORC1 output (the model's rule)."""
        model = self.model
        model.division_ages.append(float(model.tcells["age_h"][self.row]))
        mtor = model.tcell_mtor(self.row)
        daughter = self.divide()
        model.differentiate_daughters(self, daughter, mtor)
        return daughter
