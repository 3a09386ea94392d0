"""The per-cell state table: struct-of-arrays with one row per live cell.

Every per-cell number (signalling state, signalling parameters, fate variables, position)
lives in a column here, so the signalling and fate phases run as numpy expressions over all
cells at once. Agents hold their row index; rows stay dense (0 .. n-1) because a removed
row is filled by the last row, whose agent is told its new row.

Memory: columns are allocated uninitialised (``np.empty``) and rows beyond ``n`` are never
read, so capacity that no cell has used yet costs address space, not resident memory;
``owners`` grows with the largest ``n`` reached, not with the capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


class CellTable:
    """Columns of per-cell values for ``n`` live cells (rows ``0 .. n-1``).

    Args:
        columns: column name -> numpy dtype.
        capacity: rows allocated at first; doubles when full.
    """

    def __init__(self, columns: Mapping[str, np.dtype | type], capacity: int = 1024):
        self.n = 0
        self._capacity = max(1, int(capacity))
        self._data = {name: np.empty(self._capacity, dtype=dt) for name, dt in columns.items()}
        #: Agent of each row (``owners[r]`` for ``r < n``; entries past ``n`` are None).
        self.owners: list[object | None] = []

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in creation order."""
        return tuple(self._data)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        """The live part of column ``name`` (a view: writes go to the table)."""
        return self._data[name][: self.n]

    def view(self, names: Iterable[str]) -> dict[str, np.ndarray]:
        """Live views of several columns, keyed by name."""
        return {name: self._data[name][: self.n] for name in names}

    def _grow(self) -> None:
        self._capacity *= 2
        for name, col in self._data.items():
            new = np.empty(self._capacity, dtype=col.dtype)
            new[: self.n] = col[: self.n]
            self._data[name] = new

    def _set_owner(self, row: int, owner: object | None) -> None:
        if row < len(self.owners):
            self.owners[row] = owner
        else:  # row == len(owners): the table has never been this full
            self.owners.append(owner)

    def add(self, values: Mapping[str, float], owner: object | None = None) -> int:
        """Append a row (columns not given are 0) and return its index."""
        if self.n == self._capacity:
            self._grow()
        row = self.n
        for name, col in self._data.items():
            col[row] = values.get(name, 0)
        self._set_owner(row, owner)
        self.n += 1
        return row

    def copy_row(self, source: int, owner: object | None = None) -> int:
        """Append a copy of row ``source`` (a daughter inherits its mother's state)."""
        if self.n == self._capacity:
            self._grow()
        row = self.n
        for col in self._data.values():
            col[row] = col[source]
        self._set_owner(row, owner)
        self.n += 1
        return row

    def load_columns(self, columns: Mapping[str, np.ndarray]) -> int:
        """Replace the live rows by ``columns`` (all columns, equal lengths); returns the count.

        Owners are cleared; the caller attaches agents to the rows.
        """
        if set(columns) != set(self._data):
            missing = set(self._data) ^ set(columns)
            raise ValueError(f"columns differ from the table's: {sorted(missing)}")
        n = len(next(iter(columns.values()))) if columns else 0
        while self._capacity < n:
            self._grow()
        for name, col in self._data.items():
            col[:n] = columns[name]
        self.owners[:] = [None] * n
        self.n = n
        return n

    def remove(self, row: int) -> object | None:
        """Delete ``row`` by moving the last row into it; return the moved row's owner.

        The caller must set the returned owner's row index to ``row`` (``None`` when the
        removed row was the last one).
        """
        last = self.n - 1
        if not 0 <= row <= last:
            raise IndexError(f"row {row} is not a live row (n = {self.n})")
        moved = None
        if row != last:
            for col in self._data.values():
                col[row] = col[last]
            moved = self.owners[last]
            self.owners[row] = moved
        self.owners[last] = None
        self.n = last
        return moved

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Copies of the live columns (for checkpoints and tests)."""
        return {name: col[: self.n].copy() for name, col in self._data.items()}
