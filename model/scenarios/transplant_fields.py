"""Fields of the transplant scenario with a cached backward-Euler factorisation.

:class:`model.fields.Field` with ``method="implicit"`` refactorises its matrix at every step
(~6 ms on 40x40), three fields per hour step being most of a run's time. Here the matrix
``I + tau (k_decay + D L)`` is the same every step, so it is factorised once (``tau`` the
decay-fitted step of :func:`model.fields.fitted_step_h`, which makes decay and production
exact for a uniform field); uptake that
changes from step to step (IL-2 capture by T-cells) is applied first as an exact per-site
exponential factor (operator splitting, first order like backward Euler itself). No-flux
edges, no source sites; the mass ledger is kept as in :class:`Field`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from mtor_abm.model.errors import InputError
from mtor_abm.model.fields import SECONDS_PER_HOUR, Field, fitted_step_h
from scipy.sparse.linalg import splu


class CachedImplicitField(Field):
    """A no-flux, source-free field whose backward-Euler operator is factorised once per dt."""

    def step(self, dt_h, production=None, uptake_rate_per_h=None) -> None:
        """Advance ``dt_h`` hours: uptake (exact per site), then diffusion, decay, production
        (backward Euler over the decay-fitted step)."""
        dt_h = self._checked_dt(dt_h)
        if len(self._source_sites) or self.boundary != "no_flux":
            raise InputError(f"field {self.name!r}: cached solver needs no_flux and no sources")
        conc = self.data.reshape(-1)
        if uptake_rate_per_h is not None:
            rate = np.broadcast_to(
                self._checked_rates("uptake_rate_per_h", uptake_rate_per_h), self.data.shape
            ).reshape(-1)
            before = float(conc.sum())
            conc *= np.exp(-rate * dt_h)
            self.mass_consumed += before - float(conc.sum())
        tau = fitted_step_h(dt_h, self.decay_per_h)
        rhs = conc.copy()
        if production is not None:
            added = np.broadcast_to(self._checked_rates("production", production), self.data.shape)
            rhs += tau * added.reshape(-1)
            self.mass_produced += tau * float(added.sum())
        new = self._solver(dt_h).solve(rhs)
        np.maximum(new, 0.0, out=new)
        self.mass_decayed += tau * self.decay_per_h * float(new.sum())
        conc[:] = new

    def _solver(self, dt_h: float):
        """SuperLU factors of ``I + tau (k_decay I + D/dx^2 L)`` for this ``dt_h`` (cached;
        ``tau`` = :func:`~model.fields.fitted_step_h`)."""
        cache = getattr(self, "_cached_lu", None)
        if cache is not None and cache[0] == dt_h:
            return cache[1]
        width, height = self.data.shape
        index = np.arange(width * height).reshape(width, height)
        first = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
        second = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
        n = width * height
        adjacency = sp.coo_matrix((np.ones(len(first)), (first, second)), shape=(n, n))
        adjacency = (adjacency + adjacency.T).tocsc()
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        tau = fitted_step_h(dt_h, self.decay_per_h)
        coupling = tau * self.diffusion_um2_per_s * SECONDS_PER_HOUR / self.dx_um**2
        matrix = sp.diags(1.0 + tau * self.decay_per_h + coupling * degree) - coupling * adjacency
        lu = splu(matrix.tocsc(), permc_spec="MMD_AT_PLUS_A")
        self._cached_lu = (dt_h, lu)
        return lu

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_cached_lu", None)
        return state
