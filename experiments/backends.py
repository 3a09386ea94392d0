"""Where sweep runs execute: in this process, a local process pool, or a Dask cluster.

Every backend runs :func:`run_one` on :class:`~experiments.spec.Run` items and yields one
record per run as runs finish (in any order). A run that raises becomes a record with
``status = "failed"`` and its error message; it never stops the sweep. Records travel back to
the caller, which alone writes files, so workers need no shared file system.

Pool workers start by ``forkserver``, which re-imports the main script: a script that runs
sweeps from Python must do so under ``if __name__ == "__main__":`` (as with any
multiprocessing start method but ``fork``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from tqdm import tqdm

from mtor_abm.experiments.lifecycle import exit_with_parent
from mtor_abm.experiments.runner import json_safe, run_scenario
from mtor_abm.experiments.spec import Run
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import Regime, load_library


def run_one(run: Run, quiet: bool = False) -> dict[str, Any]:
    """Run one sweep run; returns its record (``ok`` with readouts, or ``failed``).

    ``quiet`` hides the run's own progress bar, which would scribble over the sweep's bar.
    """
    started = time.perf_counter()
    record: dict[str, Any] = {
        "run_id": run.run_id,
        "seed": run.seed,
        "replicate": run.replicate,
        "overrides": run.overrides,
        "regime": run.regime,
    }
    try:
        result = run_scenario(
            run.scenario,
            Regime(**run.regime),
            run.days,
            run.seed,
            run.overrides,
            load_library(),
            progress=not quiet,
        )
        record.update(
            status="ok",
            error=None,
            summary=json_safe(result.summary, "summary"),
            timeseries=json_safe(result.timeseries, "timeseries"),
        )
    except Exception as err:  # a failed run is a result, not the end of the sweep
        record.update(status="failed", error=error_text(err), summary=None, timeseries=None)
        record["traceback"] = traceback.format_exc(limit=8)
    record["elapsed_s"] = time.perf_counter() - started
    record["worker_pid"] = os.getpid()
    return json_safe(record)


def error_text(err: BaseException) -> str:
    """One line naming the exception type and message."""
    message = " ".join(str(err).split())
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def failed_record(run: Run, err: BaseException) -> dict[str, Any]:
    """The record of a run whose worker was lost (no result came back)."""
    return {
        "run_id": run.run_id,
        "seed": run.seed,
        "replicate": run.replicate,
        "overrides": run.overrides,
        "regime": run.regime,
        "status": "failed",
        "error": error_text(err),
        "summary": None,
        "timeseries": None,
        "elapsed_s": None,
    }


class LocalBackend:
    """``workers`` processes on this machine (1: in this process, no pool).

    Pool workers start through ``forkserver``: no copy of this process's threads or locks; the
    fork server imports the simulator once, so each worker starts with it imported.
    """

    def __init__(self, workers: int, progress: bool = False):
        self.workers = workers
        # In this process (one worker) each run's phases show below the sweep's bar; pool
        # workers' bars would scribble over it from other processes, so they stay quiet.
        self.progress = progress
        self.name = f"local, {workers} worker{'s' if workers > 1 else ''}"

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, runs: Iterable[Run]) -> Iterator[dict[str, Any]]:
        """Yield one record per run as runs finish."""
        runs = list(runs)
        if self.workers == 1:
            for run in runs:
                yield run_one(run, quiet=not self.progress)
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mtor_abm.experiments.backends"])  # workers fork warm
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        finished = False
        try:
            # Keep a few runs queued per worker: an interruption then cancels cheaply.
            queue, pending = iter(runs), {}
            for run in queue:
                pending[pool.submit(run_one, run, True)] = run
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.pop(future)
                    yield future.result()
                    for run in queue:
                        pending[pool.submit(run_one, run, True)] = run
                        break
            finished = True
        finally:
            _shutdown(pool, stop_running=not finished)


def _start_worker(parent_pid: int) -> None:
    """Pool worker setup: Ctrl-C is the parent's to handle; end when the parent ends.

    tqdm's default lock is a named multiprocessing semaphore, which a worker stopped by a
    signal could not release; a worker shows no bar, so a thread lock does.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tqdm.set_lock(threading.RLock())
    exit_with_parent(parent_pid)


def _shutdown(pool: ProcessPoolExecutor, stop_running: bool) -> None:
    """Shut ``pool`` down; with ``stop_running`` (interrupted, failed), end its runs too.

    Queued runs are cancelled either way. An interrupted sweep must not leave workers busy
    with runs nobody will store (each holds a model, hundreds of MB): they get SIGTERM.
    """
    # Python < 3.14 has no public way to stop a pool's running workers (3.14 adds
    # terminate_workers); the executor's process table is the one place that names them.
    if stop_running and hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    if stop_running:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    # Once the workers are gone, waiting is short, and it releases the pool's queues.
    pool.shutdown(wait=stop_running, cancel_futures=True)


class DaskBackend:
    """An existing Dask distributed cluster at ``address`` (e.g. ``tcp://127.0.0.1:8786``)."""

    def __init__(self, address: str):
        self.address = address
        self.name = f"dask {address}"
        self.client = None

    def __enter__(self) -> DaskBackend:
        from dask.distributed import Client

        try:
            self.client = Client(self.address, timeout="10s", set_as_default=False)
        except Exception as err:
            raise InputError(
                f"--scheduler {self.address}: cannot reach a Dask scheduler ({error_text(err)})"
            ) from None
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()

    def run(self, runs: Iterable[Run]) -> Iterator[dict[str, Any]]:
        """Yield one record per run as runs finish; a lost run becomes a failed record."""
        from dask.distributed import as_completed

        runs = list(runs)
        futures = self.client.map(run_one, runs, pure=False)
        by_key = {f.key: run for f, run in zip(futures, runs, strict=True)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                try:
                    yield future.result()
                except Exception as err:  # e.g. KilledWorker: the run crashed its workers
                    yield failed_record(by_key[future.key], err)
                future.release()
        finally:
            self.client.cancel(futures)


def open_backend(workers: int | None, scheduler: str | None, progress: bool = False):
    """The backend for ``--workers`` / ``--scheduler`` (a context manager); ``progress``: a
    one-worker local backend shows each run's phases (building, stepping, the adverse panel)."""
    if scheduler is not None:
        if workers is not None:
            raise InputError("--workers is for the local pool; a --scheduler cluster has its own")
        return DaskBackend(scheduler)
    return LocalBackend(workers or os.cpu_count() or 1, progress)
