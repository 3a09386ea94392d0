"""The helpers of benchmarks/transplant_trough_response.py against hand values.

The t interval is checked with the tabulated two-sided 95 % Student t quantiles (t(0.975, 2) =
4.303, t(0.975, 7) = 2.365; any t table), the Wilson interval with its closed form
(Wilson 1927 J Am Stat Assoc 22:209) and two cases worked by hand: 0/8 (upper bound
z^2 / (n + z^2) = 0.3244) and 3/10 (centre 0.3555, half width 0.2477: 0.108-0.603).
The fixed-dose troughs are checked against the troughs the monitoring code
(:func:`model.tdm.titrate`) measures for the label's 6 mg + 2 mg/day and against linear PK
(a dose and its loading dose scaled by k scale every level by k); the EC50 against a
log-midpoint worked by hand.
"""

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.transplant_trough_response import (
    Arm,
    arm_regime,
    arm_troughs,
    clip,
    graft_ec50,
    t_interval,
    wilson,
)
from mtor_abm.model.pharmacology import load_library

Z = 1.959964  # two-sided 95 % normal quantile


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_t_interval_of_three_values_uses_t_with_two_degrees_of_freedom():
    # mean 2, sd 1, n 3: half width 4.303 / sqrt(3) = 2.484
    mean, lo, hi = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert lo == pytest.approx(2.0 - 4.303 / math.sqrt(3), abs=1e-3)
    assert hi == pytest.approx(2.0 + 4.303 / math.sqrt(3), abs=1e-3)


def test_t_interval_of_eight_seeds():
    # 0..7: mean 3.5, sd sqrt(6) = 2.449 (sum of squares 42 / 7); half 2.365 * 2.449 / sqrt(8)
    mean, lo, hi = t_interval([float(v) for v in range(8)])
    half = 2.365 * math.sqrt(6.0) / math.sqrt(8.0)
    assert mean == 3.5
    assert (lo, hi) == pytest.approx((3.5 - half, 3.5 + half), abs=2e-3)


def test_t_interval_without_spread_or_values():
    assert t_interval([0.4, 0.4]) == (0.4, 0.4, 0.4)
    mean, lo, hi = t_interval([5.0])
    assert mean == 5.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in t_interval([]))


@pytest.mark.parametrize("k, n", [(0, 8), (3, 10), (5, 8), (8, 8)])
def test_wilson_matches_the_closed_form(k, n):
    p, lo, hi = wilson(k, n)
    assert p == k / n
    assert (lo, hi) == pytest.approx(wilson_by_hand(k, n), abs=1e-6)


def test_wilson_textbook_values():
    # 0/8: upper bound z^2 / (n + z^2) = 3.8415 / 11.8415; 3/10: 0.108-0.603
    assert wilson(0, 8)[1:] == pytest.approx((0.0, 3.8415 / 11.8415), abs=1e-4)
    assert wilson(3, 10)[1:] == pytest.approx((0.108, 0.603), abs=1e-3)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_clip_bounds_only():
    assert clip((0.9, 0.7, 1.2), 0.0, 1.0) == (0.9, 0.7, 1.0)
    assert clip((1.0, -3.0, 5.0), 0.0) == (1.0, 0.0, 5.0)
    m, lo, hi = clip((1.0, math.nan, math.nan), 0.0, 1.0)
    assert m == 1.0 and math.isnan(lo) and math.isnan(hi)


def test_fixed_dose_troughs_match_the_monitoring_and_scale_with_the_dose():
    library = load_library()
    # the 5-10 arm keeps its starting regimen (in range on day 7), the label's 6 mg loading and
    # 2 mg/day, so its measurements on days 7 and 14 are the fixed 2 mg/day arm's pre-dose levels
    monitored = arm_regime(library, Arm("sirolimus", (5.0, 10.0)), 30.0).dose_steps
    assert monitored[0][2] == 2.0 and monitored[0][0] == 7.0 and monitored[1][0] == 14.0
    d7, _ = arm_troughs(arm_regime(library, Arm("sirolimus", dose_mg=2.0), 30.0), library, 30.0)
    assert d7 == pytest.approx(monitored[0][1], rel=1e-9)
    _, day14 = arm_troughs(arm_regime(library, Arm("sirolimus", dose_mg=2.0), 15.0), library, 15.0)
    assert day14 == pytest.approx(monitored[1][1], rel=1e-9)
    low = arm_troughs(arm_regime(library, Arm("sirolimus", dose_mg=0.1), 30.0), library, 30.0)
    high = arm_troughs(arm_regime(library, Arm("sirolimus", dose_mg=2.0), 30.0), library, 30.0)
    assert low == pytest.approx((0.05 * high[0], 0.05 * high[1]), rel=1e-9)


def _row(arm, trough, graft):
    return arm, trough, {"graft": (graft, graft, graft)}


def test_graft_ec50_is_the_log_midpoint_between_the_arms_around_half_effect():
    # untreated 0, monitored plateau 0.8: half effect 0.4, halfway between 0.2 at 0.5 ng/mL
    # and 0.6 at 2 ng/mL: log-midpoint sqrt(0.5 * 2) = 1 ng/mL
    rows = [
        _row(Arm(), 0.0, 0.0),
        _row(Arm("sirolimus", dose_mg=0.1), 0.5, 0.2),
        _row(Arm("sirolimus", dose_mg=0.5), 2.0, 0.6),
        _row(Arm("sirolimus", (5.0, 10.0)), 7.0, 0.7),
        _row(Arm("sirolimus", (10.0, 15.0)), 12.0, 0.9),
        _row(Arm("tacrolimus", (4.0, 11.0)), 7.0, 0.0),  # not sirolimus: left out
    ]
    e = graft_ec50(rows)
    assert (e["plateau"], e["half"]) == pytest.approx((0.8, 0.4))
    assert e["ec50"] == pytest.approx(1.0)
    assert e["bracket"] == (0.5, 2.0) and e["monotone"] and e["fall"] is None


def test_graft_ec50_below_the_lowest_arm_and_non_monotone():
    rows = [
        _row(Arm(), 0.0, 0.1),
        _row(Arm("sirolimus", dose_mg=0.1), 0.3, 0.9),
        _row(Arm("sirolimus", dose_mg=0.5), 1.4, 0.7),
        _row(Arm("sirolimus", (5.0, 10.0)), 7.0, 0.9),
    ]
    e = graft_ec50(rows)
    assert math.isnan(e["ec50"]) and e["bracket"] == (0.0, 0.3)
    # 0.9 at 0.3 ng/mL falls to 0.7 at 1.4 ng/mL; the zero-width intervals do not overlap
    assert not e["monotone"] and e["fall"] == (pytest.approx(0.2), 0.3, 1.4, False)
