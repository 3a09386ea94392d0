"""Numbers as users read them (visualization/numbers.py), with hand-computed expectations.

A new-user trial read ``0.988 ± 3.05e-06`` and ``doubling time 1859 h`` on the dashboard:
spreads below the shown precision and long times in hours are unreadable.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from mtor_abm.visualization import numbers
from mtor_abm.visualization.dashboard import charts, summary


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (0.98765, None, "0.988"),  # 3 significant figures
        (1.0, None, "1.00"),  # trailing zeros kept: the precision is shown
        (12.345, None, "12.3"),
        (9.9996, None, "10.0"),  # rounds up a decade: still 3 figures
        (1859.4, None, "1859"),  # whole numbers from 100
        (3.05e-6, None, "3.05e-6"),  # powers of ten below 0.001 ...
        (-4e-4, None, "-4.00e-4"),
        (2.5e7, None, "2.50e7"),  # ... and from a million
        (0.0, None, "0"),
        (None, None, "n/a"),
        (math.nan, None, "n/a"),
        (math.inf, None, "n/a"),
        (0.5432, 2, "0.54"),  # a lesson's {x:.2f}
        (-0.001, 2, "0.00"),  # no "-0.00"
    ],
)
def test_number_shows_three_significant_figures(value, decimals, shown):
    assert numbers.number(value, decimals) == shown


@pytest.mark.parametrize(
    ("mean", "sd", "decimals", "shown"),
    [
        (0.988, 3.05e-6, None, "0.988 ± <0.001"),  # the trial's case
        (0.0123, 0.0004, None, "0.0123 ± 0.0004"),
        (0.01, 0.003, 2, "0.01 ± <0.01"),  # below the lesson's 2 decimals
        (60.0, 0.0, 0, "60 ± 0"),  # identical replicates
        (416.2, 5.3, None, "416 ± 5"),
        (0.0123, 3.4, None, "0.0123 ± 3.40"),  # a spread never shows more than 3 figures
        (7 / 3, 1.5275, 2, "2.33 ± 1.53"),
        (0.5, None, None, "0.500"),  # one replicate: no spread
    ],
)
def test_spread_is_shown_at_the_means_precision(mean, sd, decimals, shown):
    assert numbers.mean_spread(mean, sd, decimals) == shown


def test_long_times_read_in_days_and_no_growth_as_no_doubling():
    assert numbers.duration(1859.0) == "77.5 days"  # 1859 / 24 = 77.46
    assert numbers.duration(31.24) == "31.2 h"
    assert numbers.duration(72.0) == "72.0 h"  # days only above 72 h
    assert numbers.duration(100.0, 12.0) == "4.17 ± 0.50 days"  # 100/24, 12/24
    assert summary.summarise([1859.0], "doubling_time_h").text() == "77.5 days"
    assert summary.summarise([None, None], "doubling_time_h").text() == "no doubling"
    s = summary.summarise([30.0, 34.0, None], "doubling_time_h")  # mean 32, SD 2.83
    assert s.text() == "32.0 ± 2.8 h (no doubling in 1 of 3)"


def test_whole_counts_read_as_whole_numbers():
    assert summary.summarise([80, 80], "cells_initial").text() == "80 ± 0"  # not "80.0"
    assert summary.summarise([80], "cells_initial").text() == "80"
    assert (
        summary.summarise([80, 81], "cells_initial").text() == "80.5 ± 0.7"
    )  # SD 0.707 at the mean's 1 decimal
    assert summary.summarise([80.0], "mean_pS6K").text() == "80.0"  # a measured float


def test_readout_table_and_explanation_share_the_format():
    s = summary.summarise([0.988, 0.988 + 6.1e-6], "growth_inhibition")
    assert s.text() == "0.988 ± <0.001"
    assert s.text(2) == "0.99 ± <0.01"
    none = summary.summarise([None, None], "growth_inhibition")
    assert none.text() == "n/a (untreated arm did not grow)"


def test_a_readout_table_row_shows_one_unit():
    """The trial's lesson 03 row "T-cell division time" read "8.00 ± 0 h | 4.47 ± 4.81 days |
    3.46 ± 1.64 days": each cell chose its own unit. A row whose mean exceeds 72 h on any
    arm is in days on every arm: 8 h = 8/24 = 0.333 days."""
    arms = [
        [{"division_time_h": 8.0}, {"division_time_h": 8.0}],
        [{"division_time_h": 24.0 * 1.0}, {"division_time_h": 24.0 * 7.94}],  # mean 4.47 d
        [{"division_time_h": None}, {"division_time_h": None}],
    ]
    names, rows = summary.readout_table(arms, run_h=480.0)
    assert names == ["division_time_h"]
    texts = [s.text() for s in rows[0]]
    assert texts[0] == "0.333 ± 0 days"
    assert texts[1].startswith("4.47 ± ") and texts[1].endswith(" days")
    assert texts[2] == "n/a"  # no value: no unit to mix
    short = summary.readout_table([[{"division_time_h": 8.0}], [{"division_time_h": 30.0}]])
    assert [s.text() for s in short[1][0]] == ["8.00 h", "30.0 h"]  # none above 72 h: hours
    assert numbers.duration(8.0, 0.0, in_days=True) == "0.333 ± 0 days"
    assert numbers.row_in_days([8.0, None, 107.3]) and not numbers.row_in_days([72.0, None])


def test_axis_ticks_use_the_steps_decimals():
    assert [numbers.tick(t, 0.25) for t in (0.0, 0.25, 0.5)] == ["0", "0.25", "0.50"]
    assert numbers.tick(12000.0, 2000.0) == "12000"
    assert numbers.tick(2.5e6, 5e5) == "2.5e6"
    x = np.array([0.0, 5.0, 10.0])
    svg = charts.line_chart_svg([charts.Line(x, x, "#123", "a")], (0, 10), "t", "v", (0, 1))
    labels = re.findall(r'text-anchor="(?:end|middle)">([^<]+)</text>', svg)
    assert labels[:5] == ["0", "0.25", "0.50", "0.75", "1.00"]  # y: step 0.25
    assert labels[5:10] == ["0", "2.5", "5.0", "7.5", "10.0"]  # x: step 2.5


def test_a_limited_value_reads_as_a_bound():
    assert numbers.limited(20.0, 20.0) == "≥ 20"
    assert numbers.limited(13.91, 20.0) == "13.9"
    assert numbers.limited(25.0, None) == "25.0"


def test_the_cli_text_summary_uses_the_same_words():
    from mtor_abm.experiments.cli_commands import format_readout as _fmt

    assert _fmt(20.0, "infection_risk") == "≥ 20"  # at the adverse index's limit
    assert _fmt(20.0, "hyperlipidemia") == "20.0"  # not a limited index
    assert _fmt(1859.4, "doubling_time_h") == "1859"  # the key names the unit (h)
    assert _fmt(None, "doubling_time_h") == "no doubling"
    assert _fmt(None, "rejection_day") == "never"


def test_colour_bar_labels_use_the_shared_format():
    from mtor_abm.visualization.dashboard import views

    scale = views.Scale("cells", 0.0, 1234.0, None, "viridis", "cells")
    assert [label for _, label in views.colourbar_ticks(scale)] == ["0", "617", "1234"]
    scale = views.Scale("pS6K", 0.0, 2.0, 1.0, "RdBu_r", "pS6K")
    assert [label for _, label in views.colourbar_ticks(scale)] == ["0", "1", "2"]
    scale = views.Scale("x", 0.2, 0.8, None, "viridis", "x")
    assert [label for _, label in views.colourbar_ticks(scale)] == ["0.2", "0.5", "0.8"]
    scale = views.Scale("x", 0.0, 1.2345, None, "viridis", "x")  # a data maximum
    assert [label for _, label in views.colourbar_ticks(scale)] == ["0", "0.62", "1.23"]
