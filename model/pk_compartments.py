"""Pharmacokinetic compartment models: the linear ODE system of a drug (pure numpy; no Mesa).

Each drug is a linear compartment model (see :mod:`model.pharmacology` for the TOML format),
read out through optional saturable binding in blood cells (:func:`whole_blood_ng_ml`):
an oral depot with first-order absorption (``ka_per_h``, bioavailability F, optional lag; with
saturable absorption each dose size has its own depot absorbing at ``ka(D)``, see
:meth:`~model.druglib.PKParams.ka_for_dose_per_h`) or a zero-order IV infusion over
``infusion_h``; a central compartment with elimination clearance;
optionally a peripheral compartment; optionally an active metabolite (temsirolimus ->
sirolimus) formed from a molar fraction of the parent's elimination, which then follows the
metabolite drug's own disposition. State: drug amounts (mg) per compartment.

Concentrations are whole-blood-equivalent (module docstring of :mod:`model.pharmacology`):
``conc_ng_ml = amount_mg / V_central_L * 1000`` and ``conc_nM = conc_ng_ml * 1000 / MW``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mtor_abm.model.druglib import PKParams
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import Drug, DrugLibrary, Regime
from mtor_abm.model.species import HUMAN, Subject


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
    drug: Drug,
    library: DrugLibrary,
    dose_sizes_mg: Iterable[float] = (),
    subject: Subject = HUMAN,
) -> CompartmentModel:
    """The compartment model of a drug with PK (and of its metabolite, if it has one).

    ``dose_sizes_mg``: the oral dose sizes (mg) the model must absorb. They matter only with
    saturable absorption: each size gets its own depot and rate ``ka(D)``; without any, a
    saturable drug gets one depot at ``ka_per_h`` (the small-dose limit). ``subject``: whose
    PK parameters (:meth:`~model.druglib.Drug.pk_for`; InputError when the drug has none for
    that species).
    """
    if drug.pk is None:
        raise InputError(f"drug {drug.name!r} has no [pk] table; use schedule 'fixed'")
    pk = drug.pk_for(subject)
    members = [drug]
    if pk.metabolite is not None:
        members.append(library.drug(pk.metabolite))
    member_pk = [pk, *(m.pk_for(subject) for m in members[1:])]
    sizes = [2 if p.two_compartment else 1 for p in member_pk]
    depot_doses: tuple[float, ...] = ()
    if pk.route == "oral" and pk.saturable_absorption:
        depot_doses = tuple(sorted({float(d) for d in dose_sizes_mg}))
    depot = 0 if pk.route != "oral" else max(1, len(depot_doses))
    n = depot + sum(sizes)
    k = np.zeros((n, n))
    central: list[int] = []
    disposition: list[tuple[int, ...]] = []
    start = depot
    for member, size in zip(member_pk, sizes, strict=True):
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
        central_volume_L=tuple(p.central_volume_L for p in member_pk),
        molecular_weight_g_per_mol=tuple(m.molecular_weight_g_per_mol for m in members),
        dose_index=0 if depot else central[0],
        bioavailability=pk.bioavailability,
        lag_h=pk.lag_h,
        infusion_h=pk.infusion_h,
        route=pk.route,
        blood_binding=tuple(
            (p.blood_binding_capacity_ng_ml, p.blood_binding_kd_ng_ml) for p in member_pk
        ),
        depot_dose_mg=depot_doses,
    )


def regime_dose_sizes_mg(regime: Regime) -> tuple[float, ...]:
    """The distinct sizes (mg) of the separate doses of a regime (its dose, its loading dose,
    the doses of its monitoring steps)."""
    if not regime.parsed_schedule.discrete:
        return ()
    sizes = {regime.dose_mg, *(dose for _day, _trough, dose in regime.dose_steps)}
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


def _add_disposition(k: np.ndarray, pk: PKParams, c: int) -> None:
    """Elimination and central <-> peripheral exchange of one species, central at index c."""
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
