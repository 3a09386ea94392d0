"""Probe: how the tumor genotypes order under mTOR inhibitors, and what in the network does it.

Three parts (``--parts``, default all):

* ``signal``: one cell of each genotype's cell type (``tumor_<genotype>``) at its untreated
  steady state (default inputs: growth factor, amino acids, energy 1), then 72 h of a drug
  held at a blood-like level: everolimus 13.5 nM (the 10 mg daily trough, 12.9 ng/mL) and
  sapanisertib 14 and 40 nM (the 6 mg daily trough 4.4 ng/mL and ~its daily mean; MW 309).
  Levels are relative to the untreated reference epithelial cell (not to the genotype's own
  untreated cell), so a genotype's absolute drive under drug shows: pS6K, p4EBP1,
  translation, G1->S drive (``proliferation``), AKT survival, and the same relative to the
  genotype untreated.
* ``culture``: growth inhibition at 72 h in the default dish (tests/culture_dish.py: 40 x 40,
  80 cells, seeds 1-3) at the same held levels.
* ``tumor``: the default tumor (2.4 mm slice, day-14 start) of each genotype under the
  label regimes, one seed, ``--days`` of treatment: relative size, best response, pS6K and
  p4EBP1 (relative to the reference cell) and mean cell mass (relative to a newborn cell).

Usage::

    python benchmarks/genotype_probe.py [--parts signal culture tumor] [--days 42] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.occupancy import target_occupancy
from mtor_abm.model.pharmacology import UNTREATED, default_regime, load_library
from mtor_abm.model.recist import recist_course
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, GENOTYPES, TumorScenario

HELD_NM = (("everolimus", 13.5), ("sapanisertib", 14.0), ("sapanisertib", 40.0))
"""Held blood-like levels, nM (see module docstring)."""


def signal_levels(cell_type: str, drug: str, conc_nM: float, hours: float = 72.0) -> dict:
    """Outputs of one cell of ``cell_type`` after ``hours`` of ``drug`` at ``conc_nM`` (drug
    "none": untreated), relative to the reference epithelial cell."""
    library = load_library()
    params = sg.cell_type_params(cell_type)
    inputs = sg.Inputs()
    state = sg.new_state(1, params, inputs)
    conc = {} if drug == "none" else {drug: conc_nM}
    occ, inh1, inh2 = target_occupancy(conc, params["fkbp12_level"], library)
    sg.advance(state, params, inputs._replace(occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2),
               hours)  # fmt: skip
    out = sg.outputs(state, params)
    ref = sg.reference_levels()
    return {
        "pS6K": float(state["s6k"][0] / ref["s6k"]),
        "p4EBP1": float(state["p4ebp1"][0] / ref["p4ebp1"]),
        "translation": float(out["translation"][0]),
        "G1S": float(out["proliferation"][0]),
        "survival": float(out["survival"][0]),
    }


def part_signal() -> None:
    print("signalling, 72 h, relative to the untreated reference epithelial cell "
          "(in brackets: relative to the genotype untreated)")  # fmt: skip
    keys = ("pS6K", "p4EBP1", "translation", "G1S", "survival")
    print(f"{'genotype':10s} {'drug':20s}" + "".join(f"{k:>16s}" for k in keys))
    for genotype in GENOTYPES:
        base = signal_levels(f"tumor_{genotype}", "none", 0.0)
        for drug, conc in (("none", 0.0), *HELD_NM):
            lv = signal_levels(f"tumor_{genotype}", drug, conc)
            cells = "".join(f"{lv[k]:7.3f} ({lv[k] / base[k]:5.2f})" for k in keys)
            label = "untreated" if drug == "none" else f"{drug} {conc:g} nM"
            print(f"{genotype:10s} {label:20s}{cells}")


def part_culture() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from culture_dish import dish_gi

    print("culture growth inhibition at 72 h (0 = untreated, 1 = no net growth; seeds 1-3)")
    for genotype in GENOTYPES:
        gi = [dish_gi(f"tumor_{genotype}", d, c) for d, c in HELD_NM]
        text = "  ".join(f"{d} {c:g} nM {g:.2f}" for (d, c), g in zip(HELD_NM, gi, strict=True))
        print(f"  {genotype:10s} {text}")


def part_tumor(days: float, seed: int) -> None:
    library = load_library()
    print(f"default tumor, seed {seed}, {days:g} days after the day-{DEFAULT_START_DAY:g} start")
    for genotype in GENOTYPES:
        for drug in ("none", "everolimus", "sapanisertib"):
            regime = (
                UNTREATED if drug == "none" else default_regime(drug, library, DEFAULT_START_DAY)
            )
            t0 = time.perf_counter()
            model = TumorModel(TumorScenario(rng=seed, genotype=genotype), regime, library)
            for _ in range(round((DEFAULT_START_DAY + days) * 24 / model.dt_h)):
                model.step()
            s = model.timeseries()
            hours, cells = np.asarray(s["time_h"]), np.asarray(s["tumor_cells"], dtype=float)
            c = recist_course(hours, cells, model.baseline_h)
            start = cells[int(np.searchsorted(hours, model.baseline_h - 1e-9))]
            ttp = c.time_to_progression_days
            t = model.table
            mass = float(t["mass"][t["type_id"] == 0].mean()) if model.n_tumor else float("nan")
            print(
                f"  {genotype:10s} {drug:13s} x{cells[-1] / start:5.2f} cells  best "
                f"{c.best_response} ({100 * (c.best_relative_volume - 1):+.0f} % vol)  TTP "
                f"{'none' if ttp is None else f'{ttp:.1f} d'}  pS6K {s['mean_pS6K'][-1]:.2f}  "
                f"p4EBP1 {s['mean_p4EBP1'][-1]:.2f}  cell mass {mass:.2f}  "
                f"vessels {int(s['vessels'][-1])}  "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["signal", "culture", "tumor"])
    parser.add_argument("--days", type=float, default=42.0, help="tumor: days of treatment")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if "signal" in args.parts:
        part_signal()
    if "culture" in args.parts:
        part_culture()
    if "tumor" in args.parts:
        part_tumor(args.days, args.seed)


if __name__ == "__main__":
    main()
