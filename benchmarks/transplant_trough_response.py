"""Dose-response of the transplant against the measured trough: graft survival and rejection.

Each arm is untreated or a drug dosed to a target whole-blood trough range (``mtor-sim run
transplant --target-trough``; the Rapamune label's rule, :mod:`model.tdm`), run over replicate
seeds. Prints one row per arm: the mean trough measured from day 14 on (ng/mL), the graft's
surviving fraction at the end (mean, 95 % t interval over seeds, clipped to [0, 1]), the
fraction of grafts rejected (Wilson 95 % interval) and the rejection day of the rejected
grafts (mean, 95 % t interval). Not a timed test: ~5 s per run on the default tissue, so
the default 6 arms x 8 seeds take ~4-8 min on the 2-core machine. Run:
``python benchmarks/transplant_trough_response.py [--seeds 8] [--days 30] [--set width=30]``.
"""

from __future__ import annotations

import argparse
import math

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


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and its two-sided 95 % Student-t interval (NaN bounds for fewer than 2 values)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def wilson(k: int, n: int) -> tuple[float, float, float]:
    """Proportion k/n and its Wilson 95 % interval (scipy)."""
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def measured_trough(regime, from_day: float = 14.0) -> str:
    """Mean trough (ng/mL) the monitoring measured from ``from_day`` on ('0' untreated, 'n/a'
    when the run ends before)."""
    if regime.target_trough_ng_ml is None:
        return "0"
    troughs = [t for day, t, _dose in regime.dose_steps if day >= from_day]
    return f"{np.mean(troughs):.1f}" if troughs else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="replicate seeds 0..N-1 (>= 8)")
    parser.add_argument("--days", type=float, default=None, help="default: the scenario's")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    spec = get_scenario("transplant")
    days = spec.default_days if args.days is None else args.days
    overrides = parse_overrides(spec.scenario_class, dict(s.split("=", 1) for s in args.set))
    library = load_library()
    print(f"transplant, {days:g} days, seeds 0-{args.seeds - 1}, {overrides or 'default tissue'}")
    head = ("arm", "trough", "graft surviving", "rejected", "rejection day (rejected)")
    print(f"{head[0]:28s} {head[1]:>7s}  {head[2]:24s} {head[3]:22s} {head[4]}")
    for arm in ARMS:
        if arm is None:
            name, regime = "untreated", UNTREATED
        else:
            drug, target = arm
            name = f"{drug} {target[0]:g}-{target[1]:g} ng/mL"
            regime = build_regime(library, drug, target_trough_ng_ml=target, monitor_until_day=days)
        graft, days_rejected = [], []
        for seed in range(args.seeds):
            r = run_scenario("transplant", regime, days, seed, overrides, library, False)
            readouts = r.summary["readouts"]
            graft.append(readouts["graft_surviving_fraction"])
            if readouts["rejected"]:
                days_rejected.append(readouts["rejection_day"])
        g, rj = t_interval(graft), wilson(len(days_rejected), args.seeds)
        rd = t_interval(days_rejected)
        print(
            f"{name:28s} {measured_trough(regime):>7s}  "
            f"{g[0]:.2f} [{max(g[1], 0.0):.2f}, {min(g[2], 1.0):.2f}]{'':9s} "
            f"{rj[0]:.2f} [{rj[1]:.2f}, {rj[2]:.2f}]{'':5s} "
            f"{rd[0]:.1f} [{rd[1]:.1f}, {rd[2]:.1f}] (n={len(days_rejected)})",
            flush=True,
        )


if __name__ == "__main__":
    main()
