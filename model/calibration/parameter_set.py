"""Signalling parameter sets as data: the fitted set shipped with the package, its hash, TOML.

A parameter set is ``{cell_type: {name: value}}`` where ``cell_type`` names a
:data:`model.cell_types.CELL_TYPES` entry or is ``"*"``: the shared default, for every cell
type that does not set that parameter itself (a named table wins over ``"*"``; see
:func:`model.cell_types.set_values_for`). ``mtor-sim calibrate`` writes one as
``fitted_parameters.toml``; the one copied to ``model/calibration/fitted_parameters.toml`` is
*shipped*: :mod:`model.cell_types` applies it on import, so the packaged cell types carry the
fitted values, and every run's manifest records its SHA-256 (:func:`parameter_set_hash`).

This module imports nothing from the network so that :mod:`model.cell_types` can use it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from importlib import resources

SHIPPED_FILE = "fitted_parameters.toml"
"""File name of the shipped set inside the ``mtor_abm.model.calibration`` package."""


def parameter_set_hash(parameters: Mapping[str, Mapping[str, float]]) -> str:
    """SHA-256 (hex) of a parameter set's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def parameter_set_toml(parameters: Mapping[str, Mapping[str, float]], header: str = "") -> str:
    """A parameter set as TOML (``["cell_type"]`` tables of ``name = value``), ``header`` as
    ``#`` comment lines on top."""
    lines = [f"# {line}" for line in header.splitlines()]
    for cell_type in sorted(parameters):
        lines.append(f'\n["{cell_type}"]')
        for name in sorted(parameters[cell_type]):
            lines.append(f"{name} = {parameters[cell_type][name]!r}")
    return "\n".join(lines) + "\n"


def parse_parameter_set(text: str) -> dict[str, dict[str, float]]:
    """Parse a parameter-set TOML text (see :func:`parameter_set_toml`) to plain floats."""
    data = tomllib.loads(text)
    return {ct: {k: float(v) for k, v in table.items()} for ct, table in data.items()}


def shipped_parameter_set() -> dict[str, dict[str, float]]:
    """The fitted set shipped with the package (empty if none is shipped)."""
    item = resources.files("mtor_abm.model.calibration") / SHIPPED_FILE
    if not item.is_file():
        return {}
    return parse_parameter_set(item.read_text(encoding="utf-8"))
