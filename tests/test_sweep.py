"""Sweeps: spec checks, seeds, backends giving identical results, resume, failed runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mtor_abm.experiments import backends
from mtor_abm.experiments.cli import main
from mtor_abm.experiments.spec import load_spec, parse_spec
from mtor_abm.experiments.sweep import run_sweep
from mtor_abm.model.scenarios import SCENARIOS

SPECS_DIR = Path(__file__).resolve().parent.parent / "experiments" / "specs"
SMALL_SPEC = """
scenario = "culture"
days = 1
seed = 7
replicates = 1
[set]
width = 20
height = 20
initial_cells = 30
[axes]
nutrient_level = [0.5, 1.0]
[[regimes]]
drug = "none"
[[regimes]]
drug = ["sirolimus", "torin1"]
conc = 10
"""
N_SMALL = 6


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "small.toml"
    path.write_text(SMALL_SPEC)
    return path


@pytest.fixture(scope="module")
def reference(spec_path, tmp_path_factory) -> Path:
    """The small sweep run in this process (1 worker)."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    counts = run_sweep(spec_path, out, workers=1, progress=False)
    assert counts == {"total": N_SMALL, "ran": N_SMALL, "failed": 0}
    return out


@pytest.fixture(scope="module")
def dask_cluster():
    from dask.distributed import LocalCluster

    cluster = LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    yield cluster
    cluster.close()


def write_spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ run list
def test_one_run_per_combination_with_its_parameters(spec_path, reference):
    results = pd.read_parquet(reference / "results.parquet")
    assert list(results["run_id"]) == list(range(N_SMALL))
    assert (results["status"] == "ok").all()
    combos = set(zip(results["nutrient_level"], results["drug"], strict=True))
    assert combos == {(n, d) for n in (0.5, 1.0) for d in ("none", "sirolimus", "torin1")}
    assert (results.loc[results["drug"] != "none", "conc_nM"] == 10.0).all()
    assert (results["width"] == 20).all()
    for column in ("seed", "growth_inhibition", "cells_final"):
        assert results[column].notna().all(), column
    # an in-vitro dish has no adverse panel: no adverse_* columns (not columns of NaN)
    assert not [c for c in results.columns if c.startswith("adverse_")]
    series = pd.read_parquet(reference / "timeseries.parquet")
    assert set(series["run_id"]) == set(range(N_SMALL))
    assert {"time_h", "cells"} <= set(series.columns)
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["spec_hash"] == load_spec(spec_path).spec_hash
    assert {"spec", "package_version", "git_revision", "versions"} <= set(manifest)


def test_seeds_are_spawned_per_run_in_canonical_order(spec_path):
    spec = load_spec(spec_path)
    children = np.random.SeedSequence(7).spawn(N_SMALL)
    assert [r.seed for r in spec.runs] == [int(c.generate_state(1)[0]) for c in children]
    assert len({r.seed for r in spec.runs}) == N_SMALL


def test_range_log_range_and_latin_hypercube_axes_expand():
    spec = parse_spec(
        {
            "scenario": "culture",
            "samples": 8,
            "axes": {
                "growth_factor": {"range": [0.5, 2.0], "n": 4},
                "nutrient_level": {"log_range": [0.1, 10], "n": 3},
                "oxygen": {"lhs": [0.2, 1.0]},
                "initial_cells": {"lhs": [20, 100]},
            },
            "regimes": [{"drug": "sirolimus", "conc": {"log_range": [1, 100], "n": 3}}],
        }
    )
    assert len(spec.runs) == 4 * 3 * 8 * 3
    gf = sorted({r.overrides["growth_factor"] for r in spec.runs})
    assert gf == pytest.approx([0.5, 1.0, 1.5, 2.0])
    nl = sorted({r.overrides["nutrient_level"] for r in spec.runs})
    assert nl == pytest.approx([0.1, 1.0, 10.0])
    assert sorted({r.regime["conc_nM"] for r in spec.runs}) == pytest.approx([1.0, 10.0, 100.0])
    oxygen = sorted({r.overrides["oxygen"] for r in spec.runs})
    assert len(oxygen) == 8
    strata = np.floor((np.array(oxygen) - 0.2) / 0.8 * 8).astype(int)
    assert sorted(strata) == list(range(8))  # one sample per stratum: a Latin hypercube
    assert all(isinstance(r.overrides["initial_cells"], int) for r in spec.runs)


# ------------------------------------------------------------------------------ backends
def test_same_results_with_one_worker_two_workers_and_dask(
    spec_path, reference, tmp_path, dask_cluster
):
    expected = (reference / "results.parquet").read_bytes()
    expected_series = pd.read_parquet(reference / "timeseries.parquet")
    run_sweep(spec_path, tmp_path / "pool", workers=2, progress=False)
    run_sweep(
        spec_path, tmp_path / "dask", scheduler=dask_cluster.scheduler_address, progress=False
    )
    for name in ("pool", "dask"):
        assert (tmp_path / name / "results.parquet").read_bytes() == expected, name
        series = pd.read_parquet(tmp_path / name / "timeseries.parquet")
        pd.testing.assert_frame_equal(series, expected_series)


# ------------------------------------------------------------------------------ resume
def test_killed_sweep_resumes_to_the_same_results(spec_path, reference, tmp_path):
    out = tmp_path / "killed"
    command = ["sweep", str(spec_path), "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtor_abm.experiments", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "runs").is_dir() and any((out / "runs").glob("0*.json")):
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((out / "runs").glob("0*.json")))
    assert 1 <= done < N_SMALL, "the sweep should be killed part-way"
    assert not (out / "results.parquet").exists()  # a partial sweep never looks complete

    counts = run_sweep(spec_path, out, workers=1, resume=True, progress=False)
    assert counts["ran"] == N_SMALL - done
    assert (out / "results.parquet").read_bytes() == (reference / "results.parquet").read_bytes()


def test_resume_runs_only_the_missing_runs(spec_path, reference, tmp_path):
    out = tmp_path / "partial"
    shutil.copytree(reference, out)
    for name in ("000001.json", "000004.json", "../results.parquet", "../timeseries.parquet"):
        (out / "runs" / name).unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    counts = run_sweep(spec_path, out, workers=1, resume=True, progress=False)
    assert counts["ran"] == 2
    assert {
        p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir() if p.name in kept
    } == kept
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"{i:06d}.json" for i in range(6)]
    assert (out / "results.parquet").read_bytes() == (reference / "results.parquet").read_bytes()


def test_failing_run_is_recorded_and_the_sweep_goes_on(spec_path, reference, tmp_path, monkeypatch):
    real = backends.run_scenario

    def torin1_blows_up(name, regime, *args, **kwargs):
        if regime.drug == "torin1":
            raise FloatingPointError("signalling state became NaN")
        return real(name, regime, *args, **kwargs)

    monkeypatch.setattr(backends, "run_scenario", torin1_blows_up)
    out = tmp_path / "failing"
    counts = run_sweep(spec_path, out, workers=1, progress=False)
    assert counts == {"total": N_SMALL, "ran": N_SMALL, "failed": 2}
    results = pd.read_parquet(out / "results.parquet")
    failed = results[results["status"] == "failed"]
    assert list(failed["drug"]) == ["torin1", "torin1"]
    assert (failed["error"] == "FloatingPointError: signalling state became NaN").all()
    assert failed["growth_inhibition"].isna().all()
    assert (failed["nutrient_level"].tolist()) == [0.5, 1.0]  # parameters kept for failed runs
    ref = pd.read_parquet(reference / "results.parquet").set_index("run_id")
    ok = results[results["status"] == "ok"].set_index("run_id")
    pd.testing.assert_series_equal(
        ok["cells_final"], ref.loc[ok.index, "cells_final"], check_dtype=False
    )
    # Recorded failures are results: resuming has nothing left to run.
    assert run_sweep(spec_path, out, workers=1, resume=True, progress=False)["ran"] == 0


# ------------------------------------------------------------------------------ bad input
BAD_SPECS = {
    "unknown axis parameter": (
        'scenario = "culture"\n[axes]\nnutrient_levl = [0.5, 1.0]\n',
        "spec [axes].nutrient_levl: unknown parameter 'nutrient_levl'; allowed:",
    ),
    "range low above high": (
        'scenario = "culture"\n[axes]\nnutrient_level = { range = [2, 1], n = 3 }\n',
        "spec [axes].nutrient_level: range must be [low, high] with low < high",
    ),
    "value out of bounds": (
        'scenario = "culture"\n[axes]\noxygen = [0.5, 3.0]\n',
        "spec [axes].oxygen: oxygen must be at most 1",
    ),
    "unknown drug": (
        'scenario = "culture"\n[[regimes]]\ndrug = ["sirolimus", "aspirin"]\nconc = 1\n',
        "spec [[regimes]][0]: unknown drug 'aspirin'",
    ),
    "unknown schedule": (
        'scenario = "culture"\n[[regimes]]\ndrug = "everolimus"\nschedule = "hourly"\n',
        "spec [[regimes]][0]: schedule 'hourly' is unknown; allowed: daily",
    ),
    "unknown regime key": (
        'scenario = "culture"\n[[regimes]]\ndrug = "everolimus"\ndoze = 5\n',
        "spec [[regimes]][0].doze: unknown key; allowed: drug, dose",
    ),
    "unknown scenario": ('scenario = "petri"\n', "spec scenario: unknown scenario 'petri'"),
    "unknown top-level key": (
        'scenario = "culture"\nreplicate = 3\n',
        "spec replicate: unknown key",
    ),
    "bad fixed value": ('scenario = "culture"\n[set]\nwidth = 2\n', "spec [set].width: width must"),
    "lhs without samples": (
        'scenario = "culture"\n[axes]\noxygen = { lhs = [0.1, 1] }\n',
        "spec samples: lhs axes need samples",
    ),
    "not TOML": ('scenario = "culture\n', "is not valid TOML"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_bad_spec_is_one_error_line_before_anything_runs(case, tmp_path, capsys):
    text, message = BAD_SPECS[case]
    out = tmp_path / "out"
    code = main(["sweep", str(write_spec(tmp_path, text)), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert message in err, err
    assert not out.exists()


def test_resume_with_another_spec_is_an_error(reference, tmp_path, capsys):
    other = write_spec(tmp_path, SMALL_SPEC.replace("days = 1", "days = 2"))
    code = main(["sweep", str(other), "--out", str(reference), "--resume"])
    _, err = capsys.readouterr()
    assert code == 2 and "--resume: the spec differs" in err and err.count("\n") == 1


def test_non_empty_out_without_resume_is_an_error(spec_path, reference, tmp_path, capsys):
    before = (reference / "results.parquet").read_bytes()
    code = main(["sweep", str(spec_path), "--out", str(reference), "--workers", "1"])
    _, err = capsys.readouterr()
    assert code == 2 and "is not empty; use --resume" in err
    assert (reference / "results.parquet").read_bytes() == before


# ------------------------------------------------------------------------------ shipped specs
def test_every_shipped_spec_of_a_registered_scenario_validates():
    paths = sorted(SPECS_DIR.glob("*.toml"))
    assert paths, "experiments/specs/ should ship specs"
    checked = []
    for path in paths:
        scenario = tomllib.loads(path.read_text())["scenario"]
        if scenario in SCENARIOS:
            assert load_spec(path).runs, path.name
            checked.append(path.name)
    assert any("culture" in name for name in checked)


def test_spec_check_command_counts_runs_and_rejects_a_bad_spec(spec_path, tmp_path, capsys):
    from mtor_abm.experiments.spec import main as check_specs

    assert check_specs([str(spec_path)]) == 0
    assert "culture, 6 runs (swept: nutrient_level, drug)" in capsys.readouterr().out
    bad = write_spec(tmp_path, 'scenario = "culture"\ndays = -1\n')
    assert check_specs([str(bad)]) == 2
    assert "spec days: days must be greater than 0" in capsys.readouterr().err
