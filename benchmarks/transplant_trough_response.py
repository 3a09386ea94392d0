"""Dose-response of the transplant against the sirolimus trough: rejection and its trade-offs.

Arms (:data:`ARMS`): untreated; sirolimus at fixed low daily doses, 0.1-1 mg/day with a loading
dose 3x the daily one (the Rapamune label's 6 mg then 2 mg/day) and no monitoring; sirolimus
dosed to a target whole-blood trough range, 2-5 ... 15-20 ng/mL (``mtor-sim run transplant
--target-trough``; the Rapamune label's rule, :mod:`model.tdm`); tacrolimus dosed to 4-11 ng/mL;
and the ``tacrolimus+sirolimus`` preset (:mod:`model.regimens`). The fixed doses reach the
troughs below the clinical window, where the dose-response lies: PBMC p70S6K-T389
phosphorylation of kidney recipients is inhibited at sirolimus troughs > 6 ng/mL and variable
below (Hartmann 2013 Transplantation, "Biochemical monitoring of mTOR inhibitor-based
immunosuppression following kidney transplantation"), and the rat heart allograft's
whole-blood EC50 for survival is 2.0 ng/mL (DiJoseph 1996 Transplantation 62:1109). A
monitored arm cannot go there: every one starts on the label's 6 mg loading and 2 mg/day until
its first change on day 7, which covers the untreated rejection (~day 10).

Each arm is run over replicate seeds 0..N-1 with the surgical wound (day 0) and the infection
(day 10) on, as lesson 03 runs them (``--set wound=false`` etc. turns them off). Prints one row
per arm:

- d7, trough: the sirolimus (tacrolimus for its own arm; sirolimus for the combination) trough
  on day 7 and from day 14 on, ng/mL (0 untreated). Monitored drugs: the troughs the monitoring
  measured (day 7: the starting dose's, before any change, what the wound sees as it closes in
  the first week; from day 14: the mean of days 14, 21, 28). Fixed doses: the exact PK's
  whole-blood level just before the dose of day 7 and its mean over the doses of days 14 to
  the end. The PK is deterministic, so both are the same for every seed;
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

After the table: the graft-survival EC50 the sirolimus-alone arms imply, with nothing fitted
(:func:`graft_ec50`: the trough, interpolated in log trough between two arms, where the mean
graft surviving fraction crosses half the way from untreated to the mean of the monitored
arms) and whether graft survival rises monotonically with the trough.

``--figure PATH`` draws graft surviving fraction, rejection day, wound closure day, infection
clearance day and the fraction of infections not cleared against the trough on a shared log x axis
(untreated: a dashed line and its 95 % band; error bars: the 95 % intervals above; tacrolimus,
whose ng/mL are of another drug, and the combination have their own markers; the EC50 above
and DiJoseph's rat EC50 are marked). Not a timed test: ~3-5 s per run on the default tissue,
so the default 11 arms x 8 seeds take ~5-8 min of CPU. ``--save-readouts PATH`` keeps every
run's readouts and ``--load-readouts PATH`` redraws from them without running. Run:
``python benchmarks/transplant_trough_response.py [--seeds 8] [--days 30] [--jobs 2]
[--set width=30] [--figure docs/transplant_dose_response.png]``; progress on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import stats

from mtor_abm.experiments.runner import run_scenario
from mtor_abm.model.pharmacology import UNTREATED, load_library
from mtor_abm.model.pk_state import PKState
from mtor_abm.model.regimes import build_regime, build_regimen
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import parse_overrides


@dataclass(frozen=True)
class Arm:
    """One arm: ``drug`` (``none``: untreated) dosed to the trough range ``target`` (ng/mL,
    monitoring), or at the fixed daily dose ``dose_mg`` (mg, with a loading dose
    :data:`LOADING_RATIO` times it on day 0, no monitoring), or the standard regimen
    ``regimen`` (:mod:`model.regimens`)."""

    drug: str = "none"
    target: tuple[float, float] | None = None
    dose_mg: float | None = None
    regimen: str | None = None

    @property
    def kind(self) -> str:
        """``untreated``, ``tdm``, ``fixed`` or ``regimen``."""
        if self.regimen is not None:
            return "regimen"
        if self.drug == "none":
            return "untreated"
        return "tdm" if self.target is not None else "fixed"

    @property
    def name(self) -> str:
        """``untreated``, ``sirolimus 5-10 ng/mL``, ``sirolimus 0.25 mg/day`` or the
        regimen's name."""
        if self.kind == "regimen":
            return str(self.regimen)
        if self.kind == "tdm":
            return f"{self.drug} {self.target[0]:g}-{self.target[1]:g} ng/mL"
        if self.kind == "fixed":
            return f"{self.drug} {self.dose_mg:g} mg/day"
        return "untreated"


LOADING_RATIO = 3.0
"""Loading dose / daily dose of the fixed-dose arms: the Rapamune label's 6 mg then 2 mg/day
(and 15 mg then 5 mg/day)."""

#: The arms. Fixed low doses (no monitoring) reach the troughs below the clinical ranges: a
#: monitored arm starts at the label's 6 mg loading and 2 mg/day until its first change on
#: day 7, which covers the untreated rejection time (~day 10) at any target.
ARMS = (
    Arm(),
    *(Arm("sirolimus", dose_mg=d) for d in (0.1, 0.25, 0.5, 1.0)),
    Arm("sirolimus", (2.0, 5.0)),
    Arm("sirolimus", (5.0, 10.0)),
    Arm("sirolimus", (10.0, 15.0)),
    Arm("sirolimus", (15.0, 20.0)),
    Arm("tacrolimus", (4.0, 11.0)),
    Arm(regimen="tacrolimus+sirolimus"),
)

#: The drug whose trough is the x axis of a combination.
AXIS_DRUG = "sirolimus"

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


def arm_regime(library, arm: Arm, days: float):
    """The arm's regime over a run of ``days`` days (monitored to its range until then)."""
    if arm.kind == "untreated":
        return UNTREATED
    if arm.kind == "regimen":
        return build_regimen(library, arm.regimen, days)
    if arm.kind == "fixed":
        return build_regime(
            library, arm.drug, dose_mg=arm.dose_mg, loading_dose_mg=LOADING_RATIO * arm.dose_mg
        )
    return build_regime(library, arm.drug, target_trough_ng_ml=arm.target, monitor_until_day=days)


def axis_part(regime):
    """The one-drug regime whose trough is plotted: the regime itself, or a combination's
    :data:`AXIS_DRUG` part (None untreated)."""
    if regime.drug == "none":
        return None
    parts = regime.parts
    return next((p for p in parts if p.drug == AXIS_DRUG), parts[0]) if len(parts) > 1 else regime


def predose_troughs(regime, library, days: list[float]) -> list[float]:
    """Whole-blood level (ng/mL) of the regime's drug just before the dose of each of ``days``
    (days from hour 0, increasing), from the exact PK (:class:`model.pk_state.PKState`; the
    state at a dose time excludes that dose)."""
    state = PKState.from_regime(regime, library)
    out = []
    for day in days:
        state.advance_to(24.0 * day)
        out.append(float(state.concentrations_ng_ml()[state.species[0]]))
    return out


def arm_troughs(regime, library, days: float, from_day: float = 14.0) -> tuple[float, float]:
    """``(day 7, from day 14)`` troughs, ng/mL, of the plotted drug (:func:`axis_part`; 0
    untreated). Monitored: the troughs the monitoring measured (day 7; mean of days 14, 21,
    28, ...). Fixed dose: the pre-dose level on day 7 and its mean over the daily doses of days
    ``from_day`` .. ``days`` - 1 (:func:`predose_troughs`). NaN when the run ends before."""
    part = axis_part(regime)
    if part is None:
        return 0.0, 0.0
    if part.target_trough_ng_ml is not None:
        steps = part.dose_steps
        later = [t for day, t, _dose in steps if day >= from_day]
        return (
            float(steps[0][1]) if steps else math.nan,
            float(np.mean(later)) if later else math.nan,
        )
    d7 = predose_troughs(part, library, [7.0])[0] if days > 7.0 else math.nan
    later_days = [float(d) for d in range(int(from_day), math.ceil(days))]
    later = predose_troughs(part, library, later_days) if later_days else []
    return d7, (float(np.mean(later)) if later else math.nan)


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
            f"  run {len(out)}/{len(jobs)}: {arm.name} seed {seed} "
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


DIJOSEPH_EC50_NG_ML = 2.0
"""Whole-blood sirolimus EC50 for heart allograft survival in the rat, ng/mL (DiJoseph 1996
Transplantation 62:1109): drawn as an order-of-magnitude reference, not a target."""

#: Marker style of each kind of arm in the figure (untreated is a band, not a marker).
STYLES = {
    ("fixed", "sirolimus"): dict(
        marker="o",
        color="tab:blue",
        mfc="white",
        mew=1.5,
        label="sirolimus, fixed daily dose (loading 3x), no monitoring",
    ),
    ("tdm", "sirolimus"): dict(
        marker="o", color="tab:blue", label="sirolimus, dosed to 2-5 ... 15-20 ng/mL"
    ),
    ("tdm", "tacrolimus"): dict(
        marker="s",
        color="tab:red",
        mfc="white",
        mew=1.5,
        label="tacrolimus, dosed to 4-11 (x: tacrolimus ng/mL)",
    ),
    ("regimen", "tacrolimus+sirolimus"): dict(
        marker="P",
        color="tab:green",
        markersize=9,
        label="tacrolimus 5-10 + sirolimus 4-8 (x: sirolimus ng/mL, drawn 8 pt right)",
    ),
}

#: Points by which a combination is drawn right of its trough (it shares its sirolimus regimen,
#: and so its trough, with the sirolimus 5-10 arm).
COMBINATION_OFFSET_PT = 8.0


def style_key(arm: Arm) -> tuple[str, str]:
    """The arm's key in :data:`STYLES`: (kind, drug), or ("regimen", the regimen's name)."""
    return (arm.kind, str(arm.regimen) if arm.kind == "regimen" else arm.drug)


def draw(path: str, rows: list[tuple], days: float, title: str, ec50: dict) -> None:
    """Graft surviving fraction, rejection day, wound closure day, infection clearance day and
    the fraction of infections not cleared against the trough (log scale), one panel each on
    a shared x axis; untreated (trough 0) is a dashed line with its interval as a band.
    ``rows`` = (arm, trough, summary); ``ec50``: :func:`graft_ec50`, marked on the graft panel with
    :data:`DIJOSEPH_EC50_NG_ML`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullFormatter
    from matplotlib.transforms import ScaledTranslation

    fig = Figure(figsize=(8.0, 13.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(5, 1, sharex=True)
    panels = (
        ("graft", "graft surviving\nfraction at the end"),
        ("rejection_day", "rejection day\n(rejected grafts)"),
        ("wound_day", "wound closure day\n(runs that closed)"),
        ("infection_day", "infection clearance day\n(runs that cleared)"),
        ("not_cleared", f"infection not cleared\nby day {days:g} (fraction)"),
    )
    untreated = next(s for arm, _tr, s in rows if arm.kind == "untreated")
    siro = sorted(
        ((tr, s) for arm, tr, s in rows if arm.drug == AXIS_DRUG and arm.kind in ("fixed", "tdm")),
        key=lambda p: p[0],
    )
    for ax, (key, ylabel) in zip(axes, panels, strict=True):
        m, lo, hi = panel_interval(untreated, key)
        if not math.isnan(m):
            ax.axhline(m, color="black", ls="--", lw=1.2, label="untreated (trough 0), 95 % band")
            if not math.isnan(lo):
                ax.axhspan(lo, hi, color="black", alpha=0.10, lw=0)
        ax.plot(  # one sirolimus curve through fixed and monitored arms
            [tr for tr, _ in siro],
            [panel_interval(s, key)[0] for _, s in siro],
            color="tab:blue",
            lw=1.0,
            alpha=0.6,
        )
        for key_, style in STYLES.items():
            pts = [(tr, s) for arm, tr, s in rows if style_key(arm) == key_]
            if not pts:
                continue
            shift = {}
            if key_[0] == "regimen":
                shift["transform"] = ax.transData + ScaledTranslation(
                    COMBINATION_OFFSET_PT / 72.0, 0.0, fig.dpi_scale_trans
                )
            xs = np.array([tr for tr, _ in pts])
            iv = [panel_interval(s, key) for _, s in pts]
            ms = np.array([v[0] for v in iv])
            err = np.nan_to_num(np.array([[m - lo, hi - m] for m, lo, hi in iv]).T)
            ax.errorbar(
                xs, ms, yerr=err, capsize=4, **{"markersize": 7, **style}, linestyle="", **shift
            )
            if key in ("wound_day", "rejection_day"):  # the runs left out of the mean
                for tr, s in pts:
                    if (key == "rejection_day" or s[key][1] < s["n"]) and s[key][1]:
                        ax.annotate(
                            f"{'never' if key == 'wound_day' else 'rejected'} "
                            f"{(s['n'] - s[key][1]) if key == 'wound_day' else s[key][1]}/{s['n']}",
                            (tr, s[key][0][0]),
                            xytext=(6, 6),
                            textcoords="offset points",
                            fontsize=8,
                        )
        if key == "rejection_day":
            ax.text(
                0.99,
                0.04,
                "no point: no graft rejected in any run",
                transform=ax.transAxes,
                ha="right",
                fontsize=8,
            )
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
    for ax in (axes[0], axes[4]):
        ax.set_ylim(-0.05, 1.05)
    g = axes[0]
    g.axvline(DIJOSEPH_EC50_NG_ML, color="tab:purple", ls=":", lw=1.5)
    g.annotate(
        f"rat EC50 {DIJOSEPH_EC50_NG_ML:.1f} ng/mL\n(DiJoseph 1996)",
        (DIJOSEPH_EC50_NG_ML, 0.05),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=8,
        color="tab:purple",
    )
    if not math.isnan(ec50["ec50"]):
        g.axhline(ec50["half"], color="tab:blue", ls=":", lw=1.0)
        g.plot([ec50["ec50"]], [ec50["half"]], marker="x", color="tab:blue", ms=10, mew=2)
        g.annotate(
            f"half effect at {ec50['ec50']:.2f} ng/mL",
            (ec50["ec50"], ec50["half"]),
            xytext=(8, -14),
            textcoords="offset points",
            fontsize=8,
            color="tab:blue",
        )
    ax = axes[-1]
    ax.set_xscale("log")
    ticks = [0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlim(0.2, 25.0)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    ax.set_xlabel(
        "whole-blood trough from day 14, ng/mL, log scale (monitored: measured; fixed dose: "
        "pre-dose level)"
    )
    fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)


def panel_interval(s: dict, key: str) -> tuple[float, float, float]:
    """The figure's (mean, low, high) of panel ``key`` from an arm's summary."""
    if key == "not_cleared":
        k, n = s["infection_day"][1], s["n"]
        return wilson(n - k, n)
    return s[key] if key == "graft" else s[key][0]


def graft_ec50(rows: list[tuple]) -> dict:
    """The graft-survival EC50 the sirolimus-alone arms imply; nothing is fitted.

    Half effect: the untreated mean graft surviving fraction plus half the way to the plateau,
    the mean over the monitored sirolimus arms (the clinical troughs). The EC50 is the first
    crossing of that level by the arms' means ordered by trough, linear in log trough between
    the two arms around it. ``rows`` = (arm, trough ng/mL, summary); returns ``{"half",
    "plateau", "untreated", "ec50", "bracket", "points", "monotone"}`` (``bracket``: the troughs
    of the two arms around it, ``(0, lowest)`` with ``ec50`` NaN when the lowest arm is
    already above it, None with NaN when no arm pair crosses it; ``points`` = (trough,
    mean) of the arms; ``monotone``: every step up in trough keeps or raises the mean; ``fall``:
    the largest fall of the mean from one arm to the next higher one, ``(fall, trough_from,
    trough_to, the two arms' 95 % intervals overlap)``, None when monotone)."""
    untreated = next(s["graft"][0] for arm, _tr, s in rows if arm.kind == "untreated")
    arms = sorted(
        (
            (tr, s["graft"])
            for arm, tr, s in rows
            if arm.drug == AXIS_DRUG and arm.kind != "regimen"
        ),
        key=lambda p: p[0],
    )
    points = [(tr, g[0]) for tr, g in arms]
    plateau = float(
        np.mean(
            [s["graft"][0] for arm, _tr, s in rows if arm.kind == "tdm" and arm.drug == AXIS_DRUG]
        )
    )
    half = untreated + 0.5 * (plateau - untreated)
    out = {"untreated": untreated, "plateau": plateau, "half": half, "points": points}
    falls = [
        (a[1][0] - b[1][0], a[0], b[0], a[1][1] <= b[1][2] and b[1][1] <= a[1][2])
        for a, b in itertools.pairwise(arms)
        if b[1][0] < a[1][0]
    ]
    out["monotone"] = not falls
    out["fall"] = max(falls) if falls else None
    out["ec50"], out["bracket"] = math.nan, None
    if points and points[0][1] >= half:
        out["bracket"] = (0.0, points[0][0])  # below the lowest arm: no value
        return out
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y0 < half <= y1:
            f = (half - y0) / (y1 - y0)
            out["ec50"] = float(math.exp(math.log(x0) + f * (math.log(x1) - math.log(x0))))
            out["bracket"] = (x0, x1)
            break
    return out


def ec50_text(e: dict) -> str:
    """The printed EC50 lines."""
    pts = ", ".join(f"{x:.2f}: {y:.2f}" for x, y in e["points"])
    if e["bracket"] is None:
        where = "not crossed by the arms"
    elif math.isnan(e["ec50"]):
        where = f"< {e['bracket'][1]:.2f} ng/mL (the lowest arm is above it)"
    else:
        lo, hi = e["bracket"]
        where = f"{e['ec50']:.2f} ng/mL (between the arms at {lo:.2f} and {hi:.2f})"
    return (
        f"graft EC50 (sirolimus alone, no fit): untreated {e['untreated']:.2f}, plateau of the "
        f"monitored arms {e['plateau']:.2f}, half effect {e['half']:.2f} -> trough {where}\n"
        f"sirolimus trough: mean graft  {pts}"
    ) + (
        "\nmonotone in trough"
        if e["fall"] is None
        else f"\nnot monotone in trough: largest fall {e['fall'][0]:.2f} from {e['fall'][1]:.2f} "
        f"to {e['fall'][2]:.2f} ng/mL (95 % intervals "
        f"{'overlap' if e['fall'][3] else 'do not overlap'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="replicate seeds 0..N-1 (>= 8)")
    parser.add_argument("--days", type=float, default=None, help="default: the scenario's")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--figure", default=None, metavar="PATH", help="write the figure here")
    parser.add_argument(
        "--save-readouts", default=None, metavar="PATH", help="write every run's readouts (JSON)"
    )
    parser.add_argument(
        "--load-readouts",
        default=None,
        metavar="PATH",
        help="read the readouts --save-readouts wrote (same arms, seeds, days, --set) "
        "instead of running: to redraw",
    )
    args = parser.parse_args()
    spec = get_scenario("transplant")
    days = spec.default_days if args.days is None else args.days
    given = {**CHALLENGES, **dict(s.split("=", 1) for s in args.set)}
    overrides = parse_overrides(spec.scenario_class, given)
    library = load_library()
    jobs = [(arm, seed, days, overrides) for arm in ARMS for seed in range(args.seeds)]
    header = f"transplant, {days:g} days, seeds 0-{args.seeds - 1}, {overrides}"
    print(header, flush=True)
    key = {"header": header, "arms": [arm.name for arm in ARMS]}
    if args.load_readouts:
        with open(args.load_readouts, encoding="utf-8") as f:
            saved = json.load(f)
        if saved["key"] != key:
            raise SystemExit(f"--load-readouts {args.load_readouts}: made for {saved['key']}")
        readouts = saved["readouts"]
    else:
        readouts = run_all(jobs, args.jobs)
    if args.save_readouts:
        with open(args.save_readouts, "w", encoding="utf-8") as f:
            json.dump({"key": key, "readouts": readouts}, f)
    print(line([head for head, _ in COLUMNS]))
    rows = []
    for i, arm in enumerate(ARMS):
        s = summarise(readouts[i * args.seeds : (i + 1) * args.seeds])
        d7, trough = arm_troughs(arm_regime(library, arm, days), library, days)
        rows.append((arm, trough, s))
        print(line(row_cells(arm.name, (d7, trough), s)), flush=True)
    ec50 = graft_ec50(rows)
    print(ec50_text(ec50))
    if args.figure:
        title = (
            f"transplant, {days:g} days, seeds 0-{args.seeds - 1}, {overrides}\n"
            "mean and 95 % interval over seeds (t; Wilson for fractions of runs)"
        )
        draw(args.figure, rows, days, title, ec50)
        print(f"figure: {args.figure}", file=sys.stderr)


if __name__ == "__main__":
    main()
