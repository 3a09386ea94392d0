"""``mtor-sim sweep``: check a spec, run what is missing on a backend, combine the results.

Order matters for safety: the spec is checked and the backend reached before the sweep
directory is touched; each run's record is stored as soon as it comes back; the combined
tables are written only once every run has a record.
"""

from __future__ import annotations

import contextlib
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from mtor_abm.experiments.backends import open_backend
from mtor_abm.experiments.progress import ticking
from mtor_abm.experiments.spec import SweepSpec, load_spec
from mtor_abm.experiments.store import SweepStore

EXIT_OK, EXIT_INTERNAL = 0, 1


def cmd_sweep(args) -> int:
    """Entry point of ``mtor-sim sweep`` (arguments of experiments.cli)."""
    out = args.out if args.out is not None else Path(f"sweep-{args.spec.stem}")
    try:
        counts = run_sweep(args.spec, out, args.workers, args.scheduler, args.resume)
    except BrokenProcessPool:
        print(
            f"error: a worker process died (killed, or out of memory); the finished runs are "
            f"stored in {out}: run the same command with --resume to finish",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    failed = f", {counts['failed']} failed (see the error column)" if counts["failed"] else ""
    print(
        f"sweep {args.spec.name}: {counts['total']} runs, {counts['ran']} run now{failed}; "
        f"results in {out}/results.parquet",
        file=sys.stderr,
    )
    return EXIT_OK


def run_sweep(
    spec: Path | SweepSpec,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Run the sweep ``spec`` (a TOML file or a checked :class:`SweepSpec`) into ``out``.

    Returns the run counts: ``{"total", "ran", "failed"}``.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    with (
        open_backend(workers, scheduler, progress) as backend,
        SweepStore.open(out, spec, resume) as store,
    ):
        done = store.done_ids()
        missing = [run for run in spec.runs if run.run_id not in done]
        failed = sum(store.read_record(i)["status"] != "ok" for i in done)
        if missing:
            store.clear_combined()
        bar = tqdm(
            total=len(spec.runs),
            initial=len(done),
            desc=f"sweep ({backend.name})",
            unit="run",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
        )
        bar.set_postfix(failed=failed)
        with bar, ticking(bar), contextlib.closing(backend.run(missing)) as records:
            try:
                for record in records:
                    store.write_record(record)
                    failed += record["status"] != "ok"
                    bar.set_postfix(failed=failed, refresh=False)
                    bar.update(1)
            except KeyboardInterrupt:
                bar.close()
                print(
                    f"interrupted: {len(store.done_ids())} of {len(spec.runs)} runs stored in "
                    f"{out}; "
                    "run the same command with --resume to finish",
                    file=sys.stderr,
                )
                raise
        store.combine()
    return {"total": len(spec.runs), "ran": len(missing), "failed": failed}
