"""Every packaged drug's label regime on the default tumor for 180 days (seed 0).

A long run is stable when it finishes (the field solver failed near day 109 on everolimus
before tumor v2) and a tumor that is not shrinking keeps its vessel bed (>= half the
pre-existing vessels) and is not mostly necrotic. Prints one line per drug with the relative
tumor size at day 180, the RECIST response and TTP, vessels and necrotic sites, and the wall
time of the run; two runs at a time (``--workers``).

Usage::

    python benchmarks/tumor_all_drugs.py [--days 180] [--seed 0] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mtor_abm.model.pharmacology import UNTREATED, default_regime, load_library
from mtor_abm.model.recist import recist
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario


def run(job: tuple[str, int, int]) -> dict:
    """One drug's run: relative size, response, TTP, vessels, necrosis, wall time."""
    drug, seed, days = job
    library = load_library()
    regime = UNTREATED if drug == "none" else default_regime(drug, library, DEFAULT_START_DAY)
    start = time.perf_counter()
    model = TumorModel(TumorScenario(rng=seed), regime, library)
    error = None
    try:
        for _ in range(days * 24):
            model.step()
    except Exception as err:  # a failed run is reported with its day, not hidden
        error = f"day {model.hours / 24:.1f}: {err}"
    series = model.timeseries()
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["tumor_cells"], dtype=float)
    response, ttp = recist(hours, cells, model.baseline_h)
    base = cells[hours >= model.baseline_h - 1e-9][0]
    stable = cells[-1] < 0.5 * base or (
        model.vessels.sum() >= 0.5 * model.initial_vessels and model.necrotic.sum() < cells[-1]
    )
    return {
        "drug": drug,
        "x": cells[-1] / base,
        "response": response,
        "ttp": ttp,
        "vessels": int(model.vessels.sum()),
        "initial_vessels": int(model.initial_vessels),
        "necrotic": int(model.necrotic.sum()),
        "ok": error is None and stable,
        "error": error,
        "wall_s": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [(drug, args.seed, args.days) for drug in sorted(load_library())]
    print(f"default tumor, seed {args.seed}, {args.days} days, label regimes from day 14")
    print(f"{'drug':14s} {'x180':>6s} {'resp':>4s} {'TTP d':>6s} {'vessels':>11s} "
          f"{'necrotic':>8s} {'wall s':>7s}  stable")  # fmt: skip
    context = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        for r in pool.map(run, jobs):
            ttp = "-" if r["ttp"] is None else f"{r['ttp']:.1f}"
            vessels = f"{r['vessels']}/{r['initial_vessels']}"
            verdict = "yes" if r["ok"] else f"NO {r['error'] or ''}"
            print(f"{r['drug']:14s} {r['x']:6.2f} {r['response']:>4s} {ttp:>6s} {vessels:>11s} "
                  f"{r['necrotic']:8d} {r['wall_s']:7.0f}  {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
