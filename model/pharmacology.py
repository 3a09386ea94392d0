"""Drug library, dosing regimes and drug -> target occupancy (pure numpy; no Mesa).

The pharmacokinetics (blood concentrations over time) live in :mod:`model.pk`; this module holds
what they need: the drugs as data, the regimes, the dose times, and what a concentration does to
mTOR.

Concentration convention
------------------------
Every concentration the model passes around is a **whole-blood-equivalent** concentration in nM.
FKBP12 ligands (rapalogs, bivalents, tacrolimus) act through the share of it that is free to
load the cell's FKBP12 (``unbound_fraction``: blood cells and plasma proteins hold the rest;
Rapamune label) and the in-vitro binding constants (:func:`target_occupancy`). Kinase and
calcineurin potencies are cellular IC50s measured in serum-containing medium (so serum protein
binding is inside them), taken to apply at the same whole-blood concentration (assumed).
Clinical PK is fitted to whole-blood levels where those are what is measured (sirolimus,
everolimus, temsirolimus, tacrolimus, cyclosporine) and to plasma levels otherwise
(ATP-competitive inhibitors, blood:plasma taken as 1, assumed).

Drug library format (one TOML file per drug)
--------------------------------------------
The packaged drugs are in ``model/drugs/*.toml``; users add their own with
``load_library(extra_paths=[...])``. A file looks like this (every number needs an entry in
``[sources]``: a paper, a label, or the word "assumed")::

    name = "mydrug"                       # lower-case identifier: letters, digits, _ and -
    class = "rapalog"                     # none | rapalog | atp_competitive | bivalent |
                                          #   calcineurin_inhibitor
    molecular_weight_g_per_mol = 914.2
    description = "One line on what it is."

    [potency]                             # rapalog and bivalent (FRB-anchored, need FKBP12):
    kd_fkbp12_nM = 0.2                    #   drug-FKBP12 Kd (in vitro)
    kd_frb_ternary_nM = 12                #   drug:FKBP12 complex - FRB Kd (in vitro)
    kd_frb_direct_nM = 26000              #   drug alone - FRB Kd (in vitro; acts without FKBP12)
    unbound_fraction = 0.005              #   share of the whole-blood-equivalent concentration
                                          #   free to load the cell's FKBP12 (blood cells and
                                          #   protein binding hold the rest)
    # atp_competitive and bivalent (kinase site):
    # ic50_mtorc1_nM = 2.0                #   in-cell IC50 for mTORC1 kinase output
    # ic50_mtorc2_nM = 10.0               #   in-cell IC50 for mTORC2 kinase output
    # hill = 1.0                          #   Hill coefficient of kinase inhibition
    # calcineurin_inhibitor:
    # ic50_calcineurin_nM = 0.4           #   in-cell IC50 for NFAT-driven IL-2 production
    # kd_fkbp12_nM = 0.4                  #   optional, with unbound_fraction: the drug binds
    # unbound_fraction = 0.03             #   FKBP12 (tacrolimus: its calcineurin block needs
    #                                     #   FKBP12 and it competes with rapalogs for it);
    #                                     #   absent for cyclosporine

    [pk]                                  # omit the whole table for a fixed-concentration-only drug
    route = "oral"                        # oral (first-order absorption) | iv (zero-order infusion)
    parameters = "apparent"               # apparent: clearances and volumes are X/F; or systemic
    bioavailability = 0.14                # F, fraction (oral only)
    ka_per_h = 1.0                        # absorption rate constant (oral only)
    lag_h = 0.0                           # optional absorption lag (oral only)
    # absorption_half_dose_mg = 30.0      # optional saturable absorption (oral only): a dose D
    #                                     #   is absorbed at ka(D) = ka_per_h / (1 + D / this),
    #                                     #   so Cmax rises less than dose while AUC (F) does not
    clearance_L_per_h = 12.0              # elimination clearance (or give half_life_h instead,
                                          #   one-compartment only)
    central_volume_L = 250.0
    peripheral_volume_L = 600.0           # optional: gives a two-compartment model ...
    intercompartmental_clearance_L_per_h = 40.0   # ... and then this is required
    # infusion_h = 0.5                    # iv only: infusion duration (0 = bolus)
    # metabolite = "sirolimus"            # optional active metabolite (a drug in the library)
    # metabolite_fraction = 0.33          # molar fraction of parent clearance forming it
    # blood_binding_capacity_ng_ml = 300  # optional saturable binding in blood cells (FKBP12 in
    # blood_binding_kd_ng_ml = 40         #   erythrocytes): whole blood = C + Bmax C / (Kd + C),
    #                                     #   so whole-blood exposure rises less than dose

    [dosing]                              # defaults used when a user gives only the drug
    dose_mg = 2.0
    schedule = "daily"
    loading_dose_mg = 6.0                 # optional
    # conc_nM = 250.0                     # default concentration for schedule "fixed"

    [sources]
    molecular_weight_g_per_mol = "PubChem"
    kd_fkbp12_nM = "Banaszynski 2005 JACS 127:4715"
    # ... one entry per number above, e.g. dose_mg = "Rapamune label" or "assumed"

Schedules (strings): ``daily``, ``bid`` (every 12 h), ``weekly``, ``every_<N>d`` (``every_5d``),
``<N>on_<M>off`` (``5on_2off``: a daily dose on N days, then M days off, repeating),
``continuous`` (constant-rate input of ``dose_mg`` per day) and ``fixed`` (a held concentration
``conc_nM``: no PK at all). Day 0 is hour 0; doses are given from ``start_day`` until before
``stop_day``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from mtor_abm.model.domains import Domain
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import parse_toml, read_text

DRUG_CLASSES = ("none", "rapalog", "atp_competitive", "bivalent", "calcineurin_inhibitor")
FRB_ANCHORED_CLASSES = ("rapalog", "bivalent")
KINASE_CLASSES = ("atp_competitive", "bivalent")

CALCINEURIN_CLASSES = ("calcineurin_inhibitor",)

FRB_FIELDS = ("kd_fkbp12_nM", "kd_frb_ternary_nM", "kd_frb_direct_nM", "unbound_fraction")
KINASE_FIELDS = ("ic50_mtorc1_nM", "ic50_mtorc2_nM", "hill")
CALCINEURIN_FIELDS = ("ic50_calcineurin_nM",)
CALCINEURIN_OPTIONAL_FIELDS = ("kd_fkbp12_nM", "unbound_fraction")

FKBP12_CELL_NM = 1000.0
"""FKBP12 in a cell with normal FKBP12 (``fkbp12_level`` 1), nM. Assumed ~1 uM: FKBP12 is an
abundant cytosolic protein, and its abundance is why a competing ligand must be in excess to
antagonise rapamycin (Bierer 1990 PNAS 87:9231). Conf C."""

# Bivalent kinase part without FKBP12: potency falls this many fold (assumed; RapaLink-1 needs
# FKBP12 to act at nM concentrations, Rodrik-Outmezguine 2016 Nature 534:272).
BIVALENT_KINASE_FKBP12_FREE_FOLD = 1000.0

SCHEDULE_FORMS = (
    "daily, bid, weekly, every_<N>d (e.g. every_5d), <N>on_<M>off (e.g. 5on_2off), "
    "continuous, fixed"
)

_PK_FIELDS = (
    "route",
    "parameters",
    "bioavailability",
    "ka_per_h",
    "lag_h",
    "absorption_half_dose_mg",
    "clearance_L_per_h",
    "half_life_h",
    "central_volume_L",
    "peripheral_volume_L",
    "intercompartmental_clearance_L_per_h",
    "infusion_h",
    "metabolite",
    "metabolite_fraction",
    "blood_binding_capacity_ng_ml",
    "blood_binding_kd_ng_ml",
)
_DOSING_FIELDS = ("dose_mg", "schedule", "loading_dose_mg", "conc_nM")
_TOP_FIELDS = (
    "name",
    "class",
    "molecular_weight_g_per_mol",
    "description",
    "potency",
    "pk",
    "dosing",
    "sources",
)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")

#: Physical ceiling of a single dose (10 g; clinical mTOR-inhibitor doses are <= 250 mg), mg.
MAX_DOSE_MG = 1e4
#: Ceiling of a held concentration: 1 mM, above the aqueous solubility of every drug here, nM.
MAX_CONC_NM = 1e6
#: Latest treatment start or stop: ten years (the longest run), days.
MAX_DAY = 3650.0

_POTENCY_NM = Domain(1e-6, 1e9, "nM")  # 1 fM .. 1 M
_VOLUME_L = Domain(1e-3, 1e5, "L")  # 1 mL .. 100 m3 (apparent volumes reach ~10^4 L)
_CLEARANCE = Domain(1e-4, 1e5, "L/h")

#: Allowed range of every number of a drug file (fractions in (0, 1]; rates, volumes and
#: potencies > 0 with a physical floor and ceiling, so no finite value overflows the PK or
#: the occupancy to a non-finite concentration).
DRUG_FIELD_DOMAINS: Mapping[str, Domain] = MappingProxyType(
    {
        "molecular_weight_g_per_mol": Domain(1.0, 1e6, "g/mol"),
        **dict.fromkeys(
            ("kd_fkbp12_nM", "kd_frb_ternary_nM", "kd_frb_direct_nM", "ic50_calcineurin_nM"),
            _POTENCY_NM,
        ),
        **dict.fromkeys(KINASE_FIELDS[:2], _POTENCY_NM),
        "unbound_fraction": Domain(1e-6, 1.0),
        "blood_binding_capacity_ng_ml": Domain(0.0, 1e6, "ng/mL", low_open=True),
        "blood_binding_kd_ng_ml": Domain(0.0, 1e6, "ng/mL", low_open=True),
        "hill": Domain(0.1, 10.0),
        "bioavailability": Domain(1e-3, 1.0),
        "ka_per_h": Domain(1e-3, 1e3, "1/h"),
        "lag_h": Domain(0.0, 48.0, "h"),
        "absorption_half_dose_mg": Domain(0.0, MAX_DOSE_MG, "mg", low_open=True),
        "clearance_L_per_h": _CLEARANCE,
        "half_life_h": Domain(0.01, 1e4, "h"),
        "central_volume_L": _VOLUME_L,
        "peripheral_volume_L": _VOLUME_L,
        "intercompartmental_clearance_L_per_h": _CLEARANCE,
        "infusion_h": Domain(0.0, 168.0, "h"),
        "metabolite_fraction": Domain(0.0, 1.0, low_open=True),
        "dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "loading_dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "conc_nM": Domain(0.0, MAX_CONC_NM, "nM"),
    }
)

#: Allowed range of every number of a :class:`Regime`.
REGIME_DOMAINS: Mapping[str, Domain] = MappingProxyType(
    {
        "dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "loading_dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "conc_nM": Domain(0.0, MAX_CONC_NM, "nM"),
        "start_day": Domain(0.0, MAX_DAY, "days"),
        "stop_day": Domain(0.0, MAX_DAY, "days"),
    }
)


# --------------------------------------------------------------------------------------------
# Drugs
# --------------------------------------------------------------------------------------------


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


def load_library(
    extra_paths: Iterable[str | Path] = (), recorded: Iterable[Mapping[str, Any]] = ()
) -> DrugLibrary:
    """The packaged drugs, drugs recorded by an earlier run, and the user's drug TOML files.

    Packaged drugs come first (``none`` first of all), recorded then user drugs follow in the
    order given. ``recorded`` are entries of :func:`user_drug_records` (from a manifest or a
    checkpoint): each definition is checked against its SHA-256, so an edited record is
    refused. A drug file defining a recorded drug again must be identical to the record
    (else InputError: a different file with the same drug name would change the rerun). A
    user drug may not reuse a packaged name.
    """
    drugs: dict[str, Drug] = {}
    folder = resources.files("mtor_abm.model") / "drugs"
    packaged = sorted(
        (p for p in folder.iterdir() if p.name.endswith(".toml")),
        key=lambda p: (p.name != "none.toml", p.name),
    )
    for item in packaged:
        _add_drug(drugs, _parse_toml_text(item.read_text(encoding="utf-8"), item.name, True))
    recorded_names = set()
    for record in recorded:
        drug = _recorded_drug(record)
        _add_drug(drugs, drug)
        recorded_names.add(drug.name)
    for path in extra_paths:
        drug = _parse_toml_text(read_text(path, "drug file"), str(path))
        known = drugs.get(drug.name)
        if drug.name in recorded_names and known is not None:
            if known.definition_sha256 != drug.definition_sha256:
                raise InputError(
                    f"{drug.origin}: drug {drug.name!r} differs from the one the run recorded "
                    f"(sha256 {known.definition_sha256[:12]}..., this file "
                    f"{drug.definition_sha256[:12]}...); a rerun uses the recorded drug: "
                    "leave out --drug-file, or start a new run"
                )
            continue
        _add_drug(drugs, drug)
    _check_metabolites(drugs)
    return DrugLibrary(drugs)


def definition_sha256(definition: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a drug definition as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(_plain(definition), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def user_drug_records(library: DrugLibrary) -> list[dict[str, Any]]:
    """The user (not packaged) drugs of ``library`` as JSON records for manifests and
    checkpoints: ``[{"name", "origin", "sha256", "definition"}, ...]``."""
    return [
        {
            "name": drug.name,
            "origin": drug.origin,
            "sha256": drug.definition_sha256,
            "definition": _plain(drug.definition),
        }
        for drug in library.values()
        if not drug.packaged
    ]


def _recorded_drug(record: Any) -> Drug:
    """A drug from a record of :func:`user_drug_records`, checked against its hash."""
    ok = (
        isinstance(record, Mapping)
        and isinstance(record.get("definition"), Mapping)
        and isinstance(record.get("sha256"), str)
    )
    if not ok:
        raise InputError(
            "recorded user drug must be {name, origin, sha256, definition}, "
            f"got {type(record).__name__}"
        )
    origin = f"{record.get('origin', '?')} (as recorded)"
    try:
        digest = definition_sha256(record["definition"])
    except (TypeError, ValueError):
        digest = None
    if digest != record["sha256"]:
        raise InputError(f"{origin}: recorded drug definition does not match its sha256")
    return parse_drug(record["definition"], origin)


def parse_drug(data: Mapping[str, Any], origin: str = "<drug>", packaged: bool = False) -> Drug:
    """Validate one drug given as a parsed TOML table; ``origin`` names it in error messages.

    The checked table is kept as ``Drug.definition`` (for provenance: manifests record it).
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{origin}: a drug must be a TOML table, got {type(data).__name__}")
    _check_keys(data, _TOP_FIELDS, origin, "")
    name = _require_str(data, "name", origin)
    if not _NAME_RE.match(name):
        raise InputError(
            f"{origin}: name must be lower-case letters, digits, '_' or '-', got {name!r}"
        )
    drug_class = _require_str(data, "class", origin)
    if drug_class not in DRUG_CLASSES:
        raise InputError(
            f"{origin}: class {drug_class!r} is unknown; allowed: {', '.join(DRUG_CLASSES)}"
        )
    mw = _number(data, "molecular_weight_g_per_mol", origin, required=True)
    description = _require_str(data, "description", origin)
    potency = _parse_potency(_table(data, "potency", origin), drug_class, origin)
    pk = None if data.get("pk") is None else _parse_pk(_table(data, "pk", origin), origin)
    if pk is not None and drug_class == "none":
        raise InputError(
            f"{origin}: class 'none' takes no [pk] table (it is the untreated control)"
        )
    dosing = _parse_dosing(_table(data, "dosing", origin), origin)
    sources = _parse_sources(data, origin)
    drug = Drug(
        name=name,
        drug_class=drug_class,
        molecular_weight_g_per_mol=mw,
        description=description,
        potency=potency,
        pk=pk,
        default_dose_mg=dosing["dose_mg"],
        default_schedule=dosing["schedule"],
        default_loading_dose_mg=dosing["loading_dose_mg"],
        default_conc_nM=dosing["conc_nM"],
        sources=MappingProxyType(sources),
        origin=origin,
        definition=MappingProxyType(_plain(data)),
        packaged=packaged,
    )
    if drug.fixed_only and dosing["schedule"] != "fixed":
        raise InputError(
            f"{origin}: dosing.schedule must be 'fixed' for a drug without a [pk] table, "
            f"got {dosing['schedule']!r}"
        )
    if dosing["schedule"] == "fixed" and dosing["conc_nM"] is None:
        raise InputError(f"{origin}: dosing.conc_nM is required when dosing.schedule is 'fixed'")
    return drug


def _add_drug(drugs: dict[str, Drug], drug: Drug) -> None:
    if drug.name in drugs:
        raise InputError(
            f"{drug.origin}: drug {drug.name!r} is already defined in {drugs[drug.name].origin}; "
            "choose another name"
        )
    drugs[drug.name] = drug


def _parse_toml_text(text: str, origin: str, packaged: bool = False) -> Drug:
    return parse_drug(parse_toml(text, origin), origin, packaged)


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """A checked drug table as plain JSON data (dicts, strings, numbers)."""
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def _check_metabolites(drugs: Mapping[str, Drug]) -> None:
    for drug in drugs.values():
        if drug.pk is None or drug.pk.metabolite is None:
            continue
        met = drugs.get(drug.pk.metabolite)
        where = f"{drug.origin}: pk.metabolite"
        if met is None:
            raise InputError(f"{where} {drug.pk.metabolite!r} is not a drug in the library")
        if met.pk is None:
            raise InputError(f"{where} {met.name!r} has no [pk] table to follow")
        if met.pk.metabolite is not None or met.name == drug.name:
            raise InputError(f"{where} {met.name!r} must not have a metabolite of its own")


def _parse_potency(table: Mapping[str, Any], drug_class: str, origin: str) -> Potency:
    needed: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    if drug_class in FRB_ANCHORED_CLASSES:
        needed += FRB_FIELDS
    if drug_class in KINASE_CLASSES:
        needed += KINASE_FIELDS
    if drug_class in CALCINEURIN_CLASSES:
        needed += CALCINEURIN_FIELDS
        optional += CALCINEURIN_OPTIONAL_FIELDS
    _check_keys(table, needed + optional, origin, "potency.", hint=f"for class {drug_class!r}")
    values = {key: _number(table, key, origin, "potency.") for key in needed + optional}
    if (values.get("kd_fkbp12_nM") is None) != (values.get("unbound_fraction") is None):
        raise InputError(
            f"{origin}: potency.kd_fkbp12_nM and potency.unbound_fraction must be given together"
        )
    for key, value in values.items():
        if value is None and key in needed:
            raise InputError(
                f"{origin}: potency.{key} is missing; class {drug_class!r} needs "
                f"{', '.join(needed)}"
            )
    return Potency(**values)


def _parse_pk(table: Mapping[str, Any], origin: str) -> PKParams:
    _check_keys(table, _PK_FIELDS, origin, "pk.")
    route = _choice(table, "route", ("oral", "iv"), origin, "pk.")
    default_parameters = "apparent" if route == "oral" else "systemic"
    parameters = table.get("parameters", default_parameters)
    if parameters not in ("apparent", "systemic") or (route == "iv" and parameters != "systemic"):
        allowed = "apparent, systemic" if route == "oral" else "systemic (route iv)"
        raise InputError(f"{origin}: pk.parameters {parameters!r} is not allowed; use {allowed}")

    def num(key: str, **kw: bool) -> float | None:
        return _number(table, key, origin, "pk.", **kw)

    if route == "oral":
        bioavailability = num("bioavailability", required=True)
        ka = num("ka_per_h", required=True)
        lag = num("lag_h") or 0.0
        half_dose = num("absorption_half_dose_mg")
        infusion = 0.0
        if "infusion_h" in table:
            raise InputError(f"{origin}: pk.infusion_h is only allowed with route 'iv'")
    else:
        infusion = num("infusion_h", required=True)
        for key in ("bioavailability", "ka_per_h", "lag_h", "absorption_half_dose_mg"):
            if key in table:
                raise InputError(f"{origin}: pk.{key} is only allowed with route 'oral'")
        bioavailability, ka, lag, half_dose = 1.0, 0.0, 0.0, None
    v1 = num("central_volume_L", required=True)
    v2 = num("peripheral_volume_L")
    q = num("intercompartmental_clearance_L_per_h")
    if (v2 is None) != (q is None):
        raise InputError(
            f"{origin}: pk.peripheral_volume_L and pk.intercompartmental_clearance_L_per_h "
            "must be given together (two-compartment) or both left out (one-compartment)"
        )
    clearance = _clearance(table, v1, v2, origin)
    metabolite, fraction = _parse_metabolite(table, origin)
    capacity = num("blood_binding_capacity_ng_ml")
    kd_blood = num("blood_binding_kd_ng_ml")
    if (capacity is None) != (kd_blood is None):
        raise InputError(
            f"{origin}: pk.blood_binding_capacity_ng_ml and pk.blood_binding_kd_ng_ml must be "
            "given together (saturable blood binding) or both left out"
        )
    scale = bioavailability if parameters == "apparent" else 1.0
    return PKParams(
        route=route,
        bioavailability=bioavailability,
        ka_per_h=ka,
        lag_h=lag,
        clearance_L_per_h=clearance * scale,
        central_volume_L=v1 * scale,
        peripheral_volume_L=None if v2 is None else v2 * scale,
        intercompartmental_clearance_L_per_h=None if q is None else q * scale,
        infusion_h=infusion,
        metabolite=metabolite,
        metabolite_fraction=fraction,
        blood_binding_capacity_ng_ml=capacity or 0.0,
        blood_binding_kd_ng_ml=kd_blood or 1.0,
        absorption_half_dose_mg=half_dose,
    )


def _clearance(table: Mapping[str, Any], v1: float, v2: float | None, origin: str) -> float:
    has_cl, has_t = "clearance_L_per_h" in table, "half_life_h" in table
    if has_cl == has_t:
        raise InputError(f"{origin}: give exactly one of pk.clearance_L_per_h and pk.half_life_h")
    if has_cl:
        return _number(table, "clearance_L_per_h", origin, "pk.", required=True)
    half_life = _number(table, "half_life_h", origin, "pk.", required=True)
    if v2 is not None:
        raise InputError(
            f"{origin}: pk.half_life_h is only allowed for a one-compartment drug; "
            "give pk.clearance_L_per_h for a two-compartment one"
        )
    return math.log(2.0) / half_life * v1


def _parse_metabolite(table: Mapping[str, Any], origin: str) -> tuple[str | None, float]:
    metabolite = table.get("metabolite")
    if metabolite is None:
        if "metabolite_fraction" in table:
            raise InputError(f"{origin}: pk.metabolite_fraction needs pk.metabolite")
        return None, 0.0
    if not isinstance(metabolite, str) or not metabolite:
        raise InputError(f"{origin}: pk.metabolite must be a drug name, got {metabolite!r}")
    fraction = _number(table, "metabolite_fraction", origin, "pk.", required=True)
    return metabolite, fraction


def _parse_dosing(table: Mapping[str, Any], origin: str) -> dict[str, Any]:
    _check_keys(table, _DOSING_FIELDS, origin, "dosing.")
    schedule = table.get("schedule")
    if not isinstance(schedule, str):
        raise InputError(f"{origin}: dosing.schedule is missing; allowed: {SCHEDULE_FORMS}")
    try:
        parse_schedule(schedule)
    except InputError as err:
        raise InputError(f"{origin}: dosing.{err}") from None
    return {
        "dose_mg": _number(table, "dose_mg", origin, "dosing.", required=True),
        "schedule": schedule,
        "loading_dose_mg": _number(table, "loading_dose_mg", origin, "dosing."),
        "conc_nM": _number(table, "conc_nM", origin, "dosing."),
    }


def _parse_sources(data: Mapping[str, Any], origin: str) -> dict[str, str]:
    sources = _table(data, "sources", origin)
    numbers = {"molecular_weight_g_per_mol"}
    for section in ("potency", "pk", "dosing"):
        table = data.get(section) or {}
        numbers |= {k for k, v in table.items() if _is_number(v)}
    for key in sorted(numbers):
        value = sources.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"{origin}: sources.{key} is missing; give a paper, a label or 'assumed' "
                "for every number"
            )
    for key in sources:
        if key not in numbers:
            raise InputError(
                f"{origin}: sources.{key} does not match any number in the file; "
                f"numbers here: {', '.join(sorted(numbers))}"
            )
    return {key: str(sources[key]) for key in sorted(sources)}


def _table(data: Mapping[str, Any], key: str, origin: str) -> Mapping[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, Mapping):
        raise InputError(f"{origin}: {key} must be a table ([{key}])")
    return table


def _check_keys(
    table: Mapping[str, Any], allowed: Iterable[str], origin: str, prefix: str, hint: str = ""
) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            where = f" {hint}" if hint else ""
            listed = ", ".join(allowed) if allowed else "nothing"
            raise InputError(
                f"{origin}: {prefix}{key} is not a known field{where}; allowed: {listed}"
            )


def _require_str(data: Mapping[str, Any], key: str, origin: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{origin}: {key} must be a non-empty string, got {value!r}")
    return value


def _choice(
    table: Mapping[str, Any], key: str, allowed: tuple[str, ...], origin: str, prefix: str
) -> str:
    value = table.get(key)
    if value not in allowed:
        raise InputError(
            f"{origin}: {prefix}{key} must be one of {', '.join(allowed)}, got {value!r}"
        )
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(
    table: Mapping[str, Any],
    key: str,
    origin: str,
    prefix: str = "",
    *,
    required: bool = False,
) -> float | None:
    """A number from a TOML table checked against ``DRUG_FIELD_DOMAINS[key]``, or None if absent."""
    if key not in table:
        if required:
            raise InputError(f"{origin}: {prefix}{key} is missing")
        return None
    return DRUG_FIELD_DOMAINS[key].check(f"{origin}: {prefix}{key}", table[key])


# --------------------------------------------------------------------------------------------
# Schedules and regimes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule string.

    ``kind`` is ``interval`` (a dose every ``interval_h``), ``cycle`` (a daily dose on
    ``on_days`` then ``off_days`` without), ``continuous`` or ``fixed``.
    """

    kind: str
    interval_h: float = 0.0
    on_days: int = 0
    off_days: int = 0

    @property
    def period_h(self) -> float:
        """Length (h) after which the schedule repeats (24 h for continuous and fixed)."""
        if self.kind == "interval":
            return self.interval_h
        if self.kind == "cycle":
            return 24.0 * (self.on_days + self.off_days)
        return 24.0

    @property
    def discrete(self) -> bool:
        """True when the schedule gives separate doses (not continuous, not fixed)."""
        return self.kind in ("interval", "cycle")


_NAMED_INTERVALS_H = {"daily": 24.0, "bid": 12.0, "weekly": 168.0}
_EVERY_RE = re.compile(r"^every_(\d+)d$")
_CYCLE_RE = re.compile(r"^(\d+)on_(\d+)off$")


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule string (see the module docstring); InputError listing the forms if bad."""
    if not isinstance(text, str):
        raise InputError(f"schedule must be a string, got {text!r}; allowed: {SCHEDULE_FORMS}")
    if text in _NAMED_INTERVALS_H:
        return Schedule("interval", interval_h=_NAMED_INTERVALS_H[text])
    if text in ("continuous", "fixed"):
        return Schedule(text)
    every = _EVERY_RE.match(text)
    if every and int(every.group(1)) >= 1:
        return Schedule("interval", interval_h=24.0 * int(every.group(1)))
    cycle = _CYCLE_RE.match(text)
    if cycle and int(cycle.group(1)) >= 1:
        return Schedule("cycle", on_days=int(cycle.group(1)), off_days=int(cycle.group(2)))
    raise InputError(f"schedule {text!r} is unknown; allowed: {SCHEDULE_FORMS}")


@dataclass(frozen=True)
class Regime:
    """A drug given at a dose on a schedule from ``start_day`` until before ``stop_day``.

    Args:
        drug: drug name in the library (``none`` = untreated control).
        dose_mg: dose per administration (mg); for ``continuous``, mg per day.
        schedule: schedule string (see :data:`SCHEDULE_FORMS`).
        start_day: day of the first dose (day 0 = hour 0).
        stop_day: no dose at or after this day (None = never stop).
        conc_nM: held whole-blood-equivalent concentration (nM); only with schedule ``fixed``.
        loading_dose_mg: optional first dose (mg) replacing ``dose_mg`` once (sirolimus-like).

    The constructor checks everything that does not need the drug library; :func:`check_regime`
    checks the rest (the drug exists, a fixed-only drug uses ``fixed``).
    """

    drug: str
    dose_mg: float
    schedule: str
    start_day: float = 0.0
    stop_day: float | None = None
    conc_nM: float | None = None
    loading_dose_mg: float | None = None
    parsed_schedule: Schedule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.drug, str) or not self.drug:
            raise InputError(f"drug must be a drug name, got {self.drug!r}")
        set_ = object.__setattr__
        set_(self, "parsed_schedule", parse_schedule(self.schedule))
        set_(self, "dose_mg", _regime_number("dose_mg", self.dose_mg))
        set_(self, "start_day", _regime_number("start_day", self.start_day))
        if self.stop_day is not None:
            stop = _regime_number("stop_day", self.stop_day)
            if stop <= self.start_day:
                raise InputError(
                    f"stop_day must be after start_day ({self.start_day:g}), got {stop:g}"
                )
            set_(self, "stop_day", stop)
        fixed = self.parsed_schedule.kind == "fixed"
        if self.conc_nM is not None:
            if not fixed:
                raise InputError(
                    f"conc_nM is only used with schedule 'fixed', got schedule {self.schedule!r}"
                )
            set_(self, "conc_nM", _regime_number("conc_nM", self.conc_nM))
        elif fixed:
            raise InputError("schedule 'fixed' needs conc_nM (--conc), a concentration in nM")
        if self.loading_dose_mg is not None:
            if not self.parsed_schedule.discrete:
                raise InputError(
                    f"loading_dose_mg needs a schedule with separate doses, got {self.schedule!r}"
                )
            set_(self, "loading_dose_mg", _regime_number("loading_dose_mg", self.loading_dose_mg))

    @property
    def start_h(self) -> float:
        """Hour of the first dose."""
        return 24.0 * self.start_day

    @property
    def stop_h(self) -> float:
        """Hour from which no dose is given (inf if never)."""
        return math.inf if self.stop_day is None else 24.0 * self.stop_day


def _regime_number(name: str, value: Any) -> float:
    return REGIME_DOMAINS[name].check(name, value)


UNTREATED = Regime("none", 0.0, "daily")
"""The untreated control: no drug, so every concentration is zero."""


def check_regime(regime: Regime, library: DrugLibrary) -> Drug:
    """Check a regime against the library and return its drug (InputError if they clash)."""
    drug = library.drug(regime.drug)
    if drug.fixed_only and regime.parsed_schedule.kind != "fixed":
        raise InputError(
            f"drug {drug.name!r} has no clinical PK; use schedule 'fixed' with a concentration "
            f"(--conc NM), got schedule {regime.schedule!r}"
        )
    return drug


def default_regime(drug_name: str, library: DrugLibrary, start_day: float = 0.0) -> Regime:
    """The library's default regime for a drug (dose, schedule, loading dose or concentration),
    starting on ``start_day``."""
    drug = library.drug(drug_name)
    fixed = parse_schedule(drug.default_schedule).kind == "fixed"
    return Regime(
        drug=drug.name,
        dose_mg=drug.default_dose_mg,
        schedule=drug.default_schedule,
        start_day=start_day,
        conc_nM=drug.default_conc_nM if fixed else None,
        loading_dose_mg=drug.default_loading_dose_mg,
    )


def dose_times_h(regime: Regime, t_from_h: float, t_to_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Administration times (h) in ``[t_from_h, t_to_h)`` and the dose given at each (mg).

    Only schedules with separate doses give doses; ``continuous`` and ``fixed`` give none.
    The first dose (at ``start_day``) is ``loading_dose_mg`` when one is set.
    """
    sched = regime.parsed_schedule
    empty = np.zeros(0)
    if not sched.discrete or t_to_h <= t_from_h:
        return empty, empty
    step_h = sched.interval_h if sched.kind == "interval" else 24.0
    lo = max(0, math.floor((t_from_h - regime.start_h) / step_h) - 1)
    hi = math.ceil((t_to_h - regime.start_h) / step_h) + 1
    if hi < lo:
        return empty, empty
    k = np.arange(lo, hi + 1)
    if sched.kind == "cycle":
        k = k[k % (sched.on_days + sched.off_days) < sched.on_days]
    times = regime.start_h + k * step_h
    keep = (times >= t_from_h) & (times < t_to_h) & (times < regime.stop_h)
    k, times = k[keep], times[keep]
    doses = np.full(times.shape, regime.dose_mg)
    if regime.loading_dose_mg is not None:
        doses[k == 0] = regime.loading_dose_mg
    return times, doses


# --------------------------------------------------------------------------------------------
# Drug -> target occupancy
# --------------------------------------------------------------------------------------------


def target_occupancy(
    conc_nM_by_species: Mapping[str, float | np.ndarray],
    fkbp12_level: float | np.ndarray,
    library: DrugLibrary,
) -> tuple[Any, Any, Any]:
    """Fractions ``(occ_frb, inh_mtorc1, inh_mtorc2)`` in [0, 1], broadcast over cells.

    Args:
        conc_nM_by_species: whole-blood-equivalent concentration (nM) per drug species, e.g.
            ``{"temsirolimus": c1, "sirolimus": c2}``; scalars or per-cell arrays.
        fkbp12_level: FKBP12 abundance relative to normal (1 = normal, 0 = knockout).
        library: the drug library the species names refer to.

    FRB occupancy (rapalogs, bivalent) from the binding constants: every FKBP12 ligand
    (rapalogs, bivalents and tacrolimus) competes for FKBP12 with its unbound concentration
    ``f_i C_i`` (``unbound_fraction``), ``a_i = f_i C_i / Kd_fkbp12_i``, so ligand i holds a
    fraction ``a_i / (1 + sum a)`` of the cell's FKBP12 ``F = fkbp12_level * FKBP12_CELL_NM``;
    its complex binds FRB with the ternary Kd and the bare drug with the direct Kd (Banaszynski
    2005 JACS 127:4715): ``z = sum_FRB(F a_i / (1 + sum a) / Kd_ternary_i + f_i C_i /
    Kd_direct_i)``,
    ``occ = z / (1 + z)``. A competing FKBP12 ligand without FRB affinity (tacrolimus) thus
    antagonises rapamycin (Bierer 1990 PNAS 87:9231; Dumont 1990 J Immunol 144:1418).
    Kinase inhibition (ATP-competitive, bivalent), per complex: Loewe-additive
    ``u = sum(C / IC50)``, ``inh = u^h / (1 + u^h)``; a bivalent species counts
    ``C / IC50 * (fkbp12 + 1/1000)`` (its kinase part is FRB-anchored; assumed fold). With several
    kinase species the Hill coefficient is their potency-weighted mean (assumed).
    """
    fk, shape = _cell_shape(conc_nM_by_species, fkbp12_level)
    z, u1, u2, hill_weighted = (np.zeros(shape) for _ in range(4))
    total = _fkbp12_total(conc_nM_by_species, library, shape)
    fkbp12_nM = fk * FKBP12_CELL_NM
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        c = np.asarray(conc, dtype=float)
        pot = drug.potency
        if drug.frb_anchored:
            free = pot.unbound_fraction * c
            complex_nM = fkbp12_nM * (free / pot.kd_fkbp12_nM) / total
            z = z + complex_nM / pot.kd_frb_ternary_nM + free / pot.kd_frb_direct_nM
        if drug.kinase_site:
            weight = fk + 1.0 / BIVALENT_KINASE_FKBP12_FREE_FOLD if drug.frb_anchored else 1.0
            r1 = weight * c / pot.ic50_mtorc1_nM
            u1 = u1 + r1
            u2 = u2 + weight * c / pot.ic50_mtorc2_nM
            hill_weighted = hill_weighted + r1 * pot.hill
    hill = np.divide(hill_weighted, u1, out=np.ones_like(u1), where=u1 > 0)
    occ_frb = z / (1.0 + z)
    inh1 = _hill_fraction(u1, hill)
    inh2 = _hill_fraction(u2, hill)
    if shape == ():
        return float(occ_frb), float(inh1), float(inh2)
    return occ_frb, inh1, inh2


def calcineurin_inhibition(
    conc_nM_by_species: Mapping[str, float | np.ndarray],
    fkbp12_level: float | np.ndarray,
    library: DrugLibrary,
) -> Any:
    """Fraction of calcineurin-NFAT signalling blocked (0-1), broadcast over cells.

    Calcineurin inhibitors act as drug-immunophilin complexes: tacrolimus through FKBP12
    (so its action scales with the FKBP12 it holds, and rapalogs compete for it), cyclosporine
    through cyclophilin (taken as never limiting: assumed). ``u = sum(w_i C_i / IC50_i)``,
    ``inh = u / (1 + u)``, with ``IC50_i`` the in-cell IC50 of the drug alone at normal FKBP12
    and, for an FKBP12 ligand, ``w_i = fkbp12_level * load_i / load_i_alone`` (its share of
    FKBP12 among all FKBP12 ligands present, relative to its share alone; see
    :func:`target_occupancy`); ``w_i = 1`` otherwise. Other species do nothing here.
    """
    fk, shape = _cell_shape(conc_nM_by_species, fkbp12_level)
    total = _fkbp12_total(conc_nM_by_species, library, shape)
    u = np.zeros(shape)
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        if not drug.calcineurin_blocker:
            continue
        c = np.asarray(conc, dtype=float)
        ratio = c / drug.potency.ic50_calcineurin_nM
        if drug.fkbp12_ligand:
            # load / load alone = (a / total) / (a / (1 + a)) = (1 + a) / total
            a = drug.potency.unbound_fraction * c / drug.potency.kd_fkbp12_nM
            ratio = ratio * fk * (1.0 + a) / total
        u = u + ratio
    inh = u / (1.0 + u)
    return float(inh) if shape == () else inh


def _cell_shape(conc_nM_by_species, fkbp12_level):
    """(FKBP12 level array, broadcast cell shape); InputError for bad levels or values."""
    fk = np.asarray(fkbp12_level, dtype=float)
    if np.any(fk < 0) or not np.all(np.isfinite(fk)):
        raise InputError("fkbp12_level must be a non-negative number (1 = normal)")
    try:
        shape = np.broadcast_shapes(fk.shape, *(np.shape(c) for c in conc_nM_by_species.values()))
    except ValueError:
        raise InputError("concentrations and fkbp12_level must have matching cell shapes") from None
    for species, conc in conc_nM_by_species.items():
        c = np.asarray(conc, dtype=float)
        if np.any(c < 0) or not np.all(np.isfinite(c)):
            raise InputError(f"concentration of {species!r} must be non-negative nM")
    return fk, shape


def _fkbp12_total(conc_nM_by_species, library: DrugLibrary, shape) -> np.ndarray:
    """``1 + sum(f_i C_i / Kd_fkbp12_i)`` over the FKBP12 ligands present: ligand i holds
    ``(C_i / Kd_i) / total`` of the free FKBP12 (competitive equilibrium, ligand in excess)."""
    total = np.ones(shape)
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        if drug.fkbp12_ligand:
            pot = drug.potency
            total = total + pot.unbound_fraction * np.asarray(conc, dtype=float) / pot.kd_fkbp12_nM
    return total


def _hill_fraction(u: np.ndarray, hill: np.ndarray) -> np.ndarray:
    """u^h / (1 + u^h), written as 1 / (1 + u^-h) to stay finite for very large u (0 at u = 0)."""
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + np.power(u, -hill))
