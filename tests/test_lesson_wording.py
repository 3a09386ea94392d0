"""A lesson's words match what the page prints (the fresh-user trial of lesson 03).

Lesson 03 said "'never' means not cleared by the end of the run" above numbers printed as
"not within 20.0 days", wrote "rejected on day {ctrl.rejection_day}" (an unrejected graft read
"on day not within 20.0 days"), and its text said "2 mg daily / 6 mg daily" while the arms
start with 6 mg / 18 mg loading doses (a ~50 ng/mL spike on the PK plot). Lesson 04 wrote
"{ctrl.median_lifespan_days} days" ("not reached (over half alive at the end) days").
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mtor_abm.model.pharmacology import load_library
from mtor_abm.visualization.dashboard.lesson_run import wording_faults
from mtor_abm.visualization.dashboard.lessons import load_catalogue
from mtor_abm.visualization.numbers import missing_words

CATALOGUE = load_catalogue()
LESSONS = {le.name: le for le in CATALOGUE.lessons}


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_every_lesson_reads_right_with_the_words_the_page_prints(name):
    assert wording_faults(LESSONS[name], load_library()) == []


def test_the_checks_catch_the_trial_s_wordings():
    lesson = LESSONS["03_transplant_tradeoff"]
    unseen = missing_words("infection_cleared_day", {"infection": True}, 20 * 24.0)[0]
    assert unseen == "not within 20.0 days"  # 20 days x 24 h, as the table prints it
    old = replace(
        lesson,
        explanation="rejected on day {ctrl.rejection_day:.1f}; 'never' means not cleared",
    )
    faults = wording_faults(old)
    assert "'day {ctrl.rejection_day}' would read 'day not within 20.0 days'" in faults
    assert any("quotes 'never'" in f for f in faults)
    aging = LESSONS["04_aging_autophagy"]
    old = replace(aging, explanation="untreated {ctrl.median_lifespan_days:.0f} days")
    assert wording_faults(old) == [
        "'{ctrl.median_lifespan_days} days' would read "
        "'not reached (over half alive at the end) days'"
    ]
    # the loading doses: sirolimus 2 mg daily starts with 3 x 2 = 6 mg, 6 mg daily with 18 mg
    silent = replace(lesson, text="the usual dose (2 mg daily) and a high dose (6 mg daily)")
    assert wording_faults(silent) == [
        "arm 'usual' starts with a 6 mg loading dose the text omits",
        "arm 'high' starts with a 18 mg loading dose the text omits",
    ]
