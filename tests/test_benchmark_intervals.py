"""The interval helpers of benchmarks/transplant_trough_response.py against hand values.

The t interval is checked with the tabulated two-sided 95 % Student t quantiles (t(0.975, 2) =
4.303, t(0.975, 7) = 2.365; any t table), the Wilson interval with its closed form
(Wilson 1927 J Am Stat Assoc 22:209) and two cases worked by hand: 0/8 (upper bound
z^2 / (n + z^2) = 0.3244) and 3/10 (centre 0.3555, half width 0.2477: 0.108-0.603).
"""

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.transplant_trough_response import clip, t_interval, wilson

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
