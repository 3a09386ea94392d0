"""Progress on stderr for the long phases of a command: building a model or cohort,
stepping, the twin, the adverse panel, a PK curve, replicates, a sweep's runs, writing the
outputs, figures and reports.

Everything goes to stderr only (stdout stays one JSON object under ``--json``) and appears
only for a phase longer than :data:`DELAY_S`. Counted phases draw a bar that vanishes when
they end; a phase without a count (building a model, writing figures) prints one line when it
has taken :data:`DELAY_S` and one when it ends. The model layer knows nothing of bars: long
model computations take a ``progress(done, total)`` callable, which :func:`reporter` makes.
"""

from __future__ import annotations

import sys
import threading
import time
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


@contextmanager
def phase(label: str, enabled: bool = True):
    """Status lines on stderr for an uncounted phase that lasts more than :data:`DELAY_S`."""
    if not enabled:
        yield
        return
    started = time.perf_counter()
    shown = threading.Event()

    def show() -> None:
        shown.set()
        tqdm.write(f"{label} ...", file=sys.stderr)  # above any bar drawn meanwhile

    timer = threading.Timer(DELAY_S, show)
    timer.daemon = True
    if DELAY_S <= 0:
        show()
    else:
        timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if timer.is_alive():
            timer.join()  # a line being printed is finished before the closing one
        if shown.is_set():
            elapsed = time.perf_counter() - started
            tqdm.write(f"{label}: done in {elapsed:.1f} s", file=sys.stderr)


@contextmanager
def ticking(shown: tqdm, every_s: float = 1.0):
    """Redraw the bar ``shown`` every ``every_s`` seconds while the block runs, so its elapsed
    time moves while one long item (a sweep's case in a pool worker, which reports nothing
    until it ends) is under way."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every_s):
            shown.refresh()  # a closed or disabled bar draws nothing

    thread = threading.Thread(target=tick, name="progress-ticker", daemon=True)
    thread.start()
    try:
        yield shown
    finally:
        stop.set()
        thread.join()
