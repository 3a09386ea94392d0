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
    assert runs_done(out) < N_RUNS, "the kill would land after the last run"
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    # A killed worker breaks the pool: a clear message pointing at --resume, mid-sweep.
    assert proc.returncode == 1 and "--resume" in err, err
    assert not (out / "results.parquet").exists()
    done = runs_done(out)
    assert done < N_RUNS, "the fault did not happen mid-sweep"
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
        assert thread.is_alive() and runs_done(out) < N_RUNS, "the kill would land too late"
        os.kill(victim, signal.SIGKILL)
        done_at_kill = runs_done(out)
        thread.join(timeout=300)
        assert done_at_kill < N_RUNS, "the kill landed after the last run"
        assert not thread.is_alive()
        if "error" in result or not (out / "results.parquet").exists():
            run_sweep(spec, out, scheduler=cluster.scheduler_address, resume=True, progress=False)
        assert_complete_and_same(out, reference)
    finally:
        cluster.close()


def _start_sweep(spec: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "mtor_abm.experiments", "sweep", str(spec)]
    return subprocess.Popen(
        [*command, "--workers", "2", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _busy_workers(proc: subprocess.Popen, out: Path) -> list[int]:
    """Once the sweep has stored a run: its forkserver and pool workers (all descendants)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and runs_done(out) < 1:
        time.sleep(0.05)
    assert proc.poll() is None and runs_done(out) < N_RUNS, "the sweep ended too early"
    workers = [p for p, d in descendants(proc.pid).items() if d == 2]
    assert len(workers) == 2, "expected two pool workers"
    return list(descendants(proc.pid))


def _gone(pids: list[int], within_s: float) -> bool:
    """Whether every process in ``pids`` has ended (exited or a zombie) within ``within_s``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state not in ("Z", "X"):
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_sigterm_stops_a_sweep_as_ctrl_c_does_and_releases_its_workers(spec, reference, tmp_path):
    out = tmp_path / "sweep"
    proc = _start_sweep(spec, out)
    children = _busy_workers(proc, out)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    lines = err.strip().splitlines()
    assert proc.returncode == 1 and lines[-1] == "error: interrupted", err
    assert "interrupted: " in err and "--resume" in err
    assert _gone(children, within_s=15), "pool workers outlived the stopped sweep"
    done = runs_done(out)
    assert 1 <= done < N_RUNS
    assert run_sweep(spec, out, workers=2, resume=True, progress=False)["ran"] == N_RUNS - done
    assert_complete_and_same(out, reference)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_end_when_the_sweep_process_is_killed_outright(spec, tmp_path):
    out = tmp_path / "sweep"
    proc = _start_sweep(spec, out)
    children = _busy_workers(proc, out)
    proc.kill()  # SIGKILL: the sweep cleans up nothing
    proc.communicate(timeout=60)
    assert _gone(children, within_s=15), "pool workers outlived their killed sweep"


def test_a_second_writer_of_a_sweep_folder_is_refused(spec, tmp_path, capsys):
    from mtor_abm.experiments.cli import main
    from mtor_abm.experiments.spec import load_spec
    from mtor_abm.experiments.store import SweepStore

    out = tmp_path / "sweep"
    with SweepStore.open(out, load_spec(spec), resume=False):  # a sweep at work in `out`
        for extra in (["--resume"], []):
            assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", *extra]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "another mtor-sim sweep is writing" in err[0], err
        assert runs_done(out) == 0
    # Once the first writer has ended, resuming works.
    assert run_sweep(spec, out, workers=1, resume=True, progress=False)["ran"] == N_RUNS
