"""The Mesa reference (benchmarks/reference_mesa.py) is the same tumor model as the engine.

The benchmark compares the engine's speed with an idiomatic one-object-per-cell Mesa model;
the comparison is only fair if both simulate the same rules. Random streams differ (agents
act in shuffled order and draw from ``model.random``), so the tumor curves are compared
statistically: on a small slice over 5 days, 8 seeds of the (cheap) engine and 4 of the
reference, untreated and under a held everolimus level, the mean tumor-cell counts agree
within 3 standard errors plus 3 % at every day, and the treated/untreated ratio of the final
counts within 3 standard errors plus 0.03. Checked by hand: a 15 % slower growth rate or a
50-fold weaker drug in the reference fails it (a 17 % longer S/G2/M, -10 % cells on the
treated arm, stays within the tolerance). The scalar transcriptions of the signalling and
the occupancy are checked against :func:`model.signaling.advance` and
:func:`model.pharmacology.target_occupancy`.
"""

import functools
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.reference_mesa import (
    ReferenceTumorModel,
    advance_scalar,
    build_reference,
    occupancy_scalar,
    tissue_for_cells,
)
from mtor_abm.model import signaling as sg
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library, target_occupancy
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import TumorScenario

LIBRARY = load_library()
SLICE = {"width": 30, "height": 30, "seed_radius_sites": 6.0, "normal_density": 0.15}
"""A 600 um slice with a 113-cell tumor disc in sparse host tissue (~230 cells at 0 h): the
tumor (~270 cells at 5 days untreated) stays inside it and is most of the cells, so the test
time goes into tumor cells; seed-to-seed noise is ~4 % of the count. Every other parameter
is the scenario default (host density is layout, not a rule)."""
DAYS = 5
SEEDS = {"engine": tuple(range(8)), "reference": (0, 1, 2, 3)}
ARMS = {
    "none": UNTREATED,
    "everolimus": Regime("everolimus", 0.0, "fixed", start_day=0.0, conc_nM=20.0),
}


@functools.cache
def curves(implementation: str, arm: str) -> np.ndarray:
    """Tumor cells at 0, 24, ..., DAYS*24 h, one row per seed."""
    cls = TumorModel if implementation == "engine" else ReferenceTumorModel
    rows = []
    for seed in SEEDS[implementation]:
        model = cls(TumorScenario(rng=seed, **SLICE), ARMS[arm], LIBRARY)
        for _ in range(DAYS * 24):
            model.step()
        rows.append(np.asarray(model.timeseries()["tumor_cells"], dtype=float)[::24])
    return np.array(rows)


def _summary(a: np.ndarray) -> str:
    return f"{a.mean():.1f} +/- {a.std(ddof=1):.1f}"


@pytest.mark.parametrize("arm", list(ARMS))
def test_same_tumor_curve(arm):
    engine, reference = curves("engine", arm), curves("reference", arm)
    assert engine[:, 0].mean() == reference[:, 0].mean()  # same seeded disc
    for day in range(1, DAYS + 1):
        e, r = engine[:, day], reference[:, day]
        se = math.sqrt(e.var(ddof=1) / len(e) + r.var(ddof=1) / len(r))
        tolerance = 3.0 * se + 0.03 * e.mean()
        assert abs(e.mean() - r.mean()) <= tolerance, (
            f"{arm} day {day}: engine {_summary(e)}, reference {_summary(r)} "
            f"(tolerance {tolerance:.1f})"
        )


def test_same_drug_effect():
    ratio, se = {}, {}
    for impl in ("engine", "reference"):
        treated, untreated = curves(impl, "everolimus")[:, -1], curves(impl, "none")[:, -1]
        ratio[impl] = treated.mean() / untreated.mean()
        n = len(SEEDS[impl])
        se[impl] = ratio[impl] * math.sqrt(
            treated.var(ddof=1) / n / treated.mean() ** 2
            + untreated.var(ddof=1) / n / untreated.mean() ** 2
        )
    assert ratio["engine"] < 0.9  # the arm does have an effect to compare
    tolerance = 3.0 * math.hypot(se["engine"], se["reference"]) + 0.03
    assert abs(ratio["engine"] - ratio["reference"]) <= tolerance, (ratio, tolerance)


def test_scalar_signalling_is_the_engine_equations():
    rng = np.random.default_rng(7)
    types = [sg.cell_type_params(name) for name in sg.CELL_TYPES]
    steady_states = [sg.new_state(1, params) for params in types]
    for i in range(60):
        params, steady = types[i % len(types)], steady_states[i % len(types)]
        values = {k: float(v[0]) * rng.uniform(0.5, 1.5) for k, v in steady.items()}
        inputs = (*rng.uniform(0.0, 1.5, 3), *(rng.uniform(0.0, 1.0, 3) * (i % 2)))
        dt_h = (1.0, 0.3, 2.5)[i % 3]
        cell = SimpleNamespace(**params, **values)
        advance_scalar(cell, *inputs, dt_h)
        arrays = {k: np.array([v]) for k, v in values.items()}
        sg.advance(arrays, params, sg.Inputs(*inputs), dt_h)
        for name in sg.STATE_NAMES:
            assert getattr(cell, name) == pytest.approx(arrays[name][0], rel=1e-12, abs=1e-14)


def test_scalar_occupancy_is_the_engine_pharmacology():
    drugs = [name for name, drug in LIBRARY.items() if drug.drug_class != "none"]
    cases = [{name: c} for name in drugs for c in (0.0, 0.01, 3.0, 500.0)]
    cases += [{"temsirolimus": 40.0, "sirolimus": 8.0}, {"torin1": 50.0, "rapalink1": 2.0}]
    for conc in cases:
        for fkbp12 in (0.0, 1.0, 2.0):
            expected = target_occupancy(conc, fkbp12, LIBRARY)
            got = occupancy_scalar(conc, fkbp12, LIBRARY)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (conc, fkbp12)


def test_numpy_signalling_mode_gives_the_same_run():
    runs = []
    for mode in ("scalar", "numpy"):
        model = ReferenceTumorModel(
            TumorScenario(rng=3, width=12, height=12, seed_radius_sites=3),
            ARMS["everolimus"],
            LIBRARY,
            mode,
        )
        for _ in range(3):
            model.step()
        runs.append(model.timeseries())
    assert runs[0] == runs[1]


def test_tissue_for_cells_sizes_both_sides():
    overrides = tissue_for_cells(1000)
    model = build_reference(1000, seed=0)
    assert model.grid.width == overrides["width"] == model.grid.height
    assert 900 <= len(model.agents) <= 1100
