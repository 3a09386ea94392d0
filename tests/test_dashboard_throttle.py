"""The dashboard's cost-bounded redraws: the readout throttle and the as-fast-as-possible budget."""

from __future__ import annotations

import pytest

from mtor_abm.visualization.dashboard import play
from mtor_abm.visualization.dashboard.throttle import Throttle


class Clock:
    """A wall clock that only moves when told to (a computation 'takes' ``cost`` seconds)."""

    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def counted(clock: Clock, cost: float, calls: list):
    def compute():
        calls.append(clock.t)
        clock.t += cost
        return f"table at {len(calls)}"

    return compute


def test_a_costly_value_takes_at_most_its_share_of_playback():
    clock, calls = Clock(), []
    throttle = Throttle(share=0.1, now=clock)
    compute = counted(clock, 0.35, calls)  # lesson 04's readouts: ~0.35 s
    assert throttle.get(0.0, compute, fresh=False) == (0.0, "table at 1")
    # frames every 0.5 s of wall time; the next computation is due 0.35 / 0.1 = 3.5 s later
    shown = []
    for frame in range(1, 20):
        clock.t = 0.35 + 0.5 * frame
        shown.append(throttle.get(float(frame), compute, fresh=False)[0])
    assert calls == [0.0, 3.85, 7.85]  # 0.35 + 3.5 = 3.85 s: the first frame after it is due
    assert shown[:6] == [0.0] * 6 and shown[6] == 7.0  # the model time the table is at


def test_a_paused_or_final_value_is_always_current():
    clock, calls = Clock(), []
    throttle = Throttle(share=0.1, now=clock)
    compute = counted(clock, 1.0, calls)
    throttle.get(0.0, compute, fresh=False)
    assert throttle.get(1.0, compute, fresh=True) == (1.0, "table at 2")
    # the same key never recomputes, fresh or not
    assert throttle.get(1.0, compute, fresh=True) == (1.0, "table at 2") and len(calls) == 2


def test_a_cheap_value_is_recomputed_every_frame():
    clock, calls = Clock(), []
    throttle = Throttle(share=0.1, now=clock)
    compute = counted(clock, 0.01, calls)
    for frame in range(5):
        clock.t = 0.5 * frame
        assert throttle.get(frame, compute, fresh=False)[0] == frame
    assert len(calls) == 5


def test_fastest_budget_counts_the_whole_redraw_and_round_trip():
    """The browser asks for the next frame at once when a frame took longer than its period,
    so everything between the end of stepping and the next tick is drawing: with a 0.4 s
    redraw the next frame steps DRAW_SHARE x 0.4 s, not DRAW_SHARE x (0.4 - 1/fps)."""
    clock = Clock()
    pc = play.PlayClock(now=clock)
    speed = play.SPEEDS[play.FASTEST]
    assert pc.budget(speed) == speed.budget_s  # first frame
    pc.frame_done = 10.0
    clock.t = 10.4
    assert pc.budget(speed) == pytest.approx(play.DRAW_SHARE * 0.4)
    assert speed.budget_s < play.DRAW_SHARE * 0.4
    pc.frame_done = 20.0
    clock.t = 20.07  # a cheap redraw: the floor holds
    assert pc.budget(speed) == speed.budget_s
