"""Faults in sweeps: a local pool worker killed mid-run (a real SIGKILL) or a Dask worker that
disappears; the sweep then finishes (at once, or with --resume) with no run lost or duplicated
and the same results as an undisturbed sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from mtor_abm.experiments.sweep import run_sweep

SPEC = """
scenario = "culture"
days = 2
seed = 3
replicates = 2
[set]
width = 24
height = 24
initial_cells = 40
[axes]
nutrient_level = [0.5, 1.0]
[[regimes]]
drug = "none"
[[regimes]]
drug = "sirolimus"
conc = [1, 10]
"""
N_RUNS = 12


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "spec.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("faults-ref") / "sweep"
    run_sweep(spec, out, workers=1, progress=False)
    return (out / "results.parquet").read_bytes()


def descendants(pid: int) -> dict[int, int]:
    """Descendant process ids of ``pid`` with their depth (1 = child), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    depth = {pid: 0}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in depth and child not in depth:
                depth[child] = depth[parent] + 1
                changed = True
    depth.pop(pid)
    return depth


def runs_done(out: Path) -> int:
    return len(list((out / "runs").glob("0*.json"))) if (out / "runs").is_dir() else 0


def assert_complete_and_same(out: Path, reference: bytes) -> None:
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == N_RUNS and results["run_id"].is_unique
    assert (out / "results.parquet").read_bytes() == reference


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_killed_pool_worker_then_resume_loses_and_duplicates_nothing(spec, reference, tmp_path):
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mtor_abm.experiments",
            "sweep",
            str(spec),
            "--workers",
            "2",
            "--out",
            out,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and runs_done(out) < 2:
        time.sleep(0.05)
    # The pool's workers are the sweep's grandchildren (forked by the forkserver).
    workers = [p for p, d in descendants(proc.pid).items() if d == 2]
    assert workers, "no pool worker found"
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    if proc.returncode != 0:  # the pool broke: a clear message pointing at --resume
        assert proc.returncode == 1 and "--resume" in err, err
        assert not (out / "results.parquet").exists()
        done = runs_done(out)
        counts = run_sweep(spec, out, workers=2, resume=True, progress=False)
        assert counts["ran"] == N_RUNS - done
    assert_complete_and_same(out, reference)


def test_dask_worker_that_disappears_mid_sweep(spec, reference, tmp_path):
    import threading

    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        out = tmp_path / "dask"
        result = {}

        def sweep():
            try:
                result["counts"] = run_sweep(
                    spec, out, scheduler=cluster.scheduler_address, progress=False
                )
            except Exception as err:  # recorded and checked below
                result["error"] = err

        thread = threading.Thread(target=sweep)
        thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and thread.is_alive() and runs_done(out) < 2:
            time.sleep(0.05)
        # Kill one worker process outright (its nanny starts a new one).
        with Client(cluster) as client:
            victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=300)
        assert not thread.is_alive()
        if "error" in result or not (out / "results.parquet").exists():
            run_sweep(spec, out, scheduler=cluster.scheduler_address, resume=True, progress=False)
        assert_complete_and_same(out, reference)
    finally:
        cluster.close()
