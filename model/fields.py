"""Diffusing fields on the tissue lattice: oxygen, nutrients, drug, IL-2, VEGF, ...

A :class:`Field` integrates, on a 2D lattice of square sites,

    dc/dt = D ∇²c - (k_decay + k_uptake) c + production

and keeps an exact ledger of where mass went. The concentration lives in a NumPy array that the
field updates in place, so it can be the ``.data`` of a Mesa ``PropertyLayer`` (use
:meth:`Field.on_grid`) or any plain float64 array (tests, tools without a grid).

Conventions
-----------
* Array index ``[x, y]`` as in Mesa (``grid.dimensions == data.shape``); the four lattice edges are
  ``"x_min"`` (``data[0, :]``), ``"x_max"`` (``data[-1, :]``), ``"y_min"`` (``data[:, 0]``) and
  ``"y_max"`` (``data[:, -1]``).
* Units: diffusion coefficient in um^2/s (the unit of the literature), every rate in 1/h, time
  steps in h, lattice spacing in um. Concentration is in whatever unit the caller uses (mmHg, nM).
* Mass is counted in *site units*: ``total() == data.sum()``, i.e. concentration x sites. Multiply
  by ``dx_um**2`` times a slab thickness for a physical amount.
* ``"no_flux"`` edges reflect. ``"dirichlet"`` edges face a reservoir held at ``boundary_value``
  one lattice spacing outside the outermost sites (a ghost node): each edge face carries the flux
  ``D (c_boundary - c_edge) / dx^2``. All sites stay dynamic.
* Source sites (vessels) are reservoirs held at fixed values. Production, uptake and decay do not
  act on them; what they give to or take from their neighbours is counted in
  ``mass_boundary_in``, together with the flux across Dirichlet edges.

Methods
-------
``method="explicit"`` (default): forward Euler in sub-steps inside the stability limit
(:mod:`model.field_explicit`). ``method="implicit"``: one backward-Euler step per call over the
decay-fitted step (:mod:`model.field_implicit`). Each module's docstring gives its accuracy and
limits. What a field accepts (arrays, numbers, rates, steps) is checked in
:mod:`model.field_checks`.


Cost (measured on a shared 2-core machine, NumPy only; 1 h step, dx = 20 um, uptake on half the
sites, 1% vessels): an explicit sub-step costs about 25 us on 100x100 and 0.2 ms on 320x320.
D = 100 um^2/s (a small drug, a cytokine) needs 4,000 sub-steps: 0.1 s (100x100) and 0.9-1.4 s
(320x320) per step. Oxygen, D = 2,000 um^2/s, needs 80,000: 2 s and 17 s per step, above the
default cap of 10,000. The implicit method costs 0.02 s (100x100) and 0.45-0.75 s (320x320) per
step whatever D.

Oxygen penetration depth (the check a scientist makes first)
------------------------------------------------------------
At steady state next to a vessel, with uniform first-order uptake k, the profile falls as
``c0 cosh((L - x)/lam) / cosh(L/lam)`` with ``lam = sqrt(D / k)``. With D_O2 = 2,000 um^2/s
(PhysiCell's default, 1e5 um^2/min, is 1,667 um^2/s; Ghaffarizadeh et al. 2018, PLoS Comput Biol
14:e1005991) a tissue consumption rate k = 320 /h (0.089 /s, assumed) gives lam = 150 um, in the
100-200 um range of oxygen penetration from a vessel; the oxygen uptake of PhysiCell's sample
projects, 10 /min (600 /h) in fully packed tissue, gives 100 um with its own D.
``tests/test_fields.py`` recovers this profile, and lam = 150 um, from the simulator.
"""

import math

import numpy as np

from mtor_abm.model.errors import InputError
from mtor_abm.model.field_checks import FieldChecks
from mtor_abm.model.field_explicit import ExplicitSteps
from mtor_abm.model.field_implicit import ImplicitSteps
from mtor_abm.model.field_implicit import fitted_step_h as fitted_step_h
from mtor_abm.model.units import SECONDS_PER_HOUR

EDGES = ("x_min", "x_max", "y_min", "y_max")
BOUNDARIES = ("no_flux", "dirichlet")
METHODS = ("explicit", "implicit")


class Field(ExplicitSteps, ImplicitSteps, FieldChecks):
    """One diffusing species on a 2D lattice, updated in place, with a mass ledger.

    Attributes:
        name: Field name, used in every error message.
        data: The concentration array (float64, C-contiguous, shape (width, height)); updated in
            place, never rebound, so a Mesa ``PropertyLayer`` wrapping it stays valid.
        layer: The Mesa ``PropertyLayer`` holding ``data`` when made by :meth:`on_grid`, else None.
        diffusion_um2_per_s: Diffusion coefficient D (um^2/s).
        decay_per_h: First-order decay rate everywhere except source sites (1/h).
        dx_um: Lattice spacing (um).
        boundary: ``"no_flux"`` or ``"dirichlet"``.
        boundary_value: Reservoir concentration behind Dirichlet edges (concentration unit).
        dirichlet_edges: Which edges face the reservoir when ``boundary == "dirichlet"``.
        method: ``"explicit"`` or ``"implicit"`` (see the module docstring).
        max_substeps: Largest explicit sub-step count :meth:`step` accepts per call.
        safety: Fraction of the explicit stability limit used per sub-step (0 < safety <= 1).
        initial_total: ``total()`` when the ledger was last reset (site units).
        mass_produced: Mass added by ``production`` since then (site units).
        mass_consumed: Mass removed by ``uptake_rate_per_h`` since then (site units).
        mass_decayed: Mass removed by ``decay_per_h`` since then (site units).
        mass_boundary_in: Net mass in across Dirichlet edges and source sites (site units).

    Treat the parameters as read-only after construction; use :meth:`set_sources` to move vessels.
    """

    def __init__(
        self,
        name: str,
        data: np.ndarray,
        *,
        diffusion_um2_per_s: float,
        decay_per_h: float = 0.0,
        dx_um: float = 20.0,
        boundary: str = "no_flux",
        boundary_value: float = 0.0,
        dirichlet_edges: tuple[str, ...] = EDGES,
        source_mask: np.ndarray | None = None,
        source_values: np.ndarray | float = 0.0,
        method: str = "explicit",
        max_substeps: int = 10_000,
        safety: float = 0.9,
    ) -> None:
        """Wrap ``data`` as a field; source sites are set to their values at once.

        Args:
            name: Field name for messages, e.g. ``"oxygen"``.
            data: 2D float64 C-contiguous array of concentrations (any unit, >= 0); kept, not
                copied, and updated in place.
            diffusion_um2_per_s: Diffusion coefficient D (um^2/s), >= 0.
            decay_per_h: First-order decay rate (1/h), >= 0.
            dx_um: Lattice spacing (um), > 0; the default is one cell diameter (assumed).
            boundary: ``"no_flux"`` (reflecting edges) or ``"dirichlet"`` (reservoir edges).
            boundary_value: Reservoir concentration for Dirichlet edges (concentration unit), >= 0;
                unused with ``"no_flux"``.
            dirichlet_edges: Edges facing the reservoir, a non-empty subset of
                ``("x_min", "x_max", "y_min", "y_max")``; only used with ``"dirichlet"``.
            source_mask: Boolean array, shape of ``data``, True at fixed-value sites (vessels), or
                None for no sources.
            source_values: Concentration held at the source sites (concentration unit, >= 0): a
                number, or an array the shape of ``data`` read where ``source_mask`` is True.
            method: ``"explicit"`` (sub-stepped forward Euler) or ``"implicit"`` (backward Euler).
            max_substeps: Explicit sub-steps allowed per :meth:`step` call (count, >= 1).
            safety: Fraction of the explicit stability limit dx^2/(4 D) used (0 < safety <= 1).

        Raises:
            InputError: A parameter or the array is invalid; the message names field and parameter.
        """
        if not isinstance(name, str) or not name:
            raise InputError(f"field name must be a non-empty string, got {name!r}")
        self.name = name
        self.data = self._checked_data(data)
        self.layer = None
        self.diffusion_um2_per_s = self._checked_number("diffusion_um2_per_s", diffusion_um2_per_s)
        self.decay_per_h = self._checked_number("decay_per_h", decay_per_h)
        self.dx_um = self._checked_number("dx_um", dx_um)
        if self.dx_um <= 0:
            raise InputError(f"field {name!r}: dx_um must be > 0 um, got {dx_um!r}")
        if boundary not in BOUNDARIES:
            raise InputError(
                f"field {name!r}: boundary must be one of {BOUNDARIES}, got {boundary!r}"
            )
        self.boundary = boundary
        self.boundary_value = self._checked_number("boundary_value", boundary_value)
        edges = tuple(dirichlet_edges)
        if not edges or any(e not in EDGES for e in edges) or len(set(edges)) != len(edges):
            raise InputError(
                f"field {name!r}: dirichlet_edges must be distinct names from {EDGES}, "
                f"got {edges!r}"
            )
        self.dirichlet_edges = edges
        if method not in METHODS:
            raise InputError(f"field {name!r}: method must be one of {METHODS}, got {method!r}")
        self.method = method
        if isinstance(max_substeps, bool) or not isinstance(max_substeps, int) or max_substeps < 1:
            raise InputError(
                f"field {name!r}: max_substeps must be an integer >= 1, got {max_substeps!r}"
            )
        self.max_substeps = max_substeps
        self.safety = self._checked_number("safety", safety)
        if not 0.0 < self.safety <= 1.0:
            raise InputError(f"field {name!r}: safety must be in (0, 1], got {safety!r}")

        self._source_sites = np.zeros(0, dtype=np.intp)
        self._source_values = np.zeros(0)
        self._implicit_cache = None
        self._implicit_factors = None  # (operator, step, matrix, SuperLU) without uptake
        self.initial_total = 0.0
        self.mass_produced = 0.0
        self.mass_consumed = 0.0
        self.mass_decayed = 0.0
        self.mass_boundary_in = 0.0
        self._clear_scratch()  # allocated at the first explicit step
        if source_mask is not None:
            self.set_sources(source_mask, source_values)
        self.reset_accounting()

    @classmethod
    def on_grid(cls, grid, name: str, initial: float | np.ndarray = 0.0, **kwargs) -> "Field":
        """Create a float PropertyLayer ``name`` on a Mesa grid and return a field wrapping it.

        Args:
            grid: A Mesa ``discrete_space`` grid with property layers (e.g. OrthogonalMooreGrid).
            name: Layer and field name (a valid Python identifier, unique on the grid).
            initial: Starting concentration (concentration unit, >= 0), a number or an array of
                shape ``grid.dimensions``.
            **kwargs: Field parameters, as for :class:`Field`.

        Returns:
            The field; ``field.layer`` is the new layer and ``field.data is field.layer.data``.
        """
        layer = grid.create_property_layer(name, 0.0, dtype=float)
        try:
            try:
                layer.data[...] = initial
            except (ValueError, TypeError) as err:
                raise InputError(f"field {name!r}: initial does not fit the grid: {err}") from err
            field = cls(name, layer.data, **kwargs)
        except Exception:
            grid.remove_property_layer(name)  # leave the grid as it was
            raise
        field.layer = layer
        return field

    # ------------------------------------------------------------------ public API

    def stable_substep_h(self) -> float:
        """Longest explicit sub-step used, ``safety * dx^2 / (4 D)``, in h (inf when D == 0)."""
        if self.diffusion_um2_per_s == 0.0:
            return math.inf
        limit_s = self.safety * self.dx_um**2 / (4.0 * self.diffusion_um2_per_s)
        return limit_s / SECONDS_PER_HOUR

    def substeps_for(self, dt_h: float) -> int:
        """Number of sub-steps :meth:`step` takes for a step of ``dt_h`` hours.

        Always 1 for the implicit method. For the explicit method the smallest count whose
        sub-step is within :meth:`stable_substep_h`; it may exceed ``max_substeps`` (then
        :meth:`step` raises).
        """
        dt_h = self._checked_dt(dt_h)
        if self.method == "implicit":
            return 1
        limit_h = self.stable_substep_h()
        if math.isinf(limit_h):
            return 1
        # A relative slack of 1e-9 (far inside the safety margin) keeps 80000.00000000001 at 80000.
        count = max(1, math.ceil(dt_h / limit_h * (1.0 - 1e-9)))
        while dt_h / count > limit_h * (1.0 + 1e-9):
            count += 1
        return count

    def total(self) -> float:
        """Mass on the lattice, ``data.sum()`` (site units: concentration x sites)."""
        return float(self.data.sum())

    def expected_total(self) -> float:
        """What the ledger says ``total()`` should be (site units)."""
        return (
            self.initial_total
            + self.mass_produced
            - self.mass_consumed
            - self.mass_decayed
            + self.mass_boundary_in
        )

    def reset_accounting(self) -> None:
        """Start a new ledger from the current contents (call after editing ``data`` directly)."""
        self.initial_total = self.total()
        self.mass_produced = 0.0
        self.mass_consumed = 0.0
        self.mass_decayed = 0.0
        self.mass_boundary_in = 0.0

    #: Ledger attributes saved by :meth:`state` (floats, site units).
    LEDGER = (
        "initial_total",
        "mass_produced",
        "mass_consumed",
        "mass_decayed",
        "mass_boundary_in",
    )

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """What a checkpoint needs to continue this field exactly: (arrays, ledger floats)."""
        arrays = {
            "data": self.data.copy(),
            "source_sites": self._source_sites.copy(),
            "source_values": self._source_values.copy(),
        }
        return arrays, {k: float(getattr(self, k)) for k in self.LEDGER}

    def load_state(self, arrays: dict[str, np.ndarray], ledger: dict[str, float]) -> None:
        """Inverse of :meth:`state` (in place: ``data`` stays the grid's PropertyLayer array)."""
        data = np.asarray(arrays["data"], dtype=float)
        if data.shape != self.data.shape:
            raise InputError(
                f"field {self.name!r}: saved shape {data.shape} does not match {self.data.shape}"
            )
        self.data[...] = data
        self._source_sites = np.asarray(arrays["source_sites"], dtype=np.intp).copy()
        self._source_values = np.asarray(arrays["source_values"], dtype=float).copy()
        self._implicit_cache = None
        for key in self.LEDGER:
            setattr(self, key, float(ledger[key]))

    def set_sources(self, mask: np.ndarray | None, values: np.ndarray | float = 0.0) -> None:
        """Replace the fixed-value source sites (vessels) and set them to their values now.

        The change in mass at the sites is booked to ``mass_boundary_in``.

        Args:
            mask: Boolean array of the field's shape, True at source sites; None removes all.
            values: Concentration held there (concentration unit, >= 0), a number or an array of
                the field's shape read where ``mask`` is True.
        """
        if mask is None:
            sites = np.zeros(0, dtype=np.intp)
            held = np.zeros(0)
        else:
            mask = np.asarray(mask)
            if mask.shape != self.data.shape or mask.dtype != bool:
                raise InputError(
                    f"field {self.name!r}: source_mask must be a bool array of shape "
                    f"{self.data.shape}, got {mask.dtype} {mask.shape}"
                )
            sites = np.flatnonzero(mask)
            values = np.asarray(values, dtype=float)
            if values.ndim == 0:
                held = np.full(sites.size, float(values))
            elif values.shape == self.data.shape:
                held = values.reshape(-1)[sites].copy()
            else:
                raise InputError(
                    f"field {self.name!r}: source_values must be a number or an array of shape "
                    f"{self.data.shape}, got shape {values.shape}"
                )
            self._check_non_negative("source_values", held)
        flat = self.data.reshape(-1)
        self.mass_boundary_in += float(held.sum() - flat[sites].sum())
        flat[sites] = held
        self._source_sites = sites
        self._source_values = held
        self._implicit_cache = None

    def step(
        self,
        dt_h: float,
        production: np.ndarray | float | None = None,
        uptake_rate_per_h: np.ndarray | float | None = None,
    ) -> None:
        """Advance the field by ``dt_h`` hours, in place, and update the ledger.

        Args:
            dt_h: Time step (h), > 0.
            production: Amount added per site per hour (concentration unit / h, >= 0), an array
                of the field's shape or a number; None for no production. Ignored at source sites.
            uptake_rate_per_h: First-order consumption rate per site (1/h, >= 0), an array of the
                field's shape or a number; None for none. To use Michaelis-Menten uptake pass the
                linearised rate ``vmax / (km + c)`` (vmax in concentration unit / h, km in the
                concentration unit), evaluated at the current ``data``. Ignored at source sites.

        Raises:
            InputError: Bad ``dt_h`` or rate arrays, or the explicit method would need more than
                ``max_substeps`` sub-steps.
        """
        dt_h = self._checked_dt(dt_h)
        if production is not None:
            production = self._checked_rates("production", production)
        if uptake_rate_per_h is not None:
            uptake_rate_per_h = self._checked_rates("uptake_rate_per_h", uptake_rate_per_h)
        if self.method == "implicit":
            self._step_implicit(dt_h, production, uptake_rate_per_h)
            return
        count = self.substeps_for(dt_h)
        if count > self.max_substeps:
            raise InputError(
                f"field {self.name!r}: explicit diffusion needs {count} sub-steps for "
                f"dt_h={dt_h:g} (diffusion_um2_per_s={self.diffusion_um2_per_s:g}, "
                f"dx_um={self.dx_um:g}, stable sub-step "
                f"{self.stable_substep_h() * SECONDS_PER_HOUR:.3g} s), above max_substeps="
                f"{self.max_substeps}; use method='implicit', a shorter dt_h, a coarser dx_um "
                f"or a larger max_substeps"
            )
        self._step_explicit(dt_h, count, production, uptake_rate_per_h)

    # ------------------------------------------------------------------ checkpointing

    def __getstate__(self) -> dict:
        """Plain-data state: scratch buffers and the solver cache are left out."""
        state = self.__dict__.copy()
        for key in (*self.SCRATCH, "_implicit_cache", "_implicit_factors"):
            state[key] = None
        return state

    def __setstate__(self, state: dict) -> None:
        """Restore from :meth:`__getstate__` (scratch buffers come back at the next step)."""
        self.__dict__.update(state)
