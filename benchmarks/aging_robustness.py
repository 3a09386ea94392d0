"""How the aging cohort's rapamycin outcomes move with its least-known parameters, +-15 %.

Run: ``python benchmarks/aging_robustness.py [--seeds N] [--organisms M]``. Prints, for the
defaults and for each of ``lysosome_load``, ``tfeb_gain`` and the mouse's free blood drug
(``[pk_mouse] blood_unbound_fraction`` of sirolimus, applied as every blood level times
0.85 / 1.15, which is the same thing) 15 % lower and higher, the readouts of
``tests/test_aging_rapamycin_slow.py`` on a reduced cohort (default 2 seeds x 100 organisms,
~2 minutes per row): A1 (p90 gain from day 600 at 14 ppm), A3 (median gains from day 270 at
4.7 / 14 / 42 ppm) and A4 (median remaining life after a 3-month course from day 600 at 42 and
126 ppm). Published directions the rows should keep: A1 > 0 (Harrison 2009 Nature 460:392:
+9 to +14 %), A3 ordered (Miller 2014 Aging Cell 13:468), A4 > 0 (Bitto 2016 eLife 5:e16351:
up to +60 %).

Measured (2 seeds x 100 organisms; A1 %, A3 %, A4 %):

======================  ======  ======================  =============
variant                 A1      A3 (4.7 / 14 / 42)      A4 (42 / 126)
======================  ======  ======================  =============
defaults                +14.4   +11.3 / +17.5 / +21.7   +20.3 / +22.0
lysosome_load -15 %     +8.0    +8.3 / +12.0 / +15.5    +8.9 / +9.5
lysosome_load +15 %     +11.4   +7.6 / +15.6 / +23.4    +19.4 / +21.4
tfeb_gain -15 %         +12.0   +10.3 / +17.1 / +19.5   +19.0 / +21.3
tfeb_gain +15 %         +15.2   +12.9 / +17.7 / +21.9   +22.7 / +23.3
free blood drug -15 %   +13.3   +10.3 / +17.5 / +21.6   +20.3 / +22.0
free blood drug +15 %   +15.3   +12.9 / +17.7 / +21.7   +21.3 / +22.7
======================  ======  ======================  =============

Every direction holds; the course's size rests on ``lysosome_load`` (at -15 % the untreated
flux, 1.0, already exceeds it and degrades aggregates too). Before the free-drug reading and
the TFEB gain of 2 (flux 1.15 / 1.21 / 1.25 / 1.27 over the doses), lysosome_load +15 % took
the 126 ppm course from +20 % to +3 % and A1 to +6 %.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mtor_abm.model.pharmacology import UNTREATED, Regime
from mtor_abm.model.scenarios.aging import AgingModel, AgingScenario
from mtor_abm.model.survival import km_quantile

EARLY, LATE, COURSE = 270.0, 600.0, 90.0
DOSES_NM = {"4.7 ppm": 1.5, "14 ppm": 4.4, "42 ppm": 13.0, "126 ppm": 39.0}  # male blood
VARIANTS = {
    "defaults": ({}, 1.0),
    "lysosome_load -15 %": ({"lysosome_load": 0.935}, 1.0),
    "lysosome_load +15 %": ({"lysosome_load": 1.265}, 1.0),
    "tfeb_gain -15 %": ({"tfeb_gain": 1.7}, 1.0),
    "tfeb_gain +15 %": ({"tfeb_gain": 2.3}, 1.0),
    "free blood drug -15 %": ({}, 0.85),
    "free blood drug +15 %": ({}, 1.15),
}


def deaths(seeds, organisms, overrides, conc, start, stop, dead_fraction):
    """Pooled death days (NaN: alive at the end) and the end day: the seeds run until
    ``dead_fraction`` of the organisms alive at ``start`` have died."""
    regime = (
        UNTREATED
        if conc == 0
        else Regime("sirolimus", 0.0, "fixed", start_day=start, stop_day=stop, conc_nM=conc)
    )
    out, end = [], 0.0
    for seed in seeds:
        model = AgingModel(AgingScenario(rng=seed, organisms=organisms, **overrides), regime)
        at_start = None
        while True:
            model.step()
            if at_start is None and model.day >= start:
                at_start = model.alive.copy()
            if at_start is not None and (
                not at_start.any() or 1.0 - model.alive[at_start].mean() >= dead_fraction
            ):
                break
        out.append(model.death_day)
        end = max(end, model.day)
    return np.concatenate(out), end


def row(seeds, organisms, overrides, scale) -> str:
    """One variant's readouts, formatted."""

    def run(conc, start=0.0, stop=None, fraction=0.52):
        return deaths(seeds, organisms, overrides, conc * scale, start, stop, fraction)

    untreated, end_u = run(0.0, fraction=0.92)
    p90_u, med_u = km_quantile(untreated, end_u, 0.9), km_quantile(untreated, end_u, 0.5)
    treated, end = run(DOSES_NM["14 ppm"], LATE, fraction=0.92)
    a1 = km_quantile(treated, end, 0.9) / p90_u - 1.0
    a3 = []
    for dose in ("4.7 ppm", "14 ppm", "42 ppm"):
        d, e = run(DOSES_NM[dose], EARLY)
        a3.append(km_quantile(d, e, 0.5) / med_u - 1.0)
    alive = ~(untreated <= LATE)
    rest_u = km_quantile(untreated[alive] - LATE, end_u - LATE, 0.5)
    a4 = []
    for dose in ("42 ppm", "126 ppm"):
        d, e = run(DOSES_NM[dose], LATE, LATE + COURSE)
        alive = ~(d <= LATE)
        a4.append(km_quantile(d[alive] - LATE, e - LATE, 0.5) / rest_u - 1.0)
    pct = lambda xs: " / ".join(f"{100 * x:+.1f}" for x in xs)  # noqa: E731
    return f"A1 {100 * a1:+.1f} %  A3 {pct(a3)} %  A4 {pct(a4)} %"


def main() -> None:
    """Print one row per variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--organisms", type=int, default=100)
    args = parser.parse_args()
    seeds = tuple(range(11, 11 + args.seeds))  # the slow test's first seeds
    for name, (overrides, scale) in VARIANTS.items():
        t0 = time.perf_counter()
        text = row(seeds, args.organisms, overrides, scale)
        print(f"{name:24s} {text}  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
