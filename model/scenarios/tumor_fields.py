"""Quasi-steady diffusion-reaction on the tissue lattice, for fields that relax within a step.

Oxygen (D ~ 2,000 um^2/s, consumed in ~10 s), glucose, a small drug and VEGF all reach their
steady profile in seconds to minutes, far inside a 1-h tissue step. So each step solves

    D lap(c) - (k_uptake + k_decay) c + P = 0,   c = c_vessel at vessel sites,

with no-flux edges, instead of integrating a transient. The operator is symmetric positive
definite; each solve is conjugate gradients preconditioned by a geometric multigrid V-cycle
(:mod:`model.multigrid`), started from the last solution (the fields change little from one
hourly step to the next). Only the coarsest level (at most 4,096 sites) is factorised, by
sparse LU, and each field keeps its factors while they still precondition well (refactorised
when the extra CG iterations they cost reach ``REFACTOR_AFTER``): memory and work per solve are
O(sites), a few iterations per solve (each about 40 passes over the lattice's arrays). A lattice
of at most 4,096 sites (64 x 64) is one level: CG preconditioned by the LU of an earlier
operator, as a direct solver. Solutions match a fresh direct solve to well under 0.1 % of the
vessel value (``tests/test_tumor_fields.py``).
"""

from __future__ import annotations

import numpy as np

from mtor_abm.model.multigrid import CoarseLU, MultigridCG
from mtor_abm.model.units import SECONDS_PER_HOUR

SINK_FLOOR_PER_H = 1e-9
"""A negligible sink everywhere, 1/h: keeps the operator positive definite for a field with
no vessels, uptake or decay (numerical, not biological)."""
REFACTOR_AFTER = 20
"""CG iterations beyond the fewest per solve, summed since the coarsest operator was last
factorised, after which it is refactorised (see :class:`model.multigrid.CoarseLU`)."""
STALE_LIMIT = 30
"""CG iterations after which a solve with factors of an earlier operator refactorises them
and starts over."""


class SteadyField:
    """Steady state of one diffusing species on a ``shape`` lattice (index ``[x, y]``).

    Args:
        shape: lattice shape (width, height) in sites.
        diffusion_um2_per_s: diffusion coefficient D, um^2/s.
        dx_um: lattice spacing, um.
        decay_per_h: first-order decay everywhere off the vessel sites, 1/h.
        tol: a solve stops when the residual's norm is ``tol`` times the right-hand side's
            (the vessel sites counted with their value, as in the full linear system).
        max_iterations: CG iterations before a solve gives up (RuntimeError); a solve needs a
            handful.
        refactor_after: extra CG iterations, summed since the coarsest level was factorised,
            after which it is refactorised (:data:`REFACTOR_AFTER`).
        multigrid: the solver whose buffers this field solves in (~16 lattice-sized arrays):
            one model's fields of one shape share one, made by the model (None: a solver of
            this field's own). Nothing in it outlives a solve, so sharing changes no result.

    Attributes:
        solution: the last solution, flat (``shape`` raveled), concentration.
        iterations: CG iterations summed over all solves.
        solves: number of solves.
    """

    def __init__(
        self,
        shape: tuple[int, int],
        diffusion_um2_per_s: float,
        dx_um: float = 20.0,
        decay_per_h: float = 0.0,
        tol: float = 1e-6,
        max_iterations: int = 200,
        refactor_after: int = REFACTOR_AFTER,
        multigrid: MultigridCG | None = None,
    ):
        self.shape = (int(shape[0]), int(shape[1]))
        self.coupling_per_h = diffusion_um2_per_s * SECONDS_PER_HOUR / dx_um**2
        self.decay_per_h = float(decay_per_h)
        self.tol = tol
        self.max_iterations = max_iterations
        if multigrid is None:
            multigrid = MultigridCG(self.shape)
        elif multigrid.shape != self.shape:
            raise ValueError(f"multigrid of shape {multigrid.shape} for a {self.shape} field")
        self._multigrid = multigrid
        self._coarse = CoarseLU(refactor_after)  # this field's coarsest-level factors
        self._sources: np.ndarray | None = None
        self._pull: np.ndarray | None = None  # coupling to vessel neighbours, 1/h
        self._couplings_key: object = None  # new each time the vessels (the couplings) change
        self.solution = np.zeros(self.shape[0] * self.shape[1])
        self.iterations = 0
        self.solves = 0

    def solve(
        self,
        uptake_per_h: np.ndarray | float = 0.0,
        production: np.ndarray | float = 0.0,
        sources: np.ndarray | None = None,
        source_value: float = 1.0,
    ) -> np.ndarray:
        """The steady profile (shape ``self.shape``) for these sinks, production and sources.

        Args:
            uptake_per_h: first-order consumption rate per site, 1/h (array or number).
            production: production per site, concentration/h (array or number).
            sources: bool mask of vessel sites held at ``source_value`` (None: no sources).
            source_value: concentration at the vessel sites.
        """
        src = np.zeros(self.shape, bool) if sources is None else np.asarray(sources, bool)
        if self._sources is None or not np.array_equal(src, self._sources):
            self._set_sources(src)
        mg = self._multigrid
        with mg.lock:  # the solver's buffers are shared by the fields of this shape
            if mg.couplings_key is not self._couplings_key:
                a = self.coupling_per_h
                mg.set_couplings(a, a, ~self._sources, key=self._couplings_key)
            # The vessels' pull on a free neighbour: a sink, and source_value times it inflow.
            buffer = mg.natural
            np.add(self._pull, uptake_per_h, out=buffer)
            buffer += self.decay_per_h + SINK_FLOOR_PER_H
            mg.set_sink(buffer)  # (zeroed at the vessels by the solver)
            np.multiply(self._pull, source_value, out=buffer)
            buffer += production
            x0 = self.solution.reshape(self.shape)
            vessels = self._vessels * source_value**2
            coarse = self._coarse
            try:  # with factors of an earlier operator: refactorise if they no longer do
                x, iterations = mg.solve(
                    buffer, x0, self.tol, vessels, min(STALE_LIMIT, self.max_iterations), coarse
                )
            except RuntimeError:
                if self.max_iterations <= STALE_LIMIT:
                    raise
                coarse.stale = coarse.fewest is not None  # not this operator's: renew them
                x, iterations = mg.solve(buffer, x0, self.tol, vessels, self.max_iterations, coarse)
            coarse.record(iterations)
        np.maximum(x, 0.0, out=x)
        np.copyto(x, source_value, where=src)
        self.iterations += iterations
        self.solves += 1
        self.solution = x.ravel()
        return x

    def has_sources(self, sources: np.ndarray) -> bool:
        """True when the last solve had exactly these source sites (bool mask of ``shape``)."""
        return self._sources is not None and np.array_equal(sources, self._sources)

    # Checkpoints ------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything that determines this solver's future solves: (arrays, JSON metadata).

        A solve depends on its inputs, the last solution (the initial guess) and the coarsest
        operator that was factorised (with its staleness count): :meth:`load_state`
        refactorises that operator, and SuperLU on the same matrix gives the same factors, so a
        restored solver continues bit for bit. The counters ride along.
        """
        arrays = {"solution": self.solution.copy()}
        coarse_arrays, coarse_meta = self._coarse.state()
        arrays.update(coarse_arrays)
        meta = {
            "iterations": int(self.iterations),
            "solves": int(self.solves),
            "coarse": coarse_meta,
        }
        return arrays, meta

    def load_state(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Inverse of :meth:`state` (on a solver of the same shape and coefficients)."""
        self.solution = np.array(arrays["solution"], dtype=float).ravel()
        self.iterations = int(meta.get("iterations", 0))
        self.solves = int(meta.get("solves", 0))
        with self._multigrid.lock:
            self._coarse.load_state(arrays, meta.get("coarse", {}), self._multigrid)

    def _set_sources(self, src: np.ndarray) -> None:
        """Each site's pull by its vessel neighbours (0 on the vessels), 1/h."""
        count = np.zeros(self.shape)
        count[1:, :] += src[:-1, :]
        count[:-1, :] += src[1:, :]
        count[:, 1:] += src[:, :-1]
        count[:, :-1] += src[:, 1:]
        count[src] = 0.0
        self._pull = count * self.coupling_per_h
        self._vessels = int(np.count_nonzero(src))
        self._sources = src.copy()
        self._couplings_key = object()  # names these couplings in the shared solver
