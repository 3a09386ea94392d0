"""The Python API (mtor_abm.experiments.api): what the README's notebook section promises."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mtor_abm.experiments import api
from mtor_abm.experiments.runner import run_scenario
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.scenarios.tumor_params import GENOTYPES

DISH = {"width": 20, "height": 20, "initial_cells": 30}


def test_build_step_and_timeseries_have_one_row_per_step_from_time_zero():
    model = api.build("culture", "none", seed=3, **DISH)
    api.step(model, steps=5)
    series = api.timeseries(model)
    assert isinstance(series, pd.DataFrame)
    assert series["time_h"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # dt_h = 1 h
    assert series["cells"].iloc[0] == 30
    cohort = api.step(api.build("aging", organisms=3, lattice=4), days=4)
    days = api.timeseries(cohort)["day"].tolist()
    assert days == [0.0, 1.0, 2.0, 3.0, 4.0]  # cohorts step a day at a time


def test_build_and_step_give_the_run_the_command_line_makes():
    regime = api.regime("sirolimus", conc_nM=10)
    model = api.step(api.build("culture", regime, seed=5, **DISH), days=0.5)
    by_hand = api.timeseries(model)
    result = run_scenario("culture", regime, 0.5, 5, DISH, load_library(), progress=False)
    pd.testing.assert_frame_equal(by_hand, api.timeseries(result))
    again = api.run("culture", regime, days=0.5, seed=5, **DISH)
    assert again.summary["readouts"] == result.summary["readouts"]


def test_cells_has_one_row_per_cell_with_its_site_and_signalling():
    # Torin1 250 nM blocks S6K phosphorylation to <= 0.10 of untreated within hours
    # (Thoreen 2009 JBC 284:8023).
    model = api.step(api.build("culture", api.regime("torin1", conc_nM=250), **DISH), steps=3)
    frame = api.cells(model)
    assert len(frame) == model.n_cells
    assert not frame.duplicated(["x", "y"]).any()
    table = model.table
    assert set(zip(frame.x, frame.y, strict=True)) == set(
        zip(table["x"][: table.n].tolist(), table["y"][: table.n].tolist(), strict=True)
    )
    assert (frame["cell_type"] == "epithelial").all()
    assert frame["pS6K"].max() <= 0.10
    assert frame["field:drug"].min() > 0  # the held drug reaches every cell's site


def test_cells_of_every_kind_of_model_agree_with_its_recorded_counts():
    tumor = api.step(api.build("tumor", width=30, height=30, seed_radius_sites=5), steps=2)
    frame, last = api.cells(tumor), api.timeseries(tumor).iloc[-1]
    assert (frame["cell_type"] == "tumor_wild_type").sum() == last["tumor_cells"]
    assert len(frame) == last["cells"]
    assert frame["oxygen_mmHg"].between(0, tumor.scenario.vessel_po2_mmHg).all()
    transplant = api.step(
        api.build("transplant", width=20, height=20, graft_radius=4, naive_entry_per_day=96),
        steps=6,
    )
    frame, last = api.cells(transplant), api.timeseries(transplant).iloc[-1]
    tcells = frame["cell_type"].str.startswith("T cell")
    assert last["tcells"] > 0 and tcells.sum() == last["tcells"]
    cohort = api.step(api.build("aging", organisms=5, lattice=4, stem_cells=2), days=2)
    frame = api.cells(cohort)
    assert len(frame) == 5 * (16 + 2)
    alive = frame.groupby("organism")["organism_alive"].first()
    assert alive.mean() == api.timeseries(cohort)["alive_fraction"].iloc[-1]


def test_regime_takes_the_drug_defaults_and_rejects_bad_combinations():
    everolimus = api.regime("everolimus")
    assert (everolimus.dose_mg, everolimus.schedule) == (10.0, "daily")  # Afinitor label
    with pytest.raises(InputError, match="conc"):
        api.regime("everolimus", conc_nM=5, schedule="weekly")
    # A drug name given to build starts at the scenario's usual day (the tumor's day 14).
    assert api.build("tumor", "everolimus", width=20, height=20).regime.start_day == 14


def test_bad_input_raises_one_line_errors_naming_the_field():
    with pytest.raises(InputError, match="unknown parameter 'widht'"):
        api.build("culture", widht=20)
    with pytest.raises(InputError, match="unknown scenario"):
        api.build("petri")
    with pytest.raises(InputError, match="either days or steps"):
        api.step(api.build("culture", **DISH), days=1, steps=2)
    with pytest.raises(InputError, match="unknown color"):
        api.tissue_png(api.build("culture", **DISH), "purple")


def test_tissue_png_is_the_dashboard_image():
    png = api.tissue_png(api.build("culture", **DISH), "pS6K")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_scenarios_and_drugs_frames_list_the_registries():
    params = api.scenarios()
    tumor = params[params.scenario == "tumor"].set_index("parameter")
    assert tumor.loc["genotype", "choices"] == list(GENOTYPES)  # the registry's, in its order
    assert {"pten_null", "tsc_null", "wild_type", "ccrcc"} <= set(GENOTYPES)
    assert tumor.loc["width", "unit"] == "sites"
    drugs = api.drugs()
    assert drugs.loc["sirolimus", "default_dose_mg"] == 2.0  # Rapamune maintenance
    assert bool(drugs.loc["torin1", "fixed_only"])


def test_sweep_from_a_dict_equals_the_same_spec_from_a_toml_file(tmp_path):
    spec = {
        "scenario": "culture",
        "days": 0.25,
        "seed": 11,
        "set": {"width": 16, "height": 16, "initial_cells": 12},
        "regimes": [{"drug": "none"}, {"drug": "sirolimus", "conc": [1, 10]}],
    }
    from_dict = api.sweep(spec, tmp_path / "a", workers=1)
    toml = tmp_path / "spec.toml"
    toml.write_text(
        'scenario = "culture"\ndays = 0.25\nseed = 11\n'
        "[set]\nwidth = 16\nheight = 16\ninitial_cells = 12\n"
        '[[regimes]]\ndrug = "none"\n[[regimes]]\ndrug = "sirolimus"\nconc = [1, 10]\n'
    )
    from_file = api.sweep(toml, tmp_path / "b", workers=1)
    assert len(from_dict) == 3 and (from_dict["status"] == "ok").all()
    assert from_dict["conc_nM"].tolist()[1:] == [1.0, 10.0]
    pd.testing.assert_frame_equal(from_dict, from_file)


def test_sites_is_what_the_dashboard_draws():
    model = api.build("tumor", width=30, height=30, seed_radius_sites=5)
    frame = api.sites(model)
    codes, labels = model.category_layer()
    assert len(frame) == np.count_nonzero(codes >= 0)
    assert (frame["category"] == "vessel").sum() == np.count_nonzero(
        codes == labels.index("vessel")
    )


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Python API", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "growth_inhibition" in out and "tumor_wild_type" in out
    # what the README says the example shows: everolimus from day 0 has already lowered
    # pS6K after one day (from day 14, the default start, it read 1.01: nothing given yet)
    # and the sweep ranks torin1's growth inhibition by concentration
    ps6k = float(re.search(r"tumor_wild_type\s+([\d.]+)", out).group(1))
    assert ps6k < 0.5
    gi = [float(x) for x in re.findall(r"torin1\s+\S+\s+([\d.]+)", out)]
    assert len(gi) == 2 and 0 < gi[0] < gi[1]
    assert (tmp_path / "sweeps" / "quick" / "results.parquet").is_file()
