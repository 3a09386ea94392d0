"""Cells of the tumor scenario: tumor cells that invade, host-tissue cells they displace.

Numbers live in the model's cell table (see :mod:`agents.cell`); these agents only add the
discrete events of the tumor: dividing into free space or, failing that and against the
resistance of the tissue, into a site held by a host cell (which is crushed, as an expanding
tumor compresses and destroys the tissue around it), and dying by necrosis (the cell leaves
debris on its site: the necrotic core). Host cells renew their tissue: they divide into free
neighbouring space (not debris) where the tissue is below its normal density.
"""

from __future__ import annotations

from mtor_abm.agents.cell import TissueCell


class NormalCell(TissueCell):
    """A host-tissue cell around the tumor: consumes oxygen, renews its tissue, can be
    displaced."""

    def divide_nearby(self) -> TissueCell | None:
        """Renewal: divide into a uniformly chosen free neighbouring site (empty, not debris);
        None if there is none."""
        model = self.model
        site = model.random_empty_neighbour(self.cell.coordinate, model.free_space)
        if site is None:
            return None
        daughter = self.divide(site)
        model.normal_site[site.coordinate] = True
        return daughter

    def die(self) -> None:
        """Leave the tissue and free the site for tumor growth."""
        x, y = self.cell.coordinate
        self.model.normal_site[x, y] = False
        super().die()


class TumorCell(TissueCell):
    """A tumor cell of the scenario's genotype."""

    def invade(self, site) -> TissueCell:
        """Divide into ``site``, displacing the host cell there if there is one."""
        for other in list(site.agents):
            other.die()
        return self.divide(site)

    def divide_nearby(self) -> TissueCell | None:
        """Divide into a uniformly chosen free neighbouring site (empty, not debris); with none,
        into a uniformly chosen host cell's site with the scenario's ``host_displacement``
        chance, crushing the host; None otherwise (the cell stays ready and tries again next
        step). The daughter turns resistant with the scenario's ``resistance_per_division``
        (when resistance is on)."""
        model = self.model
        sc = model.scenario
        site = model.random_empty_neighbour(self.cell.coordinate, model.free_space)
        if site is None:
            site = model.random_empty_neighbour(self.cell.coordinate, model.host_held)
            if site is None or model.rng.random() >= sc.host_displacement:
                return None
        daughter = self.invade(site)
        mutate = sc.resistance != "none" and sc.resistance_per_division > 0
        if mutate and model.rng.random() < sc.resistance_per_division:
            model.table["resistant"][daughter.row] = 1
        return daughter

    def perish(self) -> None:
        """Die of this step's fate: necrosis where the model marked the site (``necrosis_due``,
        severe hypoxia), apoptosis or starvation otherwise."""
        x, y = self.cell.coordinate
        if self.model.necrosis_due[x, y]:
            self.necrose()
        else:
            self.die()

    def necrose(self) -> None:
        """Die by necrosis: the site keeps the debris (it blocks growth and is counted)."""
        x, y = self.cell.coordinate
        self.model.necrotic[x, y] = True
        self.die()
