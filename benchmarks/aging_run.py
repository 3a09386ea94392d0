"""Wall time of a 40-organism aging cohort over a full lifespan, untreated and treated.

Run: ``python benchmarks/aging_run.py``. Prints, per regime, the cohort simulation time
(1500 daily steps, every cell of every organism) and the lifespans it produced; then the time
of the adverse panel that ``mtor-sim run`` adds for the same regime and run length.
"""

from __future__ import annotations

import time

from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.pharmacology import UNTREATED, Regime
from mtor_abm.model.scenarios.aging import AgingModel, aging_readouts
from mtor_abm.model.scenarios.aging_params import AgingScenario

DAYS = 1500
ORGANISMS = 40
REGIMES = {
    "untreated": UNTREATED,
    "14 ppm from day 600 (--conc 4.4)": Regime("sirolimus", 0.0, "fixed", 600.0, conc_nM=4.4),
    "sirolimus 2 mg daily from day 600 (human PK)": Regime("sirolimus", 2.0, "daily", 600.0),
}


def main() -> None:
    """Time each regime's cohort run."""
    for name, regime in REGIMES.items():
        start = time.perf_counter()
        model = AgingModel(AgingScenario(rng=0, organisms=ORGANISMS), regime)
        for _ in range(DAYS):
            model.step()
        wall = time.perf_counter() - start
        out = aging_readouts(model, None, model.timeseries())
        cells = ORGANISMS * model.cells_per_org
        print(
            f"{name}: {wall:.2f} s for {ORGANISMS} organisms x {cells // ORGANISMS} cells x "
            f"{DAYS} days; median {out['median_lifespan_days']} d, p90 {out['p90_lifespan_days']} d"
        )
        if regime.drug != "none":
            start = time.perf_counter()
            adverse_panel(regime, DAYS)
            print(
                f"  adverse panel over {DAYS} days (added by the runner): "
                f"{time.perf_counter() - start:.2f} s"
            )


if __name__ == "__main__":
    main()
