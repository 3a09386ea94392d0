"""The culture scenario (model.scenarios.culture): growth, drugs and crowding in a dish.

Short runs on small dishes with fixed seeds. Growth inhibition follows the NCI-60 convention
used by the scenario's readouts: GI = 1 - (N_treated - N0) / (N_untreated - N0) after 72 h,
against an untreated dish on the same seed (0 = no effect, 1 = no net growth).
"""

import functools

import numpy as np
import pytest

from mtor_abm.model.pharmacology import UNTREATED, Regime
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario

#: A sparse dish: 80 cells on 40 x 40 sites (5 % cover) stays far from confluence for 72 h.
SPARSE = {"width": 40, "height": 40, "initial_cells": 80}


def held(drug: str, conc_nM: float) -> Regime:
    """The medium held at ``conc_nM`` of ``drug``."""
    return Regime(drug, 0, "fixed", conc_nM=conc_nM)


def run_culture(regime: Regime, hours: int, seed: int, **params) -> tuple[CultureModel, list]:
    """Run a culture for ``hours``; return the model and its cell count at every hour."""
    model = CultureModel(CultureScenario(rng=seed, **params), regime)
    counts = [model.n_cells]
    for _ in range(hours):
        model.step()
        counts.append(model.n_cells)
    return model, counts


@functools.cache
def counts_72h(drug: str, conc_nM: float, seed: int, **params) -> tuple[int, ...]:
    """Hourly cell counts of a sparse dish over 72 h (cached: several tests share runs)."""
    regime = UNTREATED if drug == "none" else held(drug, conc_nM)
    return tuple(run_culture(regime, 72, seed, **{**SPARSE, **params})[1])


def growth_inhibition(drug: str, conc_nM: float, seed: int, **params) -> float:
    """GI after 72 h against the untreated dish of the same seed and parameters."""
    treated = counts_72h(drug, conc_nM, seed, **params)
    untreated = counts_72h("none", 0.0, seed, **params)
    n0 = untreated[0]
    assert treated[0] == n0
    return 1.0 - (treated[-1] - n0) / (untreated[-1] - n0)


# ---------------------------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------------------------


def test_same_seed_same_growth_curve_and_final_table():
    regime = held("sirolimus", 1.0)
    model_a, counts_a = run_culture(regime, 48, seed=7, **SPARSE)
    model_b, counts_b = run_culture(regime, 48, seed=7, **SPARSE)
    assert counts_a == counts_b
    arrays_a, arrays_b = model_a.table.to_arrays(), model_b.table.to_arrays()
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)


def test_different_seeds_give_different_cultures():
    regime = held("sirolimus", 1.0)
    model_a, counts_a = run_culture(regime, 48, seed=7, **SPARSE)
    model_b, counts_b = run_culture(regime, 48, seed=8, **SPARSE)
    sites_a = set(zip(model_a.table["x"], model_a.table["y"], strict=True))
    sites_b = set(zip(model_b.table["x"], model_b.table["y"], strict=True))
    assert counts_a != counts_b or sites_a != sites_b


# ---------------------------------------------------------------------------------------------
# Untreated growth and its limits
# ---------------------------------------------------------------------------------------------


def test_untreated_epithelial_cells_double_in_20_to_30_h():
    """Exponential phase of a sparse dish: doubling time 20-30 h.

    Typical of epithelial lines, G1 ~10 h + S/G2/M ~12 h (Alberts, Molecular Biology of the
    Cell; the figure behind ``CycleParams``).
    """
    counts = np.array(counts_72h("none", 0.0, seed=1)[:49], dtype=float)
    slope = np.polyfit(np.arange(49.0), np.log(counts), 1)[0]
    doubling_h = np.log(2.0) / slope
    assert 20.0 <= doubling_h <= 30.0


def test_dense_dish_stops_growing_at_confluence():
    """Contact inhibition: G1 stalls without a free neighbouring site, so growth stops."""
    sites = 12 * 12
    _, counts = run_culture(UNTREATED, 120, seed=3, width=12, height=12, initial_cells=60)
    counts = np.array(counts, dtype=float)
    assert counts.max() <= sites
    assert counts[-1] >= 0.9 * sites, "stopped well short of confluence"
    early_rate = np.log(counts[36] / counts[12]) / 24.0  # 40-80 % of sites filled
    late_rate = np.log(counts[120] / counts[96]) / 24.0  # confluent
    assert early_rate > 0.01
    assert late_rate < 0.1 * early_rate


def test_nutrient_poor_medium_slows_growth():
    """Amino-acid withdrawal switches mTORC1 off (Hara 1998 JBC 273:14484)."""
    n0 = counts_72h("none", 0.0, seed=1)[0]
    fed_gain = counts_72h("none", 0.0, seed=1)[-1] - n0
    starved_gain = counts_72h("none", 0.0, seed=1, nutrient_level=0.05)[-1] - n0
    assert starved_gain < 0.5 * fed_gain


# ---------------------------------------------------------------------------------------------
# mTOR inhibitors in culture
# ---------------------------------------------------------------------------------------------


def test_rapalog_is_partial_and_plateaus_while_torin1_is_near_complete():
    """Sirolimus 10-100 nM: GI 0.2-0.75, no gain from 10 to 100 nM; Torin1 250 nM: GI >= 0.85.

    Cell-level consequence of the pathway figures: rapamycin leaves 4E-BP1 partly
    phosphorylated and inhibits proliferation only partially, Torin1 far more (Thoreen 2009 JBC
    284:8023).
    """
    gi_10 = growth_inhibition("sirolimus", 10.0, seed=1)
    gi_100 = growth_inhibition("sirolimus", 100.0, seed=1)
    gi_torin = growth_inhibition("torin1", 250.0, seed=1)
    assert 0.2 <= gi_10 <= 0.75
    assert 0.2 <= gi_100 <= 0.75
    assert gi_100 - gi_10 <= 0.15
    assert gi_torin >= 0.85


def test_sirolimus_dose_response_rises_with_half_effect_below_10_nM():
    """GI at 0.01, 0.1, 1, 10 nM (mean of 2 seeds) rises; half-maximal effect in 0.01-10 nM.

    Rapamycin's in-cell potency is sub-nanomolar (pS6K IC50 ~0.1-1 nM). The
    half-maximal concentration is taken relative to the plateau at 100 nM: the rapalog
    plateau lies near GI 0.5, so the absolute GI50 (GI = 0.5) sits at the plateau's edge.
    """
    seeds = (1, 2)
    concs = np.array([0.01, 0.1, 1.0, 10.0])
    gi = np.array([np.mean([growth_inhibition("sirolimus", c, s) for s in seeds]) for c in concs])
    plateau = np.mean([growth_inhibition("sirolimus", 100.0, s) for s in seeds])
    assert np.all(np.diff(gi) >= -0.05), f"GI not non-decreasing: {gi}"
    assert gi[-1] - gi[0] >= 0.3
    half = 0.5 * plateau
    assert gi[0] < half < gi[-1]
    ec50 = np.exp(np.interp(half, np.maximum.accumulate(gi), np.log(concs)))
    assert 0.01 <= ec50 <= 10.0


def test_fkbp12_knockout_abolishes_sirolimus_but_not_torin1():
    """Rapalogs act through FKBP12 (Banaszynski 2005 JACS 127:4715); Torin1 binds
    the ATP site directly (Thoreen 2009)."""
    knockout = {"fkbp12_level": 0.0}
    assert growth_inhibition("sirolimus", 10.0, seed=1, **knockout) < 0.15
    assert growth_inhibition("torin1", 250.0, seed=1, **knockout) >= 0.85


def test_views_place_every_cell_on_its_site_and_match_the_table():
    """The dashboard's views: one category per live cell, readouts NaN exactly where empty."""
    from mtor_abm.model.pharmacology import UNTREATED
    from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario

    model = CultureModel(CultureScenario(rng=3, width=12, height=10, initial_cells=30), UNTREATED)
    for _ in range(5):
        model.step()
    codes, labels = model.category_layer()
    assert codes.shape == (12, 10) and labels == ("epithelial",)
    assert (codes >= 0).sum() == model.n_cells
    layers = model.readout_layers()
    assert np.array_equal(np.isnan(layers["pS6K"]), codes < 0)
    # An untreated, fed epithelial cell sits at the reference (1.0) within integration error.
    assert np.nanmedian(layers["pS6K"]) == pytest.approx(1.0, abs=0.1)
    assert set(model.field_layers()) == {"nutrients", "drug"}
    x, y = np.argwhere(codes >= 0)[0]
    state = model.cell_state_at(int(x), int(y))
    assert state["cell_type"] == "epithelial" and state["mTORC1"] > 0
    ex, ey = np.argwhere(codes < 0)[0]
    assert model.cell_state_at(int(ex), int(ey)) is None


# ---------------------------------------------------------------------------------------------
# Division by pushing neighbours towards a free site (push_radius)
# ---------------------------------------------------------------------------------------------


def row_dish(occupied: list[int], width: int = 6, push_radius: int = 3) -> CultureModel:
    """A one-row dish with cells exactly at the x positions ``occupied``."""
    from mtor_abm.agents.cell import TissueCell

    scenario = CultureScenario(
        rng=1, width=width, height=1, initial_cells=1, push_radius=push_radius
    )
    model = CultureModel(scenario, UNTREATED)
    for cell in list(model.agents_by_type[TissueCell]):
        cell.die()
    for x in occupied:
        model.add_cell(TissueCell, model.grid[(x, 0)], 0, model.medium_inputs)
    return model


def cell_at(model: CultureModel, x: int):
    return model.grid[(x, 0)].agents[0]


def test_a_crowded_cell_pushes_the_cells_on_its_way_to_the_nearest_free_site():
    """Cells at x = 0, 1, 2 of a row, free from x = 3: the cell at 0 has no free neighbour; it
    divides by moving the cells at 1 and 2 one site out, its daughter taking x = 1."""
    model = row_dish([0, 1, 2])
    assert model.free_site_distance()[:, 0].tolist() == [3, 2, 1, 0, 0, 0]
    mother, first, second = (cell_at(model, x) for x in (0, 1, 2))
    daughter = model.divide_pushing(mother)
    assert daughter is not None and daughter.cell.coordinate == (1, 0)
    assert mother.cell.coordinate == (0, 0)
    assert first.cell.coordinate == (2, 0) and second.cell.coordinate == (3, 0)
    t = model.table
    assert sorted(t["x"][: t.n].tolist()) == [0, 1, 2, 3]  # the table follows the agents
    assert int(model.grid.empty.data.sum()) == 6 - model.n_cells == 2


def test_no_free_site_within_the_push_radius_no_division():
    model = row_dish([0, 1, 2], push_radius=2)
    assert model.divide_pushing(cell_at(model, 0)) is None
    assert model.n_cells == 3
