"""One drug file: a parsed TOML table checked field by field into a :class:`~model.druglib.Drug`
(:func:`parse_drug`), with the allowed range of every number (:data:`DRUG_FIELD_DOMAINS`). The
format is in the docstring of :mod:`model.pharmacology`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from mtor_abm.model.domains import Domain
from mtor_abm.model.dosing import MAX_CONC_NM, MAX_DOSE_MG, SCHEDULE_FORMS, parse_schedule
from mtor_abm.model.druglib import (
    CALCINEURIN_CLASSES,
    CALCINEURIN_FIELDS,
    CALCINEURIN_OPTIONAL_FIELDS,
    DRUG_CLASSES,
    FRB_ANCHORED_CLASSES,
    FRB_FIELDS,
    KINASE_CLASSES,
    KINASE_FIELDS,
    Drug,
    PKParams,
    Potency,
    plain_definition,
)
from mtor_abm.model.errors import InputError
from mtor_abm.model.species import DIET_PPM_DOMAIN

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
    "blood_unbound_fraction",
)
#: Fields only a species' PK table (``[pk_mouse]``) has: the sex difference of its clearance.
_SPECIES_PK_FIELDS = ("female_clearance_ratio",)
#: PK tables of other species than human: table name -> species (:mod:`model.species`).
SPECIES_PK_TABLES: Mapping[str, str] = MappingProxyType({"pk_mouse": "mouse"})
_DOSING_FIELDS = ("dose_mg", "schedule", "loading_dose_mg", "conc_nM", "mouse_diet_ppm")
_TOP_FIELDS = (
    "name",
    "class",
    "molecular_weight_g_per_mol",
    "description",
    "potency",
    "pk",
    *SPECIES_PK_TABLES,
    "dosing",
    "sources",
)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


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
        "female_clearance_ratio": Domain(0.01, 100.0, low_open=False),
        "blood_unbound_fraction": Domain(1e-6, 1.0),
        "dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "loading_dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "conc_nM": Domain(0.0, MAX_CONC_NM, "nM"),
        "mouse_diet_ppm": DIET_PPM_DOMAIN,
    }
)


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
    species_pk = {}
    for table_name, species in SPECIES_PK_TABLES.items():
        if data.get(table_name) is None:
            continue
        if pk is None:
            raise InputError(
                f"{origin}: [{table_name}] needs a [pk] table (a drug without clinical PK is "
                "only held at a concentration)"
            )
        table = _table(data, table_name, origin)
        species_pk[species] = _parse_pk(table, origin, f"{table_name}.", species=True)
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
        default_loading_dose_mg=dosing["loading_dose_mg"] or None,  # 0 mg: no loading dose
        default_conc_nM=dosing["conc_nM"],
        default_mouse_diet_ppm=dosing["mouse_diet_ppm"],
        sources=MappingProxyType(sources),
        origin=origin,
        definition=MappingProxyType(plain_definition(data)),
        packaged=packaged,
        species_pk=MappingProxyType(species_pk),
    )
    if drug.fixed_only and dosing["schedule"] != "fixed":
        raise InputError(
            f"{origin}: dosing.schedule must be 'fixed' for a drug without a [pk] table, "
            f"got {dosing['schedule']!r}"
        )
    if dosing["schedule"] == "fixed" and dosing["conc_nM"] is None:
        raise InputError(f"{origin}: dosing.conc_nM is required when dosing.schedule is 'fixed'")
    return drug


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


def _parse_pk(
    table: Mapping[str, Any], origin: str, prefix: str = "pk.", species: bool = False
) -> PKParams:
    """A ``[pk]`` table (``prefix`` ``pk.``) or a species' ``[pk_<species>]`` table
    (``species``: it may also give ``female_clearance_ratio``)."""
    _check_keys(table, _PK_FIELDS + (_SPECIES_PK_FIELDS if species else ()), origin, prefix)
    route = _choice(table, "route", ("oral", "iv"), origin, prefix)
    default_parameters = "apparent" if route == "oral" else "systemic"
    parameters = table.get("parameters", default_parameters)
    if parameters not in ("apparent", "systemic") or (route == "iv" and parameters != "systemic"):
        allowed = "apparent, systemic" if route == "oral" else "systemic (route iv)"
        raise InputError(
            f"{origin}: {prefix}parameters {parameters!r} is not allowed; use {allowed}"
        )

    def num(key: str, **kw: bool) -> float | None:
        return _number(table, key, origin, prefix, **kw)

    if route == "oral":
        bioavailability = num("bioavailability", required=True)
        ka = num("ka_per_h", required=True)
        lag = num("lag_h") or 0.0
        half_dose = num("absorption_half_dose_mg")
        infusion = 0.0
        if "infusion_h" in table:
            raise InputError(f"{origin}: {prefix}infusion_h is only allowed with route 'iv'")
    else:
        infusion = num("infusion_h", required=True)
        for key in ("bioavailability", "ka_per_h", "lag_h", "absorption_half_dose_mg"):
            if key in table:
                raise InputError(f"{origin}: {prefix}{key} is only allowed with route 'oral'")
        bioavailability, ka, lag, half_dose = 1.0, 0.0, 0.0, None
    v1 = num("central_volume_L", required=True)
    v2 = num("peripheral_volume_L")
    q = num("intercompartmental_clearance_L_per_h")
    if (v2 is None) != (q is None):
        raise InputError(
            f"{origin}: {prefix}peripheral_volume_L and "
            f"{prefix}intercompartmental_clearance_L_per_h must be given together "
            "(two-compartment) or both left out (one-compartment)"
        )
    clearance = _clearance(table, v1, v2, origin, prefix)
    metabolite, fraction = _parse_metabolite(table, origin, prefix)
    capacity = num("blood_binding_capacity_ng_ml")
    kd_blood = num("blood_binding_kd_ng_ml")
    if (capacity is None) != (kd_blood is None):
        raise InputError(
            f"{origin}: {prefix}blood_binding_capacity_ng_ml and "
            f"{prefix}blood_binding_kd_ng_ml must be given together (saturable blood binding) "
            "or both left out"
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
        female_clearance_ratio=num("female_clearance_ratio") or 1.0,
        blood_unbound_fraction=num("blood_unbound_fraction"),
    )


def _clearance(
    table: Mapping[str, Any], v1: float, v2: float | None, origin: str, prefix: str = "pk."
) -> float:
    has_cl, has_t = "clearance_L_per_h" in table, "half_life_h" in table
    if has_cl == has_t:
        raise InputError(
            f"{origin}: give exactly one of {prefix}clearance_L_per_h and {prefix}half_life_h"
        )
    if has_cl:
        return _number(table, "clearance_L_per_h", origin, prefix, required=True)
    half_life = _number(table, "half_life_h", origin, prefix, required=True)
    if v2 is not None:
        raise InputError(
            f"{origin}: {prefix}half_life_h is only allowed for a one-compartment drug; "
            f"give {prefix}clearance_L_per_h for a two-compartment one"
        )
    return math.log(2.0) / half_life * v1


def _parse_metabolite(
    table: Mapping[str, Any], origin: str, prefix: str = "pk."
) -> tuple[str | None, float]:
    metabolite = table.get("metabolite")
    if metabolite is None:
        if "metabolite_fraction" in table:
            raise InputError(f"{origin}: {prefix}metabolite_fraction needs {prefix}metabolite")
        return None, 0.0
    if not isinstance(metabolite, str) or not metabolite:
        raise InputError(f"{origin}: {prefix}metabolite must be a drug name, got {metabolite!r}")
    fraction = _number(table, "metabolite_fraction", origin, prefix, required=True)
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
        "mouse_diet_ppm": _number(table, "mouse_diet_ppm", origin, "dosing."),
    }


def _parse_sources(data: Mapping[str, Any], origin: str) -> dict[str, str]:
    """The ``[sources]`` table, flat: one entry per number of the file; a species' PK table's
    numbers are in a sub-table (``[sources.pk_mouse]``) and come out as ``pk_mouse.<key>``."""
    sources = _table(data, "sources", origin)
    numbers = {"molecular_weight_g_per_mol"}
    for section in ("potency", "pk", "dosing"):
        table = data.get(section) or {}
        numbers |= {k for k, v in table.items() if _is_number(v)}
    flat = {k: v for k, v in sources.items() if k not in SPECIES_PK_TABLES}
    for name in SPECIES_PK_TABLES:
        table = data.get(name) or {}
        numbers |= {f"{name}.{k}" for k, v in table.items() if _is_number(v)}
        given = sources.get(name, {})
        if not isinstance(given, Mapping):
            raise InputError(f"{origin}: sources.{name} must be a table ([sources.{name}])")
        flat.update({f"{name}.{k}": v for k, v in given.items()})
    for key in sorted(numbers):
        value = flat.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"{origin}: sources.{key} is missing; give a paper, a label or 'assumed' "
                "for every number"
            )
    for key in flat:
        if key not in numbers:
            raise InputError(
                f"{origin}: sources.{key} does not match any number in the file; "
                f"numbers here: {', '.join(sorted(numbers))}"
            )
    return {key: str(flat[key]) for key in sorted(flat)}


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
