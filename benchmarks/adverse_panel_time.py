"""Adverse panel cost for long arms, and what it takes from playback.

Prints the seconds one 1500-day panel takes per regime, then the steps per second of a small
aging run stepped alone and while the Compare page's thread computes the panels of two
1500-day arms (the page computes them in a thread beside the play loop). Run:
``python benchmarks/adverse_panel_time.py`` (about a minute on the 2-core machine).
"""

from __future__ import annotations

import threading
import time

from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.regimes import build_regime
from mtor_abm.visualization.dashboard.state import ArmSpec, Run

DAYS = 1500.0


def regimes(lib):
    return {
        "sirolimus held 4.4 nM from day 300": build_regime(
            lib, "sirolimus", conc_nM=4.4, start_day=300.0
        ),
        "sirolimus 2 mg daily": build_regime(
            lib, "sirolimus", dose_mg=2.0, schedule="daily", start_day=0.0
        ),
        "everolimus 10 mg weekly": build_regime(
            lib, "everolimus", dose_mg=10.0, schedule="weekly", start_day=0.0
        ),
    }


def steps_per_s(run: Run, seconds: float) -> float:
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        run.step(1)
        n += 1
    return n / (time.perf_counter() - t0)


def main() -> None:
    lib = load_library()
    for name, regime in regimes(lib).items():
        t0 = time.perf_counter()
        adverse_panel(regime, DAYS, lib)
        print(f"panel {name:36s} {DAYS:g} days: {time.perf_counter() - t0:5.1f} s")
    arms = [ArmSpec("daily", "sirolimus", 2.0, "daily", 0.0),
            ArmSpec("weekly", "everolimus", 10.0, "weekly", 0.0)]  # fmt: skip
    run = Run("aging", arms, {"organisms": 4}, seed=0)
    alone = steps_per_s(run, 8.0)
    worker = threading.Thread(target=run.adverse_panels, args=(DAYS,))
    t0 = time.perf_counter()
    worker.start()
    n = 0
    while worker.is_alive():
        run.step(1)
        n += 1
    busy = time.perf_counter() - t0
    print(f"aging playback alone: {alone:.1f} steps/s; while the panels compute: "
          f"{n / busy:.1f} steps/s for {busy:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
