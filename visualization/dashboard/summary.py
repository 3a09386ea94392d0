"""Replicate summaries: one readout over an arm's replicate seeds as mean and spread.

The page's readout table and a lesson's explanation both show a readout this way, so the
numbers a student reads in the explanation are the ones in the table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mtor_abm.visualization.numbers import duration, mean_spread, missing_words, row_in_days


@dataclass(frozen=True)
class Summary:
    """A readout over replicates.

    Attributes:
        values: the replicates' finite values.
        n: number of replicates.
        missing: replicates without a value (for a ``*_day`` readout: the event never came).
        name: the readout's name (decides how a missing value reads).
    """

    values: tuple[float, ...]
    n: int
    missing: int = 0
    name: str = ""
    boolean: bool = False
    counts: bool = False  # every value a whole number (cell counts): a whole mean reads "80"
    setup: Mapping[str, Any] | None = None  # the run's scenario parameters (what it set up)
    run_h: float | None = None  # how long the run has gone, h (an unseen event: "not within")
    in_days: bool | None = None  # a ``*_h`` time: its row's unit (None: from its own mean)

    @property
    def mean(self) -> float | None:
        """Mean of the finite values, or None when there are none."""
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def sd(self) -> float | None:
        """Sample standard deviation (n - 1) of the finite values; None for fewer than 2."""
        if len(self.values) < 2:
            return None
        m = self.mean
        return math.sqrt(sum((v - m) ** 2 for v in self.values) / (len(self.values) - 1))

    def text(self, decimals: int | None = None) -> str:
        """``mean ± SD`` (one replicate: the value), with how many had no value; numbers as
        :mod:`mtor_abm.visualization.numbers` shows them (a ``*_h`` time in days above 72 h)."""
        alone, partial = missing_words(self.name, self.setup, self.run_h)
        if not self.values:
            return alone
        if self.boolean:
            yes = int(sum(self.values))
            return ("yes" if yes else "no") if self.n == 1 else f"{yes} of {self.n}"
        if decimals is None and self.counts and float(self.mean).is_integer():
            decimals = 0  # 80 cells, not "80.0"
        if self.name.endswith("_h") and decimals is None:
            shown = duration(self.mean, self.sd, in_days=self.in_days)
        else:
            shown = mean_spread(self.mean, self.sd, decimals)
        if self.missing:
            shown += f" ({partial} in {self.missing} of {self.n})"
        return shown


def summarise(
    values: list,
    name: str = "",
    setup: Mapping[str, Any] | None = None,
    run_h: float | None = None,
) -> Summary | None:
    """Summary of one readout's replicate values (numbers, bools as 0/1, or None/NaN);
    ``setup``: the run's scenario parameters (a missing event it did not set up reads ``n/a``);
    ``run_h``: how long the run has gone, h (an event not seen reads ``not within 20.0
    days``, not ``never``).

    Returns None when the readout is not a number (e.g. a list of lifespans).
    """
    finite, missing = [], 0
    boolean = bool(values) and all(isinstance(v, bool) for v in values)
    for v in values:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            missing += 1
        elif isinstance(v, bool | int | float):
            finite.append(float(v))
        else:
            return None
    counts = not boolean and all(
        isinstance(v, int) or v is None or (isinstance(v, float) and not math.isfinite(v))
        for v in values
    )
    return Summary(
        tuple(finite), len(values), missing, name, boolean, counts and bool(finite), setup, run_h
    )


def readout_table(
    replicates: list[list[dict]],
    setup: Mapping[str, Any] | None = None,
    run_h: float | None = None,
) -> tuple[list[str], list[list[Summary | None]]]:
    """Readout names (in first-seen order) and, per name, each arm's summary (a ``*_h`` time
    in one unit across its row: ``row_in_days``).

    ``replicates``: per arm, per replicate, the readouts dict (``Run.replicate_readouts``);
    ``setup``: the run's scenario parameters, ``run_h`` how long it has gone (see
    :func:`summarise`).
    """
    names: list[str] = []
    for arm in replicates:
        for rep in arm:
            names += [k for k in rep if k not in names]
    rows = []
    kept = []
    for name in names:
        row = [summarise([rep.get(name) for rep in arm], name, setup, run_h) for arm in replicates]
        if any(s is not None for s in row):
            if name.endswith("_h"):  # one unit per row: days for all when any mean needs them
                in_days = row_in_days([s.mean for s in row if s is not None])
                row = [None if s is None else replace(s, in_days=in_days) for s in row]
            kept.append(name)
            rows.append(row)
    return kept, rows
