"""``mtor-sim calibrate``: fit the network's free parameters to the observation table.

Writes into ``--out`` (default ``calibration``): ``fitted_parameters.toml`` (the fitted set,
with its hash), ``fit.json`` (in-sample and held-out error, the parameters that moved, every
observation at the start and at the optimum) and ``calibration.png`` (each observation against
the model, grouped by experiment type). Observation rows are evaluated on the sweep backends:
a local process pool (``--workers``) or a Dask cluster (``--scheduler``).
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from mtor_abm.experiments.progress import phase
from mtor_abm.experiments.runner import json_safe
from mtor_abm.model import atomic
from mtor_abm.model.calibration.evaluate import load_observations
from mtor_abm.model.calibration.fit import FREE_PARAMETERS, fit, serial_map, split_holdout
from mtor_abm.model.calibration.parameter_set import parameter_set_hash, parameter_set_toml
from mtor_abm.model.errors import InputError


def add_parser(sub, number) -> None:
    """The ``calibrate`` sub-command's arguments."""
    from mtor_abm.experiments import cli_help

    c = sub.add_parser("calibrate", **cli_help.subcommand("calibrate"))
    c.add_argument("--observations", type=Path, help="observation table (default: packaged)")
    c.add_argument(
        "--holdout",
        type=float,
        default=0.0,
        help="extra share of rows held out (by id hash) besides rows flagged holdout",
    )
    c.add_argument("--workers", type=number("--workers", 1, integer=True), help="default 1")
    c.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    c.add_argument("--out", type=Path, default=Path("calibration"), help="output directory")
    c.add_argument(
        "--starts", type=number("--starts", 1, integer=True), default=3, help="default 3"
    )
    c.add_argument(
        "--max-evaluations",
        type=number("--max-evaluations", 1, integer=True),
        default=12,
        help="residual evaluations per start (default 12)",
    )


def cmd_calibrate(args) -> int:
    """Run the fit and write its outputs (see the module docstring)."""
    observations = load_observations(args.observations)
    in_sample, held_out = split_holdout(observations, args.holdout)
    if args.scheduler is not None and args.workers is not None:
        raise InputError("--workers is for the local pool; a --scheduler cluster has its own")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"--out {str(args.out)!r} cannot be created: {err.strerror}") from None
    print(
        f"calibrate: {len(in_sample)} rows in sample, {len(held_out)} held out, "
        f"{len(FREE_PARAMETERS)} free parameters",
        file=sys.stderr,
    )
    with _map_function(args.workers, args.scheduler) as map_fn:
        report = fit(
            in_sample,
            held_out,
            starts=args.starts,
            max_evaluations=args.max_evaluations,
            map_fn=map_fn,
            progress=_progress_lines,
        )
    digest = parameter_set_hash(report["parameters"])
    report["parameter_set_sha256"] = digest
    held = report["held_out_rms"]
    header = (
        "Signalling parameters fitted by `mtor-sim calibrate` (model/calibration/fit.py).\n"
        f"sha256 {digest}; in-sample RMS residual {report['in_sample_rms']:.3f}, held-out "
        f"{'n/a' if held is None else f'{held:.3f}'}"
    )
    toml_text = parameter_set_toml(report["parameters"], header)
    atomic.write_bytes(args.out / "fitted_parameters.toml", toml_text.encode())
    atomic.write_json(args.out / "fit.json", json_safe(report))
    from mtor_abm.visualization.calibration_figures import calibration_figure
    from mtor_abm.visualization.figures import save_figure

    title = (
        f"in-sample RMS {report['in_sample_rms']:.2f} ({report['in_sample_met']}/"
        f"{report['in_sample_n']} met), held out "
        f"{report['held_out_met']}/{report['held_out_n']} met"
    )
    with phase(f"calibrate: writing {args.out / 'calibration.png'}"):
        save_figure(calibration_figure(report["rows"], title), args.out / "calibration.png")
    print(f"calibrate: {title}; wrote {args.out}", file=sys.stderr)
    return 0


def _progress_lines(line: str) -> None:
    """The fit's ``progress``: each of its lines on stderr."""
    print(f"calibrate: {line}", file=sys.stderr, flush=True)


class _map_function:
    """Context manager giving ``map_fn(function, items) -> list`` on the chosen backend."""

    def __init__(self, workers: int | None, scheduler: str | None):
        self.workers, self.scheduler = workers, scheduler
        self.pool = self.client = None

    def __enter__(self):
        if self.scheduler is not None:
            from dask.distributed import Client

            try:
                self.client = Client(self.scheduler, timeout="10s", set_as_default=False)
            except Exception as err:
                raise InputError(
                    f"--scheduler {self.scheduler}: cannot reach a Dask scheduler ({err})"
                ) from None
            return lambda f, items: self.client.gather(self.client.map(f, items, pure=False))
        if (self.workers or 1) > 1:
            context = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context)
            return lambda f, items: list(self.pool.map(f, items, chunksize=4))
        return serial_map

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        if self.client is not None:
            self.client.close()
