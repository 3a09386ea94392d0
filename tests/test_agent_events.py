"""Discrete events are the agents' own methods, called through Mesa's AgentSet for the cells
that act (phase 6 of the step in model/tissue.py)."""

from __future__ import annotations

from mesa.agent import AgentSet

from mtor_abm.agents.cell import TissueCell
from mtor_abm.model.pharmacology import UNTREATED
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario


def one_cell_dish(side: int = 3):
    model = CultureModel(
        CultureScenario(rng=1, width=side, height=side, initial_cells=1), UNTREATED
    )
    (cell,) = list(model.agents_by_type[TissueCell])
    return model, cell


def test_divide_nearby_fills_an_empty_moore_neighbour_until_none_is_left():
    model, cell = one_cell_dish()
    x, y = cell.cell.coordinate
    daughters = [cell.divide_nearby() for _ in range(12)]
    made = [d for d in daughters if d is not None]
    # A 3 x 3 dish holds 9 cells: the mother's neighbours fill, then division finds no site.
    assert (
        model.n_cells
        == 1 + len(made)
        == min(
            9,
            1
            + sum(
                1
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                if (dx, dy) != (0, 0) and 0 <= x + dx < 3 and 0 <= y + dy < 3
            ),
        )
    )
    assert daughters[-1] is None
    for d in made:
        dx, dy = (a - b for a, b in zip(d.cell.coordinate, (x, y), strict=True))
        assert max(abs(dx), abs(dy)) == 1
    assert int(model.grid.empty.data.sum()) == 9 - model.n_cells


def test_agentset_do_runs_the_event_for_exactly_the_cells_given():
    model, cell = one_cell_dish(side=5)
    for _ in range(4):
        cell.divide_nearby()
    cells = list(model.agents_by_type[TissueCell])
    doomed = cells[1:3]
    AgentSet(doomed, random=model.random).do("perish")
    alive = set(model.agents_by_type[TissueCell])
    assert alive == set(cells) - set(doomed)
    assert model.n_cells == len(cells) - 2
    owners = model.table.owners[: model.table.n]
    assert all(a.row == r for r, a in enumerate(owners))  # table rows still match their agents
