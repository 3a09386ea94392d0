"""What a :class:`~model.fields.Field` accepts: its arrays, numbers, rates and time steps.

A mixin of the field (it reads the field's ``name`` and ``data``): each check returns the
value as the field stores it or raises :class:`~model.errors.InputError` with one line naming
the field and the parameter, what was wrong and what is allowed (a 2D float64 array, a finite
number >= 0, a time step > 0 h, a number or an array of the field's shape without NaN or
negative entries). Nothing is clamped.
"""

from __future__ import annotations

import math

import numpy as np

from mtor_abm.model.errors import InputError


class FieldChecks:
    """Input checks of :class:`~model.fields.Field` (see the module docstring)."""

    def _checked_data(self, data):
        if not isinstance(data, np.ndarray) or data.ndim != 2 or data.dtype != np.float64:
            raise InputError(
                f"field {self.name!r}: data must be a 2D float64 numpy array, got "
                f"{getattr(data, 'dtype', type(data).__name__)} "
                f"{getattr(data, 'shape', '')}".rstrip()
            )
        if not data.flags.c_contiguous or not data.flags.writeable or data.size == 0:
            raise InputError(
                f"field {self.name!r}: data must be a non-empty, writeable, C-contiguous array"
            )
        self._check_non_negative("data", data)
        return data

    def _checked_number(self, parameter, value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"field {self.name!r}: {parameter} must be a number, got {value!r}"
            ) from None
        if not math.isfinite(number):
            raise InputError(f"field {self.name!r}: {parameter} must be finite, got {value!r}")
        if number < 0.0:
            raise InputError(f"field {self.name!r}: {parameter} must be >= 0, got {value!r}")
        return number

    def _checked_dt(self, dt_h):
        number = self._checked_number("dt_h", dt_h)
        if number == 0.0:
            raise InputError(f"field {self.name!r}: dt_h must be > 0 h, got {dt_h!r}")
        return number

    def _checked_rates(self, parameter, values):
        values = np.asarray(values, dtype=float)
        if values.ndim != 0 and values.shape != self.data.shape:
            raise InputError(
                f"field {self.name!r}: {parameter} must be a number or an array of shape "
                f"{self.data.shape}, got shape {values.shape}"
            )
        self._check_non_negative(parameter, values)
        return values

    def _check_non_negative(self, parameter, values):
        """Reject NaN, infinite or negative entries without allocating a full-size mask."""
        if values.size == 0:
            return
        low, high = values.min(), values.max()
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InputError(f"field {self.name!r}: {parameter} contains NaN or infinite values")
        if low < 0.0:
            raise InputError(f"field {self.name!r}: {parameter} must be >= 0, found {float(low):g}")
