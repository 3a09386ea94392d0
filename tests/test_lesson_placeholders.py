"""Lesson explanation placeholders: only {KEY.COLUMN[.STAT][:.Nf]}, filled as plain text.

Every known injection form (nested format specs reaching module globals and the
environment, conversions printing internal reprs, huge widths) is refused when the lesson
loads, with one line; filled values are checked against numbers computed by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.visualization.dashboard import lessons
from mtor_abm.visualization.dashboard.placeholders import Placeholder, fill, parse_template

KEYS = {"a", "b"}
PACKAGED = lessons.LESSON_DIR / "01_rapalogs_cytostatic.toml"

REFUSED = [
    # a nested spec evaluated attribute and item lookups on module globals
    "{a.cells:{a.__init__.__globals__[os].environ[HOME]}}",
    "{a.cells:{a.cells.__class__}}",
    "{a.cells:.{a.cells}f}",
    # conversions print internal reprs
    "{a.cells!r}",
    "{a.cells!s}",
    "{a.cells!a}",
    "{a.cells.fold!r:.2f}",
    # widths, fills, other types: huge strings or unreadable output
    "{a.cells:500000000}",
    "{a.cells:>500000000.2f}",
    "{a.cells:.500000000f}",
    "{a.cells:.7f}",
    "{a.cells:.10f}",
    "{a.cells:10.2f}",
    "{a.cells:,.2f}",
    "{a.cells:e}",
    "{a.cells:%}",
    "{a.cells:.2g}",
    "{a.cells:f}",
    "{a.cells:.f}",
    # attribute walking and indexing in the name
    "{a.__class__}",
    "{a.cells.__class__}",
    "{a.cells.__init__.__globals__}",
    "{a._private}",
    "{a.cells[0]}",
    "{a[cells]}",
    "{a.cells.fold.real}",
    # not KEY.COLUMN
    "{a}",
    "{}",
    "{0}",
    "{0.cells}",
    "{c.cells}",
    "{a.cells.median}",
    "{a.cells.at_day_}",
    "{a.cells.at_day_123456}",
    "{a.cells.at_day_1_2345}",
    # malformed
    "{a.cells",
    "a.cells}",
]


@pytest.mark.parametrize("template", REFUSED)
def test_every_other_placeholder_form_is_refused_with_one_line(template):
    with pytest.raises(InputError) as err:
        parse_template(f"Before {template} after.", KEYS)
    message = str(err.value)
    assert "\n" not in message and len(message) < 300
    # filling never evaluates what loading refused (defence in depth: fill checks again)
    with pytest.raises(InputError):
        fill(template, ["a", "b"], [{"cells": [1.0]}] * 2, [{}, {}])


def test_refusal_never_leaks_the_environment_or_repeats_a_huge_placeholder():
    home = os.environ.get("HOME", "/root")
    template = "{a.cells:{a.__init__.__globals__[os].environ[HOME]}}"
    with pytest.raises(InputError) as err:
        parse_template(template, KEYS)
    assert home not in str(err.value)
    with pytest.raises(InputError) as err:
        parse_template("{a." + "x" * 100_000 + "!r}", KEYS)
    assert len(str(err.value)) < 400
    with pytest.raises(InputError) as err:
        parse_template("{a.cells\n:.2f}", KEYS)  # a newline inside the name stays one line
    assert "\n" not in str(err.value)


def test_allowed_forms_parse_into_key_column_stat_and_decimals():
    parts = parse_template(
        "n={a.cells} f={a.cells.fold:.2f} d={b.death_day:.0f} t={a.cells.at_day_2_5:.6f} {{x}}",
        KEYS,
    )
    placeholders = [p for p in parts if isinstance(p, Placeholder)]
    assert placeholders == [
        Placeholder("a", "cells", None, None),
        Placeholder("a", "cells", "fold", 2),
        Placeholder("b", "death_day", None, 0),
        Placeholder("a", "cells", "at_day_2_5", 6),
    ]
    assert parts[-1] == " {x}"  # doubled braces are literal text


def test_filled_values_match_hand_computed_statistics():
    series = {"time_h": [0.0, 24.0, 48.0, 72.0], "cells": [10, 20, 40, 70]}
    readouts = {"growth_inhibition": 0.25, "death_day": None, "flag": True}
    text = (
        "{a.cells}|{a.cells.start:.0f}|{a.cells.end:.1f}|{a.cells.min:.0f}|{a.cells.max:.0f}|"
        "{a.cells.mean:.2f}|{a.cells.fold:.3f}|{a.cells.at_day_1:.0f}|{a.cells.at_day_2_4:.0f}|"
        "{a.growth_inhibition:.2f}|{a.death_day}|{a.missing}|{a.missing.fold}|{a.flag}|{{}}"
    )
    # mean (10+20+40+70)/4 = 35; fold 70/10 = 7; day 1 = 24 h -> 20; day 2.4 = 57.6 h -> 48 h -> 40
    expected = "70|10|70.0|10|70|35.00|7.000|20|40|0.25|never|n/a|n/a|True|{}"
    assert fill(text, ["a"], [series], [readouts]) == expected


def test_a_day_past_the_runs_end_is_not_reached_not_the_last_value():
    """{ctrl.mean_damage.at_day_800} in a 40-day run printed the day-40 value as day 800's.
    A day past the last record (by more than half a recording interval) reads 'not reached',
    naming the day the run ended; the last day itself, and a day within half an interval of
    it, still read their value."""
    series = {"time_h": [0.0, 24.0, 48.0, 72.0], "cells": [10, 20, 40, 70]}
    text = "{a.cells.at_day_800:.0f}|{a.cells.at_day_3:.0f}|{a.cells.at_day_3_4:.0f}"
    expected = "not reached (this run ended on day 3)|70|70"  # 3.4 d = 81.6 h < 72 + 12 h
    assert fill(text, ["a"], [series], [{}]) == expected
    assert fill("{a.cells.at_day_3_6}", ["a"], [series], [{}]).startswith("not reached")


def test_a_lesson_explanation_past_its_runs_end_says_not_reached(monkeypatch):
    """Lesson 04 asks for day 800; cut to 40 days (as the browser tests run it) its explanation
    says 'not reached' there and gives the day-800 claim no outcome, instead of day-40
    numbers presented as day 800's."""
    import json

    from mtor_abm.visualization.dashboard.lesson_run import (
        OVERRIDES_ENV,
        Replicates,
        explain,
        measure_claims,
        run_to_end,
        with_overrides,
    )
    from mtor_abm.visualization.dashboard.lessons import LESSON_DIR, load_lesson

    monkeypatch.setenv(
        OVERRIDES_ENV, json.dumps({"*": {"days": 40, "replicates": 2, "params": {"organisms": 3}}})
    )
    lesson = with_overrides(load_lesson(LESSON_DIR / "04_aging_autophagy.toml"))
    assert "at_day_800" in lesson.explanation
    run = run_to_end(lesson)
    text = explain(lesson, run)
    assert text.count("not reached (this run ended on day 40)") == 4  # every at_day_800
    outcome = measure_claims(lesson, Replicates(lesson, run))["damage"]
    assert all(v is None for v in outcome.measure + outcome.against)


def test_fold_of_an_empty_start_and_non_finite_values_read_n_a():
    series = {"time_h": [0.0, 24.0], "cells": [0, 5], "x": [1.0, float("nan")]}
    assert fill("{a.cells.fold:.1f} {a.x} {a.x.start:.1f}", ["a"], [series], [{}]) == "n/a n/a 1.0"


def test_a_width_cannot_build_a_huge_string():
    """The largest allowed spec on the largest float stays a few hundred characters."""
    out = fill("{a.x:.6f}", ["a"], [{"x": [1.7976931348623157e308]}], [{}])
    assert len(out) == 309 + 7


def test_lesson_file_with_an_injection_is_a_one_line_error_naming_the_file(tmp_path: Path):
    good = PACKAGED.read_text()
    bad = good.replace(
        "{rapa.cells.fold:.1f}", "{rapa.cells:{rapa.__init__.__globals__[os].environ[HOME]}}"
    )
    assert bad != good
    (tmp_path / "leak.toml").write_text(bad)
    (tmp_path / "repr.toml").write_text(good.replace("{ctrl.cells.end:.0f}", "{ctrl.cells!r}"))
    (tmp_path / "wide.toml").write_text(good.replace("{torin.cells.end:.0f}", "{torin.cells:9}"))
    catalogue = lessons.load_catalogue([tmp_path])
    assert catalogue.lessons == []
    assert len(catalogue.errors) == 3
    for err in catalogue.errors:
        assert "\n" not in err and "placeholder" in err
    assert sorted(e.split(":")[0] for e in catalogue.errors) == [
        "leak.toml",
        "repr.toml",
        "wide.toml",
    ]


def test_packaged_lessons_use_only_allowed_placeholders():
    catalogue = lessons.load_catalogue([lessons.LESSON_DIR])
    assert catalogue.errors == []
    for lesson in catalogue.lessons:
        parts = parse_template(lesson.explanation, {k for k, _ in lesson.arms})
        assert any(isinstance(p, Placeholder) for p in parts), lesson.name
