"""Allowed ranges of the numbers a user can give: one :class:`Domain` per parameter, as data.

Every scenario, signalling, drug and regime number has a domain next to its definition
(``Param`` bounds for scenarios, field metadata for :class:`~model.signaling.CellType`, tables
beside the drug-file fields and :class:`~model.pharmacology.Regime`). A domain is the
parameter's meaning (a fraction is in [0, 1]; a rate or volume is > 0) closed by a physical
ceiling well beyond any real value, so that no finite input within it can overflow the model
to a non-finite state. ``check`` turns a value outside into one :class:`InputError` line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mtor_abm.model.errors import InputError

#: Largest seed: seeds are stored as 64-bit signed integers (results.parquet, manifests).
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Domain:
    """The allowed values of one number.

    Args:
        low: smallest allowed value (excluded when ``low_open``).
        high: largest allowed value (the physical ceiling), included.
        unit: unit shown in messages ("" for dimensionless).
        low_open: True when ``low`` itself is not allowed (e.g. a volume > 0).
    """

    low: float
    high: float
    unit: str = ""
    low_open: bool = False

    def describe(self) -> str:
        """The domain as an interval, e.g. ``(0, 1e+05] L`` or ``[0, 1]``."""
        text = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        return f"{text} {self.unit}" if self.unit else text

    def contains(self, value: float) -> bool:
        """True when ``value`` is a finite number inside the domain."""
        if not math.isfinite(value) or value > self.high:
            return False
        return value > self.low if self.low_open else value >= self.low

    def check(self, name: str, value: Any) -> float:
        """``value`` as a float, or InputError naming ``name`` and the allowed interval."""
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            try:
                number = float(value)
            except OverflowError:  # an int beyond the float range
                ok = False
            else:
                ok = self.contains(number)
        if not ok:
            raise InputError(f"{name} must be a number in {self.describe()}, got {value!r}")
        return number


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed as an int in [0, MAX_SEED], never through a float (InputError otherwise).

    Accepts a Python or numpy integer only: booleans, text and floats (even whole ones: a
    float cannot hold every seed above 2**53) are refused, as is anything out of range.
    """
    integer = isinstance(seed, int | np.integer) and not isinstance(seed, bool | np.bool_)
    if not integer or not 0 <= int(seed) <= MAX_SEED:
        raise InputError(f"{name} must be a whole number in [0, 2**63 - 1], got {seed!r}")
    return int(seed)
