"""Benchmark: the default transplant run (30 days, untreated and sirolimus 2 mg/day).

Prints wall time, ms per step and the T-cell peak of each arm. Run:
``python benchmarks/transplant_run.py [--days N] [--seed N]``.
"""

from __future__ import annotations

import argparse
import time

from mtor_abm.model.pharmacology import UNTREATED, Regime
from mtor_abm.model.scenarios.transplant import TransplantModel
from mtor_abm.model.scenarios.transplant_params import TransplantScenario
from mtor_abm.model.scenarios.transplant_readouts import transplant_readouts


def bench(regime: Regime, days: float, seed: int) -> dict:
    """Build and step one default transplant model; timings and a few readouts."""
    t0 = time.perf_counter()
    model = TransplantModel(TransplantScenario(rng=seed), regime)
    built = time.perf_counter()
    steps = round(days * 24 / model.dt_h)
    for _ in range(steps):
        model.step()
    done = time.perf_counter()
    series = model.timeseries()
    readouts = transplant_readouts(model, None, series)
    return {
        "build_s": built - t0,
        "run_s": done - built,
        "ms_per_step": 1000.0 * (done - built) / steps,
        "tcell_peak": readouts["tcell_peak"],
        "graft_surviving_fraction": readouts["graft_surviving_fraction"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    arms = {
        "untreated": UNTREATED,
        "sirolimus 2 mg/day": Regime("sirolimus", 2.0, "daily", loading_dose_mg=6.0),
    }
    print(f"transplant, {args.days:g} days, seed {args.seed}, default 44x44 tissue")
    for name, regime in arms.items():
        r = bench(regime, args.days, args.seed)
        print(
            f"{name:20s} wall {r['build_s'] + r['run_s']:6.2f} s (build {r['build_s']:.2f} s)"
            f"  {r['ms_per_step']:6.2f} ms/step  T-cell peak {r['tcell_peak']:5d}"
            f"  graft surviving {r['graft_surviving_fraction']:.2f}"
        )


if __name__ == "__main__":
    main()
