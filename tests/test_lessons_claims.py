"""Every packaged lesson's claims hold for its own arms, measured over its replicate seeds.

A lesson states the comparisons its story rests on as ``[[claims]]`` with the outcome it
teaches (``expect``); the page words the explanation from what the run measured, so a claim
that stopped holding (after a model change, say) would silently change the lesson's story.
Here each lesson runs exactly as the page runs it (its arms, parameters, days, seeds) and a
claim whose measured outcome is not the expected one fails, naming the numbers.
"""

from __future__ import annotations

import string

import pytest

from mtor_abm.visualization.dashboard.lesson_run import (
    Replicates,
    explain,
    measure_claims,
    run_to_end,
)
from mtor_abm.visualization.dashboard.lessons import LESSON_DIR, load_lesson

FAST = {"01_rapalogs_cytostatic", "02_akt_feedback"}
"""Lessons that run in seconds; the others take a minute or more (marked slow)."""
LESSONS = sorted(p.stem for p in LESSON_DIR.glob("*.toml"))


def _params():
    for name in LESSONS:
        marks = () if name in FAST else (pytest.mark.slow,)
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_lesson_claims_hold_for_its_arms(name):
    lesson = load_lesson(LESSON_DIR / f"{name}.toml")
    assert lesson.claims, "a lesson states its comparisons as [[claims]]"
    assert lesson.replicates >= 3, "a lesson's story rests on at least 3 seeds per arm"
    run = run_to_end(lesson)
    data = Replicates(lesson, run)
    outcomes = measure_claims(lesson, data)
    failed = [
        f"{k}: measured {o.outcome}, lesson expects {o.claim.expect} "
        f"({o.claim.measure} {o.measure} vs {o.claim.against} {o.against})"
        for k, o in outcomes.items()
        if not o.holds
    ]
    assert not failed, "; ".join(failed)
    text = explain(lesson, run)
    assert "[[" not in text and "{" not in text and "n/a" not in text
    for o in outcomes.values():  # the explanation shows the measured words
        assert o.claim.wording(o.outcome) in text
    shown = {f for _, f, _, _ in string.Formatter().parse(lesson.explanation) if f}
    for claim in lesson.claims:  # and the numbers it compared
        assert {claim.measure, claim.against} <= shown, f"{claim.name}: numbers not shown"
