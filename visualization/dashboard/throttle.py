"""A costly redraw kept to a small share of playback time.

Some of what the page shows costs more to compute than a frame's drawing should: the aging
readouts fit a Kaplan-Meier curve per organism cohort and replicate (lifelines), ~0.35 s per
frame for lesson 04's nine cohorts, a third of its stepping time. While the run plays, a
:class:`Throttle` recomputes such a value only when the time since its last computation is at
least ``1 / share`` times what that computation took (a 0.35 s table at most every 3.5 s at
the default share); otherwise the last value is shown with the model time it belongs to. When
the run is paused or at its end (``fresh``) the value is always current.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SHARE = 0.1
"""Largest share of playback wall time a throttled value may take (0.1: at most 10 %)."""


@dataclass
class Throttle:
    """The last computed value of one costly readout and when it was computed.

    Attributes:
        share: largest share of wall time spent recomputing while playing (0 < share <= 1).
        now: wall clock, s (injectable for tests).
    """

    share: float = SHARE
    now: Callable[[], float] = field(default=time.perf_counter, repr=False)
    key: Any = None
    value: Any = None
    _done: float | None = field(default=None, repr=False)
    _cost: float = field(default=0.0, repr=False)

    def get(self, key, compute: Callable[[], Any], fresh: bool) -> tuple[Any, Any]:
        """``(key, value)``: ``compute()`` for ``key`` (a model time, say), or, while playing
        (``fresh`` False) and too soon after the last computation, the last key and value."""
        if self._done is not None and key == self.key:
            return self.key, self.value
        t = self.now()
        due = self._done is None or t - self._done >= self._cost / self.share
        if fresh or due:
            self.value = compute()
            self.key, self._done = key, self.now()
            self._cost = self._done - t
        return self.key, self.value
