"""The explicit method of :class:`model.fields.Field` (``method="explicit"``).

``method="explicit"`` (default): forward-Euler diffusion with the 5-point stencil in
``substeps_for(dt_h)`` equal sub-steps, each inside the stability limit
``dt_sub <= safety * dx^2 / (4 D)``; reactions per sub-step with the exact exponential factor
``exp(-(k_decay + k_uptake) dt_sub)``, so concentrations never go negative whatever the rates.
When the sub-step count would exceed ``max_substeps``, :meth:`Field.step` raises
:class:`~model.errors.InputError` instead of running for minutes.
"""

import math

import numpy as np

from mtor_abm.model.units import SECONDS_PER_HOUR


class ExplicitSteps:
    """Forward-Euler sub-steps of a :class:`~model.fields.Field` (a mixin: the field's state)."""

    SCRATCH = (
        "_scaled",
        "_grad_y",
        "_grad_x",
        "_rate",
        "_factor",
        "_uptake_share",
        "_accumulated",
        "_added",
        "_edge_y",
        "_edge_x",
    )
    """Attributes holding the explicit method's scratch arrays: allocated at the first explicit
    step (never for fields that are only stepped implicitly or written by another solver, e.g.
    the tumor's quasi-steady fields: 8 floats per site each), None before, and not pickled."""

    def _clear_scratch(self) -> None:
        """Drop the scratch arrays (allocated again at the next explicit step)."""
        self.__dict__.update(dict.fromkeys(self.SCRATCH))

    def _step_explicit(self, dt_h, count, production, uptake):
        if self._scaled is None:
            self._allocate_scratch()
        dt_sub_h = dt_h / count
        d_um2_per_h = self.diffusion_um2_per_s * SECONDS_PER_HOUR
        ratio = d_um2_per_h * dt_sub_h / self.dx_um**2  # D dt / dx^2, <= safety / 4
        conc = self.data.reshape(-1)
        sites, held = self._source_sites, self._source_values
        held_sum = float(held.sum())

        added_per_sub = 0.0
        if production is not None:
            np.multiply(production, dt_sub_h, out=self._added.reshape(self.data.shape))
            self._added[sites] = 0.0
            added_per_sub = float(self._added.sum())
        add = added_per_sub > 0.0

        # Reactions: ``scalar`` factor when uniform, else per-site factor and shares.
        kd = self.decay_per_h
        scalar_factor = None
        per_site = uptake is not None or (kd > 0.0 and (sites.size > 0 or add))
        production_loss = (0.0, 0.0)
        if per_site:
            self._prepare_reaction_factors(dt_sub_h, uptake)
            self._accumulated.fill(0.0)
            if add:
                production_loss = self._exact_production(dt_sub_h)
        elif kd > 0.0:
            scalar_factor = math.exp(-kd * dt_sub_h)
        pre_reaction_sum = 0.0

        edges = self._dirichlet_views(ratio) if self.boundary == "dirichlet" else ()
        boundary_in = 0.0
        for _ in range(count):
            if ratio > 0.0:
                self._diffuse_once(conc, ratio)
                for edge, scaled_edge, flux, reservoir in edges:
                    np.subtract(reservoir, scaled_edge, out=flux)
                    edge += flux
                    boundary_in += float(flux.sum())
            if per_site:
                # Exact for constant production P and rate k over the sub-step:
                # c <- c F + P (1 - F) / k (``_added`` holds the second term).
                self._accumulated += conc
                conc *= self._factor
                if add:
                    conc += self._added
            elif scalar_factor is not None:
                # Uniform decay, no production, no sources: c <- c exp(-k dt_sub), exact.
                pre_reaction_sum += float(conc.sum())
                conc *= scalar_factor
            elif add:
                # Production without any sink: c <- c + P dt_sub, exact.
                conc += self._added
            if sites.size:
                boundary_in += held_sum - float(conc[sites].sum())
                conc[sites] = held

        self.mass_produced += count * added_per_sub
        self.mass_boundary_in += boundary_in
        if per_site:
            # _rate holds the decay share, _uptake_share the uptake share of (1 - factor).
            if kd > 0.0:
                self.mass_decayed += float(np.einsum("i,i->", self._accumulated, self._rate))
            if uptake is not None:
                self.mass_consumed += float(
                    np.einsum("i,i->", self._accumulated, self._uptake_share)
                )
            self.mass_decayed += count * production_loss[0]
            self.mass_consumed += count * production_loss[1]
        elif scalar_factor is not None:
            self.mass_decayed += (1.0 - scalar_factor) * pre_reaction_sum

    def _diffuse_once(self, conc, ratio):
        """One forward-Euler sub-step of the 5-point scheme, flux form, no-flux edges."""
        height = self.data.shape[1]
        scaled, grad_y, grad_x = self._scaled, self._grad_y, self._grad_x
        np.multiply(conc, ratio, out=scaled)
        # Exchange between neighbours along y (contiguous), none across column ends.
        np.subtract(scaled[1:], scaled[:-1], out=grad_y)
        grad_y[height - 1 :: height] = 0.0
        # Exchange between neighbours along x (stride = height).
        np.subtract(scaled[height:], scaled[:-height], out=grad_x)
        conc[:-1] += grad_y
        conc[1:] -= grad_y
        conc[:-height] += grad_x
        conc[height:] -= grad_x

    def _dirichlet_views(self, ratio):
        """Per active edge: (edge of data, same edge of the scaled copy, flux buffer, r*c_b)."""
        scaled = self._scaled.reshape(self.data.shape)
        reservoir = ratio * self.boundary_value
        views = []
        for edge in self.dirichlet_edges:
            if edge == "x_min":
                views.append((self.data[0, :], scaled[0, :], self._edge_y, reservoir))
            elif edge == "x_max":
                views.append((self.data[-1, :], scaled[-1, :], self._edge_y, reservoir))
            elif edge == "y_min":
                views.append((self.data[:, 0], scaled[:, 0], self._edge_x, reservoir))
            else:
                views.append((self.data[:, -1], scaled[:, -1], self._edge_x, reservoir))
        return views

    def _exact_production(self, dt_sub_h) -> tuple[float, float]:
        """Turn ``_added`` (P dt) into the exact reacting input P (1 - F) / k, per site.

        Must follow :meth:`_prepare_reaction_factors`. Returns the production lost to decay
        and to uptake within one sub-step (P dt minus what remains), for the mass books.
        """
        removed = self._uptake_share + self._rate  # 1 - F
        k_dt = -np.log(np.maximum(self._factor, 1e-300))
        retained = np.divide(removed, k_dt, out=np.ones_like(removed), where=k_dt > 0.0)
        lost = self._added * (1.0 - retained)
        self._added *= retained
        decay_share = np.divide(self._rate, removed, out=np.zeros_like(removed), where=removed > 0)
        lost_decay = float(np.einsum("i,i->", lost, decay_share))
        return lost_decay, float(lost.sum()) - lost_decay

    def _prepare_reaction_factors(self, dt_sub_h, uptake):
        """Fill ``_factor`` = exp(-k dt_sub) and the decay/uptake shares of 1 - factor.

        After the call ``_rate`` holds the decay share and ``_uptake_share`` the uptake share; both
        are zero at source sites, where the factor is 1.
        """
        rate, factor, uptake_share = self._rate, self._factor, self._uptake_share
        kd = self.decay_per_h
        if uptake is None:
            rate.fill(kd)
        else:
            np.add(uptake, kd, out=rate.reshape(self.data.shape))
        rate[self._source_sites] = 0.0
        np.multiply(rate, -dt_sub_h, out=factor)
        np.exp(factor, out=factor)
        np.subtract(1.0, factor, out=uptake_share)  # removed fraction, exact for factor >= 0.5
        np.divide(kd, rate, out=rate, where=rate > 0.0)  # decay fraction of k; stays 0 where k = 0
        np.multiply(rate, uptake_share, out=rate)
        np.subtract(uptake_share, rate, out=uptake_share)

    def _allocate_scratch(self):
        """The explicit method's scratch buffers (at its first step)."""
        width, height = self.data.shape
        n_sites = width * height
        self._scaled = np.empty(n_sites)
        self._grad_y = np.empty(max(n_sites - 1, 0))
        self._grad_x = np.empty(max(n_sites - height, 0))
        self._rate = np.empty(n_sites)
        self._factor = np.empty(n_sites)
        self._uptake_share = np.empty(n_sites)
        self._accumulated = np.empty(n_sites)
        self._added = np.empty(n_sites)
        self._edge_y = np.empty(height)
        self._edge_x = np.empty(width)
