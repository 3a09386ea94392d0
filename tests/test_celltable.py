"""The per-cell table (model.celltable) and its bookkeeping with agents and the grid.

Rows stay dense by swap-remove: a removed row is filled by the last row, whose owner learns
its new index. These tests check that the table, the agents and the lattice never disagree,
whatever mix of divisions and deaths happened.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtor_abm.agents.cell import TissueCell
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.pharmacology import UNTREATED
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario

COLUMNS = {"x": np.int32, "mass": float, "phase": np.int8}


def assert_table_agents_grid_agree(model):
    """Every live cell has exactly one row, one site, and matching coordinates."""
    table = model.table
    cells = [agent for agent in model.agents if isinstance(agent, TissueCell)]
    assert len(cells) == table.n == int((~model.grid.empty.data).sum())
    rows = [cell.row for cell in cells]
    assert sorted(rows) == list(range(table.n)), "rows must be dense and unique"
    for cell in cells:
        assert table.owners[cell.row] is cell
        assert (int(table["x"][cell.row]), int(table["y"][cell.row])) == cell.cell.coordinate
        assert list(cell.cell.agents) == [cell]
    assert all(owner is None for owner in table.owners[table.n :])
    sites = [cell.cell.coordinate for cell in cells]
    assert len(set(sites)) == len(sites), "two cells on one site"


def snapshot(model):
    """Each live agent's row values (agent -> dict of column values)."""
    arrays = model.table.to_arrays()
    return {
        cell: {k: v[cell.row] for k, v in arrays.items()}
        for cell in model.table.owners[: model.table.n]
    }


# ---------------------------------------------------------------------------------------------
# Agents, grid and table together
# ---------------------------------------------------------------------------------------------


def test_divisions_and_deaths_keep_rows_sites_and_agents_consistent():
    """A small dish grows, then a third of its cells die at once, then it grows on."""
    model = CultureModel(CultureScenario(rng=11, width=10, height=10, initial_cells=16), UNTREATED)
    assert_table_agents_grid_agree(model)
    born = set()
    for _ in range(36):
        before = set(model.agents)
        model.step()
        born |= set(model.agents) - before
    assert born, "no division happened: the test did not exercise copy_row"
    assert_table_agents_grid_agree(model)

    # Kill every third cell in row order: most removals are from the middle of the table.
    survivors_before = snapshot(model)
    doomed = model.table.owners[: model.table.n : 3]
    for cell in doomed:
        cell.die()
    assert all(cell.row == -1 and cell.cell is None for cell in doomed)
    assert not set(doomed) & set(model.agents)
    assert_table_agents_grid_agree(model)
    for cell, values in snapshot(model).items():
        for name, value in values.items():
            assert value == survivors_before[cell][name], f"{name} of a moved row changed"

    for _ in range(24):
        model.step()
    assert_table_agents_grid_agree(model)


def test_daughter_inherits_signalling_state_and_halves_mass():
    """copy_row gives the daughter her mother's state; mass is shared equally."""
    model = CultureModel(CultureScenario(rng=5, width=6, height=6, initial_cells=1), UNTREATED)
    mother = model.table.owners[0]
    mass = float(model.table["mass"][0])
    site = model.random_empty_neighbour(mother.cell.coordinate)
    daughter = mother.divide(site)
    table = model.table
    assert table.n == 2 and daughter.row == 1 and table.owners[1] is daughter
    assert table["mass"][0] == table["mass"][1] == pytest.approx(mass / 2)
    for name in ("s6k", "p4ebp1", "akt_s473", "fkbp12_level", "type_id"):
        assert table[name][0] == table[name][1]
    assert daughter.cell is site and site.coordinate != mother.cell.coordinate
    assert_table_agents_grid_agree(model)


# ---------------------------------------------------------------------------------------------
# CellTable alone
# ---------------------------------------------------------------------------------------------


def test_remove_from_middle_moves_last_row_in_and_returns_its_owner():
    table = CellTable(COLUMNS, capacity=8)
    for i in range(4):
        assert table.add({"x": i, "mass": 1.0 + i, "phase": i % 2}, owner=f"cell{i}") == i
    moved = table.remove(1)
    assert moved == "cell3"
    assert table.n == 3 and len(table) == 3
    assert table.owners[:3] == ["cell0", "cell3", "cell2"]
    assert table.owners[3] is None
    assert list(table["x"]) == [0, 3, 2]
    assert list(table["mass"]) == [1.0, 4.0, 3.0]
    assert list(table["phase"]) == [0, 1, 0]


def test_removing_the_last_row_moves_nothing():
    table = CellTable(COLUMNS, capacity=4)
    table.add({"x": 1}, owner="a")
    table.add({"x": 2}, owner="b")
    assert table.remove(1) is None
    assert table.n == 1 and table.owners[:2] == ["a", None]


def test_removing_a_dead_row_is_a_clear_error():
    table = CellTable(COLUMNS, capacity=4)
    table.add({"x": 1}, owner="a")
    with pytest.raises(IndexError, match="not a live row"):
        table.remove(1)
    with pytest.raises(IndexError):
        table.remove(-1)


def test_copy_row_copies_every_column():
    table = CellTable(COLUMNS, capacity=4)
    table.add({"x": 7, "mass": 1.5, "phase": 1}, owner="mother")
    row = table.copy_row(0, owner="daughter")
    assert row == 1 and table.owners[1] == "daughter"
    for name in table.columns:
        assert table[name][1] == table[name][0]
        assert table[name].dtype == np.dtype(COLUMNS[name])


def test_columns_not_given_start_at_zero():
    table = CellTable(COLUMNS, capacity=2)
    table.add({"mass": 2.0})
    assert table["x"][0] == 0 and table["phase"][0] == 0 and table["mass"][0] == 2.0


def test_growth_past_capacity_keeps_data_and_owners():
    table = CellTable(COLUMNS, capacity=1)
    for i in range(37):
        table.add({"x": i, "mass": 0.5 * i, "phase": i % 3}, owner=i)
    assert table.n == 37
    assert list(table["x"]) == list(range(37))
    np.testing.assert_array_equal(table["mass"], 0.5 * np.arange(37))
    assert table.owners[:37] == list(range(37))
    assert len(table.owners) >= 37


def test_column_views_write_through_to_the_table():
    table = CellTable(COLUMNS, capacity=4)
    table.add({"mass": 1.0})
    table.add({"mass": 2.0})
    table.view(["mass"])["mass"][...] *= 3.0
    table["x"][1] = 9
    assert list(table["mass"]) == [3.0, 6.0]
    assert table.to_arrays()["x"][1] == 9
    copies = table.to_arrays()
    copies["mass"][0] = -1.0
    assert table["mass"][0] == 3.0, "to_arrays must return copies"


# A random sequence of operations against a plain-Python reference (list of dicts).
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.integers(-1000, 1000),
            st.floats(-1e6, 1e6, allow_nan=False),
            st.integers(-100, 100),
        ),
        st.tuples(st.just("copy"), st.integers(0, 10_000)),
        st.tuples(st.just("remove"), st.integers(0, 10_000)),
    ),
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(operations)
def test_random_operations_match_a_list_of_dicts(ops):
    table = CellTable(COLUMNS, capacity=1)
    reference: list[dict] = []  # one dict per live cell, with its owner id
    row_of: dict[int, int] = {}  # owner id -> row, maintained as agents do
    next_id = 0
    for op in ops:
        if op[0] == "add":
            values = {"x": op[1], "mass": op[2], "phase": op[3]}
            row_of[next_id] = table.add(values, owner=next_id)
            reference.append({"owner": next_id, **values})
            next_id += 1
        elif op[0] == "copy" and reference:
            source = reference[op[1] % len(reference)]
            row_of[next_id] = table.copy_row(row_of[source["owner"]], owner=next_id)
            reference.append({**source, "owner": next_id})
            next_id += 1
        elif op[0] == "remove" and reference:
            gone = reference.pop(op[1] % len(reference))
            row = row_of.pop(gone["owner"])
            moved = table.remove(row)
            if moved is not None:
                row_of[moved] = row
        assert table.n == len(reference)

    arrays = table.to_arrays()
    assert sorted(row_of.values()) == list(range(table.n))
    for cell in reference:
        row = row_of[cell["owner"]]
        assert table.owners[row] == cell["owner"]
        assert arrays["x"][row] == cell["x"]
        assert arrays["mass"][row] == cell["mass"]
        assert arrays["phase"][row] == cell["phase"]
