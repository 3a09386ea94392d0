"""What a drug of the library is: its class, potency constants and PK parameters
(:class:`Drug`, :class:`Potency`, :class:`PKParams`), the read-only :class:`DrugLibrary`, and
the SHA-256 of a drug's definition (pure data; no Mesa). Drug files are read by
:mod:`model.drugfile` and libraries loaded by :mod:`model.drugload`; the file format is in the
docstring of :mod:`model.pharmacology`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mtor_abm.model.errors import InputError
from mtor_abm.model.species import HUMAN, Subject

DRUG_CLASSES = ("none", "rapalog", "atp_competitive", "bivalent", "calcineurin_inhibitor")
FRB_ANCHORED_CLASSES = ("rapalog", "bivalent")
KINASE_CLASSES = ("atp_competitive", "bivalent")

CALCINEURIN_CLASSES = ("calcineurin_inhibitor",)

FRB_FIELDS = ("kd_fkbp12_nM", "kd_frb_ternary_nM", "kd_frb_direct_nM", "unbound_fraction")
KINASE_FIELDS = ("ic50_mtorc1_nM", "ic50_mtorc2_nM", "hill")
CALCINEURIN_FIELDS = ("ic50_calcineurin_nM",)
CALCINEURIN_OPTIONAL_FIELDS = ("kd_fkbp12_nM", "unbound_fraction")


@dataclass(frozen=True)
class Potency:
    """Potency constants (nM, whole-blood-equivalent); None where the class has no such site."""

    kd_fkbp12_nM: float | None = None
    kd_frb_ternary_nM: float | None = None
    kd_frb_direct_nM: float | None = None
    ic50_mtorc1_nM: float | None = None
    ic50_mtorc2_nM: float | None = None
    hill: float | None = None
    ic50_calcineurin_nM: float | None = None
    unbound_fraction: float | None = None


@dataclass(frozen=True)
class PKParams:
    """Systemic linear PK parameters of one drug (volumes L, clearances L/h, rates 1/h).

    Apparent oral values from a TOML file (X/F) are converted to systemic ones (X) on loading,
    so that a metabolite formed from an IV parent follows the same disposition.
    """

    route: str
    bioavailability: float
    ka_per_h: float
    lag_h: float
    clearance_L_per_h: float
    central_volume_L: float
    peripheral_volume_L: float | None
    intercompartmental_clearance_L_per_h: float | None
    infusion_h: float
    metabolite: str | None
    metabolite_fraction: float
    blood_binding_capacity_ng_ml: float = 0.0
    blood_binding_kd_ng_ml: float = 1.0
    absorption_half_dose_mg: float | None = None
    female_clearance_ratio: float = 1.0
    """Clearance of a female relative to a male (a species set's sex difference; 1: none)."""
    blood_unbound_fraction: float | None = None
    """Unbound share of the species' whole-blood concentration (in vivo: erythrocyte uptake and
    plasma protein binding); None: the potency's ``unbound_fraction`` (see
    :meth:`Drug.free_conc_factor`)."""

    @property
    def two_compartment(self) -> bool:
        """True when the drug distributes into a peripheral compartment."""
        return self.peripheral_volume_L is not None

    @property
    def saturable_absorption(self) -> bool:
        """True when the absorption rate of an oral dose depends on its size."""
        return self.absorption_half_dose_mg is not None

    def ka_for_dose_per_h(self, dose_mg: float) -> float:
        """First-order absorption rate constant (1/h) of one oral dose of ``dose_mg`` (mg).

        ``ka(D) = ka_per_h / (1 + D / absorption_half_dose_mg)``: the rate constant of
        Michaelis-Menten absorption (``Vmax = ka_per_h * D50``, ``Km = D50``) taken at the
        dose's full amount and held for that dose. A poorly soluble drug dissolves at a rate
        that saturates with the amount in the gut, so a large dose is absorbed more slowly:
        its peak falls below dose-proportion while every dose is still absorbed in full (F, and
        so AUC, do not change with dose). Each dose keeps its own rate, so doses still superpose
        and the PK stays linear in time. ``ka_per_h`` itself when absorption is not saturable.
        """
        if self.absorption_half_dose_mg is None:
            return self.ka_per_h
        return self.ka_per_h / (1.0 + dose_mg / self.absorption_half_dose_mg)


@dataclass(frozen=True)
class Drug:
    """One drug of the library. ``pk`` is None for fixed-concentration-only drugs (and none)."""

    name: str
    drug_class: str
    molecular_weight_g_per_mol: float
    description: str
    potency: Potency
    pk: PKParams | None
    default_dose_mg: float
    default_schedule: str
    default_loading_dose_mg: float | None
    default_conc_nM: float | None
    sources: Mapping[str, str]
    origin: str
    definition: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    packaged: bool = field(default=False, compare=False)
    species_pk: Mapping[str, PKParams] = field(default_factory=lambda: MappingProxyType({}))
    """PK sets of other species than human, by species (``mouse``: the file's ``[pk_mouse]``)."""
    default_mouse_diet_ppm: float | None = None
    """The diet a mouse cohort is given when the drug is named alone, ppm (``dosing.
    mouse_diet_ppm``; None: none, a dose or diet must then be given)."""

    def pk_for(self, subject: Subject = HUMAN) -> PKParams | None:
        """The PK parameters a dose of this drug goes through in ``subject``.

        Human: :attr:`pk` (None for a drug without clinical PK). Another species: its set in
        :attr:`species_pk`, with the clearance times ``female_clearance_ratio`` for a female.

        Raises:
            InputError: the drug has PK but none for the subject's species (its blood levels
                in that species would be a patient's, which they are not).
        """
        if subject.species == "human":
            return self.pk
        pk = self.species_pk.get(subject.species)
        if pk is None:
            raise InputError(
                f"drug {self.name!r} has no {subject.species} pharmacokinetics ([pk_"
                f"{subject.species}] in its drug file), so it cannot be dosed to a "
                f"{subject.species}; allowed: a held concentration (--conc NM), or a drug "
                f"with {subject.species} PK (see 'mtor-sim drugs')"
            )
        if subject.sex == "female" and pk.female_clearance_ratio != 1.0:
            ratio = pk.female_clearance_ratio
            pk = dataclasses.replace(
                pk,
                clearance_L_per_h=pk.clearance_L_per_h * ratio,
                female_clearance_ratio=1.0,
            )
        return pk

    def free_conc_factor(self, subject: Subject = HUMAN) -> float:
        """Factor from a whole-blood concentration in ``subject`` to the concentration that
        :func:`model.occupancy.target_occupancy` reads (dimensionless, > 0).

        ``potency.unbound_fraction`` is calibrated to cells in culture (in-cell IC50s against
        the medium's concentration). The subject's PK set (``[pk]`` for a patient,
        ``[pk_mouse]`` for a mouse) with ``blood_unbound_fraction`` (the unbound share of
        whole blood, with erythrocytes and plasma proteins holding the rest) gives
        ``blood_unbound_fraction / unbound_fraction``: the medium concentration with the same
        free drug. 1 for a drug without that field in the subject's set or without FKBP12
        binding. The same rule for every species: only the sets' numbers differ.
        """
        pk = self.pk if subject.species == "human" else self.species_pk.get(subject.species)
        f_blood = None if pk is None else pk.blood_unbound_fraction
        if f_blood is None or not self.potency.unbound_fraction:
            return 1.0
        return f_blood / self.potency.unbound_fraction

    @property
    def definition_sha256(self) -> str:
        """SHA-256 of the drug's checked definition (canonical JSON): what a rerun must match."""
        return definition_sha256(self.definition)

    @property
    def fixed_only(self) -> bool:
        """True for a research tool without clinical PK: only schedule 'fixed' is allowed."""
        return self.pk is None and self.drug_class != "none"

    @property
    def frb_anchored(self) -> bool:
        """True when the drug binds mTOR's FRB domain through FKBP12."""
        return self.drug_class in FRB_ANCHORED_CLASSES

    @property
    def kinase_site(self) -> bool:
        """True when the drug competes with ATP at the kinase site."""
        return self.drug_class in KINASE_CLASSES

    @property
    def fkbp12_ligand(self) -> bool:
        """True when the drug binds FKBP12 (rapalogs, bivalents, tacrolimus)."""
        return self.potency.kd_fkbp12_nM is not None

    @property
    def calcineurin_blocker(self) -> bool:
        """True when the drug inhibits calcineurin (tacrolimus, cyclosporine)."""
        return self.drug_class in CALCINEURIN_CLASSES


class DrugLibrary(Mapping[str, Drug]):
    """Read-only mapping drug name -> :class:`Drug`. ``drug(name)`` raises a clear InputError."""

    def __init__(self, drugs: Mapping[str, Drug]):
        self._drugs = MappingProxyType(dict(drugs))

    def __getitem__(self, name: str) -> Drug:
        return self._drugs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._drugs)

    def __len__(self) -> int:
        return len(self._drugs)

    def drug(self, name: str) -> Drug:
        """The drug called ``name``; InputError listing the allowed names if there is none."""
        if name not in self._drugs:
            raise InputError(f"unknown drug {name!r}; allowed: {', '.join(self._drugs)}")
        return self._drugs[name]

    def acting_nM(self, blood_nM: Mapping[str, Any], subject: Subject = HUMAN) -> dict[str, Any]:
        """The concentrations the targets read (:func:`model.occupancy.target_occupancy`,
        :func:`model.calcineurin.calcineurin_inhibition`) for whole-blood levels ``blood_nM``
        (nM by species, numbers or per-cell arrays) in ``subject``: each species' level times
        its :meth:`Drug.free_conc_factor`, the culture-medium level with the same free drug.
        The one seam between an in-vivo blood level and the cells (a culture's medium level
        is read as it is and does not pass here). ``none`` is passed through unchanged.
        """
        return {
            s: c if s == "none" else c * self.drug(s).free_conc_factor(subject)
            for s, c in blood_nM.items()
        }


def definition_sha256(definition: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a drug definition as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(
        plain_definition(definition), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def plain_definition(data: Mapping[str, Any]) -> dict[str, Any]:
    """A checked drug table as plain JSON data (dicts, strings, numbers)."""
    return {k: plain_definition(v) if isinstance(v, Mapping) else v for k, v in data.items()}
