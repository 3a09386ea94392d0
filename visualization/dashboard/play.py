"""The play clock: how many model steps each frame takes, apart from how long drawing takes.

A speed is either a *rate* (model steps per second of wall time: the clock owes steps for the
time that passed, so a slow frame is followed by a bigger one and the rate holds), an amount
of tissue time *per frame* (``hours_per_frame``), or *as fast as possible* (each frame steps
for a time budget, then draws once; the budget grows to ``DRAW_SHARE`` times what the last
redraw and its round trip to the browser took, so drawing stays a small share of the run,
which is what a lesson needs to end about as fast as a headless run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Speed:
    """One play speed.

    Attributes:
        fps: frames per second asked of the browser (at most).
        steps_per_s: model steps per wall second (rate speeds), or None.
        hours_per_frame: tissue hours per frame (at least one step), or None.
        budget_s: stepping time per frame for "as fast as possible", or None.
    """

    fps: float
    steps_per_s: float | None = None
    hours_per_frame: float | None = None
    budget_s: float | None = None


FASTEST = "as fast as possible"
SPEEDS = MappingProxyType(
    {
        "slow (2 steps/s)": Speed(fps=2.0, steps_per_s=2.0),
        "medium (6 steps/s)": Speed(fps=6.0, steps_per_s=6.0),
        "fast (6 hours per frame)": Speed(fps=8.0, hours_per_frame=6.0),
        "very fast (1 day per frame)": Speed(fps=8.0, hours_per_frame=24.0),
        "1 week per frame (cohorts)": Speed(fps=8.0, hours_per_frame=168.0),
        FASTEST: Speed(fps=20.0, budget_s=1.0),
    }
)
MAX_OWED_S = 1.0
"""A rate speed never owes more than this much wall time of steps (no burst after a stall)."""
DRAW_SHARE = 4.0
"""As fast as possible: each frame steps at least this many times as long as the previous
frame's redraw and round trip took (drawing <= 1/5 of the time). The floor ``budget_s`` of
1 s keeps it far lower: a frame's redraw and round trip take ~0.07 s for the tumor lesson's two
40 x 40 tissues; at the former 0.5 s they were 14 % of its run, and drawing more frames also
takes CPU from the stepping (the browser's and the server's sending), which on a loaded 2-core
machine made the lesson end 1.3-2x later than headless."""


@dataclass
class PlayClock:
    """Counts what a rate speed owes since play started (one per browser session)."""

    started: float | None = None
    steps_done: int = 0
    now: callable = field(default=time.perf_counter, repr=False)
    frame_done: float | None = None  # when the last frame's stepping ended
    overhead_s: float = 0.0  # what the redraw and its round trip to the browser took

    def restart(self) -> None:
        """Forget the past: the next frame starts a new count."""
        self.started, self.steps_done, self.frame_done, self.overhead_s = None, 0, None, 0.0

    def budget(self, speed: Speed) -> float:
        """Stepping time for this frame at an as-fast-as-possible ``speed``."""
        t = self.now()
        if self.frame_done is not None:
            # the browser asks again at once (its period, 1 / fps, is shorter than the
            # budget): all the time since the stepping ended is drawing and round trip
            self.overhead_s = max(0.0, t - self.frame_done)
        return max(speed.budget_s, DRAW_SHARE * self.overhead_s)

    def owed(self, steps_per_s: float) -> int:
        """Steps owed at ``steps_per_s`` since the first frame (at least 1 per frame)."""
        t = self.now()
        if self.started is None:
            self.started, self.steps_done = t, 0
            return 1
        due = int((t - self.started) * steps_per_s) - self.steps_done
        cap = max(1, round(steps_per_s * MAX_OWED_S))
        if due > cap:  # fell behind by more than the cap: drop the excess, keep the rate
            self.started = t - (self.steps_done + cap) / steps_per_s
            due = cap
        return max(0, due)


def frame_steps(speed: Speed, clock: PlayClock, dt_h: float) -> int | None:
    """Steps this frame should take (None: step until ``speed.budget_s`` is used)."""
    if speed.budget_s is not None:
        return None
    if speed.steps_per_s is not None:
        return clock.owed(speed.steps_per_s)
    return max(1, round(speed.hours_per_frame / dt_h))


def play_frame(run, speed: Speed, clock: PlayClock, stop_h: float | None) -> bool:
    """Step ``run`` for one frame at ``speed``, never past ``stop_h``.

    Returns False when the run is at ``stop_h`` (nothing more to play).
    """
    left = None if stop_h is None else round((stop_h - run.hours) / run.dt_h)
    if left is not None and left <= 0:
        return False
    steps = frame_steps(speed, clock, run.dt_h)
    if steps is None:
        end = clock.now() + clock.budget(speed)
        done = 0
        while (left is None or done < left) and (done == 0 or clock.now() < end):
            run.step(1)
            done += 1
        clock.frame_done = clock.now()
    else:
        steps = steps if left is None else min(steps, left)
        run.step(steps)
        clock.steps_done += steps
    return True


def lesson_speed(total_h: float, dt_h: float) -> str:
    """A lesson plays as fast as possible: it ends about as soon as a headless run would."""
    return FASTEST
