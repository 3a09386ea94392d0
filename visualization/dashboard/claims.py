"""A lesson's comparisons: wording chosen from what the run measured, never a fixed claim.

A lesson file lists the comparisons its explanation makes::

    [[claims]]
    name = "treg"                         # used in the explanation as [[treg]]
    measure = "high.treg_fraction"        # KEY.COLUMN[.STAT], as in a placeholder
    against = "ctrl.treg_fraction"
    expect = "higher"                     # what the lesson teaches: higher, lower, same, or
                                          # a list of the outcomes it allows
    higher = "a larger share"             # the words for each measured outcome
    lower = "a smaller share"
    same = "about the same share"
    tolerance = 0.05                      # optional, relative (default 0.05)

After the run, ``[[treg]]`` in the explanation becomes the words of the measured outcome.

The lesson's ``choices`` may say which measured outcomes make each answer right, so the page
can tell a student whether the run agrees with the prediction::

    [[choices]]
    text = "They keep growing, but more slowly"
    when = { slower = "lower", cytostatic = "higher" }   # claim -> outcome(s) it needs

A choice given as a plain string (or without ``when``) is not judged: the page shows the
prediction beside the explanation without a verdict.
The outcome compares the replicates pairwise (replicate ``i`` of both arms starts from the
same tissue): the mean difference must exceed both ``tolerance`` x the larger mean and twice
its standard error, else the values count as the same. A missing ``*_day`` readout (the event
never came) counts as later than any day. ``expect`` is what the lesson's story needs; the
test suite runs every packaged lesson and fails when the measured outcome differs from it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mtor_abm.model.errors import InputError

OUTCOMES = ("higher", "lower", "same")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REF_RE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)\.(?P<column>[A-Za-z][A-Za-z0-9_]*)"
                     r"(?:\.(?P<stat>[A-Za-z0-9_]+))?$")  # fmt: skip
MARKER_RE = re.compile(r"\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]")
_KEYS = frozenset({"name", "measure", "against", "expect", "higher", "lower", "same", "tolerance"})


@dataclass(frozen=True)
class Claim:
    """One comparison of a lesson (see the module docstring)."""

    name: str
    measure: str
    against: str
    expect: tuple[str, ...]
    words: tuple[tuple[str, str], ...]  # (outcome, words)
    tolerance: float = 0.05

    def wording(self, outcome: str) -> str:
        """The words for ``outcome``."""
        return dict(self.words)[outcome]


@dataclass(frozen=True)
class Outcome:
    """A measured comparison: the outcome and the numbers it came from."""

    claim: Claim
    outcome: str
    measure: tuple[float | None, ...]
    against: tuple[float | None, ...]

    @property
    def holds(self) -> bool:
        """Whether the measured outcome is one the lesson expects."""
        return self.outcome in self.claim.expect

    @property
    def measured(self) -> bool:
        """Whether any replicate had both values (an outcome from no data is no finding)."""
        return bool(_pairs(list(self.measure), list(self.against), self.claim.measure))


@dataclass(frozen=True)
class Choice:
    """One answer of a lesson's question and the measured outcomes that make it right.

    ``when``: (claim name, allowed outcomes) pairs; empty = the answer is not judged.
    """

    text: str
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def agrees(self, outcomes: dict[str, Outcome]) -> bool | None:
        """Whether the run's ``outcomes`` make this answer right (None: not judged, or a
        claim it needs had no value on any replicate, e.g. no organism died yet)."""
        if not self.when or not all(outcomes[name].measured for name, _ in self.when):
            return None
        return all(outcomes[name].outcome in allowed for name, allowed in self.when)


def parse_choices(raw, claim_names: set[str]) -> tuple[Choice, ...]:
    """Validated answers: each a string, or a table ``{text, when}`` (see the module docstring).

    Raises:
        InputError: one line naming the choice and what is wrong.
    """
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InputError("'choices' must be a list of strings or [[choices]] tables")
    out, seen = [], set()
    for i, item in enumerate(raw, 1):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            raise InputError(f"choice {i} must be a string or a table with 'text' and 'when'")
        unknown = sorted(set(item) - {"text", "when"})
        if unknown:
            raise InputError(f"choice {i}: unknown key '{unknown[0]}'; allowed: text, when")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip() or text.strip() in seen:
            raise InputError(f"choice {i}: 'text' must be a non-empty string, unique in the list")
        seen.add(text.strip())
        when = item.get("when", {})
        if not isinstance(when, dict):
            raise InputError(f"choice {i}: 'when' must be a table of claim = outcome(s)")
        rules = []
        for name, allowed in when.items():
            if name not in claim_names:
                raise InputError(
                    f"choice {i}: 'when' names '{name}', which no [[claims]] table names"
                )
            allowed = tuple(allowed) if isinstance(allowed, list) else (allowed,)
            if not allowed or any(a not in OUTCOMES for a in allowed):
                raise InputError(
                    f"choice {i}: 'when.{name}' must be one of {', '.join(OUTCOMES)} or a list "
                    f"of them, got {when[name]!r}"
                )
            rules.append((name, allowed))
        out.append(Choice(text.strip(), tuple(rules)))
    return tuple(out)


def parse_claims(raw, keys: set[str], explanation: str) -> tuple[Claim, ...]:
    """Validated claims; every ``[[name]]`` of ``explanation`` must be a claim.

    Raises:
        InputError: one line naming the claim and what is wrong.
    """
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InputError("'claims' must be a list of [[claims]] tables")
    claims, seen = [], set()
    for i, table in enumerate(raw, 1):
        if not isinstance(table, dict):
            raise InputError(f"claim {i} must be a table")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise InputError(
                f"claim {i}: unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_KEYS))}"
            )
        name = table.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name) or name in seen:
            raise InputError(f"claim {i}: 'name' must be a unique identifier, got {name!r}")
        seen.add(name)
        for side in ("measure", "against"):
            ref = table.get(side)
            match = _REF_RE.match(ref) if isinstance(ref, str) else None
            if match is None or match.group("key") not in keys:
                raise InputError(
                    f"claim '{name}': '{side}' must be KEY.COLUMN[.STAT] with KEY one of "
                    f"{', '.join(sorted(keys))}, got {ref!r}"
                )
        expect = table.get("expect")
        expect = tuple(expect) if isinstance(expect, list) else (expect,)
        if not expect or any(e not in OUTCOMES for e in expect):
            raise InputError(
                f"claim '{name}': 'expect' must be one of {', '.join(OUTCOMES)} or a list of "
                f"them, got {table.get('expect')!r}"
            )
        words = []
        for outcome in OUTCOMES:
            text = table.get(outcome)
            if not isinstance(text, str) or not text.strip() or "{" in text or "}" in text:
                raise InputError(
                    f"claim '{name}': '{outcome}' must be non-empty words without braces"
                )
            words.append((outcome, text.strip()))
        tol = table.get("tolerance", 0.05)
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 <= tol < 1:
            raise InputError(f"claim '{name}': 'tolerance' must be a number in [0, 1)")
        claims.append(Claim(name, table["measure"], table["against"], expect, tuple(words), tol))
    used = set(MARKER_RE.findall(explanation))
    missing = sorted(used - seen)
    if missing:
        raise InputError(f"'explanation' uses [[{missing[0]}]], which no [[claims]] table names")
    return tuple(claims)


def outcome_of(a: list[float | None], b: list[float | None], tolerance: float, ref: str) -> str:
    """``higher``, ``lower`` or ``same`` for paired replicate values ``a`` against ``b``."""
    pairs = _pairs(a, b, ref)
    if not pairs:
        return "same"
    diffs = [0.0 if x == y else x - y for x, y in pairs]
    if any(math.isinf(d) for d in diffs):
        if all(d > 0 for d in diffs):
            return "higher"
        if all(d < 0 for d in diffs):
            return "lower"
        return "same"
    n = len(diffs)
    mean = sum(diffs) / n
    se = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1) / n) if n > 1 else 0.0
    scale = max(abs(sum(x for x, _ in pairs) / n), abs(sum(y for _, y in pairs) / n))
    if abs(mean) <= max(tolerance * scale, 2.0 * se):
        return "same"
    return "higher" if mean > 0 else "lower"


def _pairs(a: list, b: list, ref: str) -> list[tuple[float, float]]:
    """Replicate pairs with both values (a missing ``*_day`` event counts as after any day)."""
    day = ref.split(".")[1].endswith("_day") and ref.count(".") == 1
    a = [_as_number(v, day) for v in a]
    b = [_as_number(v, day) for v in b]
    return [(x, y) for x, y in zip(a, b, strict=True) if not (math.isnan(x) or math.isnan(y))]


def _as_number(v, day: bool) -> float:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.inf if day else math.nan
    return float(v)


NOT_MEASURED = "(not measured: no value on any seed yet)"
"""The words for a comparison whose values are missing on every replicate."""


def apply_wording(explanation: str, outcomes: dict[str, Outcome]) -> str:
    """``explanation`` with every ``[[name]]`` replaced by its measured outcome's words
    (:data:`NOT_MEASURED` when the comparison had no data: "about the same" would be a claim)."""

    def words(match) -> str:
        outcome = outcomes[match.group(1)]
        return outcome.claim.wording(outcome.outcome) if outcome.measured else NOT_MEASURED

    return MARKER_RE.sub(words, explanation)
