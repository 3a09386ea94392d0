"""Mesa internals, in their one place (model.mesa_internals).

The guard: the installed Mesa is one the workarounds were checked against, every internal they
use is still there, and no other module touches Mesa internals.

The lazily built Moore grid is Mesa's OrthogonalMooreGrid, site by site.

It builds a site's Cell (and a cell's connections) only when first used, to save memory on
large slices; everything a model or a Mesa user can observe must be as with the eager grid:
neighbours and their order, the ``empty`` layer, agent placement, random draws, and whole
model runs (bit for bit).
"""

import ast
import inspect
import pickle
import random
import re
from pathlib import Path

import mesa
import mesa.discrete_space.grid as grid_module
import mesa.discrete_space.property_layer as property_layer
import numpy as np
import pytest
from mesa import Model
from mesa.discrete_space import Cell, CellAgent, OrthogonalMooreGrid

import mtor_abm.model.tissue as tissue
from mtor_abm.model.mesa_internals import LazyCell, LazyMooreGrid, advance_clock
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import TumorScenario


def coords(cells):
    return [cell.coordinate for cell in cells]


@pytest.mark.parametrize("torus", [False, True])
def test_same_sites_neighbours_and_order_as_the_eager_grid(torus):
    eager = OrthogonalMooreGrid((7, 6), torus=torus, capacity=1, random=random.Random(3))
    lazy = LazyMooreGrid((7, 6), torus=torus, capacity=1, random=random.Random(3))
    assert lazy.built_sites == 0
    for x in range(7):
        for y in range(6):
            e, c = eager[(x, y)], lazy[(x, y)]
            assert isinstance(c, LazyCell) and c.coordinate == e.coordinate == (x, y)
            assert [(k, v.coordinate) for k, v in c.connections.items()] == [
                (k, v.coordinate) for k, v in e.connections.items()
            ]
            assert coords(c.neighborhood) == coords(e.neighborhood)
            assert coords(c.get_neighborhood(2, include_center=True)) == coords(
                e.get_neighborhood(2, include_center=True)
            )
            assert c.properties == {} and c.position.tolist() == [x, y]
    assert coords(lazy.all_cells) == coords(eager.all_cells) == coords(lazy)
    assert lazy.width == 7 and lazy.height == 6 and lazy.dimensions == (7, 6)


def test_sites_are_built_once_on_first_use_and_off_grid_keys_fail_as_in_mesa():
    grid = LazyMooreGrid((5, 4), capacity=1, random=random.Random(1))
    cell = grid[(np.int64(2), 3)]
    assert grid.built_sites == 1 and grid[(2, 3)] is cell and type(cell.coordinate[0]) is int
    cell.connections  # noqa: B018 (builds the neighbours)
    assert grid.built_sites == 6  # the cell and its 5 neighbours at the top edge
    for key in [(5, 0), (-1, 0), (0, 4), (1.5, 2), (1, 2, 3), "ab"]:
        with pytest.raises(KeyError):
            grid[key]


def test_agents_fill_and_free_the_empty_layer_and_capacity_holds():
    eager = OrthogonalMooreGrid((6, 6), capacity=1, random=random.Random(5))
    lazy = LazyMooreGrid((6, 6), capacity=1, random=random.Random(5))
    for grid in (eager, lazy):
        model = Model(rng=2)
        agents = [CellAgent(model) for _ in range(4)]
        for agent, site in zip(agents, [(0, 0), (2, 3), (5, 5), (1, 4)], strict=True):
            agent.cell = grid[site]
        agents[1].move_to(grid[(2, 4)])
        agents[2].remove()
        with pytest.raises(Exception, match="full"):
            CellAgent(model).cell = grid[(0, 0)]
        assert grid[(1, 4)].agents == [agents[3]]
    assert np.array_equal(lazy.empty.data, eager.empty.data)
    assert int((~lazy.empty.data).sum()) == 3
    assert coords(lazy.empties) == coords(eager.empties)
    assert [a.cell.coordinate for a in lazy.agents] == [a.cell.coordinate for a in eager.agents]
    # Mesa's random empty-site pick: the same draws, building only the sites drawn.
    picks = [[g.select_random_empty_cell().coordinate for _ in range(20)] for g in (eager, lazy)]
    assert picks[0] == picks[1]


def test_pickles_with_its_cells_agents_and_layers():
    grid = LazyMooreGrid((6, 5), capacity=1, random=random.Random(5))
    model = Model(rng=2)
    agent = CellAgent(model)
    agent.cell = grid[(3, 2)]
    grid.create_property_layer("oxygen", 1.5)
    copy = pickle.loads(pickle.dumps(grid))
    cell = copy[(3, 2)]
    assert len(cell.agents) == 1 and not cell.empty and cell.oxygen == 1.5
    assert coords(cell.neighborhood) == coords(grid[(3, 2)].neighborhood)
    assert cell.connections[(0, 1)] is copy[(3, 3)]
    assert np.array_equal(copy.empty.data, grid.empty.data)


def eager_grid(dimensions, torus=False, capacity=None, random=None):
    return OrthogonalMooreGrid(dimensions, torus=torus, capacity=capacity, random=random)


def run(make, steps, monkeypatch, eager):
    with monkeypatch.context() as m:
        if eager:
            m.setattr(tissue, "LazyMooreGrid", eager_grid)
        model = make()
        for _ in range(steps):
            model.step()
    return model


@pytest.mark.parametrize(
    "make",
    [
        lambda: TumorModel(
            TumorScenario(rng=4, width=30, height=30, seed_radius_sites=5),
            Regime("everolimus", 10.0, "daily"),
        ),
        lambda: CultureModel(
            CultureScenario(rng=4, width=16, height=16, initial_cells=30),
            Regime("sirolimus", 0, "fixed", conc_nM=10.0),
        ),
    ],
    ids=["tumor", "culture"],
)
def test_a_model_runs_bit_for_bit_as_on_the_eager_grid(make, monkeypatch):
    lazy = run(make, 24, monkeypatch, eager=False)
    eager = run(make, 24, monkeypatch, eager=True)
    assert isinstance(lazy.grid, LazyMooreGrid) and not isinstance(eager.grid, LazyMooreGrid)
    assert lazy.timeseries() == eager.timeseries()
    a, b = lazy.table.to_arrays(), eager.table.to_arrays()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(lazy.grid.empty.data, eager.grid.empty.data)
    assert [x.unique_id for x in lazy.agents] == [x.unique_id for x in eager.agents]
    if isinstance(lazy, CultureModel):
        # A sparse dish builds only the sites its cells used. (A tumor slice is full of host
        # tissue, 805 of these 900 sites hold a cell at the start, so its renewal touches
        # every site within a day: a fuller tissue, not a less lazy grid.)
        assert lazy.grid.built_sites < lazy.grid.width * lazy.grid.height


def test_a_dropped_grid_frees_its_cell_class_and_layer_arrays():
    # Mesa's eager grid registers its cell class with copyreg for ever, and with it the
    # arrays of its layers (the accessors hold them); many models per process must not leak.
    import gc
    import weakref

    grid = LazyMooreGrid((20, 20), capacity=1, random=random.Random(1))
    layer = grid.create_property_layer("oxygen", 0.0)
    grid[(3, 3)].connections  # noqa: B018 (not .neighborhood: Mesa caches those for ever)
    refs = [weakref.ref(x) for x in (grid, grid.cell_klass, layer.data)]
    del grid, layer
    gc.collect()
    assert all(ref() is None for ref in refs)


# ------------------------------------------------------------------ the Mesa-internals guard
ROOT = Path(__file__).resolve().parents[1]
#: Mesa internals that model/mesa_internals.py relies on, and nothing else may touch.
PRIVATE_ATTRIBUTES = {
    "_user_step",
    "_advance_time",
    "_cells",
    "_celllist",
    "_connect_cells",
    "_validate_parameters",
    "_mesa_property_layers",
}
PRIVATE_IMPORTS = {"pickle_gridcell", "create_property_accessors", "Grid"}


def test_installed_mesa_is_one_the_workarounds_were_checked_against():
    """Fails on a Mesa upgrade: re-check model/mesa_internals.py, then widen pin and test."""
    text = (ROOT / "pyproject.toml").read_text()
    pin = re.search(r'"mesa\[rec\]([^"]+)"', text).group(1)
    assert pin == ">=3.5,<3.6", f"the Mesa pin changed to {pin}: re-check model/mesa_internals.py"
    major, minor = (int(p) for p in mesa.__version__.split(".")[:2])
    assert (major, minor) == (3, 5), (
        f"Mesa {mesa.__version__} is installed; model/mesa_internals.py was checked against "
        "3.5 only: re-check each internal it uses (its docstring lists them) before widening"
    )


def test_every_mesa_internal_relied_on_is_still_there():
    model = Model()
    assert model._user_step == model.__class__.step.__get__(model)
    assert list(inspect.signature(Model._advance_time).parameters) == ["self", "until"]
    eager = OrthogonalMooreGrid((3, 2), random=random.Random(0))
    assert isinstance(eager._cells, dict) and len(eager._celllist) == 6
    assert isinstance(eager._mesa_property_layers, dict) and "empty" in eager._mesa_property_layers
    for name in ("_connect_cells", "_validate_parameters"):
        assert callable(getattr(grid_module.Grid, name)), name
    assert callable(grid_module.pickle_gridcell)
    assert callable(property_layer.create_property_accessors)
    for slot in ("connections", "properties"):
        assert type(getattr(Cell, slot)).__name__ == "member_descriptor", slot


def test_advance_clock_moves_the_event_clock_without_stepping():
    class Counting(Model):
        def __init__(self):
            super().__init__()
            self.ran = 0

        def step(self):
            self.ran += 1

    m = Counting()
    advance_clock(m, 5.0)
    assert (m.time, m.ran) == (5.0, 0)
    m.step()  # one step, not the five skipped ones replayed
    assert (m.time, m.ran) == (6.0, 1)


def test_no_other_module_touches_mesa_internals():
    offences = []
    for folder in ("model", "agents", "visualization", "experiments"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "mesa_internals.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
                    offences.append(f"{where} .{node.attr}")
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mesa"):
                    for alias in node.names:
                        if alias.name.startswith("_") or alias.name in PRIVATE_IMPORTS:
                            offences.append(f"{where} imports {alias.name}")
    assert offences == []
