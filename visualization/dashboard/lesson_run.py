"""A lesson's run and its explanation over replicate seeds.

Every arm of a lesson runs ``lesson.replicates`` seeds (``Run``); the explanation's
placeholders read mean ± SD over them (as the readout table does), and its ``[[claim]]``
words follow the measured comparisons (``claims``). Each placeholder is read per replicate
through :func:`lessons.fill_explanation`, the one place that interprets placeholders.

``MTOR_LESSON_OVERRIDES`` (tests only) is JSON mapping a lesson name, or ``*`` for all, to
``{"days": d, "replicates": n, "params": {...}}``: browser tests run short lessons on small
tissues with it. It never changes a lesson's text or arms.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import string
from dataclasses import dataclass, replace

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import defaults, parse_overrides
from mtor_abm.visualization.dashboard.claims import Outcome, apply_wording, outcome_of
from mtor_abm.visualization.dashboard.lessons import Lesson, fill_explanation
from mtor_abm.visualization.dashboard.placeholders import not_reached
from mtor_abm.visualization.dashboard.state import Run, make_regime
from mtor_abm.visualization.dashboard.summary import summarise
from mtor_abm.visualization.numbers import missing_words

OVERRIDES_ENV = "MTOR_LESSON_OVERRIDES"


def with_overrides(lesson: Lesson) -> Lesson:
    """``lesson`` with the test-only overrides of ``MTOR_LESSON_OVERRIDES`` applied."""
    raw = os.environ.get(OVERRIDES_ENV)
    if not raw:
        return lesson
    try:
        table = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(f"{OVERRIDES_ENV} is not valid JSON: {err}") from None
    change = {**table.get("*", {}), **table.get(lesson.name, {})}
    params = dict(lesson.params)
    for name, value in change.get("params", {}).items():
        if name in SCENARIOS[lesson.scenario].scenario_class.PARAMETERS:
            params[name] = value
    params = parse_overrides(SCENARIOS[lesson.scenario].scenario_class, params)
    return replace(
        lesson,
        params=params,
        days=float(change.get("days", lesson.days or SCENARIOS[lesson.scenario].default_days)),
        replicates=int(change.get("replicates", lesson.replicates)),
    )


def lesson_columns(lesson: Lesson) -> tuple[str, ...]:
    """Columns the explanation reads as their last value (``{KEY.COLUMN}``, no statistic):
    the page's readout table shows them, so every such number can be read there too."""
    out = []
    for _, field, _, _ in string.Formatter().parse(lesson.explanation):
        parts = (field or "").split(".")
        if len(parts) == 2 and parts[1] not in out:
            out.append(parts[1])
    return tuple(out)


def lesson_hours(lesson: Lesson) -> float:
    """The lesson's run length, h."""
    return 24.0 * (lesson.days or SCENARIOS[lesson.scenario].default_days)


def build_run(lesson: Lesson, library=None) -> Run:
    """The lesson's arms on its seed, ``lesson.replicates`` seeds per arm."""
    arms = [spec for _, spec in lesson.arms]
    return Run(lesson.scenario, arms, dict(lesson.params), lesson.seed, library, lesson.replicates)


def run_to_end(lesson: Lesson, library=None) -> Run:
    """Build and step a lesson's run to its end (headless)."""
    run = build_run(lesson, library)
    run.step(round((lesson_hours(lesson) - run.hours) / run.dt_h))
    return run


class Replicates:
    """A finished (or running) lesson run's data: per arm, per replicate series and readouts."""

    def __init__(self, lesson: Lesson, run: Run):
        self.lesson = lesson
        self.series = run.replicate_timeseries()
        self.readouts = run.replicate_readouts()
        self.n = run.replicates

    def values(self, ref: str, decimals: int = 9) -> list[float | None]:
        """Per replicate, the number a placeholder ``KEY.COLUMN[.STAT]`` stands for."""
        probe = replace(self.lesson, explanation="{" + ref + f":.{min(decimals, 6)}f" + "}")
        out = []
        for i in range(self.n):
            text = fill_explanation(
                probe, [arm[i] for arm in self.series], [arm[i] for arm in self.readouts]
            )
            out.append(_number(text))
        return out


def _number(text: str) -> float | None:
    if text in ("True", "False"):
        return float(text == "True")
    try:
        value = float(text)
    except ValueError:
        return None  # "never", "n/a"
    return value if math.isfinite(value) else None


def measure_claims(lesson: Lesson, data: Replicates) -> dict[str, Outcome]:
    """Each claim's measured outcome over the run's replicates."""
    out = {}
    for claim in lesson.claims:
        a, b = data.values(claim.measure), data.values(claim.against)
        out[claim.name] = Outcome(claim, outcome_of(a, b, claim.tolerance, claim.measure), a, b)
    return out


@dataclass(frozen=True)
class Verdict:
    """Whether the run agrees with a student's prediction.

    Attributes:
        agrees: True / False, or None when the lesson does not judge that answer.
        supported: the judged choices the run's outcomes make right (in the lesson's order).
        unmeasured: the answer is scored, but a claim it needs had no value on any seed.
    """

    agrees: bool | None
    supported: tuple[str, ...]
    unmeasured: bool = False

    def message(self, answer: str) -> str:
        """The sentence the page shows under the run."""
        if self.agrees:
            return f"The run agrees with your prediction: {answer}"
        others = "; ".join(f"“{c}”" for c in self.supported)
        if self.agrees is False:
            shown = f" It supports: {others}." if others else ""
            return f"The run does not agree with your prediction: {answer}.{shown}"
        if self.unmeasured:
            return (
                f"Your prediction was: {answer}. The run did not measure what this answer "
                "depends on (no value on any seed yet): compare it with what happened below."
            )
        return (
            f"Your prediction was: {answer}. This lesson does not score that answer: "
            "compare it with what happened below."
        )


def judge_prediction(lesson: Lesson, answer: str | None, outcomes: dict[str, Outcome]) -> Verdict:
    """The verdict on ``answer`` (one of ``lesson.choices``) from the measured ``outcomes``."""
    supported = tuple(c.text for c in lesson.answers if c.agrees(outcomes))
    choice = lesson.answer(answer)
    if choice is None:
        return Verdict(None, supported)
    unmeasured = bool(choice.when) and choice.agrees(outcomes) is None
    return Verdict(choice.agrees(outcomes), supported, unmeasured)


def explain(
    lesson: Lesson,
    run: Run,
    outcomes: dict[str, Outcome] | None = None,
    data: Replicates | None = None,
) -> str:
    """The lesson's explanation for ``run``: measured wording, placeholders as mean ± SD
    (``outcomes``: the run's measured claims, ``data``: its :class:`Replicates`, when already
    computed; the aging readouts fit Kaplan-Meier curves, ~0.2 s for lesson 04)."""
    data = data if data is not None else Replicates(lesson, run)
    if outcomes is None:
        outcomes = measure_claims(lesson, data)
    text = apply_wording(lesson.explanation, outcomes)
    out = []
    for literal, field, spec, _ in string.Formatter().parse(text):
        out.append(literal)
        if field is None:
            continue
        decimals = int(spec[1:-1]) if spec and spec.startswith(".") and spec.endswith("f") else None
        parts = field.split(".")
        keys = [key for key, _ in lesson.arms]
        past_end = not_reached(field, data.series[keys.index(parts[0])][0])
        if past_end is not None:  # every replicate has the same clock
            out.append(str(past_end))
            continue
        name = parts[1] if len(parts) == 2 else ""
        summary = summarise(data.values(field), name, run.setup, run.hours)
        out.append(summary.text(decimals) if summary else "n/a")
    return "".join(out)


_QUOTED_RE = re.compile(r"'([^']+)'")
_DAY_BEFORE_RE = re.compile(r"\bday\s*$")
_DAYS_AFTER_RE = re.compile(r"^\s*days?\b")


def wording_faults(lesson: Lesson, library=None) -> list[str]:
    """Where the lesson's words would not match what the page prints (empty: none).

    A readout placeholder (``{KEY.COLUMN}``) without a value is printed as the readout table
    prints it (``numbers.missing_words`` over the lesson's length: ``not within 20.0 days``,
    ``not reached (over half alive at the end)``), so the text around it must read with those
    words too: no ``day`` just before it (``on day not within 20.0 days``) and no ``days``
    just after it. A term the text or a claim's words quote (``'never' means ...``) must be
    the start of such words, or the student looks for words the page never shows. An arm
    given a loading dose (``model.regimes.build_regime``'s rule: sirolimus 2 mg daily starts
    with 6 mg) must have it said in the lesson's ``text`` (``6 mg loading dose``): its PK
    plot starts with that spike.
    """
    cls = SCENARIOS[lesson.scenario].scenario_class
    setup = {**defaults(cls), **lesson.params}
    run_h = lesson_hours(lesson)
    faults, printed = [], []
    for literal_before, field, _, _ in string.Formatter().parse(lesson.explanation):
        parts = (field or "").split(".")
        if len(parts) != 2:
            continue
        words, _ = missing_words(parts[1], setup, run_h)
        printed.append(words)
        if _DAY_BEFORE_RE.search(literal_before):
            faults.append(f"'day {{{field}}}' would read 'day {words}'")
    fields = list(string.Formatter().parse(lesson.explanation))
    for (_, field, _, _), (after, _, _, _) in itertools.pairwise(fields):
        parts = (field or "").split(".")
        if len(parts) == 2 and _DAYS_AFTER_RE.search(after):
            words, _ = missing_words(parts[1], setup, run_h)
            faults.append(f"'{{{field}}} days' would read '{words} days'")
    texts = [lesson.text, lesson.explanation] + [w for c in lesson.claims for _, w in c.words]
    for text in texts:
        for term in _QUOTED_RE.findall(text):
            if not any(words.startswith(term) for words in printed):
                shown = ", ".join(sorted(set(printed))) or "nothing"
                faults.append(f"quotes '{term}', which the page does not print (it prints {shown})")
    said = " ".join(lesson.text.split())
    for key, arm in lesson.arms:
        loading = make_regime(arm, lesson.scenario, library or load_library()).loading_dose_mg
        if loading and f"{loading:g} mg loading dose" not in said:
            faults.append(f"arm '{key}' starts with a {loading:g} mg loading dose the text omits")
    return faults
