"""RECIST-like course of a tumor (model.recist) on hand-computed series.

RECIST 1.1 (Eisenhauer 2009 Eur J Cancer 45:228): partial response at -30 % in diameter from
baseline, progression at +20 % over the nadir (the smallest size since treatment start), best
overall response = the best status recorded before progression. The project's convention is
the volume-equivalent ``cells ** 1.5``: PR at ``0.7 ** 3`` of baseline, PD at ``1.2 ** 3`` of
the nadir, i.e. in cells PR at ``0.7 ** 2 = 0.49`` of baseline and PD at ``1.2 ** 2 = 1.44``
times the nadir; PD also needs RECIST 1.1's 5-mm net increase, kept as a rise of the
diameter-equivalent (``cells ** 0.5``) over the nadir of 0.1 of its baseline value. Every
expected value below is worked out by hand from those three numbers.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from mtor_abm.model.recist import SD_MIN_DAYS, recist, recist_course
from mtor_abm.model.scenarios.tumor_readouts import LAST_RECORD_READOUTS, tumor_readouts

DAILY = np.arange(6) * 24.0


def test_progression_is_measured_from_the_nadir_not_from_baseline():
    """100 -> 40 cells (volume 0.4^1.5 = 0.253 of baseline: PR), then 60 cells: 1.5 x the nadir
    in cells (>= 1.44), so PD on day 4 although still 40 % below baseline in cells."""
    c = recist_course(DAILY, [100, 60, 40, 40, 60, 70], 0.0)
    assert c.time_to_progression_days == 4.0
    assert c.response == "PD"
    assert c.best_response == "PR"
    assert c.nadir_cells == 40 and c.nadir_day == 2.0  # the first day at the minimum
    assert c.best_relative_volume == pytest.approx(0.4**1.5)
    assert recist(DAILY, [100, 60, 40, 40, 60, 70], 0.0) == ("PD", 4.0)


def test_progression_threshold_is_144_percent_of_the_nadir_in_cells():
    """Nadir 90 cells on day 1: PD needs 90 x 1.44 = 129.6 cells; 120 on day 3 is not PD (nor
    would 130 be from the baseline of 100, whose threshold is 144), 130 on day 4 is."""
    c = recist_course(DAILY[:5], [100, 90, 95, 120, 130], 0.0)
    assert c.time_to_progression_days == 4.0
    assert (c.nadir_cells, c.nadir_day) == (90, 1.0)
    assert c.best_relative_volume == pytest.approx(0.9**1.5)
    # 129 cells is below 129.6: no progression, and the tumor ends at SD (best and final).
    c = recist_course(DAILY[:5], [100, 90, 95, 120, 129], 0.0)
    assert c.time_to_progression_days is None
    assert (c.response, c.best_response) == ("SD", "SD")


def test_partial_response_is_49_percent_of_baseline_in_cells():
    """0.7^3 of the baseline volume-equivalent is 0.49 of its cells: 48.9 cells is PR, 49.1
    is not (49 itself is on the threshold, where round-off decides)."""
    assert recist_course(DAILY[:3], [100, 70, 48.9], 0.0).best_response == "PR"
    assert recist_course(DAILY[:3], [100, 70, 49.1], 0.0).best_response == "SD"


def test_best_response_is_stable_disease_only_after_the_minimum_duration():
    """Flat at 100 cells, then 150 (1.5 x the nadir in cells: PD). Progression at 50 days
    leaves a best response of SD (>= SD_MIN_DAYS = 42 without progression); at 30 days, PD."""
    assert SD_MIN_DAYS == 42.0
    for pd_day, best in ((50, "SD"), (30, "PD")):
        days = np.arange(pd_day + 1)
        cells = np.where(days < pd_day, 100.0, 150.0)
        c = recist_course(days * 24.0, cells, 0.0)
        assert c.time_to_progression_days == float(pd_day)
        assert (c.response, c.best_response) == ("PD", best)
        assert (c.nadir_cells, c.nadir_day) == (100, 0.0)
        assert c.best_relative_volume == 1.0


def test_complete_response_and_regrowth_after_it():
    c = recist_course(DAILY[:4], [100, 50, 0, 0], 0.0)
    assert (c.response, c.best_response, c.time_to_progression_days) == ("CR", "CR", None)
    assert (c.nadir_cells, c.nadir_day, c.best_relative_volume) == (0, 2.0, 0.0)
    c = recist_course(DAILY[:3], [100, 0, 5], 0.0)  # regrowth from no viable cell is PD
    assert (c.response, c.best_response, c.time_to_progression_days) == ("PD", "CR", 2.0)


def test_assessments_before_treatment_start_are_ignored():
    """Baseline at 48 h (100 cells); the smaller sizes before it are not the nadir."""
    hours = np.arange(6) * 24.0
    c = recist_course(hours, [10, 20, 100, 80, 100, 116], 48.0)
    # nadir 80 on day 1 after start; 116 >= 80 x 1.44 = 115.2 on day 3 after start
    assert (c.nadir_cells, c.nadir_day, c.time_to_progression_days) == (80, 1.0, 3.0)
    assert recist_course(hours, [1] * 6, 200.0) is None
    assert recist(hours, [1] * 6, 200.0) == ("SD", None)


def test_tumor_summary_readouts_carry_the_course():
    """The scenario's readouts (summary.json) from a hand-made record series: hourly records,
    treatment from 24 h, 100 -> 40 cells by 72 h, then 60 cells at 96 h (1.5 x the nadir)."""
    hours = [0.0, 24.0, 48.0, 72.0, 96.0]
    cells = [80.0, 100.0, 60.0, 40.0, 60.0]
    last = dict.fromkeys(
        LAST_RECORD_READOUTS,
        0.5,
    )
    series = {"time_h": hours, "tumor_cells": cells, **{k: [v] * 5 for k, v in last.items()}}
    out = tumor_readouts(SimpleNamespace(baseline_h=24.0), None, series)
    assert out["tumor_cells_at_start"] == 100 and out["tumor_cells_final"] == 60
    assert out["relative_size"] == pytest.approx(0.6)
    assert (out["response"], out["best_response"]) == ("PD", "PR")
    assert out["time_to_progression_days"] == 3.0
    assert (out["nadir_tumor_cells"], out["nadir_day"]) == (40, 2.0)
    assert out["best_relative_volume"] == pytest.approx(0.4**1.5)


def test_report_waterfall_best_response_stops_at_progression():
    """The sweep report's weekly scans: 0.5 of baseline cells on day 7 (volume 0.354), 0.8 on
    day 14 (1.6 x the nadir in cells: PD), 0.1 on day 21 after progression. Best change is
    that of day 7, 0.5^1.5 - 1 = -64.6 %, not the post-progression -96.8 %."""
    import pandas as pd

    from mtor_abm.experiments.report.tumor import _best_response
    from mtor_abm.model.recist import relative_volume

    days = np.arange(22.0)
    cells = np.select([days < 7, days < 14, days < 21], [1.0, 0.5, 0.8], 0.1)
    rel = pd.DataFrame({"run_id": 0, "day": days, "volume": relative_volume(cells, 1.0)})
    assert _best_response(rel)[0] == pytest.approx(0.5**1.5 - 1.0)


def test_waterfall_best_change_of_a_growing_tumor_is_its_first_scan():
    """Weekly scans of a growing tumor: 120 cells on day 7 (volume 1.2^1.5 = 1.3145 of
    baseline, not yet PD), 200 on day 14 (2^1.5 = 2.83 >= 1.728 x the baseline nadir: PD).
    Best change +31.45 %; with every hourly record a scan it would read 0 (the baseline)."""
    from mtor_abm.model.recist import best_change_at_scans, relative_volume

    days = np.arange(0.0, 22.0, 1.0 / 24.0)
    cells = np.select([days < 7, days < 14], [100.0, 120.0], 200.0)
    change = best_change_at_scans(days, relative_volume(cells, 100.0))
    assert change == pytest.approx(1.2**1.5 - 1.0)
    assert recist_course(days * 24.0, cells, 0.0).best_relative_volume == 1.0


def test_progression_needs_the_5_mm_net_increase_after_a_deep_response():
    """Baseline 100 cells (diameter-equivalent 10), nadir 4 cells (2.0) on day 2. 6 cells is
    1.5 x the nadir (>= 1.44) but its diameter rose by 6^0.5 - 2 = 0.449 < 0.1 x 10 = 1.0: not
    progression (RECIST 1.1: 5 mm net, Eisenhauer 2009); 10 cells rise 3.162 - 2 = 1.16: PD on
    day 4. Without the floor the first would be PD on day 3."""
    c = recist_course(DAILY[:5], [100, 20, 4, 6, 10], 0.0)
    assert c.time_to_progression_days == 4.0
    assert (c.nadir_cells, c.nadir_day, c.best_response) == (4, 2.0, "PR")
    c = recist_course(DAILY[:4], [100, 20, 4, 6], 0.0)
    assert (c.time_to_progression_days, c.response) == (None, "PR")


def test_waterfall_scans_keep_the_diameter_floor():
    """Weekly scans at 0.001, 0.002 and 0.0005 of the baseline volume: the second doubles the
    nadir (>= 1.728) but its diameter ratio rises 0.002^(1/3) - 0.001^(1/3) = 0.026 < 0.1, so
    it is no progression and the third scan's -99.95 % is the best change."""
    from mtor_abm.model.recist import best_change_at_scans

    days = np.array([0.0, 7.0, 14.0, 21.0])
    assert best_change_at_scans(days, [1.0, 0.001, 0.002, 0.0005]) == pytest.approx(-0.9995)
    # Without the deep nadir the same doubling is progression: 0.5 -> 1.0 rises 0.206 >= 0.1.
    assert best_change_at_scans(days, [1.0, 0.5, 1.0, 0.1]) == pytest.approx(-0.5)
