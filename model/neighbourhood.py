"""Sums over lattice neighbourhoods, by ``scipy.ndimage.correlate`` (zero beyond the edges).

Every scenario that counts or pools its neighbours' values (free sites around a cell, Tregs near
an effector, senescent neighbours' SASP, aggregates released to neighbouring neurons, pathogen
spreading to adjacent sites) goes through these few kernels, on ``[x, y]`` grids or on a stack
of them (``[organism, x, y]``: the kernel never crosses from one organism to the next).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def read_only(array: np.ndarray) -> np.ndarray:
    """``array`` itself, made read-only: a module's constant table cannot be changed in place
    (writing to it raises ``ValueError``)."""
    array.flags.writeable = False
    return array


MOORE_RING = read_only(np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]]))
"""The eight Moore neighbours, the centre left out."""
MOORE_BLOCK = read_only(np.ones((3, 3), dtype=np.int64))
"""A site and its eight Moore neighbours (the 3 x 3 block)."""
VON_NEUMANN_RING = read_only(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
"""The four lattice neighbours (+-x, +-y), the centre left out."""


def neighbourhood_sum(grid: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``sum_k kernel[k] * grid[site + k - 1]`` at every site, 0 beyond the edges.

    Args:
        grid: values on a ``(width, height)`` lattice, or a stack ``(n, width, height)`` of
            lattices summed each on its own.
        kernel: 3 x 3 weights (:data:`MOORE_RING`, :data:`MOORE_BLOCK`,
            :data:`VON_NEUMANN_RING`).

    Returns an array of ``grid``'s shape; float for float input, int64 for integer or bool
    input (counts are exact).
    """
    values = np.asarray(grid)
    if values.dtype == bool or np.issubdtype(values.dtype, np.integer):
        values = values.astype(np.int64)
        weights = np.asarray(kernel, dtype=np.int64)
    else:
        values = values.astype(float, copy=False)
        weights = np.asarray(kernel, dtype=float)
    if values.ndim == 3:
        weights = weights[None, :, :]
    return ndimage.correlate(values, weights, mode="constant", cval=0)


def moore_neighbour_count(mask: np.ndarray) -> np.ndarray:
    """Number of Moore neighbours (centre excluded) of every site where ``mask`` is True (int8)."""
    return neighbourhood_sum(np.asarray(mask, bool), MOORE_RING).astype(np.int8)
