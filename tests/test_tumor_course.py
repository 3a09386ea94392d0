"""The helpers of benchmarks/tumor_course.py against hand values, and its figures.

Kaplan-Meier by hand (Kaplan & Meier 1958 J Am Stat Assoc 53:457): progression at 10, 20 and
40 days with one tumor censored at 30 days: S = 3/4 after day 10, 2/4 after day 20 (the median,
reached at 20 days), 2/4 x 0/1 = 0 after day 40.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.tumor_course import km_median_ttp_days, relative_size_at, run_one
from mtor_abm.visualization.tumor_figures import save_course_figures


def _run(ttp, end_day=200.0, arm="none"):
    return {"time_to_progression_days": ttp, "end_day": end_day, "arm": arm}


def test_kaplan_meier_median_time_to_progression_with_censoring():
    runs = [_run(10.0), _run(20.0), _run(None, end_day=30.0), _run(40.0)]
    assert km_median_ttp_days(runs) == (20.0, 3)
    # None progressed: the median is not reached (inf), no event.
    median, events = km_median_ttp_days([_run(None), _run(None)])
    assert np.isinf(median) and events == 0


def test_relative_size_is_read_at_days_after_treatment_start():
    run = {
        "days": np.array([-1.0, 0.0, 30.0, 60.0]),
        "tumor_cells": np.array([50.0, 100.0, 130.0, 170.0]),
        "end_day": 60.0,
    }
    assert relative_size_at(run, 60.0) == 1.7
    assert relative_size_at(run, 30.0) == 1.3
    assert relative_size_at(run, 120.0) is None  # past the run


def test_a_short_course_gives_readouts_and_three_figures(tmp_path):
    """Two days of a small untreated tumor: the course's fields and the three PNGs."""
    small = {"width": 24, "height": 24, "seed_radius_sites": 5.0}
    run = run_one(("none", "wild_type", 0, 2.0, small))
    assert run["error"] is None
    assert run["days"][0] == -14.0 and run["end_day"] == 2.0  # day-14 start, 2 days after
    assert run["best_response"] in ("CR", "PR", "SD", "PD")
    treated = {**run, "arm": "everolimus", "best_relative_volume": 0.3}
    paths = save_course_figures(tmp_path, [run, treated], "test")
    assert [p.name for p in paths] == ["course_growth.png", "waterfall.png", "spider.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
