"""Pharmacokinetics: blood concentrations of a regime over time (pure numpy/scipy; no Mesa).

Each drug is a linear compartment model (see :mod:`model.pharmacology` for the TOML format),
read out through optional saturable binding in blood cells (:func:`whole_blood_ng_ml`):
an oral depot with first-order absorption (``ka_per_h``, bioavailability F, optional lag; with
saturable absorption each dose size has its own depot absorbing at ``ka(D)``, see
:meth:`~model.druglib.PKParams.ka_for_dose_per_h`) or a zero-order IV infusion over
``infusion_h``; a central compartment with elimination clearance;
optionally a peripheral compartment; optionally an active metabolite (temsirolimus ->
sirolimus) formed from a molar fraction of the parent's elimination, which then follows the
metabolite drug's own disposition. State: drug amounts (mg) per compartment.

Between events (a dose, an infusion starting or ending) the ODEs are linear with a constant
input, so they are solved exactly with a matrix exponential of the augmented system
``[[K, e_central], [0, 0]]``: results do not depend on the step, and doses superpose.

Concentrations are whole-blood-equivalent (module docstring of :mod:`model.pharmacology`):
``conc_ng_ml = amount_mg / V_central_L * 1000`` and ``conc_nM = conc_ng_ml * 1000 / MW``.

Convention at a dose time: the state at time t includes every input at times < t, so the
concentration sampled exactly at a dose time is the pre-dose (trough) value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import expm
from scipy.optimize import minimize_scalar

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    Drug,
    DrugLibrary,
    Regime,
    check_regime,
    dose_times_h,
    load_library,
)

_MAX_CACHED_PROPAGATORS = 256
_STEADY_STATE_SAMPLES = 600


@dataclass(frozen=True, eq=False)
class CompartmentModel:
    """The linear ODE system of one drug (and its metabolite): dA/dt = K A + input.

    Attributes:
        species: drug names, parent first.
        rate_matrix_per_h: K (1/h), amounts in mg.
        central_index: index of each species' central compartment in the state vector.
        disposition_indices: per species, its central (and peripheral) compartment indices.
        central_volume_L: central (sampling) volume of each species (L, systemic).
        molecular_weight_g_per_mol: of each species.
        dose_index: compartment a bolus dose enters (oral depot, or central for an IV bolus).
        depot_dose_mg: with saturable absorption, the dose size (mg) absorbed by each depot
            (depot i is compartment i, absorbing at ``ka(depot_dose_mg[i])``); empty when every
            dose enters ``dose_index``.
        bioavailability: fraction of an oral dose (and of a continuous oral input) reaching it.
        lag_h: oral absorption lag (h).
        infusion_h: IV infusion duration (h); 0 for oral drugs and IV boluses.
        route: ``oral`` or ``iv``.
        blood_binding: per species, ``(capacity_ng_ml, kd_ng_ml)`` of saturable binding in
            blood cells, or ``(0, 1)`` for none (see :func:`whole_blood_ng_ml`).
    """

    species: tuple[str, ...]
    rate_matrix_per_h: np.ndarray
    central_index: tuple[int, ...]
    disposition_indices: tuple[tuple[int, ...], ...]
    central_volume_L: tuple[float, ...]
    molecular_weight_g_per_mol: tuple[float, ...]
    dose_index: int
    bioavailability: float
    lag_h: float
    infusion_h: float
    route: str
    blood_binding: tuple[tuple[float, float], ...] = ()
    depot_dose_mg: tuple[float, ...] = ()

    @property
    def n_compartments(self) -> int:
        """Length of the state vector."""
        return self.rate_matrix_per_h.shape[0]

    def dose_indices(self, doses_mg: np.ndarray) -> np.ndarray:
        """Compartment index each dose (mg, array) enters; InputError for a dose size the model
        has no depot for (the model is built for a regime's dose sizes)."""
        doses_mg = np.asarray(doses_mg, dtype=float)
        if not self.depot_dose_mg:
            return np.full(doses_mg.shape, self.dose_index, dtype=int)
        sizes = np.asarray(self.depot_dose_mg)
        match = doses_mg[:, None] == sizes[None, :]
        if not match.any(axis=1).all():
            missing = sorted(set(doses_mg[~match.any(axis=1)].tolist()))
            raise InputError(
                f"dose sizes {missing} mg have no absorption depot; this model absorbs "
                f"{list(self.depot_dose_mg)} mg"
            )
        return np.argmax(match, axis=1)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists and numbers)."""
        out = dataclasses.asdict(self)
        out["rate_matrix_per_h"] = self.rate_matrix_per_h.tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompartmentModel:
        """Inverse of :meth:`to_dict`."""
        kwargs = dict(data)
        kwargs["rate_matrix_per_h"] = np.asarray(data["rate_matrix_per_h"], dtype=float)
        for key in ("species", "central_index", "central_volume_L", "molecular_weight_g_per_mol"):
            kwargs[key] = tuple(data[key])
        kwargs["disposition_indices"] = tuple(tuple(ix) for ix in data["disposition_indices"])
        kwargs["blood_binding"] = tuple(tuple(b) for b in data.get("blood_binding", ()))
        kwargs["depot_dose_mg"] = tuple(float(d) for d in data.get("depot_dose_mg", ()))
        return cls(**kwargs)


def build_model(
    drug: Drug, library: DrugLibrary, dose_sizes_mg: Iterable[float] = ()
) -> CompartmentModel:
    """The compartment model of a drug with PK (and of its metabolite, if it has one).

    ``dose_sizes_mg``: the oral dose sizes (mg) the model must absorb. They matter only with
    saturable absorption: each size gets its own depot and rate ``ka(D)``; without any, a
    saturable drug gets one depot at ``ka_per_h`` (the small-dose limit).
    """
    if drug.pk is None:
        raise InputError(f"drug {drug.name!r} has no [pk] table; use schedule 'fixed'")
    pk = drug.pk
    members = [drug]
    if pk.metabolite is not None:
        members.append(library.drug(pk.metabolite))
    sizes = [2 if m.pk.two_compartment else 1 for m in members]
    depot_doses: tuple[float, ...] = ()
    if pk.route == "oral" and pk.saturable_absorption:
        depot_doses = tuple(sorted({float(d) for d in dose_sizes_mg}))
    depot = 0 if pk.route != "oral" else max(1, len(depot_doses))
    n = depot + sum(sizes)
    k = np.zeros((n, n))
    central: list[int] = []
    disposition: list[tuple[int, ...]] = []
    start = depot
    for member, size in zip(members, sizes, strict=True):
        _add_disposition(k, member, start)
        central.append(start)
        disposition.append(tuple(range(start, start + size)))
        start += size
    rates = [pk.ka_for_dose_per_h(d) for d in depot_doses] or [pk.ka_per_h] * depot
    for i, ka in enumerate(rates):
        k[i, i] -= ka
        k[central[0], i] += ka
    if len(members) == 2:
        k10 = pk.clearance_L_per_h / pk.central_volume_L
        mw_ratio = members[1].molecular_weight_g_per_mol / drug.molecular_weight_g_per_mol
        k[central[1], central[0]] += pk.metabolite_fraction * k10 * mw_ratio
    return CompartmentModel(
        species=tuple(m.name for m in members),
        rate_matrix_per_h=k,
        central_index=tuple(central),
        disposition_indices=tuple(disposition),
        central_volume_L=tuple(m.pk.central_volume_L for m in members),
        molecular_weight_g_per_mol=tuple(m.molecular_weight_g_per_mol for m in members),
        dose_index=0 if depot else central[0],
        bioavailability=pk.bioavailability,
        lag_h=pk.lag_h,
        infusion_h=pk.infusion_h,
        route=pk.route,
        blood_binding=tuple(
            (m.pk.blood_binding_capacity_ng_ml, m.pk.blood_binding_kd_ng_ml) for m in members
        ),
        depot_dose_mg=depot_doses,
    )


def regime_dose_sizes_mg(regime: Regime) -> tuple[float, ...]:
    """The distinct sizes (mg) of the separate doses of a regime (its dose, its loading dose)."""
    if not regime.parsed_schedule.discrete:
        return ()
    sizes = {regime.dose_mg}
    if regime.loading_dose_mg is not None:
        sizes.add(regime.loading_dose_mg)
    return tuple(sorted(sizes))


def whole_blood_ng_ml(conc_ng_ml: float, capacity_ng_ml: float, kd_ng_ml: float) -> float:
    """Whole-blood concentration from the linearly cleared one, ng/mL.

    ``C_wb = C + Bmax C / (Kd + C)``: a drug bound to a saturable pool in blood cells (FKBP12 in
    erythrocytes for temsirolimus: Boni 2009 Semin Oncol 36:S18) adds up to ``Bmax`` to the
    measured whole-blood level, so whole-blood exposure rises less than dose-proportionally
    (Torisel label: temsirolimus exposure less than dose-proportional over 1-25 mg).
    The bound pool is taken as too small to change the body's disposition (blood ~5 L against a
    volume of distribution of 172 L; assumed).
    """
    if capacity_ng_ml <= 0:
        return conc_ng_ml
    return conc_ng_ml + capacity_ng_ml * conc_ng_ml / (kd_ng_ml + conc_ng_ml)


def _add_disposition(k: np.ndarray, drug: Drug, c: int) -> None:
    """Elimination and central <-> peripheral exchange of one species, central at index c."""
    pk = drug.pk
    k[c, c] -= pk.clearance_L_per_h / pk.central_volume_L
    if pk.two_compartment:
        q = pk.intercompartmental_clearance_L_per_h
        p = c + 1
        k[c, c] -= q / pk.central_volume_L
        k[p, c] += q / pk.central_volume_L
        k[p, p] -= q / pk.peripheral_volume_L
        k[c, p] += q / pk.peripheral_volume_L


def terminal_half_life_h(model: CompartmentModel, species: str) -> float:
    """Terminal half-life (h) of a species' disposition (slowest eigenvalue; no absorption)."""
    ix = model.disposition_indices[model.species.index(species)]
    block = model.rate_matrix_per_h[np.ix_(ix, ix)]
    slowest = np.min(np.abs(np.linalg.eigvals(block).real))
    return float(math.log(2.0) / slowest)


# --------------------------------------------------------------------------------------------
# The state that advances in time
# --------------------------------------------------------------------------------------------


@dataclass
class PKState:
    """Blood concentrations of one regime, advanced in time exactly.

    Plain data (a regime, a model of arrays and numbers, the time and the amounts), so it can be
    checkpointed with :meth:`to_dict` / :meth:`from_dict`. ``model`` is None for the untreated
    control and for a held (``fixed``) concentration, which need no PK.
    """

    regime: Regime
    species: tuple[str, ...]
    molecular_weight_g_per_mol: tuple[float, ...]
    model: CompartmentModel | None
    time_h: float = 0.0
    amounts_mg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    held_conc_nM: float = 0.0
    _propagators: dict[float, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_regime(cls, regime: Regime, library: DrugLibrary | None = None) -> PKState:
        """A drug-free state at hour 0 for ``regime`` (validated against the library)."""
        library = load_library() if library is None else library
        drug = check_regime(regime, library)
        if drug.drug_class == "none" or regime.parsed_schedule.kind == "fixed":
            held = 0.0 if drug.drug_class == "none" else regime.conc_nM
            mw = (drug.molecular_weight_g_per_mol,)
            return cls(regime, (drug.name,), mw, None, held_conc_nM=held)
        model = build_model(drug, library, regime_dose_sizes_mg(regime))
        return cls(
            regime,
            model.species,
            model.molecular_weight_g_per_mol,
            model,
            amounts_mg=np.zeros(model.n_compartments),
        )

    # ---- time ---------------------------------------------------------------------------

    def advance(self, dt_h: float) -> None:
        """Advance by ``dt_h`` hours, applying every dose input in ``[time_h, time_h + dt_h)``."""
        if not math.isfinite(dt_h) or dt_h < 0:
            raise InputError(f"dt_h must be a non-negative number of hours, got {dt_h!r}")
        t0, t1 = self.time_h, self.time_h + dt_h
        if self.model is not None and dt_h > 0:
            self.amounts_mg = self._solve(self.amounts_mg.copy(), t0, t1)
        self.time_h = t1

    def advance_to(self, t_h: float) -> None:
        """Advance to the absolute time ``t_h`` (h), which must not be in the past."""
        if t_h < self.time_h:
            raise InputError(f"cannot go back in time from {self.time_h:g} h to {t_h:g} h")
        self.advance(t_h - self.time_h)

    def _solve(self, x: np.ndarray, t0: float, t1: float) -> np.ndarray:
        """Amounts at t1 from amounts x at t0: exact piecewise solution between input events."""
        bolus_t, bolus_mg, bolus_ix = self._boluses(t0, t1)
        inf_start, inf_rate = self._infusions(t0, t1)
        if not (bolus_t.size or inf_start.size or self.regime.parsed_schedule.kind == "continuous"):
            return self._propagator(t1 - t0)[0] @ x
        cuts = set(bolus_t[bolus_t > t0].tolist())
        cuts |= {t for t in self._rate_changes(inf_start) if t0 < t < t1}
        cursor = t0
        for boundary in [*sorted(cuts), t1]:
            now = bolus_t == cursor
            np.add.at(x, bolus_ix[now], bolus_mg[now])
            rate = self._rate_at(0.5 * (cursor + boundary), inf_start, inf_rate)
            phi, gamma = self._propagator(boundary - cursor)
            x = phi @ x + gamma * rate
            cursor = boundary
        return x

    def input_changes_h(self, t0: float, t1: float) -> list[float]:
        """Sorted times in the open interval (t0, t1) at which the drug input changes: a bolus
        enters, an infusion or a continuous input starts or stops (none without PK).

        Between them the amounts are smooth in time (sums of exponentials), which is what a
        quadrature over a step needs (:mod:`model.exposure`).
        """
        if self.model is None:
            return []
        bolus_t, _, _ = self._boluses(t0, t1)
        inf_start, _ = self._infusions(t0, t1)
        times = {*bolus_t.tolist(), *self._rate_changes(inf_start)}
        return sorted(t for t in times if t0 < t < t1)

    def _boluses(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Times in [t0, t1) at which a bolus enters a dose compartment, the mg entering and
        the compartment each enters."""
        m = self.model
        if m.route == "iv" and m.infusion_h > 0:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
        times, doses = dose_times_h(self.regime, t0 - m.lag_h, t1 - m.lag_h)
        # keep lagged times inside [t0, t1) despite rounding in (t - lag) + lag
        times = np.clip(times + m.lag_h, t0, np.nextafter(t1, -math.inf))
        return times, doses * m.bioavailability, m.dose_indices(doses)

    def _infusions(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Start times of IV infusions running at some time in [t0, t1), and their mg/h."""
        m = self.model
        if m.route != "iv" or m.infusion_h <= 0:
            return np.zeros(0), np.zeros(0)
        starts, doses = dose_times_h(self.regime, t0 - m.infusion_h, t1)
        running = starts + m.infusion_h > t0
        return starts[running], doses[running] / m.infusion_h

    def _rate_changes(self, inf_start: np.ndarray) -> list[float]:
        times = [*inf_start.tolist(), *(inf_start + self.model.infusion_h).tolist()]
        if self.regime.parsed_schedule.kind == "continuous":
            times += [self.regime.start_h, self.regime.stop_h]
        return times

    def _rate_at(self, t: float, inf_start: np.ndarray, inf_rate: np.ndarray) -> float:
        """Zero-order input (mg/h) into the parent's central compartment at time t."""
        on = (inf_start <= t) & (t < inf_start + self.model.infusion_h)
        rate = float(inf_rate[on].sum())
        reg = self.regime
        if reg.parsed_schedule.kind == "continuous" and reg.start_h <= t < reg.stop_h:
            rate += reg.dose_mg / 24.0 * self.model.bioavailability
        return rate

    def _propagator(self, h: float) -> tuple[np.ndarray, np.ndarray]:
        """(Phi, Gamma) with x(t+h) = Phi x(t) + Gamma * rate, exact for a constant rate."""
        cached = self._propagators.get(h)
        if cached is None:
            m = self.model
            n = m.n_compartments
            aug = np.zeros((n + 1, n + 1))
            aug[:n, :n] = m.rate_matrix_per_h
            aug[m.central_index[0], n] = 1.0
            e = expm(aug * h)
            cached = (e[:n, :n], e[:n, n])
            if len(self._propagators) >= _MAX_CACHED_PROPAGATORS:
                self._propagators.clear()
            self._propagators[h] = cached
        return cached

    # ---- readouts -----------------------------------------------------------------------

    def concentrations_ng_ml(self) -> dict[str, float]:
        """Whole-blood concentration (ng/mL) of each species at ``time_h``."""
        if self.model is None:
            return {
                self.species[0]: self._held_conc_nM() * self.molecular_weight_g_per_mol[0] / 1e3
            }
        m = self.model
        binding = m.blood_binding or ((0.0, 1.0),) * len(m.species)
        return {
            s: whole_blood_ng_ml(float(self.amounts_mg[i]) / v * 1e3, *bind)
            for s, i, v, bind in zip(
                m.species, m.central_index, m.central_volume_L, binding, strict=True
            )
        }

    def concentrations_nM(self) -> dict[str, float]:
        """Whole-blood-equivalent concentration (nM) of each species at ``time_h``."""
        if self.model is None:
            return {self.species[0]: self._held_conc_nM()}
        ng_ml = self.concentrations_ng_ml()
        return {
            s: ng_ml[s] * 1e3 / mw
            for s, mw in zip(self.species, self.molecular_weight_g_per_mol, strict=True)
        }

    def _held_conc_nM(self) -> float:
        reg = self.regime
        return self.held_conc_nM if reg.start_h <= self.time_h < reg.stop_h else 0.0

    # ---- checkpoints --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; :meth:`from_dict` restores an identical state."""
        reg = {f.name: getattr(self.regime, f.name) for f in dataclasses.fields(Regime) if f.init}
        return {
            "regime": reg,
            "species": list(self.species),
            "molecular_weight_g_per_mol": list(self.molecular_weight_g_per_mol),
            "model": None if self.model is None else self.model.to_dict(),
            "time_h": self.time_h,
            "amounts_mg": self.amounts_mg.tolist(),
            "held_conc_nM": self.held_conc_nM,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PKState:
        """Inverse of :meth:`to_dict` (needs no drug library)."""
        model = data["model"]
        return cls(
            regime=Regime(**data["regime"]),
            species=tuple(data["species"]),
            molecular_weight_g_per_mol=tuple(data["molecular_weight_g_per_mol"]),
            model=None if model is None else CompartmentModel.from_dict(model),
            time_h=float(data["time_h"]),
            amounts_mg=np.asarray(data["amounts_mg"], dtype=float),
            held_conc_nM=float(data["held_conc_nM"]),
        )


# --------------------------------------------------------------------------------------------
# Conveniences
# --------------------------------------------------------------------------------------------


#: Longest PK curve simulated, days (ten years; also the longest scenario run).
MAX_SIMULATED_DAYS = 3650


def simulate(
    regime: Regime, days: float, dt_h: float = 0.25, library: DrugLibrary | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Blood concentrations (ng/mL) per species, sampled every ``dt_h`` from 0 h to ``days``.

    Returns ``(times_h, {species: conc_ng_ml})``. Values at dose times are pre-dose.
    """
    if not math.isfinite(days) or not 0 < days <= MAX_SIMULATED_DAYS:
        raise InputError(f"days must be a number in (0, {MAX_SIMULATED_DAYS}] days, got {days!r}")
    if not math.isfinite(dt_h) or dt_h <= 0:
        raise InputError(f"dt_h must be a positive number of hours, got {dt_h!r}")
    n = math.floor(days * 24.0 / dt_h + 1e-9)
    times = np.arange(n + 1) * dt_h
    state = PKState.from_regime(regime, library)
    out = {s: np.empty(n + 1) for s in state.species}
    for i, t in enumerate(times):
        state.advance_to(float(t))
        for s, c in state.concentrations_ng_ml().items():
            out[s][i] = c
    return times, out


def steady_state_summary(
    regime: Regime, library: DrugLibrary | None = None, species: str | None = None
) -> dict[str, float | None]:
    """Trough and Cmax (ng/mL) over one dosing cycle at steady state, and terminal half-life.

    The steady state of the repeating schedule (ignoring start, stop and loading dose) is solved
    directly: ``x_ss = (I - P)^-1 q`` with P the one-cycle transition and q one cycle's input.
    Trough is the pre-dose concentration at the start of the cycle (for ``5on_2off``, before the
    first on-day dose). ``half_life_h`` is None without PK (drug ``none``, schedule ``fixed``).
    """
    library = load_library() if library is None else library
    state = PKState.from_regime(regime, library)
    species = state.species[0] if species is None else species
    if species not in state.species:
        raise InputError(f"species {species!r} is not in this regime; allowed: {state.species}")
    if state.model is None:
        state.time_h = regime.start_h
        conc = state.concentrations_ng_ml()[species]
        return {"trough_ng_ml": conc, "cmax_ng_ml": conc, "half_life_h": None}
    periodic = dataclasses.replace(regime, start_day=0.0, stop_day=None, loading_dose_mg=None)
    cycle_h = periodic.parsed_schedule.period_h
    start_h = cycle_h * (math.ceil(max(state.model.lag_h, state.model.infusion_h) / cycle_h) + 1)
    x_ss = _periodic_steady_state(PKState.from_regime(periodic, library), start_h, cycle_h)
    at_start = PKState.from_regime(periodic, library)
    at_start.time_h, at_start.amounts_mg = start_h, x_ss
    trough = at_start.concentrations_ng_ml()[species]
    cmax = _cycle_maximum(at_start, cycle_h, species)
    return {
        "trough_ng_ml": trough,
        "cmax_ng_ml": cmax,
        "half_life_h": terminal_half_life_h(state.model, species),
    }


def _periodic_steady_state(state: PKState, start_h: float, cycle_h: float) -> np.ndarray:
    """Amounts at ``start_h`` (a cycle boundary) once the repeating schedule is at steady state."""
    state.time_h = start_h
    state.advance(cycle_h)
    one_cycle_input = state.amounts_mg
    transition = expm(state.model.rate_matrix_per_h * cycle_h)
    n = transition.shape[0]
    return np.linalg.solve(np.eye(n) - transition, one_cycle_input)


def _cycle_maximum(at_start: PKState, cycle_h: float, species: str) -> float:
    """Maximum concentration over one cycle: a fine grid, then a bounded refinement."""
    dt = cycle_h / _STEADY_STATE_SAMPLES
    grid = PKState.from_dict(at_start.to_dict())
    samples = []
    for i in range(_STEADY_STATE_SAMPLES + 1):
        grid.advance_to(at_start.time_h + i * dt)
        samples.append(grid.concentrations_ng_ml()[species])
    best = int(np.argmax(samples))
    if best in (0, _STEADY_STATE_SAMPLES) or samples[best] == samples[0]:
        return float(samples[best])

    def negative_conc(offset_h: float) -> float:
        probe = PKState.from_dict(at_start.to_dict())
        probe.advance(offset_h)
        return -probe.concentrations_ng_ml()[species]

    lo, hi = (best - 1) * dt, (best + 1) * dt
    found = minimize_scalar(
        negative_conc, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}
    )
    return float(max(samples[best], -found.fun))
