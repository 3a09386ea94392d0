"""Benchmark: the clinical time course of the default tumor over seeds, untreated and treated.

Runs every arm (drug x genotype) for ``--seeds`` seeds, ``--days`` days of follow-up after
treatment start (the scenario's day-14 baseline: runs last start + days), and prints

* per seed: relative size (viable tumor cells / at treatment start) at 60, 120 and 180 days
  of follow-up (``-`` past the run), best overall response, nadir day, time to progression
  (RECIST-like on the volume-equivalent, from the nadir: :mod:`model.recist`), the
  waterfall's best change at weekly scans (``scan_dV%``), wall time;
* per arm: best-response counts, the fraction with PR or better, the fraction with a volume
  reduction >= 50 % (EXIST-1's response), and the Kaplan-Meier median time to progression
  (lifelines; a tumor not progressed by the end is censored there), against the clinic:
  untreated median TTP 1-3 months (RECORD-1 placebo PFS 1.9 months, Motzer 2008 Lancet
  372:449); everolimus PR <= 5 % and median TTP 3-7 months (Motzer 2010 Cancer 116:4256);
  TSC-null on everolimus >= 50 % volume reduction in >= 25 % of seeds (Franz 2013 Lancet
  381:125).

Figures (``--out``, default ``tumor_course/``): tumor cells over time per seed, waterfall of
best response, spider of the volume-equivalent; the runs' courses go to ``OUT/runs.json``, from
which ``--replot`` redraws the tables and figures without running. A run that fails (e.g. a
solver error) is reported with its day and message, and its course up to then is kept. Usage::

    python benchmarks/tumor_course.py [--seeds 6] [--days 180] [--drugs none everolimus]
        [--genotypes wild_type] [--set name=value ...] [--workers 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from contextlib import nullcontext
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from mtor_abm.model.pharmacology import UNTREATED, default_regime, load_library
from mtor_abm.model.recist import best_change_at_scans, recist_course, relative_volume
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario
from mtor_abm.visualization.tumor_figures import save_course_figures

FOLLOW_UP_DAYS = (60.0, 120.0, 180.0)
"""Days after treatment start at which the table gives the relative size."""
DAYS_PER_MONTH = 365.25 / 12.0


@functools.cache
def _library():
    """The packaged drug library, read once per process (a long benchmark must not read drug
    files changed under it mid-way)."""
    return load_library()


def run_one(job: tuple[str, str, int, float, dict]) -> dict:
    """One tumor run: ``(drug, genotype, seed, follow-up days, scenario overrides)``.

    Returns the arm label, the days since treatment start and viable tumor cells of every
    record (shape (n,) each), the RECIST course fields, wall time (s) and the error text of a
    run that failed (None otherwise)."""
    drug, genotype, seed, days, overrides = job
    library = _library()
    regime = UNTREATED if drug == "none" else default_regime(drug, library, DEFAULT_START_DAY)
    t0 = time.perf_counter()
    error = None
    model = TumorModel(TumorScenario(rng=seed, genotype=genotype, **overrides), regime, library)
    steps = round((DEFAULT_START_DAY + days) * 24.0 / model.dt_h)
    try:
        for _ in range(steps):
            model.step()
    except Exception as exc:  # a failed run is reported, not fatal
        error = f"failed at day {model.hours / 24.0:.1f}: {type(exc).__name__}: {exc}"
    series = model.timeseries()
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["tumor_cells"], dtype=float)
    course = recist_course(hours, cells, model.baseline_h)
    return {
        "arm": drug if genotype == "wild_type" else f"{drug} ({genotype})",
        "drug": drug,
        "genotype": genotype,
        "seed": seed,
        "days": (hours - model.baseline_h) / 24.0,
        "tumor_cells": cells,
        "end_day": float((hours[-1] - model.baseline_h) / 24.0),
        "best_response": course.best_response if course else None,
        "best_relative_volume": course.best_relative_volume if course else None,
        "nadir_day": course.nadir_day if course else None,
        "time_to_progression_days": course.time_to_progression_days if course else None,
        "wall_s": time.perf_counter() - t0,
        "error": error,
    }


def save_runs(out: Path, runs: list[dict]) -> None:
    """The runs' courses as ``out/runs.json`` (read back by ``--replot``)."""
    out.mkdir(parents=True, exist_ok=True)
    saved = [{**r, "days": list(r["days"]), "tumor_cells": list(r["tumor_cells"])} for r in runs]
    (out / "runs.json").write_text(json.dumps(saved, default=float))


def _load_runs(out: Path) -> list[dict]:
    """The runs saved by :func:`save_runs` (arrays back as numpy)."""
    runs = json.loads((out / "runs.json").read_text())
    for r in runs:
        r["days"], r["tumor_cells"] = np.asarray(r["days"]), np.asarray(r["tumor_cells"])
    return runs


def _arm_order(run: dict) -> tuple:
    """Table order: genotype, untreated first, drug, seed."""
    return (run["genotype"], run["drug"] != "none", run["drug"], run["seed"])


def relative_size_at(run: dict, day: float) -> float | None:
    """Viable tumor cells ``day`` days after treatment start / at treatment start (None past
    the run's end or without tumor at the start)."""
    days, cells = run["days"], run["tumor_cells"]
    start = int(np.searchsorted(days, -1e-9))
    if day > run["end_day"] + 1e-9 or cells[start] <= 0:
        return None
    return float(cells[int(np.searchsorted(days, day - 1e-9))] / cells[start])


def scan_best_percent(run: dict) -> float | None:
    """The waterfall's bar: best change of the volume-equivalent at weekly scans up to
    progression, % (:func:`model.recist.best_change_at_scans`; None without tumor at start)."""
    days, cells = run["days"], np.asarray(run["tumor_cells"], dtype=float)
    start = cells[min(int(np.searchsorted(days, -1e-9)), len(cells) - 1)]
    if start <= 0:
        return None
    best = best_change_at_scans(days, relative_volume(cells, start))
    return 100.0 * best if np.isfinite(best) else None


def km_median_ttp_days(runs: list[dict]) -> tuple[float, int]:
    """Kaplan-Meier median time to progression (days; inf if not reached) and events: a run
    without progression is censored at its end (lifelines)."""
    from lifelines import KaplanMeierFitter

    durations = [r["time_to_progression_days"] or r["end_day"] for r in runs]
    events = [r["time_to_progression_days"] is not None for r in runs]
    km = KaplanMeierFitter().fit(durations, event_observed=events)
    return float(km.median_survival_time_), int(sum(events))


def _fmt(value, spec: str = ".2f", missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def print_tables(runs: list[dict]) -> None:
    """The per-seed table and the arm summaries (see module docstring)."""
    head = "".join(f"  x@{d:g}d" for d in FOLLOW_UP_DAYS)
    print(f"{'arm':28s} seed{head}  best  nadir_d    TTP_d  scan_dV%  wall_s")
    for r in runs:
        sizes = "".join(f"{_fmt(relative_size_at(r, d)):>8s}" for d in FOLLOW_UP_DAYS)
        dv = scan_best_percent(r)
        print(
            f"{r['arm']:28s} {r['seed']:4d}{sizes}  {r['best_response'] or '-':4s}"
            f"{_fmt(r['nadir_day'], '9.1f')}"
            f"{_fmt(r['time_to_progression_days'], '9.1f', '     none')}"
            f"{_fmt(dv, '10.0f')}{r['wall_s']:8.0f}"
        )
        if r["error"]:
            print(f"    {r['error']}")
    print()
    for arm in dict.fromkeys(r["arm"] for r in runs):
        group = [r for r in runs if r["arm"] == arm]
        best = [r["best_response"] for r in group]
        counts = " ".join(f"{k} {best.count(k)}" for k in ("CR", "PR", "SD", "PD"))
        pr = sum(b in ("CR", "PR") for b in best) / len(group)
        half = sum(
            r["best_relative_volume"] is not None and r["best_relative_volume"] <= 0.5
            for r in group
        ) / len(group)
        median, events = km_median_ttp_days(group)
        months = median / DAYS_PER_MONTH
        failed = sum(r["error"] is not None for r in group)
        print(
            f"{arm}: n={len(group)}  best response {counts}  PR-or-better {pr:.0%}  "
            f">=50 % volume reduction {half:.0%}  KM median TTP "
            f"{'not reached' if np.isinf(median) else f'{median:.0f} d ({months:.1f} mo)'} "
            f"({events} progressed){f'  FAILED {failed}' if failed else ''}"
        )
        print("   " + target_line(group[0]["drug"], group[0]["genotype"], pr, half, months))


def target_line(drug: str, genotype: str, pr: float, half: float, months: float) -> str:
    """The clinical check this arm is held to (RECORD-1, EXIST-1) and whether it holds."""
    ok = {True: "pass", False: "FAIL"}
    if drug == "none":
        return f"T4 untreated median TTP 1-3 months: {ok[1.0 <= months <= 3.0]}"
    if drug == "everolimus" and genotype == "tsc_null":
        return f"T6 >= 50 % volume reduction in >= 25 %: {ok[half >= 0.25]}"
    if drug == "everolimus":
        return f"T5 PR <= 5 %: {ok[pr <= 0.05]}; median TTP 3-7 months: {ok[3.0 <= months <= 7.0]}"
    return "(no clinical check for this arm)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="seeds 0..N-1 per arm")
    parser.add_argument("--days", type=float, default=180.0, help="follow-up after start, d")
    parser.add_argument("--drugs", nargs="+", default=["none", "everolimus"])
    parser.add_argument("--genotypes", nargs="+", default=["wild_type"])
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workers", type=int, default=1, help="processes (2 cores shared)")
    parser.add_argument("--out", type=Path, default=Path("tumor_course"))
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs in OUT/runs.json (same other arguments), run the rest",
    )
    parser.add_argument(
        "--replot", action="store_true", help="tables and figures from OUT/runs.json"
    )
    args = parser.parse_args()
    if args.replot:
        runs = _load_runs(args.out)
        runs.sort(key=_arm_order)
        print_tables(runs)
        save_course_figures(args.out, runs, f"tumor, {len(runs)} runs")
        return
    overrides = parse_overrides(TumorScenario, dict(s.split("=", 1) for s in args.set))
    # seed by seed, so that a run stopped early has every arm on its first seeds
    jobs = [
        (drug, genotype, seed, args.days, overrides)
        for seed in range(args.seeds)
        for genotype in args.genotypes
        for drug in args.drugs
    ]
    t0 = time.perf_counter()
    runs = _load_runs(args.out) if args.resume else []
    done = {(r["drug"], r["genotype"], r["seed"]) for r in runs}
    pending = [j for j in jobs if j[:3] not in done]
    with Pool(args.workers) if args.workers > 1 else nullcontext() as pool:
        for r in pool.imap(run_one, pending) if pool else map(run_one, pending):
            runs.append(r)
            print(f"# {r['arm']} seed {r['seed']}: {r['wall_s']:.0f} s", flush=True)
            save_runs(args.out, runs)  # so far: --replot shows them
    print(
        f"tumor course: {args.seeds} seeds, {args.days:g} days after the day-"
        f"{DEFAULT_START_DAY:g} start, overrides {overrides or 'none'}, "
        f"{time.perf_counter() - t0:.0f} s"
    )
    runs.sort(key=_arm_order)
    print_tables(runs)
    save_runs(args.out, runs)
    title = f"tumor, {args.seeds} seeds, {args.days:g} days of follow-up"
    for path in save_course_figures(args.out, runs, title):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
