"""Benchmark: the default tumor run (untreated, 180 days, treatment baseline day 14).

Prints wall time, ms per step (overall and over the last simulated week, when the tumor is
largest), cells at the end, the RECIST response from the day-14 baseline (best response and
time to progression) and the solver's work. Usage::

    python benchmarks/tumor_run.py [--days 180] [--seed 0] [--drug none]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mtor_abm.model.pharmacology import UNTREATED, default_regime, load_library
from mtor_abm.model.recist import relative_volume
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario
from mtor_abm.model.scenarios.tumor_readouts import tumor_readouts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drug", default="none")
    args = parser.parse_args()
    library = load_library()
    regime = UNTREATED
    if args.drug != "none":
        regime = default_regime(args.drug, library, DEFAULT_START_DAY)
    t0 = time.perf_counter()
    model = TumorModel(TumorScenario(rng=args.seed), regime, library)
    build_s = time.perf_counter() - t0
    steps = round(args.days * 24 / model.dt_h)
    last_week = min(steps, 7 * 24)
    t1 = time.perf_counter()
    for _ in range(steps - last_week):
        model.step()
    t2 = time.perf_counter()
    for _ in range(last_week):
        model.step()
    t3 = time.perf_counter()
    wall = t3 - t0
    print(
        f"tumor {args.drug}, {args.days:g} days, seed {args.seed}, "
        f"{model.grid.width} x {model.grid.height} sites"
    )
    print(f"  wall time            {wall:.1f} s (build {build_s:.1f} s)")
    print(
        f"  ms per step          {(t3 - t1) / steps * 1e3:.1f} "
        f"(last week {(t3 - t2) / last_week * 1e3:.1f})"
    )
    print(
        f"  cells at end         {model.n_tumor} tumor, {model.n_cells} live, "
        f"{int(model.necrotic.sum())} necrotic sites, {int(model.vessels.sum())} vessels"
    )
    out = tumor_readouts(model, None, model.timeseries())
    start, final = out["tumor_cells_at_start"], out["tumor_cells_final"]
    # RECIST is judged on the volume-equivalent (model.recist), not on the cell ratio
    volume = f"{100 * (float(relative_volume(final, start)) - 1):+.0f} %" if start else "n/a"
    cells = f"x{out['relative_size']:.2f}" if out["relative_size"] is not None else "n/a"
    print(
        f"  response             {out['response']} (volume-equivalent {volume}, cells {cells} "
        f"from {start} tumor cells at day {DEFAULT_START_DAY:g})"
    )
    series = model.timeseries()
    cells = np.asarray(series["tumor_cells"], dtype=float)
    after = np.asarray(series["time_h"], dtype=float) >= model.baseline_h - 1e-9
    best = float(relative_volume(cells[after].min(), cells[after][0])) if start else None
    ttp = out["time_to_progression_days"]
    print(
        f"  best response        volume-equivalent {100 * (best - 1):+.0f} %, time to "
        f"progression {'none' if ttp is None else f'{ttp:.1f} days'}"
        if best is not None
        else "  best response        n/a"
    )
    print(
        "  CG iterations/solve  "
        + ", ".join(f"{k} {s.iterations / max(1, s.solves):.1f}" for k, s in model.solvers.items())
    )


if __name__ == "__main__":
    main()
