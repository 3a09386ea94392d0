"""The one module that relies on Mesa internals: everything else uses Mesa's public API.

Mesa 3.5 has no public way to do two things this project needs; each workaround is here, as
small as it can be, and ``tests/test_mesa_internals.py`` checks every internal name it relies
on and fails loudly (naming this module) when Mesa is upgraded past the versions it was
checked against (the pin in pyproject.toml):

1. :func:`advance_clock`: restoring a checkpoint moves Mesa's event clock to the saved time
   without running the model's step (uses ``Model._user_step`` and ``Model._advance_time``).
2. :class:`LazyMooreGrid`: Mesa's Moore grid with sites built on first use, to save memory on
   large slices (subclasses ``Grid`` through ``_cells``, ``_celllist``, ``_connect_cells``,
   ``_validate_parameters``, ``_mesa_property_layers``, ``pickle_gridcell`` and
   ``create_property_accessors``).

The lazy grid
-------------
A Mesa Moore grid whose sites become Cell objects only when something touches them.

Mesa's :class:`~mesa.discrete_space.OrthogonalMooreGrid` builds every site up front: a
``Cell`` object, its coordinate tuple, an agent list, a ``properties`` dict and a
``connections`` dict of eight neighbours, about 1.26 KB per site (measured on 334k sites).
A 1M-cell tumor slice has 1.37M sites, so the eager grid alone is ~1.7 KB per cell.

:class:`LazyMooreGrid` is the same grid (a subclass: same ``Cell`` API, same ``empty``
property layer, same neighbour order, same random draws) that creates a site's ``Cell``
the first time it is looked up (``grid[(x, y)]``, a neighbour lookup, a random pick), and a
cell's ``connections`` and ``properties`` the first time they are read. The engine never reads
neighbourhoods through Cell objects (it uses the ``empty`` layer with numpy), so only the
sites that ever held an agent are built, at ~0.3 KB each.

What differs from the eager grid: ``key in grid._cells`` and ``len(grid._cells)`` see only
the sites built so far (Mesa itself only indexes ``_cells``). Everything that walks all sites
(``all_cells``, iteration, ``empties``) builds them all, as the eager grid would have.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Sequence
from functools import cached_property
from random import Random

from mesa.agent import AgentSet
from mesa.discrete_space import Cell, OrthogonalMooreGrid
from mesa.discrete_space.cell_collection import CellCollection
from mesa.discrete_space.grid import Grid, pickle_gridcell

#: Moore offsets in Mesa's order (``OrthogonalMooreGrid._connect_cells_2d``): the order of a
#: cell's ``connections`` and hence of its neighbourhood.
MOORE_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

_CONNECTIONS = Cell.connections  # Mesa's slot descriptors, read and written directly below
_PROPERTIES = Cell.properties


class LazyCell(Cell):
    """A Mesa ``Cell`` whose ``connections`` and ``properties`` dicts are built on first use.

    The grid's cell class (``grid.cell_klass``) holds a weak reference to the grid as
    ``_lattice``; the neighbours are the grid's cells at the Moore offsets, in Mesa's order.
    """

    __slots__ = ()
    _lattice: weakref.ref | None = None

    def __init__(
        self,
        coordinate,
        *,
        position=None,
        capacity: int | None = None,
        random: Random | None = None,
    ) -> None:
        # Cell.__init__ without the two dicts (built on first use, see the properties).
        self.coordinate = coordinate
        self._position = position
        self._agents = []
        self.capacity = capacity
        self.random = random

    @property
    def connections(self) -> dict:
        """Neighbouring cells by relative coordinate (built, with the neighbours, on first use)."""
        try:
            return _CONNECTIONS.__get__(self, Cell)
        except AttributeError:
            ref = type(self)._lattice
            lattice = ref() if ref is not None else None
            connections = lattice._neighbours_of(self.coordinate) if lattice is not None else {}
            _CONNECTIONS.__set__(self, connections)
            return connections

    @connections.setter
    def connections(self, value: dict) -> None:
        _CONNECTIONS.__set__(self, value)

    @property
    def properties(self) -> dict:
        """Mesa's free-form per-cell dict (created on first use)."""
        try:
            return _PROPERTIES.__get__(self, Cell)
        except AttributeError:
            _PROPERTIES.__set__(self, {})
            return _PROPERTIES.__get__(self, Cell)

    @properties.setter
    def properties(self, value: dict) -> None:
        _PROPERTIES.__set__(self, value)

    def __reduce__(self):
        # Mesa registers each grid's cell class with copyreg, which keeps the class (and
        # through its layer accessors, the layers' arrays) alive for ever; a __reduce__
        # pickles the same way without the global registration.
        return pickle_gridcell(self)


class _LazyCells(dict):
    """``coordinate -> Cell`` that creates a site's cell on its first lookup."""

    __slots__ = ("_grid",)

    def __missing__(self, key):
        return self._grid._create_cell(key)

    def __reduce__(self):  # pickles as a plain dict of the cells built so far
        return dict, (dict(self),)


class _AllSites(Sequence):
    """All sites in Mesa's order (``itertools.product`` of the ranges), built on access.

    Stands in for Mesa's ``_celllist``: ``random.choice`` on it draws exactly as on the
    eager list and builds only the chosen cell.
    """

    def __init__(self, grid: LazyMooreGrid):
        self._grid = grid
        self._height = grid.dimensions[1]
        self._n = grid.dimensions[0] * grid.dimensions[1]

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        i = operator.index(index)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("site index out of range")
        x, y = divmod(i, self._height)
        return self._grid._cells[x, y]


class LazyMooreGrid(OrthogonalMooreGrid):
    """``OrthogonalMooreGrid`` (2D) that builds sites and their connections on first use.

    Args: as :class:`~mesa.discrete_space.OrthogonalMooreGrid` (``cell_klass`` must be a
    subclass of :class:`LazyCell`; the default is ``LazyCell``).
    """

    def __init__(
        self,
        dimensions: Sequence[int],
        torus: bool = False,
        capacity: float | None = None,
        random: Random | None = None,
        cell_klass: type[LazyCell] = LazyCell,
    ) -> None:
        if not (isinstance(cell_klass, type) and issubclass(cell_klass, LazyCell)):
            raise TypeError("LazyMooreGrid needs a LazyCell subclass as cell_klass")
        # Grid.__init__ without building the cells: DiscreteSpace and HasPropertyLayers first.
        super(Grid, self).__init__(capacity=capacity, random=random, cell_klass=cell_klass)
        self.torus = torus
        self.dimensions = dimensions
        self._try_random = True
        self._ndims = len(dimensions)
        self._validate_parameters()
        if self._ndims != 2:
            raise ValueError("LazyMooreGrid is two-dimensional")
        self._cell_base = cell_klass
        self.cell_klass = self._grid_cell_class(())
        # One int object per index, shared by all coordinate tuples (ints above 256 are not
        # cached by Python: two per site otherwise).
        self._index_ints = tuple(range(max(dimensions)))
        self._reset_sites()
        self.create_property_layer("empty", default_value=True, dtype=bool)

    def _grid_cell_class(self, properties) -> type:
        """This grid's own subclass of the cell class, knowing its layers and the grid."""
        return type(
            "GridCell",
            (self._cell_base,),
            {
                "_mesa_properties": set(properties),
                "__slots__": (),
                "_lattice": weakref.ref(self),
            },
        )

    def _reset_sites(self) -> _LazyCells:
        """Empty lazy site store and the all-sites sequence; returns the store."""
        cells = _LazyCells()
        cells._grid = self
        self._cells = cells
        self._celllist = _AllSites(self)
        return cells

    # ------------------------------------------------------------------ building sites
    def _create_cell(self, key) -> LazyCell:
        """Build, store and return the cell at ``key`` (KeyError off the grid, as Mesa's)."""
        try:
            x, y = (self._checked_index(k) for k in key)
        except (TypeError, ValueError):
            raise KeyError(key) from None
        width, height = self.dimensions
        if not (0 <= x < width and 0 <= y < height):
            raise KeyError(key)
        ints = self._index_ints
        coordinate = (ints[x], ints[y])
        cell = self.cell_klass(coordinate, capacity=self.capacity, random=self.random)
        dict.__setitem__(self._cells, coordinate, cell)
        return cell

    @staticmethod
    def _checked_index(value) -> int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(value)
            return int(value)
        return operator.index(value)

    def _neighbours_of(self, coordinate) -> dict:
        """``{offset: cell}`` of the Moore neighbours, as ``_connect_single_cell_2d`` builds it."""
        i, j = coordinate
        width, height = self.dimensions
        cells = self._cells
        out = {}
        for di, dj in MOORE_OFFSETS:
            ni, nj = i + di, j + dj
            if self.torus:
                ni, nj = ni % width, nj % height
            if 0 <= ni < width and 0 <= nj < height:
                out[di, dj] = cells[ni, nj]
        return out

    def _connect_cells(self) -> None:
        """Nothing to connect up front: connections are built per cell on first use."""

    # ------------------------------------------------------------------ whole-grid views
    @property
    def built_sites(self) -> int:
        """Number of sites whose Cell objects exist so far."""
        return dict.__len__(self._cells)

    @cached_property
    def all_cells(self) -> CellCollection:
        """All cells in Mesa's order (builds every site)."""
        return CellCollection({cell: cell._agents for cell in self._celllist}, random=self.random)

    def __iter__(self):
        return iter(self._celllist)

    @property
    def cutoff_empties(self):
        """Mesa's heuristic size threshold, over all sites (built or not)."""
        return 7.953 * len(self._celllist) ** 0.384

    @property
    def agents(self) -> AgentSet:
        """The agents on the grid, in site order (as Mesa's; only built sites can hold any)."""
        built = sorted(dict.values(self._cells), key=lambda cell: cell.coordinate)
        return AgentSet([a for cell in built for a in cell._agents], random=self.random)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_celllist", None)
        return state

    def __setstate__(self, state: dict) -> None:
        built = state.pop("_cells")
        self.__dict__ = state
        from mesa.discrete_space.property_layer import create_property_accessors

        # A fresh cell class for this grid, with the layers' accessors (the pickled cells come
        # back as instances of a stand-in class without the grid).
        self.__dict__.setdefault("_cell_base", LazyCell)
        self.cell_klass = self._grid_cell_class(self._mesa_property_layers)
        for layer in self._mesa_property_layers.values():
            setattr(
                self.cell_klass,
                layer.name,
                create_property_accessors(layer.data, docstring=f"accessor for {layer.name}"),
            )
        cells = self._reset_sites()
        for cell in built.values():
            cell.__class__ = self.cell_klass
            dict.__setitem__(cells, cell.coordinate, cell)
        for cell in list(built.values()):
            pickled = _CONNECTIONS.__get__(cell, Cell)  # relative key -> neighbour coordinate
            _CONNECTIONS.__set__(cell, {k: cells[c] for k, c in pickled.items()})


# ------------------------------------------------------------------ the event clock
def advance_clock(model, time: float) -> None:
    """Move ``model``'s Mesa event clock to ``time`` without running the model's step.

    Mesa 3.5 steps through a recurring event (one per time unit); setting ``model.time``
    alone would leave those events behind, and the next ``step()`` would replay them all.
    Mesa's public ``run_until`` would run the step; here the model's step is swapped for a
    no-op while the events are consumed (Mesa keeps it as ``_user_step``).
    """
    if time <= model.time:
        return
    user_step = model._user_step
    model._user_step = _no_step
    try:
        model._advance_time(time)
    finally:
        model._user_step = user_step


def _no_step() -> None:
    """The step run while :func:`advance_clock` moves the clock: nothing."""
