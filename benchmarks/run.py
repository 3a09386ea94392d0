"""Speed of the simulator: the signalling kernel, a culture step, and memory.

Usage::

    python benchmarks/run.py [--quick]

Prints a table and writes the figures to ``benchmarks/results.json``:

* signalling kernel: cell-updates per second of one 1-h :func:`model.signaling.advance`
  (default sub-step) over N cells of mixed cell types and inputs, best of a few repeats, at
  10k, 100k and 1M cells. NumPy elementwise operations run on one thread, so the figure is
  per core. Target: >= 5 million cell-updates per second per core.
* culture scenario: seconds per 1-h step at ~10k and ~100k cells (a dish of twice as many
  sites, seeded with that many cells), setup time apart, and the time of each phase.
* peak resident memory of the process at the end.

``--quick`` skips the 1M-cell kernel and the 100k-cell culture.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from model import signaling as sg
from model.pharmacology import Regime
from model.scenarios.culture import CultureModel, CultureScenario

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
TARGET_UPDATES_PER_S = 5e6
KERNEL_SIZES = (10_000, 100_000, 1_000_000)
#: Cells per ``advance`` call in the chunked variant (keeps ~30 arrays within L2/L3 cache).
KERNEL_CHUNK = 16_384
CULTURE_SIZES = (10_000, 100_000)
PHASES = ("dose_and_pk", "update_fields", "sense_inputs", "signal", "decide_fates", "apply_events")
#: Above this estimated setup time the culture is seeded with one shared steady state.


# ------------------------------------------------------------------ signalling kernel
def mixed_cells(n: int, rng: np.random.Generator):
    """State, parameters and inputs of ``n`` cells of mixed cell types and conditions."""
    types = list(sg.CELL_TYPES)
    type_of = rng.integers(len(types), size=n)
    per_type = [sg.cell_type_params(name) for name in types]
    params = {k: np.array([row[k] for row in per_type])[type_of] for k in sg.PARAM_NAMES}
    steady = [sg.new_state(1, row) for row in per_type]
    state = {k: np.array([st[k][0] for st in steady])[type_of] for k in sg.STATE_NAMES}
    treated = rng.random(n) < 0.5
    inputs = sg.Inputs(
        growth_factor=rng.uniform(0.2, 1.5, n),
        amino_acids=rng.uniform(0.1, 1.2, n),
        energy=rng.uniform(0.6, 1.0, n),
        occ_frb=np.where(treated, rng.uniform(0.0, 1.0, n), 0.0),
        inh_mtorc1=np.where(~treated, rng.uniform(0.0, 1.0, n), 0.0),
        inh_mtorc2=np.where(~treated, rng.uniform(0.0, 1.0, n), 0.0),
    )
    return state, params, inputs


def bench_kernel(n: int, repeats: int, chunk: int | None = None) -> float:
    """Best cell-updates per second of a 1-h ``advance`` over ``n`` cells.

    With ``chunk``, ``advance`` is called on consecutive slices of ``chunk`` cells (views, so
    the state is still updated in place): the working set then stays in cache.
    """
    state, params, inputs = mixed_cells(n, np.random.default_rng(0))
    step = chunk or n
    slices = [slice(a, a + step) for a in range(0, n, step)]
    calls = [
        (
            {k: v[sl] for k, v in state.items()},
            {k: v[sl] for k, v in params.items()},
            sg.Inputs(*(x[sl] for x in inputs)),
        )
        for sl in slices
    ]
    times = []
    for _ in range(repeats + 1):  # the first pass warms up
        start = time.perf_counter()
        for s, p, i in calls:
            sg.advance(s, p, i, 1.0)
        times.append(time.perf_counter() - start)
    return n / min(times[1:])


def verdict(rate: float) -> str:
    """Whether a kernel rate meets the per-core target."""
    return "ok" if rate >= TARGET_UPDATES_PER_S else "BELOW TARGET"


# ------------------------------------------------------------------ culture scenario
def dish(cells: int, seed: int = 1) -> CultureScenario:
    """A square dish with about twice as many sites as ``cells``, seeded with ``cells``."""
    side = math.ceil(math.sqrt(2 * cells))
    return CultureScenario(rng=seed, width=side, height=side, initial_cells=cells)


def timed_phases(model: CultureModel) -> dict[str, float]:
    """Wrap the model's phase methods so that each one adds its run time to the dict."""
    spent = dict.fromkeys(PHASES, 0.0)
    for name in PHASES:
        method = getattr(model, name)

        def timed(*args, _method=method, _name=name):
            start = time.perf_counter()
            result = _method(*args)
            spent[_name] += time.perf_counter() - start
            return result

        setattr(model, name, timed)
    return spent


def bench_culture(cells: int, steps: int) -> dict:
    """Setup time, mean step time and per-phase times of a culture of ``cells`` cells."""
    start = time.perf_counter()
    model = CultureModel(dish(cells), Regime("sirolimus", 0, "fixed", conc_nM=10.0))
    setup_s = time.perf_counter() - start
    model.step()  # warm up (first-call allocations)
    spent = timed_phases(model)
    n_start = model.n_cells
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return {
        "cells": n_start,
        "cells_after": model.n_cells,
        "sites": model.scenario.width * model.scenario.height,
        "setup_s": setup_s,
        "step_s": sum(times) / steps,
        "step_best_s": min(times),
        "phase_s": {name: t / steps for name, t in spent.items()},
    }


# ------------------------------------------------------------------ report
def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB (Linux reports ru_maxrss in kB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 1M kernel, 100k culture")
    args = parser.parse_args(argv)
    kernel_sizes = KERNEL_SIZES[:2] if args.quick else KERNEL_SIZES
    culture_sizes = CULTURE_SIZES[:1] if args.quick else CULTURE_SIZES
    machine = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "load_average_1min": os.getloadavg()[0],
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }
    print(f"machine: {machine['cpu_count']} CPUs, Python {machine['python']}, ", end="")
    print(f"NumPy {machine['numpy']}, {machine['platform']}")
    print(
        f"load average (1 min) at start: {machine['load_average_1min']:.2f}; "
        f"OPENBLAS_NUM_THREADS={machine['openblas_num_threads']}"
    )

    print("\nSignalling kernel: one 1-h advance (default sub-step), mixed cell types and inputs")
    print("NumPy elementwise is single-threaded: figures are per core (best of repeats).")
    print(f"{'cells':>10} {'s per 1-h step':>15} {'updates/s/core':>15}  target >= 5.0M")
    updates, chunked = {}, {}
    for n in kernel_sizes:
        rate = bench_kernel(n, repeats=5 if n <= 100_000 else 3)
        updates[str(n)] = rate
        print(f"{n:>10,} {n / rate:>15.4f} {rate / 1e6:>14.2f}M  {verdict(rate)}")
    for n in kernel_sizes[1:]:
        rate = bench_kernel(n, repeats=3, chunk=KERNEL_CHUNK)
        chunked[str(n)] = rate
        label = f"calls of {KERNEL_CHUNK:,}"
        print(f"{n:>10,} {label:>15} {rate / 1e6:>14.2f}M  {verdict(rate)}")

    print("\nCulture scenario (sirolimus 10 nM held; dish of ~2 sites per cell)")
    cultures = {}
    for n in culture_sizes:
        cultures[str(n)] = bench_culture(n, steps=10 if n <= 10_000 else 4)
    print(f"{'cells':>10} {'sites':>9} {'setup (s)':>10} {'step mean (s)':>14} {'best (s)':>9}")
    for r in cultures.values():
        sizes = f"{r['cells']:>10,} {r['sites']:>9,}"
        print(f"{sizes} {r['setup_s']:>10.2f} {r['step_s']:>14.4f} {r['step_best_s']:>9.4f}")
    print("per phase, mean s per step:")
    print(f"{'cells':>10} " + " ".join(f"{name:>13}" for name in PHASES))
    for r in cultures.values():
        print(f"{r['cells']:>10,} " + " ".join(f"{r['phase_s'][k]:>13.4f}" for k in PHASES))

    rss = peak_rss_mb()
    print(f"\npeak RSS: {rss:,.0f} MB")
    results = {
        "signalling_updates_per_s": updates,
        "signalling_target_updates_per_s_per_core": TARGET_UPDATES_PER_S,
        "signalling_updates_per_s_chunked": {"chunk": KERNEL_CHUNK, **chunked},
        "culture_step_s": {n: r["step_s"] for n, r in cultures.items()},
        "culture": cultures,
        "peak_rss_mb": rss,
        "quick": args.quick,
        "machine": machine,
    }
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {RESULTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
