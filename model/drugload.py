"""Loading the drug library: the packaged drug files (``model/drugs/*.toml``), drugs recorded by an
earlier run (checked against their SHA-256) and the user's drug files (:func:`load_library`), and
the records of user drugs that manifests and checkpoints keep (:func:`user_drug_records`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from mtor_abm.model.drugfile import parse_drug
from mtor_abm.model.druglib import Drug, DrugLibrary, definition_sha256, plain_definition
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import parse_toml, read_text


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


def user_drug_records(library: DrugLibrary) -> list[dict[str, Any]]:
    """The user (not packaged) drugs of ``library`` as JSON records for manifests and
    checkpoints: ``[{"name", "origin", "sha256", "definition"}, ...]``."""
    return [
        {
            "name": drug.name,
            "origin": drug.origin,
            "sha256": drug.definition_sha256,
            "definition": plain_definition(drug.definition),
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


def _add_drug(drugs: dict[str, Drug], drug: Drug) -> None:
    if drug.name in drugs:
        raise InputError(
            f"{drug.origin}: drug {drug.name!r} is already defined in {drugs[drug.name].origin}; "
            "choose another name"
        )
    drugs[drug.name] = drug


def _parse_toml_text(text: str, origin: str, packaged: bool = False) -> Drug:
    return parse_drug(parse_toml(text, origin), origin, packaged)


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
