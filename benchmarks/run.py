"""Speed of the simulator: the tumor step against an idiomatic Mesa reference, the signalling
kernel, memory per cell, and a culture step.

Usage::

    python benchmarks/run.py [--quick] [--out FILE]

Prints tables and writes the figures as JSON (default ``benchmarks/results.json``):

* ``sizes``: the tumor sizes measured (cells at the start of timing); ``engine_step_s`` and
  ``reference_step_s``: seconds per full 1-h tumor step (PK, fields, signalling, fates,
  events) of the engine and of ``benchmarks/reference_mesa.py`` (the same rules written the
  way a Mesa user would by default), measured in the same run, and their ``ratio``
  (reference / engine); the reference only up to 100k cells. Each size runs in its own
  process, so ``bytes_per_cell`` (peak RSS above the empty interpreter's, per cell) is that
  size's own. ``diffusion_s`` is the field solves' share of a step, ``profile`` the top five
  functions by own time (over extra steps: the profiler is off while steps are timed),
  ``scaling_exponent`` the slope of log(step time) on log(cells).
* ``signalling_updates_per_s``: cell-updates per second of one 1-h
  :func:`model.signaling.advance` over N cells of mixed cell types and inputs (per core).
* ``culture``: seconds per step of the culture scenario at ~10k (and ~100k) cells.

``--quick`` stops at 10k cells (about a minute). Targets: engine >= 10x faster
than the reference at 10k and 100k cells; 100k-cell step <= 0.25 s; 1M cells run within
2 KB per cell; kernel >= 5 M updates/s/core; cost no worse than linear in cells.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario
from mtor_abm.model.scenarios.tumor_params import TumorScenario

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
TUMOR_SIZES = (1_000, 10_000, 100_000, 1_000_000)
REFERENCE_MAX_CELLS = 100_000
TUMOR_STEPS = {1_000: 20, 10_000: 10, 100_000: 4, 1_000_000: 2}
REFERENCE_STEPS = {1_000: 5, 10_000: 2, 100_000: 1}
HOST_DENSITY = TumorScenario.normal_density  # host cells per non-tumor site
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


# ------------------------------------------------------------------ tumor: engine vs reference
def tumor_scenario(cells: int, seed: int = 1):
    """A tumor slice holding about ``cells`` cells (a tumor disc in host tissue)."""
    side = math.ceil(math.sqrt(cells / (HOST_DENSITY + 0.05)))
    return TumorScenario(rng=seed, width=side, height=side, seed_radius_sites=max(3.0, side / 6.0))


def measure_one(kind: str, cells: int) -> dict:
    """Time ``kind`` ("engine" or "reference") on a tumor of ``cells`` cells (this process)."""
    from mtor_abm.model.pharmacology import Regime, load_library
    from mtor_abm.model.scenarios.tumor import TumorModel

    if kind == "engine":
        model_class, steps = TumorModel, TUMOR_STEPS[cells]
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from reference_mesa import ReferenceTumorModel

        model_class, steps = ReferenceTumorModel, REFERENCE_STEPS[cells]
    library = load_library()
    sg.reference_levels()
    baseline = peak_rss_mb()  # the interpreter with everything imported, before the tissue
    scenario = tumor_scenario(cells)
    regime = Regime("everolimus", 10.0, "daily")
    start = time.perf_counter()
    model = model_class(scenario, regime, library)
    setup_s = time.perf_counter() - start
    model.step()  # warm up
    n = model.n_cells
    field_time = [0.0]
    if kind == "engine":
        update = model.update_fields

        def timed_update():
            t0 = time.perf_counter()
            update()
            field_time[0] += time.perf_counter() - t0

        model.update_fields = timed_update
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    step_s = (time.perf_counter() - start) / steps
    diffusion_s = field_time[0] / steps
    peak = peak_rss_mb()
    # Where the time goes, from extra steps: a profiler slows a step by ~40 %, so it stays off
    # while the steps above are timed.
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(max(1, steps // 2)):
        model.step()
    profile.disable()
    return {
        "cells": n,
        "sites": scenario.width * scenario.height,
        "setup_s": setup_s,
        "step_s": step_s,
        "diffusion_s": diffusion_s if kind == "engine" else None,
        "peak_rss_mb": peak,
        "bytes_per_cell": (peak - baseline) * 2**20 / n,
        "profile": top_functions(profile, 5),
    }


def top_functions(profile: cProfile.Profile, k: int) -> list[str]:
    """The ``k`` functions with the most own time, as 'seconds  name'."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:k]
    out = []
    for (filename, line, name), (_, _, own, _, _) in rows:
        where = f"{Path(filename).name}:{line}" if line else "builtin"
        out.append(f"{own:8.3f} s  {name} ({where})")
    return out


def measure_in_subprocess(kind: str, cells: int) -> dict:
    """:func:`measure_one` in a fresh interpreter (its own peak memory)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(cells)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0]}
    lines = proc.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {"error": "no output"}


def scaling_exponent(sizes: list[int], times: list[float]) -> float | None:
    """Slope of log(time) against log(cells) (1 = linear)."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def bench_tumor(sizes: tuple[int, ...]) -> dict:
    """Engine and reference at each size, each in its own process; printed as a table."""
    engine, reference = {}, {}
    print(
        f"{'cells':>10} {'engine s/step':>14} {'reference':>11} {'ratio':>7} "
        f"{'fields s':>9} {'bytes/cell':>11}"
    )
    for n in sizes:
        engine[n] = measure_in_subprocess("engine", n)
        if n <= REFERENCE_MAX_CELLS:
            reference[n] = measure_in_subprocess("reference", n)
        e, r = engine[n], reference.get(n, {})
        if "error" in e:
            print(f"{n:>10,} engine failed: {e['error']}")
            continue
        ref = r.get("step_s")
        ratio = ref / e["step_s"] if ref else None
        print(
            f"{e['cells']:>10,} {e['step_s']:>14.4f} "
            f"{(f'{ref:.3f}' if ref else '-'):>11} {(f'{ratio:.0f}x' if ratio else '-'):>7} "
            f"{e['diffusion_s']:>9.4f} {e['bytes_per_cell']:>11,.0f}"
        )
    ok = {n: e for n, e in engine.items() if "error" not in e}
    exponent = scaling_exponent(
        [e["cells"] for e in ok.values()], [e["step_s"] for e in ok.values()]
    )
    if exponent is not None:
        print(f"cost ~ cells^{exponent:.2f} (fit over the engine sizes; 1 = linear)")
    for e in ok.values():
        print(f"engine, {e['cells']:,} cells, top functions by own time over extra profiled steps:")
        for row in e["profile"]:
            print("   " + row)
    return {"engine": engine, "reference": reference, "scaling_exponent": exponent}


# ------------------------------------------------------------------ report
def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB (Linux reports ru_maxrss in kB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10k cells (~1 min)")
    parser.add_argument("--out", type=Path, default=RESULTS_PATH, help="JSON file to write")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "CELLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # internal: one measurement in this fresh process, printed as JSON
        print(json.dumps(measure_one(args.one[0], int(args.one[1]))))
        return 0
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

    print("\nTumor step (everolimus 10 mg daily), engine vs the idiomatic Mesa reference")
    tumor_sizes = tuple(n for n in TUMOR_SIZES if not args.quick or n <= 10_000)
    tumor = bench_tumor(tumor_sizes)

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
    print(f"\npeak RSS of this process (kernel, culture): {rss:,.0f} MB")
    engine_ok = {n: e for n, e in tumor["engine"].items() if "error" not in e}
    ref_ok = {n: r for n, r in tumor["reference"].items() if "error" not in r}
    results = {
        "sizes": [engine_ok[n]["cells"] for n in engine_ok],
        "engine_step_s": {str(e["cells"]): e["step_s"] for e in engine_ok.values()},
        "reference_step_s": {
            str(engine_ok[n]["cells"]): r["step_s"] for n, r in ref_ok.items() if n in engine_ok
        },
        "ratio": {
            str(engine_ok[n]["cells"]): r["step_s"] / engine_ok[n]["step_s"]
            for n, r in ref_ok.items()
            if n in engine_ok
        },
        "bytes_per_cell": {str(e["cells"]): e["bytes_per_cell"] for e in engine_ok.values()},
        "diffusion_s": {str(e["cells"]): e["diffusion_s"] for e in engine_ok.values()},
        "scaling_exponent": tumor["scaling_exponent"],
        "tumor": {"engine": tumor["engine"], "reference": tumor["reference"]},
        "signalling_updates_per_s": updates,
        "signalling_target_updates_per_s_per_core": TARGET_UPDATES_PER_S,
        "signalling_updates_per_s_chunked": {"chunk": KERNEL_CHUNK, **chunked},
        "culture_step_s": {n: r["step_s"] for n, r in cultures.items()},
        "culture": cultures,
        "peak_rss_mb": rss,
        "quick": args.quick,
        "machine": machine,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
