"""What every scenario's parameters share: typed defaults, units, bounds and validation.

A scenario's parameters are a ``mesa.experimental.scenarios.Scenario`` subclass with typed
class-level defaults; ``PARAMETERS`` documents each one (unit, meaning, allowed range), and
:func:`parse_overrides` turns ``--set name=value`` strings into checked values, or a one-line
:class:`~model.errors.InputError` naming the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mesa.experimental.scenarios import Scenario

from mtor_abm.model.errors import InputError


@dataclass(frozen=True)
class Param:
    """Documentation and bounds of one scenario parameter."""

    unit: str
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None


class TissueScenario(Scenario):
    """Base of scenario parameter sets (subclasses add typed defaults and PARAMETERS)."""

    PARAMETERS: Mapping[str, Param] = MappingProxyType({})


def defaults(scenario_class: type[TissueScenario]) -> dict[str, Any]:
    """The documented parameters of a scenario class with their default values."""
    return {name: getattr(scenario_class, name) for name in scenario_class.PARAMETERS}


def coerce(scenario_class: type[TissueScenario], name: str, value: Any) -> Any:
    """Check one parameter value (string or typed) and return it with the default's type."""
    docs = scenario_class.PARAMETERS
    if name not in docs:
        allowed = ", ".join(docs)
        raise InputError(f"unknown parameter '{name}'; allowed: {allowed}")
    spec, default = docs[name], getattr(scenario_class, name)
    kind = type(default)
    if not isinstance(value, str | int | float) or (isinstance(value, bool) and kind is not bool):
        allowed = {bool: "true or false", str: "text"}.get(kind, f"a number ({spec.unit})")
        raise InputError(f"{name} must be {allowed}, got {value!r}")
    if kind is bool:
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise InputError(f"{name} must be true or false, got {value!r}")
        return text in ("true", "1", "yes")
    if kind is str:
        text = str(value)
        if spec.choices and text not in spec.choices:
            raise InputError(f"{name} must be one of {', '.join(spec.choices)}, got {value!r}")
        return text
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number ({spec.unit}), got {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number ({spec.unit}), got {value!r}")
    if kind is int:
        if number != int(number):
            raise InputError(f"{name} must be a whole number ({spec.unit}), got {value!r}")
        number = int(number)
    if spec.low is not None and number < spec.low:
        raise InputError(f"{name} must be at least {spec.low:g} {spec.unit}, got {value!r}")
    if spec.high is not None and number > spec.high:
        raise InputError(f"{name} must be at most {spec.high:g} {spec.unit}, got {value!r}")
    return number


def parse_overrides(
    scenario_class: type[TissueScenario], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate ``--set`` overrides for ``scenario_class``; returns typed values."""
    return {name: coerce(scenario_class, name, value) for name, value in overrides.items()}
