"""Trial: pyamg as the CG preconditioner of the tumor's quasi-steady fields.

Solves the same operator as :class:`model.scenarios.tumor_fields.SteadyField` (same stopping
rule, warm start, nonnegative clip) with CG preconditioned by a pyamg hierarchy (Ruge-Stuben
or smoothed aggregation), rebuilt on the same iteration budget as the multigrid's coarse LU,
and times both on a lattice with 1 % vessels and changing uptake. Needs ``pip install pyamg``
(not a dependency: measured on this 2-core machine, pyamg was 2.4-3.2x slower per warm solve,
5x per setup, and the whole 3-day tumor process 1.67x in CPU time; see model/multigrid.py).
Run with BLAS single-threaded (``OPENBLAS_NUM_THREADS=1``): threaded BLAS made it 10x slower
on the shared machine. Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/pyamg_trial.py [SIDE ...]
"""

import numpy as np

try:
    import pyamg
except ImportError:  # not a dependency: this trial is why
    pyamg = None
import scipy.sparse as sp

from mtor_abm.model.scenarios import tumor_fields as tf

REBUILD_AFTER = tf.REFACTOR_AFTER


def _dot(a, b):
    return float(np.einsum("i,i->", a, b))


class AMGField(tf.SteadyField):
    """SteadyField with a pyamg hierarchy (``kind`` 'rs' or 'sa') as CG preconditioner."""

    def __init__(
        self,
        shape,
        diffusion_um2_per_s,
        dx_um=20.0,
        decay_per_h=0.0,
        tol=1e-6,
        max_iterations=200,
        refactor_after=REBUILD_AFTER,
        kind="rs",
    ):
        self.kind = kind
        self.shape = (int(shape[0]), int(shape[1]))
        self.coupling_per_h = diffusion_um2_per_s * tf.SECONDS_PER_HOUR / dx_um**2
        self.decay_per_h = float(decay_per_h)
        self.tol, self.max_iterations = tol, max_iterations
        self._sources = None
        self.solution = np.zeros(self.shape[0] * self.shape[1])
        self.iterations = self.solves = 0
        self.ml = None
        self.extra, self.fewest, self.budget = 0, None, refactor_after
        self.setups = 0
        w, h = self.shape
        idx = np.arange(w * h).reshape(self.shape)
        self._i = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
        self._j = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])

    def _set_sources(self, src):
        count = np.zeros(self.shape)
        count[1:, :] += src[:-1, :]
        count[:-1, :] += src[1:, :]
        count[:, 1:] += src[:, :-1]
        count[:, :-1] += src[:, 1:]
        count[src] = 0.0
        self._pull = count * self.coupling_per_h
        self._vessels = int(np.count_nonzero(src))
        self._sources = src.copy()
        free = ~src.ravel()
        keep = free[self._i] & free[self._j]
        i, j = self._i[keep], self._j[keep]
        a = self.coupling_per_h
        n = free.size
        self._offdiag = sp.coo_matrix(
            (np.full(2 * i.size, -a), (np.r_[i, j], np.r_[j, i])), shape=(n, n)
        ).tocsr()
        self._degree = np.bincount(np.r_[i, j], minlength=n) * a
        self._free = free.astype(float)
        full = (self._offdiag + sp.eye(n, format="csr")).tocsr()
        full.sort_indices()
        self._A = full
        rows = np.repeat(np.arange(n), np.diff(full.indptr))
        self._diag_at = np.flatnonzero(full.indices == rows)

    def solve(self, uptake_per_h=0.0, production=0.0, sources=None, source_value=1.0):
        src = np.zeros(self.shape, bool) if sources is None else np.asarray(sources, bool)
        if self._sources is None or not np.array_equal(src, self._sources):
            self._set_sources(src)
        free = self._free
        sink = (self._pull + uptake_per_h + self.decay_per_h + tf.SINK_FLOOR_PER_H).ravel()
        diag = (sink + self._degree) * free + (1 - free)
        A = self._A
        A.data[self._diag_at] = diag
        b = ((self._pull * source_value + production).ravel()) * free
        x = self.solution * free
        fixed = self._vessels * source_value**2
        if self.ml is None or self.extra >= self.budget:
            if self.kind == "sa":
                self.ml = pyamg.smoothed_aggregation_solver(A.copy(), max_coarse=500)
            else:
                self.ml = pyamg.ruge_stuben_solver(A.copy(), max_coarse=500)
            self.M = self.ml.aspreconditioner(cycle="V")
            self.extra, self.fewest = 0, None
            self.setups += 1
        x, it = self._pcg(A, b, x, fixed)
        self.fewest = it if self.fewest is None else min(self.fewest, it)
        self.extra += it - self.fewest
        x = x.reshape(self.shape)
        np.maximum(x, 0.0, out=x)
        np.copyto(x, source_value, where=src)
        self.iterations += it
        self.solves += 1
        self.solution = x.ravel()
        return x

    def _pcg(self, A, b, x, fixed):
        target = self.tol * (_dot(b, b) + fixed) ** 0.5
        r = b - A @ x
        it = 0
        if _dot(r, r) ** 0.5 <= target:
            return x, 0
        z = self.M @ r
        p = z.copy()
        rz = _dot(r, z)
        while True:
            it += 1
            q = A @ p
            alpha = rz / _dot(p, q)
            x = x + alpha * p
            r = r - alpha * q
            if _dot(r, r) ** 0.5 <= target:
                return x, it
            if it >= self.max_iterations:
                raise RuntimeError("no convergence")
            z = self.M @ r
            rz, old = _dot(r, z), rz
            p = z + (rz / old) * p


def main(sides: list[int]) -> None:
    import time

    for side in sides:
        shape = (side, side)
        rng = np.random.default_rng(0)
        vessels = rng.random(shape) < 0.01
        uptakes = [600.0 * (rng.random(shape) < 0.5) * (1 + 0.05 * k) for k in range(6)]
        for name in ("multigrid", "pyamg-rs", "pyamg-sa"):
            if name == "multigrid":
                f = tf.SteadyField(shape, 2000.0, 20.0)
            elif pyamg is None:
                print("pyamg is not installed: pip install pyamg")
                return
            else:
                f = AMGField(shape, 2000.0, 20.0, kind=name[-2:])
            t0 = time.process_time()
            f.solve(uptakes[0], 0.0, vessels, 40.0)
            t1 = time.process_time()
            for u in uptakes[1:]:
                f.solve(u, 0.0, vessels, 40.0)
            t2 = time.process_time()
            print(
                f"{side}x{side} {name:9s} first solve {1e3 * (t1 - t0):8.1f} ms, "
                f"warm solve {1e3 * (t2 - t1) / 5:8.1f} ms, "
                f"CG it/solve {f.iterations / f.solves:.1f}"
            )


if __name__ == "__main__":
    import sys

    main([int(a) for a in sys.argv[1:]] or [120, 400])
