"""Conjugate gradients preconditioned by a geometric multigrid V-cycle, on a 2D lattice.

Solves ``A x = b`` for a symmetric positive definite 5-point operator on a ``(width, height)``
lattice (index ``[x, y]``),

    (A x)_i = d_i x_i - sum_j c_ij x_j,   d_i = s_i + sum_j c_ij,

with a coupling ``c_ij >= 0`` (1/h) between lattice neighbours and a sink ``s_i >= 0`` (1/h) per
site; sites that are not ``free`` (Dirichlet sites: the caller moves their pull into ``b``) are
left out, as decoupled unknowns held at 0. Storage and work per iteration are O(n) in the
number of sites n (plus an O(``max_coarse``) sparse LU) and the iteration count is about
constant (6-9 from scratch to a relative residual of 1e-6 on 14k to 1M sites, 4-6 warm-started
in the tumor scenario).

The V-cycle (the CG preconditioner, symmetric so CG stays CG):

* Every level but the coarsest keeps its arrays split into the four sub-lattices of even/odd x
  and y, each a dense (w, h) array (the lattice padded to even sides with decoupled sites). A
  site's four neighbours lie in the two sub-lattices of the other colour, so a red-black
  Gauss-Seidel half sweep is ~9 NumPy calls per sub-lattice on quarter-size arrays, and the 2 x 2
  aggregation is the sum of the four sub-lattices.
* Smoothing: one red-black Gauss-Seidel sweep before (red, black) and after (black, red).
* Transfer: the residual is summed over 2 x 2 blocks; the correction is constant on each block.
* Coarse operators are rediscretised: the coupling across a coarse face is the mean of the two
  fine couplings crossing it (a finite-volume coupling D/dx^2 is the same at every level), the
  sink the sum of the four fine sinks, so a Dirichlet site's pull (a sink on its neighbours) and
  the uptake carry down exactly.
* The coarsest level (at most ``max_coarse`` = 4,096 sites, e.g. 60 x 60 under a 120 x 120
  lattice, 63 x 63 under 1000 x 1000) is solved by a SuperLU factorisation (:class:`CoarseLU`:
  ~0.1 ms per solve, 1-10 ms per factorisation, ~1.5 MB at 4,096 sites). A caller may keep the
  factors of an earlier coarsest operator while they still precondition well (the tumor fields
  do: their sinks change every step), so a factorisation is rare.
* A lattice of at most ``max_coarse`` sites is a single level: CG preconditioned by the LU of
  its (current or an earlier) operator, and one exact LU solve while the operator is the one
  factorised.

Few, large levels keep the fixed cost of the hundreds of small NumPy calls per V-cycle low on
small lattices (per solve on 40 x 40 sites ~0.1-0.5 ms, 120 x 120 ~2-3 ms; 5-10x less than with
a 64-site coarsest level on 40 x 40, ~1.5x less on 120 x 120).

Dot products use ``np.einsum`` (no BLAS threads) and SuperLU is sequential: results are
identical on every machine and in one process or many.

Why not pyamg (tried in ``benchmarks/pyamg_trial.py``): CG preconditioned by a pyamg
Ruge-Stuben or smoothed-aggregation hierarchy of the same operator needs fewer iterations (4.8-5
against 6.2) but each warm solve costs 2.4-3.2x more (120 x 120: 10-13 ms against 4.5 ms;
1000 x 1000: 820-970 ms against 350 ms) and each hierarchy setup ~5x more (it must be redone
when the vessels change); the 3-day default tumor process took 1.67x the CPU time (the whole
process timed, median of 3 paired runs, 5.84 s against 3.46 s; 2.4-2.6x per step), beyond the
1.3x allowed.

Why one module of ~500 lines: the levels (:class:`_Level`), the coarse solve (:class:`CoarseLU`),
the V-cycle and CG (:class:`MultigridCG`) and the sub-lattice transfers share one storage
layout (the four even/odd sub-lattices, the padding, the decoupled sites) that none of them
makes sense without; split, each part would import the others' private layout. A quarter of
the module is docstrings.
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

MAX_COARSE = 4096
"""Default largest coarsest level, sites (its sparse LU is a few MB at most)."""
RED = ((0, 0), (1, 1))
BLACK = ((0, 1), (1, 0))


class _Level:
    """One grid level: couplings, sink and diagonal of its operator, and V-cycle buffers.

    On a split level (all but the coarsest) arrays have shape ``(2, 2, w, h)``: ``[a, b]`` is the
    sub-lattice of sites ``(2p + a, 2q + b)``. ``cx``/``cy`` hold the coupling of each site to
    its +x/+y neighbour (0 on the last row/column and for decoupled sites), 1/h.
    """

    def __init__(self, size: tuple[int, int], split: bool, buffers: bool = True):
        self.size = size  # natural (padded when split) sides of this level, sites
        self.split = split
        shape = (2, 2, size[0] // 2, size[1] // 2) if split else size
        self.cx = np.zeros(shape)
        self.cy = np.zeros(shape)
        self.sink = np.zeros(shape)
        # Sum of each site's couplings, plus 1 at decoupled sites (so their diagonal is 1).
        self.csum = np.ones(shape)
        self.free = np.zeros(shape)  # 1 at sites with an unknown, 0 at decoupled ones
        self.dinv = np.ones(shape)  # 1 / diagonal
        if buffers:  # the V-cycle's right-hand side and correction on this level
            self.rhs = np.zeros(shape)
            self.x = np.zeros(shape)
        if split:
            self.acc = np.zeros(shape[2:])
            self.tmp = np.zeros(shape[2:])

    # Operator --------------------------------------------------------------------------------
    def neighbours(self, x: np.ndarray, a: int, b: int, out: np.ndarray) -> np.ndarray:
        """``sum_j c_ij x_j`` over the sites of sub-lattice ``[a, b]`` (split levels)."""
        cx, cy, tmp = self.cx, self.cy, self.tmp
        xs = x[1 - a, b]  # the x-neighbours: west at p - 1 (a = 0) or east at p + 1 (a = 1)
        np.multiply(cx[0, b], xs, out=out)
        if a == 0:
            np.multiply(cx[1, b][:-1], xs[:-1], out=tmp[1:])
            out[1:] += tmp[1:]
        else:
            np.multiply(cx[1, b][:-1], xs[1:], out=tmp[:-1])
            out[:-1] += tmp[:-1]
        ys = x[a, 1 - b]
        np.multiply(cy[a, 0], ys, out=tmp)
        out += tmp
        if b == 0:
            np.multiply(cy[a, 1][:, :-1], ys[:, :-1], out=tmp[:, 1:])
            out[:, 1:] += tmp[:, 1:]
        else:
            np.multiply(cy[a, 1][:, :-1], ys[:, 1:], out=tmp[:, :-1])
            out[:, :-1] += tmp[:, :-1]
        return out

    def apply(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = A x`` (split levels)."""
        for a in (0, 1):
            for b in (0, 1):
                self.neighbours(x, a, b, self.acc)
                np.divide(x[a, b], self.dinv[a, b], out=out[a, b])
                out[a, b] -= self.acc
        return out

    def relax(self, x: np.ndarray, rhs: np.ndarray, colour) -> None:
        """Gauss-Seidel on the sites of one colour: ``x_i = (b_i + sum_j c_ij x_j) / d_i``."""
        for a, b in colour:
            self.neighbours(x, a, b, self.acc)
            self.acc += rhs[a, b]
            np.multiply(self.acc, self.dinv[a, b], out=x[a, b])

    # Setup -----------------------------------------------------------------------------------
    def sum_couplings(self) -> None:
        """``csum`` from the couplings and the free mask (call when the couplings change)."""
        c, cx, cy = self.csum, self.cx, self.cy
        np.add(cx, cy, out=c)
        if self.split:
            c[1] += cx[0]  # west of an odd-x site: the even-x site at the same p
            c[0, :, 1:, :] += cx[1, :, :-1, :]  # west of an even-x site: odd-x at p - 1
            c[:, 1] += cy[:, 0]
            c[:, 0, :, 1:] += cy[:, 1, :, :-1]
        else:
            c[1:, :] += cx[:-1, :]
            c[:, 1:] += cy[:, :-1]
        c += 1.0
        c -= self.free

    def set_diagonal(self) -> None:
        """The diagonal from the couplings and the sink (call when the sink changes)."""
        np.add(self.sink, self.csum, out=self.dinv)
        np.divide(1.0, self.dinv, out=self.dinv)


class CoarseLU:
    """Sparse LU factors (SuperLU) of a :class:`MultigridCG`'s coarsest operator: its coarse
    solve, and the whole preconditioner when the lattice is a single level.

    Args:
        refactor_after: None: exact, refactorise whenever the coarsest operator changed. A
            number: keep the factors of an earlier operator (an SPD approximation, so the
            V-cycle stays an SPD preconditioner) until the CG iterations beyond the fewest per
            solve since the factorisation, summed, reach this budget; then refactorise at the
            next solve. Iteration counts, not seconds, so runs are identical on every machine.

    Each field keeps its own (its operator is its own); the factors are O(``max_coarse``).
    SuperLU on the same matrix gives the same factors, so :meth:`load_state` (which
    refactorises the saved operator) continues bit for bit.
    """

    def __init__(self, refactor_after: int | None = None):
        self.refactor_after = refactor_after
        self.factors = None
        self.data: np.ndarray | None = None  # the factorised operator (MultigridCG's pattern)
        self.stale = False
        self.extra = 0  # iterations beyond the fewest per solve since the factorisation
        self.fewest: int | None = None
        self.factorisations = 0

    def prepare(self, mg: MultigridCG) -> None:
        """Factorise ``mg``'s current coarsest operator if these factors will not do."""
        data = mg.coarse_data
        if (
            self.factors is None
            or self.stale
            or self.data.shape != data.shape
            or (self.refactor_after is None and not np.array_equal(data, self.data))
        ):
            self.factor(mg, data)

    def factor(self, mg: MultigridCG, data: np.ndarray) -> None:
        self.data = np.array(data, dtype=float)
        matrix = sp.csc_matrix((self.data, mg.coarse_indices, mg.coarse_indptr), shape=mg.coarse_n)
        self.factors = splu(matrix, permc_spec="MMD_AT_PLUS_A")  # symmetric: CSR = CSC arrays
        self.stale = False
        self.extra = 0
        self.fewest = None
        self.factorisations += 1

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        return self.factors.solve(rhs)

    def record(self, iterations: int) -> None:
        """Book a solve's CG iterations (decides when the factors are stale)."""
        if self.refactor_after is None:
            return
        self.fewest = iterations if self.fewest is None else min(self.fewest, iterations)
        self.extra += iterations - self.fewest
        self.stale = self.extra >= self.refactor_after

    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        arrays = {} if self.data is None else {"coarse_operator": self.data.copy()}
        meta = {
            "stale": bool(self.stale),
            "extra": int(self.extra),
            "fewest": self.fewest,
            "factorisations": int(self.factorisations),
        }
        return arrays, meta

    def load_state(self, arrays: dict, meta: dict, mg: MultigridCG) -> None:
        self.factors = self.data = None
        if "coarse_operator" in arrays:
            self.factor(mg, np.asarray(arrays["coarse_operator"], float))
        self.stale = bool(meta.get("stale", False))
        self.extra = int(meta.get("extra", 0))
        fewest = meta.get("fewest")
        self.fewest = None if fewest is None else int(fewest)
        self.factorisations = int(meta.get("factorisations", 0))


class MultigridCG:
    """CG with a multigrid V-cycle preconditioner for 5-point operators on one lattice shape.

    Args:
        shape: lattice shape (width, height) in sites.
        max_coarse: the coarsest level has at most this many sites (solved by sparse LU); a
            lattice of at most this many sites is a single level (CG preconditioned by LU).

    Usage: :meth:`set_couplings` (when they change), :meth:`set_sink` (when it changes), then
    :meth:`solve` for any number of right-hand sides. Buffers are allocated here, once: ~16
    float arrays of the lattice's size (13 on the fine level, the coarse levels a third more)
    and the coarsest operator's sparse matrix (~5 ``max_coarse`` entries).
    """

    def __init__(self, shape: tuple[int, int], max_coarse: int = MAX_COARSE):
        self.shape = (int(shape[0]), int(shape[1]))
        self.levels: list[_Level] = []
        size = self.shape
        while True:
            split = size[0] * size[1] > max_coarse
            padded = (size[0] + size[0] % 2, size[1] + size[1] % 2) if split else size
            self.levels.append(_Level(padded, split, buffers=bool(self.levels)))
            if not split:
                break
            size = (padded[0] // 2, padded[1] // 2)
        fine = self.levels[0].cx.shape
        self.x, self.r, self.z, self.p, self.q = (np.zeros(fine) for _ in range(5))
        # Natural-layout buffer for each split level's coarse grid (restriction/prolongation).
        self._coarse = [np.zeros((lv.size[0] // 2, lv.size[1] // 2)) for lv in self.levels[:-1]]
        self.natural = np.zeros(self.shape)  # scratch for callers, natural layout
        self.couplings_key = None  # whose couplings are set (see :meth:`set_couplings`)
        self.lock = threading.Lock()  # held by a caller across set_couplings ... solve
        self._pattern(self.levels[-1].size)
        self.coarse = CoarseLU()  # exact coarse solves, when :meth:`solve` is given none
        self._active: CoarseLU | None = None

    def _pattern(self, size: tuple[int, int]) -> None:
        """The coarsest operator's sparsity pattern: every lattice pair and the diagonal
        (pairs touching decoupled sites hold explicit zeros, so the pattern never changes)."""
        w, h = size
        n = w * h
        index = np.arange(n).reshape(size)
        first = np.concatenate([index[:-1, :].ravel(), index[:, :-1].ravel()])
        second = np.concatenate([index[1:, :].ravel(), index[:, 1:].ravel()])
        rows = np.concatenate([first, second, np.arange(n)])
        cols = np.concatenate([second, first, np.arange(n)])
        tag = np.concatenate([np.arange(first.size), np.arange(first.size), np.full(n, -1)])
        pattern = sp.csr_matrix((tag + 2.0, (rows, cols)), shape=(n, n))
        pattern.sort_indices()
        code = pattern.data.astype(np.int64) - 2
        self._diagonal_at = np.flatnonzero(code == -1)  # row order
        self._pair_at = np.flatnonzero(code >= 0)
        self._pair_of = code[self._pair_at]
        self._pairs = np.zeros(first.size)
        self._nx = (w - 1) * h  # x pairs come first in ``_pairs``
        self.coarse_indices, self.coarse_indptr = pattern.indices, pattern.indptr
        self.coarse_n = (n, n)
        self.coarse_data = np.zeros(pattern.data.size)
        self._matrix = sp.csr_matrix(
            (self.coarse_data, self.coarse_indices, self.coarse_indptr), shape=(n, n), copy=False
        )

    # Setup -----------------------------------------------------------------------------------
    def set_couplings(self, cx, cy, free, key=None) -> None:
        """The fine operator's couplings and unknowns, natural layout ``(width, height)``, 1/h.

        Args:
            cx: coupling of each site to its +x neighbour (the last row's is ignored).
            cy: coupling of each site to its +y neighbour (the last column's is ignored).
            free: bool, the unknowns; other sites are decoupled (their couplings are zeroed).
            key: stored as ``couplings_key``: callers sharing this solver use it to tell
                whether the couplings set are theirs.

        Call :meth:`set_sink` after this.
        """
        self.couplings_key = key
        fine = self.levels[0]
        free = np.asarray(free, bool)
        cx = np.where(free, cx, 0.0)
        cx[:-1, :] *= free[1:, :]
        cx[-1, :] = 0.0
        cy = np.where(free, cy, 0.0)
        cy[:, :-1] *= free[:, 1:]
        cy[:, -1] = 0.0
        _to_level(cx, fine, fine.cx)
        _to_level(cy, fine, fine.cy)
        _to_level(free.astype(float), fine, fine.free)
        fine.sum_couplings()
        for k, level in enumerate(self.levels[:-1]):
            coarse, buf = self.levels[k + 1], self._coarse[k]
            for name, parts, scale in (
                ("cx", ((1, 0), (1, 1)), 0.5),  # the two fine couplings crossing an x face
                ("cy", ((0, 1), (1, 1)), 0.5),
            ):
                fine_part = getattr(level, name)
                np.add(fine_part[parts[0]], fine_part[parts[1]], out=buf)
                buf *= scale
                _to_level(buf, coarse, getattr(coarse, name))
            f = level.free
            np.maximum(np.maximum(f[0, 0], f[0, 1]), np.maximum(f[1, 0], f[1, 1]), out=buf)
            _to_level(buf, coarse, coarse.free)
            coarse.sum_couplings()
        last, pairs = self.levels[-1], self._pairs
        pairs[: self._nx] = last.cx[:-1, :].ravel()
        pairs[self._nx :] = last.cy[:, :-1].ravel()
        np.negative(pairs, out=pairs)
        self.coarse_data[self._pair_at] = pairs[self._pair_of]

    def set_sink(self, sink) -> None:
        """The fine operator's first-order sink per site, natural layout, 1/h (0 where
        decoupled: it is zeroed there). Sets the diagonal of every level."""
        fine = self.levels[0]
        _to_level(sink, fine, fine.sink)
        fine.sink *= fine.free
        fine.set_diagonal()
        for k, level in enumerate(self.levels[:-1]):
            coarse, buf, s = self.levels[k + 1], self._coarse[k], level.sink
            np.add(s[0, 0], s[0, 1], out=buf)
            buf += s[1, 0]
            buf += s[1, 1]
            _to_level(buf, coarse, coarse.sink)
            coarse.set_diagonal()
        last = self.levels[-1]
        self.coarse_data[self._diagonal_at] = (last.sink + last.csum).ravel()

    # Solve -----------------------------------------------------------------------------------
    def solve(
        self,
        rhs: np.ndarray,
        x0: np.ndarray,
        tol: float,
        fixed_norm2: float = 0.0,
        max_iterations: int = 200,
        coarse: CoarseLU | None = None,
    ) -> tuple[np.ndarray, int]:
        """CG from ``x0`` until ``|b - A x| <= tol * (|b|^2 + fixed_norm2)^(1/2)``.

        ``rhs`` and ``x0`` are in natural layout and taken as 0 at the decoupled sites;
        ``fixed_norm2`` counts the right-hand side of the caller's fixed (Dirichlet) rows.
        ``coarse``: the coarsest level's solver (default: exact, this solver's own).
        Returns the solution (natural layout, a new array) and the number of iterations.
        Raises RuntimeError if ``max_iterations`` are not enough.
        """
        coarse = self.coarse if coarse is None else coarse
        coarse.prepare(self)
        fine = self.levels[0]
        if not fine.split and np.array_equal(coarse.data, self.coarse_data):
            # A single level whose operator is the one factorised: one exact solve.
            _to_level(rhs, fine, self.r)
            self.r *= fine.free
            out = coarse.solve(self.r.ravel()).reshape(self.shape)
            out *= fine.free
            return out, 1
        self._active = coarse
        try:
            return self._cg(rhs, x0, tol, fixed_norm2, max_iterations)
        finally:
            self._active = None

    def _cg(self, rhs, x0, tol, fixed_norm2, max_iterations) -> tuple[np.ndarray, int]:
        fine = self.levels[0]
        x, r, z, p, q = self.x, self.r, self.z, self.p, self.q
        _to_level(x0, fine, x)
        x *= fine.free
        _to_level(rhs, fine, r)
        r *= fine.free
        target = tol * (_dot(r, r) + fixed_norm2) ** 0.5
        iterations = 0
        if target == 0.0:
            # b = 0 (no production, no vessels): the SPD system's solution is exactly 0; CG
            # from a non-zero start would chase a zero target until rz underflowed to 0.
            return np.zeros(self.shape), iterations
        r -= self._apply(x, q)
        if _dot(r, r) ** 0.5 > target:
            self._vcycle(0, r, z)
            np.copyto(p, z)
            rz = _dot(r, z)
            while True:
                iterations += 1
                self._apply(p, q)
                curvature = _dot(p, q)
                if curvature <= 0.0 or rz == 0.0:
                    break  # p or r vanished to round-off: nothing left to reduce
                alpha = rz / curvature
                x += np.multiply(p, alpha, out=z)
                r -= np.multiply(q, alpha, out=z)
                if _dot(r, r) ** 0.5 <= target:
                    break
                if iterations >= max_iterations:
                    raise RuntimeError(
                        f"multigrid CG did not converge in {max_iterations} iterations"
                    )
                self._vcycle(0, r, z)
                rz, rz_old = _dot(r, z), rz
                if rz == 0.0:
                    break  # the preconditioned residual vanished: converged to round-off
                p *= rz / rz_old
                p += z
        out = np.empty(self.shape)
        _from_level(fine, x, out)
        return out, iterations

    def _apply(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = A x`` on the fine level."""
        fine = self.levels[0]
        if fine.split:
            return fine.apply(x, out)
        out.ravel()[:] = self._matrix @ x.ravel()
        return out

    def _vcycle(self, k: int, rhs: np.ndarray, x: np.ndarray) -> None:
        """``x = M_k rhs``: one symmetric V(1,1) cycle from zero on level ``k``."""
        level = self.levels[k]
        if not level.split:
            coarse = self._active
            if coarse is None:  # a bare V-cycle (tests): exact coarse solve
                coarse = self.coarse
                coarse.prepare(self)
            x.ravel()[:] = coarse.solve(rhs.ravel())
            return
        for a, b in RED:  # from x = 0: the black neighbours are still 0
            np.multiply(rhs[a, b], level.dinv[a, b], out=x[a, b])
        level.relax(x, rhs, BLACK)
        # The residual is now 0 on black and (the black neighbours' pull) on red sites.
        coarse, buf = self.levels[k + 1], self._coarse[k]
        level.neighbours(x, 0, 0, buf)
        buf += level.neighbours(x, 1, 1, level.acc)
        _to_level(buf, coarse, coarse.rhs)
        self._vcycle(k + 1, coarse.rhs, coarse.x)
        _from_level(coarse, coarse.x, buf)
        for a in (0, 1):
            for b in (0, 1):
                x[a, b] += buf
        level.relax(x, rhs, BLACK)
        level.relax(x, rhs, RED)


def _scatter(natural: np.ndarray, split: np.ndarray) -> None:
    """Natural ``(w, h)`` layout into the (padded) sub-lattices ``(2, 2, w', h')``."""
    for a in (0, 1):
        for b in (0, 1):
            part = natural[a::2, b::2]
            split[a, b, : part.shape[0], : part.shape[1]] = part


def _gather(split: np.ndarray, natural: np.ndarray) -> None:
    """Inverse of :func:`_scatter` (padding dropped)."""
    for a in (0, 1):
        for b in (0, 1):
            part = natural[a::2, b::2]
            part[...] = split[a, b, : part.shape[0], : part.shape[1]]


def _to_level(natural: np.ndarray, level: _Level, out: np.ndarray) -> None:
    """A natural-layout array of a level's (unpadded) size into the level's layout."""
    if level.split:
        _scatter(natural, out)
    else:
        out[...] = natural


def _from_level(level: _Level, array: np.ndarray, natural: np.ndarray) -> None:
    """Inverse of :func:`_to_level`."""
    if level.split:
        _gather(array, natural)
    else:
        natural[...] = array


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS (BLAS threads oversubscribe a shared machine)."""
    return float(np.einsum("i,i->", a.ravel(), b.ravel()))
