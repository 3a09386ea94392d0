"""Neighbourhood sums (model.neighbourhood) against a direct sum over each site's neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from mtor_abm.model.neighbourhood import (
    MOORE_BLOCK,
    MOORE_RING,
    VON_NEUMANN_RING,
    moore_neighbour_count,
    neighbourhood_sum,
)

OFFSETS = {
    "ring": [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)],
    "block": [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)],
    "cross": [(-1, 0), (1, 0), (0, -1), (0, 1)],
}
KERNELS = {"ring": MOORE_RING, "block": MOORE_BLOCK, "cross": VON_NEUMANN_RING}


def direct(grid: np.ndarray, offsets) -> np.ndarray:
    w, h = grid.shape
    out = np.zeros((w, h))
    for x in range(w):
        for y in range(h):
            out[x, y] = sum(
                grid[x + dx, y + dy] for dx, dy in offsets if 0 <= x + dx < w and 0 <= y + dy < h
            )
    return out


@pytest.mark.parametrize("kind", sorted(KERNELS))
def test_sum_matches_the_direct_sum_over_neighbours_on_the_lattice(kind):
    grid = np.random.default_rng(1).random((7, 5))
    np.testing.assert_allclose(
        neighbourhood_sum(grid, KERNELS[kind]), direct(grid, OFFSETS[kind]), rtol=1e-14
    )


def test_a_stack_of_lattices_is_summed_lattice_by_lattice():
    stack = np.random.default_rng(2).random((3, 4, 6))
    got = neighbourhood_sum(stack, MOORE_RING)
    for k in range(3):
        np.testing.assert_allclose(got[k], direct(stack[k], OFFSETS["ring"]), rtol=1e-14)


def test_counts_are_exact_integers_and_a_corner_has_three_neighbours():
    full = np.ones((4, 3), bool)
    count = moore_neighbour_count(full)
    assert count.dtype == np.int8
    assert count[0, 0] == 3 and count[1, 1] == 8 and count[0, 1] == 5
    mask = np.random.default_rng(3).random((9, 8)) < 0.4
    assert np.array_equal(count := moore_neighbour_count(mask), direct(mask, OFFSETS["ring"]))
    assert count.max() <= 8
