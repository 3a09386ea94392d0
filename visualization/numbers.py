"""Numbers as people read them: significant figures, spreads at the value's precision, times.

The one place that turns a number into the text a user sees (the dashboard's readout table,
lesson explanations, adverse panel, chart ticks and cell inspector; ``mtor-sim run``'s text
summary). Rules:

* ``number``: 3 significant figures in plain notation from 0.001 to 100 (``0.988``,
  ``1.00``, ``12.3``), whole numbers from 100 to a million (``1859``), powers of ten beyond
  (``3.05e-6``, ``1.20e7``); ``n/a`` for a missing or non-finite value. With ``decimals`` the
  value is shown with exactly that many decimals (a lesson's ``{x:.2f}``).
* ``mean_spread``: ``mean ± SD`` with the SD at the mean's precision: an SD that would round to
  zero there reads ``± <0.001`` (the mean's last digit), an SD of exactly 0 reads ``± 0``.
* ``duration``: hours up to 72 h, days beyond (``1859 h`` reads ``77.5 days``).
* ``limited``: a value that reached a documented upper limit reads ``≥ limit`` (the adverse
  panel's ratio indices stop at 20: a value of 20 means "at least 20").
* ``tick``: an axis label at the precision of the axis step (``0.25``, ``12000``).
* ``missing_words``: what a readout without a value means (``never``, ``no doubling``, ``n/a
  (untreated arm did not grow)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

SIGNIFICANT = 3
PLAIN_LOW, PLAIN_HIGH = 1e-3, 1e6
"""Plain (non-exponent) notation for magnitudes in [PLAIN_LOW, PLAIN_HIGH)."""
DAYS_ABOVE_H = 72.0
"""Times longer than this many hours are shown in days."""


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def decimals_for(value: float, sig: int = SIGNIFICANT) -> int | None:
    """Decimals that show ``value`` with ``sig`` significant figures in plain notation (0 for
    |value| >= 100, whole numbers); None when the value needs a power of ten."""
    a = abs(value)
    if a == 0:
        return 0
    if not PLAIN_LOW <= a < PLAIN_HIGH:
        return None
    if a >= 10 ** (sig - 1):
        return 0
    d = sig - 1 - math.floor(math.log10(a))
    if abs(round(value, d)) >= 10 ** (sig - d):  # 9.996 rounds up to 10.0: one decimal less
        d -= 1
    return max(d, 0)


def _exponent(value: float, sig: int) -> str:
    mantissa, exp = f"{value:.{sig - 1}e}".split("e")
    return f"{mantissa}e{int(exp)}"


def number(value, decimals: int | None = None) -> str:
    """``value`` for display (see the module docstring); ``decimals`` fixes the decimals."""
    if not _finite(value):
        return "n/a"
    if decimals is not None:
        text = f"{value:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if value == 0:
        return "0"
    d = decimals_for(value)
    return _exponent(value, SIGNIFICANT) if d is None else f"{value:.{d}f}"


def mean_spread(mean, sd=None, decimals: int | None = None) -> str:
    """``mean ± sd`` with the spread at the mean's precision (``sd`` None: the mean alone).

    An ``sd`` below half the mean's last shown digit reads ``<`` that digit (``0.988 ± <0.001``
    for 0.988 ± 3.05e-6), so no spread shows more precision than its mean.
    """
    text = number(mean, decimals)
    if not _finite(mean) or not _finite(sd):
        return text
    if sd == 0:
        return f"{text} ± 0"
    d = decimals if decimals is not None else decimals_for(mean)
    if d is None:  # a mean in powers of ten: the spread likewise
        return f"{text} ± {_exponent(abs(sd), 2)}"
    unit = 10.0**-d
    if abs(sd) < unit / 2:
        return f"{text} ± <{unit:.{d}f}"
    sd_d = decimals_for(sd)
    shown = d if sd_d is None else min(d, sd_d)
    return f"{text} ± {abs(sd):.{shown}f}"


def limited(value, limit: float | None) -> str:
    """``value``, or ``≥ limit`` when it reached ``limit`` (a bound, not a measurement)."""
    if limit is not None and _finite(value) and value >= limit:
        return f"≥ {limit:g}"
    return number(value)


def duration(hours, sd_hours=None, missing: str = "n/a", in_days: bool | None = None) -> str:
    """A time span: ``31.2 h``, or in days above :data:`DAYS_ABOVE_H` (``77.5 days``), with
    its spread in the same unit; ``missing`` when there is no value. ``in_days`` True / False
    fixes the unit (a table row shows one unit: :func:`row_in_days`)."""
    if not _finite(hours):
        return missing
    if in_days is None:
        in_days = abs(hours) > DAYS_ABOVE_H
    if in_days:
        sd = sd_hours / 24.0 if _finite(sd_hours) else None
        return f"{mean_spread(hours / 24.0, sd)} days"
    return f"{mean_spread(hours, sd_hours)} h"


def row_in_days(hours) -> bool:
    """Whether a row of time spans ``hours`` (None or non-finite: no value) is shown in days:
    when any of them is above :data:`DAYS_ABOVE_H`, so one row never mixes ``8.00 h`` with
    ``4.47 days``."""
    return any(_finite(h) and abs(h) > DAYS_ABOVE_H for h in hours)


def model_time(hours: float) -> str:
    """A model time as headings show it: hours below a day (``1 h``, ``6.5 h``), then days
    with one decimal (``1.0 days``, ``2.5 days``): a run's first hours never read
    ``0.0 days``."""
    if hours < 24.0:
        return f"{hours:g} h"
    return f"{hours / 24.0:.1f} days"


def tick(value: float, step: float) -> str:
    """An axis tick label: as many decimals as the ``step`` between ticks needs (``0.25`` ->
    2), plain notation below a million, powers of ten beyond or below 0.001."""
    if not _finite(value):
        return "n/a"
    if value == 0:
        return "0"
    a = max(abs(value), abs(step))
    if not PLAIN_LOW <= a < PLAIN_HIGH:
        return _exponent(value, 2)
    d = 0
    while d < 6 and abs(round(step, d) - step) > 1e-9 * abs(step):
        d += 1
    return f"{value:.{d}f}"


MISSING_WORDS = MappingProxyType(
    {
        "growth_inhibition": ("n/a (untreated arm did not grow)", "untreated arm did not grow"),
        # a Kaplan-Meier quantile the run did not reach: too many organisms alive at its end
        "median_lifespan_days": ("not reached (over half alive at the end)", "not reached"),
        "p90_lifespan_days": ("not reached (over 10 % alive at the end)", "not reached"),
        "median_lifespan_untreated_days": (
            "not reached (over half alive at the end)",
            "not reached",
        ),
        "p90_lifespan_untreated_days": ("not reached (over 10 % alive at the end)", "not reached"),
    }
)
"""What a readout without a value means, alone and in "(... in 1 of 3)"."""


EVENT_SETUP = MappingProxyType(
    {
        "infection_cleared_day": ("infection", "no infection challenge"),
        "wound_closure_day": ("wound", "no wound"),
    }
)
"""An event readout that needs the run to set the event up: the scenario parameter that does
(transplant ``infection``, ``wound``) and what its absence means."""


def missing_words(
    name: str, setup: Mapping[str, Any] | None = None, run_h: float | None = None
) -> tuple[str, str]:
    """The words for a missing value of readout ``name`` (alone, in a count): ``n/a (no
    wound)`` for an event the run never set up (:data:`EVENT_SETUP`, read from ``setup``, the
    run's scenario parameters with their defaults; None: not known), ``never`` for a ``*_day``
    event, the readout's own words (:data:`MISSING_WORDS`), else ``n/a``.

    ``run_h``: how long the run has gone, h (None: not known). An event not seen so far then
    reads ``not within 20.0 days`` (``not within 3.00 h`` early on), and a progression not seen
    ``no progression within ...``: 'never' in a table one hour into a run claimed more than
    the run had seen."""
    if setup is not None and name in EVENT_SETUP:
        param, words = EVENT_SETUP[name]
        if not setup.get(param):
            return f"n/a ({words})", words
    within = None if run_h is None else f"within {duration(run_h)}"
    if name in UNSEEN_EVENTS:
        words = UNSEEN_EVENTS[name] if within is None else f"{UNSEEN_EVENTS[name]} {within}"
        return words, words
    if name in MISSING_WORDS:
        return MISSING_WORDS[name]
    if name.endswith("_day"):
        words = "never" if within is None else f"not {within}"
        return words, words
    return "n/a", "n/a"


UNSEEN_EVENTS = MappingProxyType(
    {"time_to_progression_days": "no progression", "doubling_time_h": "no doubling"}
)
"""Readouts that are the time of an event, named other than ``*_day``, and the words for the
event not seen (``no progression``; with the run's length: ``no progression within 60.0
days``)."""
