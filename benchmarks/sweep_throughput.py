"""Sweep throughput: runs per second with 1 and 2 local workers, and the cost of Dask.

Usage::

    python benchmarks/sweep_throughput.py [--runs N] [--days D]

Runs the same culture sweep (N runs of D days, a 30 x 30 dish, sirolimus at held
concentrations) three ways, each from a fresh directory, and prints wall time and runs per
second for each:

* local, 1 worker (in this process);
* local, 2 workers (a ``forkserver`` process pool; its start-up, ~1 s, is included, so
  short sweeps understate the steady-state speed-up);
* Dask, a ``LocalCluster`` of 2 single-threaded worker processes on 127.0.0.1 (cluster
  start-up reported apart, not included).

Target: 2 workers >= 1.8x the runs per second of 1 worker on a machine with 2 free cores.
Each line also gives the mean wall time of one run inside the sweep: when it grows with the
worker count, the cores were busy with other work and the speed-up says little.
The Dask overhead is its wall time over the 2-worker pool's. On a shared machine other
processes take CPU too, and the ratios come out lower than the hardware allows.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from mtor_abm.experiments.sweep import run_sweep

TARGET_SPEEDUP = 1.8
SPEC = """
scenario = "culture"
days = {days}
seed = 5
replicates = {replicates}
[set]
width = 30
height = 30
initial_cells = 60
[[regimes]]
drug = "sirolimus"
conc = [1, 10, 100, 1000]
"""


def timed_sweep(spec: Path, out: Path, **backend) -> tuple[float, float]:
    """Wall time (s) of one complete sweep and the mean wall time of one run in it (s)."""
    start = time.perf_counter()
    run_sweep(spec, out, progress=False, **backend)
    wall = time.perf_counter() - start
    per_run = [json.loads(p.read_text())["elapsed_s"] for p in (out / "runs").glob("*.json")]
    return wall, sum(per_run) / len(per_run)


def pool_start_seconds(workers: int = 2) -> float:
    """Seconds to start the sweep backend's fork server and pool (the same preload), once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    start = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mtor_abm.experiments.backends"])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(abs, range(workers)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=48, help="runs per sweep (multiple of 4)")
    parser.add_argument("--days", type=float, default=6.0, help="days per run")
    args = parser.parse_args()
    replicates = max(1, args.runs // 4)
    n_runs = 4 * replicates

    from dask.distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = tmp / "bench.toml"
        spec.write_text(SPEC.format(days=args.days, replicates=replicates))
        times = {"local, 1 worker": timed_sweep(spec, tmp / "w1", workers=1)}
        pool_start = pool_start_seconds()
        times["local, 2 workers"] = timed_sweep(spec, tmp / "w2", workers=2)
        start = time.perf_counter()
        cluster = LocalCluster(
            processes=True,
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
        cluster_start = time.perf_counter() - start
        with cluster:
            times["dask, 2 workers"] = timed_sweep(
                spec, tmp / "dask", scheduler=cluster.scheduler_address
            )
        same = {(tmp / d / "results.parquet").read_bytes() for d in ("w1", "w2", "dask")}

    print(
        f"culture sweep: {n_runs} runs of {args.days:g} days, 30 x 30 dish, {os.cpu_count()} CPUs"
    )
    for name, (seconds, per_run) in times.items():
        print(
            f"  {name:18s} {seconds:7.1f} s  {n_runs / seconds:6.2f} runs/s  "
            f"(one run: {per_run:.2f} s)"
        )
    speedup = times["local, 1 worker"][0] / times["local, 2 workers"][0]
    overhead = times["dask, 2 workers"][0] / times["local, 2 workers"][0]
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "below"
    print(f"  speed-up 2 vs 1 worker: {speedup:.2f}x ({verdict} the {TARGET_SPEEDUP}x target)")
    with_start = times["local, 1 worker"][0] / (times["local, 2 workers"][0] + pool_start)
    print(
        f"  pool start-up {pool_start:.1f} s (once per process, not included above); "
        f"end to end with it: {with_start:.2f}x"
    )
    print(
        f"  Dask / local pool wall time: {overhead:.2f}x "
        f"(cluster start {cluster_start:.1f} s, not included)"
    )
    print(f"  identical results.parquet on all three: {len(same) == 1}")
    load = os.getloadavg()[0]
    print(f"  1-min load average at the end: {load:.1f} (other processes share the CPUs)")
    print("  (one run taking longer with 2 workers than with 1 means the 2 cores were not free)")


if __name__ == "__main__":
    main()
