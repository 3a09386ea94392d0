"""Dashboard responsiveness: milliseconds per step + redraw, as the page does it.

One "frame" = one model step, the tissue image (RGBA -> PNG, shared colour scale), the
time-series chart and the PK "now" line (SVG text; the PK curve itself is drawn once per
regime), i.e. what the page redraws. Prints
culture at 100x100 (2,000 cells seeded), the three-arm compare view of it, and every other
registered scenario at its defaults.

    python benchmarks/dashboard_step.py [--frames N]
"""

from __future__ import annotations

import argparse
import time

from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.visualization.dashboard import views
from mtor_abm.visualization.dashboard.charts import now_line_svg
from mtor_abm.visualization.dashboard.plots import timeseries_svg
from mtor_abm.visualization.dashboard.state import ArmSpec, Run


def frame(run: Run, option: str, plot: str | None) -> tuple[float, float]:
    """One step and one redraw; returns (step ms, redraw ms)."""
    t0 = time.perf_counter()
    run.step()
    t1 = time.perf_counter()
    scale = views.shared_scale(run.models, option)
    for model in run.models:
        views.png_bytes(views.tissue_rgba(model, option, scale))
    series = run.timeseries()
    column = plot if plot in series[0] else next(c for c in series[0] if c != "time_h")
    labels = [a.spec.label for a in run.arms]
    timeseries_svg(series, labels, column, 24.0 * run.spec.default_days)
    now_line_svg(run.hours / 24.0, (0.0, run.spec.default_days))
    return 1e3 * (t1 - t0), 1e3 * (time.perf_counter() - t1)


def measure(label: str, run: Run, frames: int, option: str = "pS6K", plot: str = "cells"):
    frame(run, option, plot)  # warm-up (first figure, caches)
    steps, draws = [], []
    for _ in range(frames):
        s, d = frame(run, option, plot)
        steps.append(s)
        draws.append(d)
    n = int((run.models[0].category_layer()[0] >= 0).sum())
    step, draw = sorted(steps)[len(steps) // 2], sorted(draws)[len(draws) // 2]
    print(
        f"{label:42s} {n:7d} sites occupied  step {step:7.1f} ms  redraw {draw:6.1f} ms  "
        f"total {step + draw:7.1f} ms (median of {frames})"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=10)
    args = p.parse_args()
    big = {"width": 100, "height": 100, "initial_cells": 2000}
    measure("culture 100x100, one arm", Run("culture", [ArmSpec("x")], big), args.frames)
    arms = [ArmSpec("untreated"), ArmSpec("sirolimus", "sirolimus"), ArmSpec("torin1", "torin1")]
    measure("culture 100x100, compare 3 arms", Run("culture", arms, big), args.frames)
    for name in SCENARIOS:
        if name == "culture":
            continue
        try:
            run = Run(name, [ArmSpec("x")])
        except Exception as err:  # a scenario still being built elsewhere
            print(f"{name:42s} could not be built: {err}")
            continue
        measure(f"{name} at its defaults, one arm", run, args.frames)


if __name__ == "__main__":
    main()
