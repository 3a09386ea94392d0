"""Fields of the transplant scenario: uptake split off so the implicit factors are reused.

:class:`model.fields.Field` with ``method="implicit"`` puts uptake into its backward-Euler
matrix, so a field whose uptake changes every step (IL-2 captured by T-cells, chemokine) is
refactorised every step (~6 ms on 40x40, three fields per hour step being most of a run's
time). Here uptake is applied first as an exact per-site exponential factor (operator
splitting, first order like backward Euler itself); the rest is Field's own implicit step
(backward Euler over the decay-fitted step ``tau`` of :func:`model.fields.fitted_step_h`),
whose matrix ``I + tau (k_decay + D L)`` no longer changes, so Field keeps its factors. No-flux
edges, no source sites (a held site has no uptake to split); the mass ledger is Field's, with
the split uptake booked as consumed.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.model.errors import InputError
from mtor_abm.model.fields import Field


class CachedImplicitField(Field):
    """A no-flux, source-free implicit field whose uptake is applied exactly, site by site,
    before Field's backward-Euler step of diffusion, decay and production."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "implicit")
        super().__init__(*args, **kwargs)
        if self.method != "implicit":
            raise InputError(f"field {self.name!r}: the split-uptake field is implicit")

    def step(self, dt_h, production=None, uptake_rate_per_h=None) -> None:
        """Advance ``dt_h`` hours: uptake (exact per site), then diffusion, decay, production."""
        dt_h = self._checked_dt(dt_h)
        if len(self._source_sites) or self.boundary != "no_flux":
            raise InputError(f"field {self.name!r}: split uptake needs no_flux and no sources")
        if uptake_rate_per_h is not None:
            conc = self.data.reshape(-1)
            rate = np.broadcast_to(
                self._checked_rates("uptake_rate_per_h", uptake_rate_per_h), self.data.shape
            ).reshape(-1)
            before = float(conc.sum())
            conc *= np.exp(-rate * dt_h)
            self.mass_consumed += before - float(conc.sum())
        super().step(dt_h, production=production)
