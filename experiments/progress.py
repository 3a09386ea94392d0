"""Progress on stderr for the long phases of a run: stepping, the twin, the adverse panel.

Bars go to stderr only (stdout stays one JSON object under ``--json``), appear only for a
phase longer than :data:`DELAY_S` and vanish when it ends. The model layer knows nothing of
bars: long model computations take a ``progress(done, total)`` callable, which
:func:`reporter` makes from a bar.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from tqdm import tqdm

DELAY_S = 3.0
"""A phase shorter than this (s) shows no bar."""


def bar(label: str, total: int, unit: str, enabled: bool = True) -> tqdm:
    """A progress bar on stderr for one phase of ``total`` units."""
    return tqdm(
        total=total,
        desc=label,
        unit=unit,
        file=sys.stderr,
        delay=DELAY_S,
        leave=False,
        disable=not enabled,
        dynamic_ncols=True,
    )


@contextmanager
def reporter(label: str, unit: str, enabled: bool = True):
    """A ``progress(done, total)`` callable drawing a bar for a model computation.

    The total is taken from the first call, so the model decides how to count its work.
    """
    state: dict[str, tqdm] = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = bar(label, total, unit, enabled)
        b = state["bar"]
        b.update(done - b.n)

    try:
        yield progress
    finally:
        if "bar" in state:
            state["bar"].close()
