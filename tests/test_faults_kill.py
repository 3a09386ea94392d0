"""Kill injection: a writer is killed outright (SIGKILL: no cleanup of any kind) at each of its
file-system changes in turn, every file created, renamed, removed or flushed, and every folder
made or swapped. After each kill a reader finds the earlier run or the new one, never a mix;
the next start removes what the killed writer left; a sweep killed at any point resumes to the
same results as an undisturbed sweep, with no run lost or run twice.

Each writer runs in a forked child of the test process, so the simulation is run once and each
kill point costs only the writing.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import traceback
from pathlib import Path

import pytest

from mtor_abm.experiments.run_folder import write_run
from mtor_abm.experiments.runner import run_scenario
from mtor_abm.experiments.sweep import run_sweep
from mtor_abm.model import atomic
from mtor_abm.model.pharmacology import UNTREATED, Regime

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
    # The children only write files; the parent's idle library threads do not matter.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

#: The os functions that change the file system (os.open only when it creates).
CHANGES = ("open", "mkdir", "rename", "replace", "unlink", "rmdir", "fsync")
SMALL = {"width": "10", "height": "10", "initial_cells": "12"}
ARGV = ["mtor-sim", "run", "culture"]
SWEEP_SPEC = """
scenario = "culture"
days = 0.5
seed = 4
[set]
width = 10
height = 10
initial_cells = 12
[[regimes]]
drug = "none"
[[regimes]]
drug = "sirolimus"
conc = 10
"""
N_SWEEP_RUNS = 2


def _arm(kill_at: int) -> list[str]:
    """Make this (child) process SIGKILL itself at its ``kill_at``-th file-system change.

    Returns the list the names of the changes made are appended to.
    """
    changes = []

    def watch(name, real):
        def change(*args, **kwargs):
            if name == "open" and not (args[1] if len(args) > 1 else kwargs["flags"]) & os.O_CREAT:
                return real(*args, **kwargs)
            changes.append(name)
            if len(changes) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        return change

    for name in CHANGES:
        setattr(os, name, watch(name, getattr(os, name)))
    atomic._exchange = watch("exchange", atomic._exchange)
    return changes


def _in_child(action, kill_at: int | None = None, timeout_s: float = 120) -> tuple[bool, list]:
    """Run ``action()`` in a forked child armed to die at change ``kill_at``.

    Returns (killed by SIGKILL, the names of the changes the child made if it finished).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 3
        try:
            os.close(read_end)
            changes = _arm(kill_at if kill_at is not None else 0)
            action()
            os.write(write_end, " ".join(changes).encode())
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    deadline = time.monotonic() + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the writer hung (kill point {kill_at})")
        time.sleep(0.01)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read()
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if not killed:
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the writer failed"
    return killed, reported.decode().split()


def _snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file and folder under ``folder`` with its bytes (None: ``folder`` is missing)."""
    if not folder.exists():
        return None
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An earlier run (with another scenario's figure in it) and the new run replacing it."""
    old = run_scenario("culture", UNTREATED, 0.5, 1, SMALL, progress=False)
    new = run_scenario("culture", Regime("sirolimus", 0.0, "fixed", conc_nM=10.0), 0.5, 2, SMALL)
    root = tmp_path_factory.mktemp("kill-runs")
    write_run(root / "old", old, ARGV)
    (root / "old" / "figures" / "tumor_snapshot.png").write_bytes(b"another scenario's figure")
    write_run(root / "new", new, ARGV)
    return root / "old", new, _snapshot(root / "old"), _snapshot(root / "new")


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "rename-aside"])
def test_a_kill_at_any_file_change_of_a_run_leaves_the_old_run_or_the_new(
    exchange, runs, tmp_path, monkeypatch
):
    pristine, new, old_files, new_files = runs
    if not exchange:  # systems without renameat2: the old folder is moved aside first
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    work = tmp_path / "work"
    out = work / "run"

    def reset():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        shutil.copytree(pristine, out)

    def write():
        write_run(out, new, ARGV)

    reset()
    killed, changes = _in_child(write)
    assert not killed and _snapshot(out) == new_files
    total = len(changes)
    n_files = len([f for f, data in new_files.items() if data != b"<dir>"])
    assert changes.count("replace") == n_files, changes  # each file into the staging folder
    assert changes.count("rename") == (0 if exchange else 3), changes  # then the folder
    first = 1
    if not exchange:  # the files are written as above: kill at each change of the swap
        first = len(changes) - changes[::-1].index("replace") + 1
    seen = []
    for kill_at in range(first, total + 1):
        reset()
        killed, _ = _in_child(write, kill_at)
        assert killed, f"kill point {kill_at} of {total} did not land while writing"
        state = _snapshot(out)
        if state is None and not exchange:
            seen.append("missing")  # between the two renames; the next start repairs it
        else:
            assert state in (old_files, new_files), f"a mix of runs after kill {kill_at}/{total}"
            seen.append("old" if state == old_files else "new")
        atomic.remove_stale(out)  # what the next run into `out` does first
        assert sorted(p.name for p in work.iterdir()) == ["run"], f"leftovers after {kill_at}"
        assert _snapshot(out) in (old_files, new_files)
    assert seen[0] == "old" and seen[-1] == "new", seen  # kills before and after the swap
    if not exchange:
        assert "missing" in seen  # the kill between the renames was tested
    write()  # and the next run into the folder completes normally
    assert _snapshot(out) == new_files and sorted(p.name for p in work.iterdir()) == ["run"]


def test_a_kill_at_any_point_of_a_sweep_then_resume_gives_the_undisturbed_results(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP_SPEC)
    run_sweep(spec, tmp_path / "reference", workers=1, progress=False)
    reference = _snapshot(tmp_path / "reference")
    results = (tmp_path / "reference" / "results.parquet").read_bytes()

    killed, changes = _in_child(
        lambda: run_sweep(spec, tmp_path / "count", workers=1, progress=False)
    )
    total = len(changes)
    assert not killed and changes.count("replace") == N_SWEEP_RUNS + 3  # + manifest, 2 tables
    records_at_kill = []
    for kill_at in range(1, total + 1):
        out = tmp_path / f"kill-{kill_at}"
        killed, _ = _in_child(
            lambda out=out: run_sweep(spec, out, workers=1, progress=False), kill_at
        )
        assert killed, f"kill point {kill_at} of {total} did not land during the sweep"
        done = len(list((out / "runs").glob("0*.json"))) if (out / "runs").is_dir() else 0
        records_at_kill.append(done)
        resume = (out / "manifest.json").is_file()  # else the sweep never started: run it anew
        counts = run_sweep(spec, out, workers=1, resume=resume, progress=False)
        assert counts["ran"] == N_SWEEP_RUNS - done, f"runs lost or repeated (kill {kill_at})"
        assert (out / "results.parquet").read_bytes() == results
        assert set(_snapshot(out)) == set(reference), f"files differ after kill {kill_at}"
        shutil.rmtree(out)
    # The kills covered the sweep from before its first record to after its last.
    assert records_at_kill[0] == 0 and records_at_kill[-1] == N_SWEEP_RUNS
    assert set(records_at_kill) == set(range(N_SWEEP_RUNS + 1))
