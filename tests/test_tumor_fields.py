"""The tumor's quasi-steady field solver (multigrid-preconditioned CG): exact against a direct
sparse solve in every field's coefficient regime, mass-conserving, warm-started, O(n) in memory,
and bit-for-bit restartable."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from mtor_abm.model.multigrid import MultigridCG, _gather, _scatter
from mtor_abm.model.scenarios.tumor_fields import SteadyField
from mtor_abm.model.units import SECONDS_PER_HOUR

DX = 20.0
# The tumor scenario's regimes: (diffusion um^2/s, uptake of a tumor cell 1/h, decay 1/h,
# vessel value); coupling D * 3600 / dx^2 is 18,000/h for oxygen, ~1,000/h for the others.
REGIMES = {
    "oxygen": (2000.0, 600.0, 0.0, 40.0),
    "nutrients": (110.0, 5.0, 0.0, 1.0),
    "drug": (100.0, 2.0, 0.0, 1.0),
    "VEGF": (104.0, 0.0, 0.7, None),
}


def direct(shape, diffusion, uptake, production, decay, vessels, value):
    """The same linear system assembled independently and solved by sparse LU."""
    w, h = shape
    n = w * h
    a = diffusion * SECONDS_PER_HOUR / DX**2
    index = np.arange(n).reshape(shape)
    pairs = np.concatenate(
        [
            np.stack([index[:-1, :].ravel(), index[1:, :].ravel()], 1),
            np.stack([index[:, :-1].ravel(), index[:, 1:].ravel()], 1),
        ]
    )
    fixed = np.zeros(n, bool) if vessels is None else vessels.ravel()
    rows, cols, vals = [], [], []
    diagonal = np.broadcast_to(uptake, shape).ravel() + decay + 1e-9
    rhs = np.broadcast_to(production, shape).ravel().astype(float).copy()
    for i, j in pairs:
        for p, q in ((i, j), (j, i)):
            if fixed[p]:
                continue
            diagonal[p] += a
            if fixed[q]:
                rhs[p] += a * value
            else:
                rows.append(p), cols.append(q), vals.append(-a)
    diagonal[fixed] = 1.0
    rhs[fixed] = value if vessels is not None else 0.0
    rows += list(range(n))
    cols += list(range(n))
    vals += list(diagonal)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return spsolve(matrix.tocsc(), rhs).reshape(shape)


def tissue(shape, rng, uptake):
    """Random occupancy (70 % of sites, tumor or host), vessels on ~2 % of sites."""
    occupied = rng.random(shape) < 0.7
    demand = occupied * np.where(rng.random(shape) < 0.5, 1.0, 0.5)
    return uptake * demand, rng.random(shape) < 0.02


@pytest.mark.parametrize("field", sorted(REGIMES))
@pytest.mark.parametrize("shape", [(37, 23), (64, 64), (1, 17), (3, 2), (90, 71)])
def test_solves_match_a_direct_solve_as_cells_and_vessels_change(field, shape):
    diffusion, uptake, decay, value = REGIMES[field]
    rng = np.random.default_rng(11)
    solver = SteadyField(shape, diffusion, DX, decay_per_h=decay)
    rate, vessels = tissue(shape, rng, uptake)
    for _ in range(3):
        flip = rng.random(shape) < 0.05  # cells born and died
        rate = np.where(flip, uptake * rng.random(shape), rate)
        vessels ^= rng.random(shape) < 0.005  # vessels sprouted and regressed
        if value is None:  # VEGF: secreted, decays, no vessels
            production = 0.7 * rng.random(shape) * (rng.random(shape) < 0.5)
            got = solver.solve(0.0, production)
            want = direct(shape, diffusion, 0.0, production, decay, None, 0.0)
            scale = np.abs(want).max()
        else:
            got = solver.solve(rate, 0.0, vessels, value)
            want = direct(shape, diffusion, rate, 0.0, decay, vessels, value)
            scale = value
            assert np.all(got[vessels] == value)
        assert got.shape == shape
        assert np.abs(got - want).max() < 1e-5 * scale  # the docstring promises < 1e-3


def test_production_equals_uptake_decay_and_outflow_to_vessels():
    """Mass balance of the solution: what is produced is consumed, decays or leaves by vessels."""
    shape, a = (50, 41), 104.0 * SECONDS_PER_HOUR / DX**2
    rng = np.random.default_rng(5)
    uptake = 2.0 * (rng.random(shape) < 0.7)
    vessels = rng.random(shape) < 0.01
    production = rng.random(shape)
    c = SteadyField(shape, 104.0, DX, decay_per_h=0.7).solve(uptake, production, vessels, 0.1)
    free = ~vessels
    produced = production[free].sum()
    lost = ((uptake + 0.7) * c)[free].sum()
    outflow = 0.0
    for near, far, c_near, c_far in (
        (free[:-1, :], vessels[1:, :], c[:-1, :], c[1:, :]),
        (free[1:, :], vessels[:-1, :], c[1:, :], c[:-1, :]),
        (free[:, :-1], vessels[:, 1:], c[:, :-1], c[:, 1:]),
        (free[:, 1:], vessels[:, :-1], c[:, 1:], c[:, :-1]),
    ):
        outflow += (a * (c_near - c_far))[near & far].sum()
    assert outflow > 0.1 * produced  # the vessels matter in this balance
    assert produced == pytest.approx(lost + outflow, rel=1e-5)


@pytest.mark.parametrize("refactor_after", [1, 20])
@pytest.mark.parametrize("shape", [(45, 38), (90, 71)])  # one level (LU-preconditioned CG), two
def test_restored_solver_continues_bit_for_bit(shape, refactor_after):
    """The coarse factors of an earlier operator (and their staleness) survive a restore."""
    rng = np.random.default_rng(2)
    rates = [600.0 * (rng.random(shape) < 0.7) for _ in range(5)]
    vessels = rng.random(shape) < 0.02
    original = SteadyField(shape, 2000.0, DX, refactor_after=refactor_after)
    for rate in rates[:2]:
        original.solve(rate, 0.0, vessels, 40.0)
    arrays, meta = original.state()
    json.dumps(meta)
    restored = SteadyField(shape, 2000.0, DX, refactor_after=refactor_after)
    restored.load_state({k: v.copy() for k, v in arrays.items()}, json.loads(json.dumps(meta)))
    for rate in rates[2:]:
        vessels[rng.integers(0, shape[0]), rng.integers(0, shape[1])] ^= True
        a = original.solve(rate, 0.0, vessels, 40.0).copy()
        b = restored.solve(rate, 0.0, vessels, 40.0).copy()
        assert np.array_equal(a, b)
    assert restored.iterations == original.iterations
    assert restored.solves == original.solves == 5
    assert restored._coarse.factorisations == original._coarse.factorisations


def test_stale_factors_are_refactorised_and_an_unchanged_operator_is_one_lu_solve():
    shape = (40, 40)  # one level: CG preconditioned by the LU of an earlier operator
    rng = np.random.default_rng(3)
    rate, vessels = tissue(shape, rng, 600.0)
    solver = SteadyField(shape, 2000.0, DX, refactor_after=4)
    solver.solve(rate, 0.0, vessels, 40.0)
    assert (solver.iterations, solver._coarse.factorisations) == (1, 1)  # exact: one LU solve
    for _ in range(8):  # cells change: the factors go stale and are renewed
        rate = np.where(rng.random(shape) < 0.1, 600.0 * rng.random(shape), rate)
        got = solver.solve(rate, 0.0, vessels, 40.0)
        want = direct(shape, 2000.0, rate, 0.0, 0.0, vessels, 40.0)
        assert np.abs(got - want).max() < 1e-5 * 40.0
    assert 1 < solver._coarse.factorisations < 9
    vegf = SteadyField(shape, 104.0, DX, decay_per_h=0.7)  # its operator never changes
    for _ in range(3):
        vegf.solve(0.0, rng.random(shape))
    assert (vegf.iterations, vegf._coarse.factorisations) == (3, 1)


def test_warm_start_needs_few_iterations():
    """From the last solution, a small change in the tissue costs a few iterations."""
    shape = (120, 120)
    rng = np.random.default_rng(4)
    rate, vessels = tissue(shape, rng, 600.0)
    solver = SteadyField(shape, 2000.0, DX)
    solver.solve(rate, 0.0, vessels, 40.0)
    cold = solver.iterations
    assert cold <= 12  # from zero: multigrid makes CG converge in O(1) iterations
    solver.solve(rate, 0.0, vessels, 40.0)
    assert solver.iterations == cold  # the same tissue: already converged
    rate[rng.integers(0, 120, 20), rng.integers(0, 120, 20)] = 0.0  # 20 cells die
    solver.solve(rate, 0.0, vessels, 40.0)
    assert solver.iterations - cold <= 5


def test_preconditioner_is_symmetric_positive_definite():
    """CG needs an SPD preconditioner: the V-cycle, assembled column by column, is one."""
    shape = (13, 10)
    rng = np.random.default_rng(0)
    free = rng.random(shape) > 0.05
    mg = MultigridCG(shape, max_coarse=16)
    assert len(mg.levels) >= 3
    mg.set_couplings(18000.0, 18000.0, free)
    mg.set_sink(600.0 * (rng.random(shape) < 0.7))
    n = free.size
    columns = np.zeros((n, n))
    unit, out = np.zeros(shape), np.zeros(shape)
    for i in range(n):
        unit.ravel()[:] = 0.0
        unit.ravel()[i] = 1.0
        mg.r[...] = 0.0
        _scatter(unit, mg.r)
        mg._vcycle(0, mg.r, mg.z)
        _gather(mg.z, out)
        columns[:, i] = out.ravel()
    assert np.abs(columns - columns.T).max() <= 1e-12 * np.abs(columns).max()
    assert np.linalg.eigvalsh(columns).min() > 0


def test_memory_is_linear_in_sites():
    """The buffers of all levels are a fixed number of lattice-sized arrays; only the coarsest
    level (at most 4,096 sites) is factorised."""
    for side in (100, 300):
        field = SteadyField((side, side), 2000.0, DX)
        field.solve(600.0, 0.0, np.random.default_rng(1).random((side, side)) < 0.02, 40.0)
        mg = field._multigrid
        arrays = [mg.x, mg.r, mg.z, mg.p, mg.q, *mg._coarse]
        for level in mg.levels:
            arrays += [v for v in vars(level).values() if isinstance(v, np.ndarray)]
        assert sum(a.nbytes for a in arrays) <= 20 * 8 * side * side
        assert mg.coarse_n[0] <= 4096
        factors = field._coarse.factors
        assert factors.L.nnz + factors.U.nnz <= 40 * 4096  # ~1.5 MB at most, whatever the side


def test_fields_sharing_the_lattice_do_not_interfere():
    """Fields sharing a solver's buffers: interleaved solves equal separate ones."""
    shape = (30, 26)
    rng = np.random.default_rng(8)
    rates = [600.0 * (rng.random(shape) < 0.7) for _ in range(3)]
    vessels = [rng.random(shape) < 0.02 for _ in range(3)]
    production = rng.random(shape)

    def oxygen(solver, k):
        return solver.solve(rates[k], 0.0, vessels[k], 40.0).copy()

    def vegf(solver, k):
        return solver.solve(0.0, (k + 1) * production).copy()

    separate = [oxygen(SteadyField(shape, 2000.0), 0)]
    o2, vg = SteadyField(shape, 2000.0), SteadyField(shape, 104.0, decay_per_h=0.7)
    alone = [oxygen(o2, k) for k in range(3)] + [vegf(vg, k) for k in range(3)]
    mg = MultigridCG(shape)  # one workspace for both, as a model's fields share one
    o2 = SteadyField(shape, 2000.0, multigrid=mg)
    vg = SteadyField(shape, 104.0, decay_per_h=0.7, multigrid=mg)
    assert o2._multigrid is vg._multigrid
    mixed = [None] * 6
    for k in range(3):
        mixed[3 + k], mixed[k] = vegf(vg, k), oxygen(o2, k)
    assert all(np.array_equal(a, b) for a, b in zip(alone, mixed, strict=True))
    assert np.array_equal(separate[0], alone[0])


@pytest.mark.parametrize("shape", [(40, 40), (100, 100), (130, 70)])
def test_losing_every_vessel_gives_the_zero_profile(shape):
    """No vessels and no production: the steady state of D lap c - k c = 0 is c = 0. Started
    from the last profile with vessels, CG used to chase a zero tolerance until rz underflowed
    (ZeroDivisionError after ~100 days of everolimus); a vessel coming back is solved again."""
    rng = np.random.default_rng(3)
    solver = SteadyField(shape, 2000.0, DX)
    rate, vessels = tissue(shape, rng, 320.0)
    solver.solve(rate, 0.0, vessels, 40.0)
    none = np.zeros(shape, bool)
    assert np.array_equal(solver.solve(rate, 0.0, none, 40.0), np.zeros(shape))
    one = none.copy()
    one[shape[0] // 2, shape[1] // 2] = True
    got = solver.solve(rate, 0.0, one, 40.0)
    want = direct(shape, 2000.0, rate, 0.0, 0.0, one, 40.0)
    assert np.abs(got - want).max() < 1e-5 * 40.0
