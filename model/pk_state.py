"""Pharmacokinetic state: the drug amounts of one regime, advanced in time exactly (pure numpy).

The compartment model is :mod:`model.pk_compartments`. Between events (a dose, an infusion
starting or ending) the ODEs are linear with a constant input, so they are solved exactly with a
matrix exponential of the augmented system ``[[K, e_central], [0, 0]]``: results do not depend
on the step, and doses superpose.

Convention at a dose time: the state at time t includes every input at times < t, so the
concentration sampled exactly at a dose time is the pre-dose (trough) value.

Two drugs given together (a regime with ``co_regime``, e.g. tacrolimus + low-dose sirolimus)
have a :class:`CombinedPKState`: one :class:`PKState` per drug, advanced on one clock. Their PK
is independent (no drug-drug interaction is modelled: each drug's blood curve is the one it has
alone); :func:`pk_state` builds whichever a regime needs and :func:`pk_state_from_dict` restores
either from a checkpoint.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import expm

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    DrugLibrary,
    Regime,
    check_regime,
    dose_times_h,
    load_library,
    regime_fields,
)
from mtor_abm.model.pk_compartments import (
    CompartmentModel,
    build_model,
    regime_dose_sizes_mg,
    whole_blood_ng_ml,
)
from mtor_abm.model.species import HUMAN, Subject

_MAX_CACHED_PROPAGATORS = 256


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
    def from_regime(
        cls, regime: Regime, library: DrugLibrary | None = None, subject: Subject = HUMAN
    ) -> PKState:
        """A drug-free state at hour 0 for ``regime`` (validated against the library) in
        ``subject`` (whose PK set: :meth:`~model.druglib.Drug.pk_for`); one drug's regime (a
        combination: :func:`pk_state`)."""
        if regime.co_regime is not None:
            raise ValueError("PKState holds one drug; build a combination with pk_state()")
        library = load_library() if library is None else library
        drug = check_regime(regime, library)
        if drug.drug_class == "none" or regime.parsed_schedule.kind == "fixed":
            held = 0.0 if drug.drug_class == "none" else regime.conc_nM
            mw = (drug.molecular_weight_g_per_mol,)
            return cls(regime, (drug.name,), mw, None, held_conc_nM=held)
        model = build_model(drug, library, regime_dose_sizes_mg(regime), subject)
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
        return {
            "regime": regime_fields(self.regime),
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
# Two drugs given together
# --------------------------------------------------------------------------------------------


@dataclass
class CombinedPKState:
    """Blood concentrations of a combination (a regime with ``co_regime``): one
    :class:`PKState` per drug on one clock, with the interface :mod:`model.exposure` and the
    models use (``species``, ``advance``, ``input_changes_h``, ``concentrations_nM``, ...).

    The drugs' PK is independent: each part is exactly the state that drug has alone, so a
    drug's blood curve in a combination is its one-drug curve. Every part has clinical PK (a
    combination holds no ``fixed`` concentration), so ``model`` is never None.
    """

    parts: tuple[PKState, ...]

    @classmethod
    def from_regime(
        cls, regime: Regime, library: DrugLibrary | None = None, subject: Subject = HUMAN
    ) -> CombinedPKState:
        """A drug-free state at hour 0 for the combination ``regime``.

        Raises:
            InputError: a drug has no clinical PK, or two drugs share a blood species (e.g.
                temsirolimus, whose metabolite is sirolimus, with sirolimus): their levels
                would add up in a way the independent PK of each does not describe.
        """
        library = load_library() if library is None else library
        check_regime(regime, library)
        parts = tuple(PKState.from_regime(part, library, subject) for part in regime.parts)
        seen: dict[str, str] = {}
        for part in parts:
            if part.model is None:
                raise InputError(
                    f"co_regime: {part.regime.drug} has no clinical PK to combine; allowed: "
                    "drugs with clinical PK (see 'mtor-sim drugs')"
                )
            for s in part.species:
                if s in seen:
                    raise InputError(
                        f"co_regime: {part.regime.drug} and {seen[s]} both put {s} in the "
                        "blood; allowed: drugs whose blood species differ"
                    )
                seen[s] = part.regime.drug
        return cls(parts)

    @property
    def regime(self) -> Regime:
        """The combination: the first part's regime with the second as ``co_regime``."""
        first, *others = (p.regime for p in self.parts)
        return dataclasses.replace(first, co_regime=others[0] if others else None)

    @regime.setter
    def regime(self, regime: Regime) -> None:
        """Replace every part's regime (same drugs: a monitoring record extended on resume)."""
        if [p.drug for p in regime.parts] != [p.regime.drug for p in self.parts]:
            raise ValueError("a combined PK state keeps its drugs")
        for part, reg in zip(self.parts, regime.parts, strict=True):
            part.regime = reg

    @property
    def species(self) -> tuple[str, ...]:
        """Every drug's species, drug by drug (parent first in each)."""
        return tuple(s for p in self.parts for s in p.species)

    @property
    def molecular_weight_g_per_mol(self) -> tuple[float, ...]:
        return tuple(w for p in self.parts for w in p.molecular_weight_g_per_mol)

    @property
    def model(self) -> tuple[CompartmentModel, ...]:
        """The parts' compartment models (never None: every part has clinical PK)."""
        return tuple(p.model for p in self.parts)

    @property
    def amounts_mg(self) -> np.ndarray:
        """Every part's compartment amounts, mg, one after another."""
        return np.concatenate([p.amounts_mg for p in self.parts])

    @property
    def time_h(self) -> float:
        return self.parts[0].time_h

    @time_h.setter
    def time_h(self, t_h: float) -> None:
        for part in self.parts:
            part.time_h = t_h

    def advance(self, dt_h: float) -> None:
        """Advance every drug by ``dt_h`` hours (see :meth:`PKState.advance`)."""
        t1 = self.time_h + dt_h
        for part in self.parts:
            part.advance(dt_h)
            part.time_h = t1

    def advance_to(self, t_h: float) -> None:
        """Advance every drug to the absolute time ``t_h`` (h)."""
        for part in self.parts:
            part.advance_to(t_h)

    def input_changes_h(self, t0: float, t1: float) -> list[float]:
        """Sorted times in (t0, t1) at which any drug's input changes."""
        return sorted({t for p in self.parts for t in p.input_changes_h(t0, t1)})

    def concentrations_ng_ml(self) -> dict[str, float]:
        """Whole-blood concentration (ng/mL) of every species of every drug at ``time_h``."""
        return {s: c for p in self.parts for s, c in p.concentrations_ng_ml().items()}

    def concentrations_nM(self) -> dict[str, float]:
        """Whole-blood-equivalent concentration (nM) of every species at ``time_h``."""
        return {s: c for p in self.parts for s, c in p.concentrations_nM().items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``{"combination": [part.to_dict(), ...]}``."""
        return {"combination": [p.to_dict() for p in self.parts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CombinedPKState:
        """Inverse of :meth:`to_dict` (needs no drug library)."""
        return cls(tuple(PKState.from_dict(p) for p in data["combination"]))


def pk_state(
    regime: Regime, library: DrugLibrary | None = None, subject: Subject = HUMAN
) -> PKState | CombinedPKState:
    """A drug-free state at hour 0 for ``regime`` in ``subject`` (a patient unless said): a
    :class:`PKState` for one drug, a :class:`CombinedPKState` for a combination
    (``co_regime``)."""
    if regime.co_regime is None:
        return PKState.from_regime(regime, library, subject)
    return CombinedPKState.from_regime(regime, library, subject)


def pk_state_from_dict(data: dict[str, Any]) -> PKState | CombinedPKState:
    """The state :meth:`PKState.to_dict` or :meth:`CombinedPKState.to_dict` wrote."""
    if "combination" in data:
        return CombinedPKState.from_dict(data)
    return PKState.from_dict(data)
