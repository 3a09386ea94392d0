"""A lesson explanation's placeholders: the only forms allowed, and how they are filled as text.

A lesson's ``explanation`` is teacher-written text whose placeholders are filled from the run
after it ends. The only placeholder forms are::

    {KEY.COLUMN}            the arm's last value of a timeseries column, or a summary readout
    {KEY.COLUMN.STAT}       STAT one of start end min max mean fold (fold = end / start)
    {KEY.COLUMN.at_day_N}   the value nearest day N (N like 3 or 2_5 for 2.5); past the
                            run's end: "not reached (this run ended on day D)"

each optionally with the format spec ``:.Nf`` (N = 0 to 6 decimals); ``{{`` and ``}}`` are
literal braces. KEY is one of the lesson's arm keys, COLUMN an identifier (no leading
underscore). Anything else (a conversion such as ``!r``, a nested spec such as
``{a.cells:{a.__init__.__globals__}}``, an index, a width, a fill, another type) is refused
when the lesson loads, with a one-line reason.

The text is never passed to :meth:`str.format`, and no lesson-chosen name is ever looked up as
an attribute: a placeholder reads a column only as a dictionary key of the run's data, so a
lesson cannot reach object internals, module globals or the environment, and a filled
placeholder is at most a number's digits (or a readout's own text). A missing value reads
``never`` for a readout ending in ``_day``, else ``n/a``.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass

from mtor_abm.model.errors import InputError

STATS = ("start", "end", "min", "max", "mean", "fold")
MAX_DECIMALS = 6
_FIELD_RE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)\.(?P<column>[A-Za-z][A-Za-z0-9_]*)"
    r"(?:\.(?P<stat>[A-Za-z0-9_]+))?"
)
_SPEC_RE = re.compile(rf"\.(?P<decimals>[0-{MAX_DECIMALS}])f")
_AT_DAY_RE = re.compile(r"at_day_(?P<day>\d{1,5}(?:_\d{1,3})?)")
_ALLOWED = (
    f"allowed: {{KEY.COLUMN}}, {{KEY.COLUMN.STAT}} with STAT one of {' '.join(STATS)} or "
    f"at_day_N, optionally with :.Nf (N from 0 to {MAX_DECIMALS})"
)


@dataclass(frozen=True)
class Placeholder:
    """One checked placeholder: arm key, column, statistic (None: last value), decimals."""

    key: str
    column: str
    stat: str | None = None
    decimals: int | None = None


def parse_template(text: str, keys: set[str] | frozenset[str]) -> list[str | Placeholder]:
    """The explanation as literal text and placeholders, in order.

    Args:
        text: the lesson's ``explanation``.
        keys: the lesson's arm keys.

    Raises:
        InputError: one line naming the first placeholder that is not an allowed form.
    """
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as err:
        raise InputError(f"'explanation' has a malformed placeholder: {err}") from None
    out: list[str | Placeholder] = []
    for literal, name, spec, conversion in parts:
        if literal and out and isinstance(out[-1], str):
            out[-1] += literal  # "{{" and "}}" split the literal text
        elif literal:
            out.append(literal)
        if name is None:
            continue
        shown = _shown(name, spec, conversion)
        field = _FIELD_RE.fullmatch(name)
        if field is None:
            raise InputError(f"'explanation' placeholder {shown} is not allowed; {_ALLOWED}")
        if conversion is not None:
            raise InputError(
                f"'explanation' placeholder {shown}: a conversion (!{conversion}) is not allowed; "
                f"{_ALLOWED}"
            )
        spec_match = _SPEC_RE.fullmatch(spec) if spec else None
        if spec and spec_match is None:
            raise InputError(
                f"'explanation' placeholder {shown}: format ':{_clip(spec)}' is not allowed; "
                f"only :.Nf with N from 0 to {MAX_DECIMALS}"
            )
        key, column, stat = field.group("key", "column", "stat")
        if key not in keys:
            raise InputError(
                f"'explanation' placeholder {shown}: '{key}' is not an arm key; "
                f"arm keys: {', '.join(sorted(keys))}"
            )
        if stat is not None and stat not in STATS and not _AT_DAY_RE.fullmatch(stat):
            raise InputError(
                f"'explanation' placeholder {shown}: statistic '{stat}' is unknown; "
                f"allowed: {', '.join(STATS)}, at_day_N"
            )
        decimals = int(spec_match.group("decimals")) if spec_match else None
        out.append(Placeholder(key, column, stat, decimals))
    return out


def fill(text: str, keys: list[str], series: list[dict], readouts: list[dict]) -> str:
    """``text`` with every placeholder replaced by its value from the run (plain text).

    Args:
        text: the explanation (checked again here with :func:`parse_template`).
        keys: the arm keys, in the order of ``series`` and ``readouts``.
        series: per arm, timeseries columns (lists of numbers, with ``time_h`` in hours).
        readouts: per arm, summary readouts (name -> number, bool, str or None).

    Raises:
        InputError: a placeholder that is not an allowed form (see :func:`parse_template`).
    """
    if not len(keys) == len(series) == len(readouts):
        raise ValueError("keys, series and readouts must have one entry per arm")
    by_key = {k: (s, r) for k, s, r in zip(keys, series, readouts, strict=True)}
    out = []
    for part in parse_template(text, set(keys)):
        if isinstance(part, str):
            out.append(part)
        else:
            arm_series, arm_readouts = by_key[part.key]
            out.append(_value_text(_value(part, arm_series, arm_readouts), part))
    return "".join(out)


def _value(p: Placeholder, series: dict, readouts: dict):
    """The number a placeholder stands for (None when the run does not have it)."""
    values = list(series[p.column]) if p.column in series else None
    if p.stat is None:
        if values:
            return values[-1]
        return None if values is not None else readouts.get(p.column)
    if not values:
        return None
    if p.stat in ("min", "max", "mean"):  # a step with no cells has no value (None)
        values = [v for v in values if v is not None]
        if not values:
            return None
    if p.stat == "start":
        return values[0]
    if p.stat == "end":
        return values[-1]
    if p.stat == "min":
        return min(values)
    if p.stat == "max":
        return max(values)
    if p.stat == "mean":
        return sum(values) / len(values)
    if p.stat == "fold":
        return values[-1] / values[0] if values[0] and values[-1] is not None else None
    hours = list(series.get("time_h", []))
    if len(hours) != len(values):
        return None
    ended = _run_ended_before(p, hours)
    if ended is not None:
        return NotReached(ended)
    day = float(_AT_DAY_RE.fullmatch(p.stat).group("day").replace("_", "."))
    i = min(range(len(hours)), key=lambda j: abs(hours[j] - 24.0 * day))
    return values[i]


@dataclass(frozen=True)
class NotReached:
    """An ``at_day_N`` placeholder past the run's end: no value (the nearest record would be
    the run's last day, not day N). ``ended``: the run's last recorded day."""

    ended: float

    def __str__(self) -> str:
        return f"not reached (this run ended on day {self.ended:g})"


def _run_ended_before(p: Placeholder, hours: list[float]) -> float | None:
    """The run's last recorded day when ``p`` asks for a day after it (more than half a
    recording interval past the last record), else None."""
    if p.stat is None or not _AT_DAY_RE.fullmatch(p.stat) or not hours:
        return None
    day = float(_AT_DAY_RE.fullmatch(p.stat).group("day").replace("_", "."))
    step = hours[-1] - hours[-2] if len(hours) > 1 else 0.0
    return round(hours[-1] / 24.0, 3) if 24.0 * day > hours[-1] + step / 2 else None


def not_reached(field: str, series: dict) -> NotReached | None:
    """For a placeholder ``field`` (``KEY.COLUMN.at_day_N``) and an arm's ``series``: the
    :class:`NotReached` value when day N is past the run's end, else None."""
    match = _FIELD_RE.fullmatch(field)
    if match is None:
        return None
    key, column, stat = match.group("key", "column", "stat")
    ended = _run_ended_before(Placeholder(key, column, stat), list(series.get("time_h", [])))
    return None if ended is None else NotReached(ended)


def _value_text(value, p: Placeholder) -> str:
    if isinstance(value, NotReached):
        return str(value)
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{float(value):.{p.decimals}f}" if p.decimals is not None else f"{value:g}"
    return "never" if p.stat is None and p.column.endswith("_day") else "n/a"


def _shown(name: str, spec: str, conversion: str | None) -> str:
    """A placeholder as written, clipped and on one line (for an error message)."""
    bang = f"!{conversion}" if conversion else ""
    return _clip("{" + name + bang + (f":{spec}" if spec else "") + "}")


def _clip(text: str, limit: int = 60) -> str:
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."
