"""Dose-response of the transplant against the measured trough: rejection and its trade-offs.

Each arm is untreated or a drug dosed to a target whole-blood trough range (``mtor-sim run
transplant --target-trough``; the Rapamune label's rule, :mod:`model.tdm`), run over replicate
seeds 0..N-1 with the surgical wound (day 0) and the infection (day 10) on, as lesson 03 runs
them (``--set wound=false`` etc. turns them off). Prints one row per arm:

- d7, trough: the trough the monitoring measured on day 7 (the starting dose's, before any
  change: what the wound sees, as it closes in the first week) and the mean from day 14 on,
  ng/mL (the PK is deterministic, so both are the same for every seed; 0 untreated);
- graft: the graft's surviving fraction at the end (mean [95 % t interval over seeds], clipped
  to [0, 1]);
- rejected: the fraction of grafts rejected [Wilson 95 %]; rej. day: the rejection day of the
  rejected grafts (mean [95 % t], n);
- wound day / infection day: the day the wound closed / the infection was cleared, over the
  runs where it happened (mean [95 % t], n), and ``never k/N`` for the runs where it did not
  by the end (those are left out of the mean, so a mean over few runs is a lower bound);
- Treg peak / Treg end: Tregs at the hour with the most and at the end (counts, mean [95 % t]);
- Treg frac / memory frac: Treg / antigen-experienced T-cells and memory / (memory +
  effector) at the peak of the antigen-experienced T-cells (mean [95 % t], clipped to [0, 1];
  over the runs where it is defined, n when fewer than N).

``--figure PATH`` draws graft surviving fraction, wound closure day and infection clearance
day against the measured trough on a shared x axis (error bars: the 95 % intervals above;
tacrolimus, whose ng/mL are of another drug, has its own marker). Not a timed test: ~3-5 s per
run on the default tissue, so the default 6 arms x 8 seeds take ~3-6 min of CPU. Run:
``python benchmarks/transplant_trough_response.py [--seeds 8] [--days 30] [--jobs 2]
[--set width=30] [--figure docs/transplant_dose_response.png]``; progress on stderr.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from mtor_abm.experiments.runner import run_scenario
from mtor_abm.model.pharmacology import UNTREATED, load_library
from mtor_abm.model.regimes import build_regime
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides

#: (drug, target trough range ng/mL); None: untreated.
ARMS = (
    None,
    ("sirolimus", (2.0, 5.0)),
    ("sirolimus", (5.0, 10.0)),
    ("sirolimus", (10.0, 15.0)),
    ("sirolimus", (15.0, 20.0)),
    ("tacrolimus", (4.0, 11.0)),
)

#: The challenges lesson 03 turns on (``--set`` overrides them).
CHALLENGES = {"wound": "true", "infection": "true"}


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and its two-sided 95 % Student-t interval (NaN bounds for fewer than 2 values;
    all NaN for none)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def wilson(k: int, n: int) -> tuple[float, float, float]:
    """Proportion k/n and its Wilson 95 % interval (scipy; all NaN for n = 0)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def clip(interval: tuple[float, float, float], low=-math.inf, high=math.inf):
    """``interval`` with its bounds clipped to [low, high] (NaN stays NaN)."""
    m, lo, hi = interval
    return m, (lo if math.isnan(lo) else max(lo, low)), (hi if math.isnan(hi) else min(hi, high))


def arm_name(arm) -> str:
    """``untreated`` or ``sirolimus 5-10 ng/mL``."""
    if arm is None:
        return "untreated"
    drug, target = arm
    return f"{drug} {target[0]:g}-{target[1]:g} ng/mL"


def arm_regime(library, arm, days: float):
    """The arm's regime (dosed to its trough range by monitoring until ``days``)."""
    if arm is None:
        return UNTREATED
    drug, target = arm
    return build_regime(library, drug, target_trough_ng_ml=target, monitor_until_day=days)


def measured_trough(regime, from_day: float = 14.0) -> float:
    """Mean trough (ng/mL) the monitoring measured from ``from_day`` on (0 untreated, NaN
    when the run ends before)."""
    if regime.target_trough_ng_ml is None:
        return 0.0
    troughs = [t for day, t, _dose in regime.dose_steps if day >= from_day]
    return float(np.mean(troughs)) if troughs else math.nan


def first_trough(regime) -> float:
    """The trough (ng/mL) of the first measurement (day 7): the level of the starting dose,
    the same for every target range, before any dose change (0 untreated, NaN if none)."""
    if regime.target_trough_ng_ml is None:
        return 0.0
    return float(regime.dose_steps[0][1]) if regime.dose_steps else math.nan


def run_one(job: tuple) -> dict:
    """Readouts of one run; ``job`` = (arm, seed, days, overrides). Depends on nothing else, so
    a pool's worker returns what a serial loop does."""
    arm, seed, days, overrides = job
    library = load_library()
    regime = arm_regime(library, arm, days)
    r = run_scenario("transplant", regime, days, seed, overrides, library, False)
    return r.summary["readouts"]


def run_all(jobs: list[tuple], workers: int) -> list[dict]:
    """Readouts of every job, in the order of ``jobs``; a line on stderr as each finishes."""
    start, out = time.monotonic(), []

    def report(i: int) -> None:
        arm, seed = jobs[i][0], jobs[i][1]
        print(
            f"  run {len(out)}/{len(jobs)}: {arm_name(arm)} seed {seed} "
            f"({time.monotonic() - start:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    if workers <= 1:
        for i, job in enumerate(jobs):
            out.append(run_one(job))
            report(i)
        return out
    with ProcessPoolExecutor(workers) as pool:
        for i, readouts in enumerate(pool.map(run_one, jobs)):
            out.append(readouts)
            report(i)
    return out


def summarise(readouts: list[dict]) -> dict:
    """The row's statistics (see the module docstring) from one arm's readouts over seeds."""
    n = len(readouts)

    def present(key: str) -> list[float]:
        return [r[key] for r in readouts if r[key] is not None]

    rejected = [r["rejection_day"] for r in readouts if r["rejected"]]
    wound, cleared = present("wound_closure_day"), present("infection_cleared_day")
    return {
        "n": n,
        "graft": clip(t_interval([r["graft_surviving_fraction"] for r in readouts]), 0.0, 1.0),
        "rejected": wilson(len(rejected), n),
        "rejection_day": (clip(t_interval(rejected), 0.0), len(rejected)),
        "wound_day": (clip(t_interval(wound), 0.0), len(wound)),
        "infection_day": (clip(t_interval(cleared), 0.0), len(cleared)),
        "treg_peak": clip(t_interval(present("treg_peak")), 0.0),
        "treg_final": clip(t_interval(present("treg_final")), 0.0),
        "treg_fraction": (
            clip(t_interval(present("treg_fraction")), 0.0, 1.0),
            len(present("treg_fraction")),
        ),
        "memory_fraction": (
            clip(t_interval(present("memory_fraction")), 0.0, 1.0),
            len(present("memory_fraction")),
        ),
    }


def fmt(interval, digits: int) -> str:
    """``m [lo, hi]``; ``-`` for no value, ``m [-]`` for no interval."""
    m, lo, hi = interval
    if math.isnan(m):
        return "-"
    if math.isnan(lo):
        return f"{m:.{digits}f} [-]"
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


COLUMNS = (
    ("arm", 22),
    ("d7", 4),
    ("trough", 6),
    ("graft", 17),
    ("rejected", 17),
    ("rej. day (n)", 22),
    ("wound day (n, never)", 30),
    ("infection day (n, never)", 31),
    ("Treg peak", 18),
    ("Treg end", 15),
    ("Treg frac", 17),
    ("memory frac", 17),
)


def row_cells(name: str, troughs: tuple[float, float], s: dict) -> list[str]:
    """The printed cells of one arm."""
    n = s["n"]

    def counted(pair, digits: int, never: bool = False) -> str:
        interval, k = pair
        text = f"{fmt(interval, digits)} ({k}"
        return text + (f", never {n - k}/{n})" if never else ")")

    def maybe_counted(pair, digits: int) -> str:
        interval, k = pair
        return fmt(interval, digits) + (f" (n={k})" if k < n else "")

    return [
        name,
        *("n/a" if math.isnan(t) else f"{t:.1f}" for t in troughs),
        fmt(s["graft"], 2),
        fmt(s["rejected"], 2),
        counted(s["rejection_day"], 1),
        counted(s["wound_day"], 1, never=True),
        counted(s["infection_day"], 1, never=True),
        fmt(s["treg_peak"], 1),
        fmt(s["treg_final"], 1),
        maybe_counted(s["treg_fraction"], 2),
        maybe_counted(s["memory_fraction"], 2),
    ]


def line(cells: list[str]) -> str:
    """Cells padded to their columns (the trough right-aligned)."""
    parts = []
    for (head, width), cell in zip(COLUMNS, cells, strict=True):
        parts.append(cell.rjust(width) if head in ("d7", "trough") else cell.ljust(width))
    return " ".join(parts).rstrip()


def draw(path: str, rows: list[tuple], days: float, title: str) -> None:
    """Graft surviving fraction, wound closure day, infection clearance day and the fraction of
    infections not cleared against the measured trough, one panel each on a shared x axis;
    ``rows`` = (arm, trough, summary)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 10.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(4, 1, sharex=True)
    panels = (
        ("graft", "graft surviving\nfraction at the end"),
        ("wound_day", "wound closure day\n(runs that closed)"),
        ("infection_day", "infection clearance day\n(runs that cleared)"),
        ("not_cleared", f"infection not cleared\nby day {days:g} (fraction)"),
    )
    styles = {
        None: dict(marker="D", color="black", label="untreated"),
        "sirolimus": dict(marker="o", color="tab:blue", label="sirolimus, dosed to its trough"),
        "tacrolimus": dict(
            marker="s", color="tab:red", mfc="white", mew=1.5, label="tacrolimus, dosed to 4-11"
        ),
    }
    for ax, (key, ylabel) in zip(axes, panels, strict=True):
        for drug in (None, "sirolimus", "tacrolimus"):
            pts = [(tr, s) for arm, tr, s in rows if (arm and arm[0]) == drug]
            if not pts:
                continue
            xs = np.array([tr for tr, _ in pts])
            iv = [panel_interval(s, key) for _, s in pts]
            ms = np.array([v[0] for v in iv])
            err = np.nan_to_num(np.array([[m - lo, hi - m] for m, lo, hi in iv]).T)
            ax.errorbar(
                xs,
                ms,
                yerr=err,
                capsize=4,
                markersize=7,
                linestyle="-" if len(pts) > 1 else "",
                **styles[drug],
            )
            if key == "wound_day":  # a wound that never closed is left out of the mean
                for tr, s in pts:
                    if s[key][1] < s["n"]:
                        ax.annotate(
                            f"never {s['n'] - s[key][1]}/{s['n']}",
                            (tr, s[key][0][0]),
                            xytext=(6, 6),
                            textcoords="offset points",
                            fontsize=8,
                        )
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    for ax in (axes[0], axes[3]):
        ax.set_ylim(-0.05, 1.05)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8)
    axes[-1].set_xlabel("measured whole-blood trough from day 14, ng/mL (untreated: 0)")
    fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)


def panel_interval(s: dict, key: str) -> tuple[float, float, float]:
    """The figure's (mean, low, high) of panel ``key`` from an arm's summary."""
    if key == "not_cleared":
        k, n = s["infection_day"][1], s["n"]
        return wilson(n - k, n)
    return s[key] if key == "graft" else s[key][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="replicate seeds 0..N-1 (>= 8)")
    parser.add_argument("--days", type=float, default=None, help="default: the scenario's")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--figure", default=None, metavar="PATH", help="write the figure here")
    args = parser.parse_args()
    spec = get_scenario("transplant")
    days = spec.default_days if args.days is None else args.days
    given = {**CHALLENGES, **dict(s.split("=", 1) for s in args.set)}
    overrides = parse_overrides(spec.scenario_class, given)
    library = load_library()
    jobs = [(arm, seed, days, overrides) for arm in ARMS for seed in range(args.seeds)]
    header = f"transplant, {days:g} days, seeds 0-{args.seeds - 1}, {overrides}"
    print(header, flush=True)
    readouts = run_all(jobs, args.jobs)
    print(line([head for head, _ in COLUMNS]))
    rows = []
    for i, arm in enumerate(ARMS):
        s = summarise(readouts[i * args.seeds : (i + 1) * args.seeds])
        regime = arm_regime(library, arm, days)
        trough = measured_trough(regime)
        rows.append((arm, trough, s))
        print(line(row_cells(arm_name(arm), (first_trough(regime), trough), s)), flush=True)
    if args.figure:
        title = (
            f"transplant, {days:g} days, seeds 0-{args.seeds - 1}, {overrides}\n"
            "mean and 95 % interval over seeds (t; Wilson for fractions of runs)"
        )
        draw(args.figure, rows, days, title)
        print(f"figure: {args.figure}", file=sys.stderr)


if __name__ == "__main__":
    main()
