"""The base cell agent: identity, a lattice site, and the discrete events of a cell's life.

A cell's numbers (signalling state, parameters, mass, cycle position) live in the model's
cell table at ``self.row``; the agent itself only knows where it is and does what can't be
vectorised: divide into an empty neighbouring site, die, move. The model calls them through
Mesa's ``AgentSet`` for only the cells that act this step (``AgentSet(cells).do("perish")``).
"""

from __future__ import annotations

from mesa.discrete_space import CellAgent


class TissueCell(CellAgent):
    """A cell occupying one lattice site (capacity one cell per site).

    Args:
        model: the tissue model (it owns ``table`` and ``grid``).
        row: this cell's row in ``model.table``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row
        model.table.owners[row] = self

    def place(self, site) -> None:
        """Occupy grid site ``site`` and record its coordinates in the table."""
        self.cell = site
        x, y = site.coordinate
        table = self.model.table
        table["x"][self.row] = x
        table["y"][self.row] = y

    def divide(self, site) -> TissueCell:
        """Split into two: the daughter inherits a copy of this row and takes ``site``.

        Mass is shared equally; the cell-cycle position of both restarts in G1.
        """
        table = self.model.table
        daughter_row = table.copy_row(self.row)
        daughter = type(self)(self.model, daughter_row)
        daughter.place(site)
        for row in (self.row, daughter_row):
            table["mass"][row] *= 0.5
            table["g1_progress"][row] = 0.0
            table["phase"][row] = 0
            table["phase_timer_h"][row] = 0.0
        return daughter

    def divide_nearby(self) -> TissueCell | None:
        """Divide into a uniformly chosen empty Moore-neighbour site; None if there is none."""
        site = self.model.random_empty_neighbour(self.cell.coordinate)
        return None if site is None else self.divide(site)

    def perish(self) -> None:
        """Die of this step's fate (apoptosis here; cell types with other deaths override)."""
        self.die()

    def die(self) -> None:
        """Leave the tissue: free the site and the table row."""
        moved = self.model.table.remove(self.row)
        if moved is not None:
            moved.row = self.row
        self.row = -1
        self.remove()
