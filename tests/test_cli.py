"""The command-line contract (README; experiments/runner.py): JSON keys, exit codes, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.model.calibration.parameter_set import parameter_set_hash, shipped_parameter_set

PATHWAY_READOUTS = [
    "mTORC1",
    "mTORC2",
    "pS6K",
    "p4EBP1",
    "pAKT_S473",
    "pAKT_T308",
    "IRS1",
    "autophagy",
    "translation",
    "proliferation",
]
SMALL = ["--set", "width=20", "--set", "height=20", "--set", "initial_cells=30"]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_pathway_json_has_the_contract_keys_sampled_hourly(capsys):
    code, out, _ = run_cli(capsys, "pathway", "--drug", "sirolimus", "--conc", "10", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"drug", "conc_nM", "cell_type", "times_h", *PATHWAY_READOUTS} <= set(data)
    assert data["times_h"][0] == 0 and data["times_h"][-1] == 24
    assert all(b - a <= 1.0 for a, b in zip(data["times_h"], data["times_h"][1:], strict=False))
    assert all(len(data[k]) == len(data["times_h"]) for k in PATHWAY_READOUTS)


def test_pk_json_reports_steady_state_and_the_adverse_panel(capsys):
    code, out, _ = run_cli(capsys, "pk", "--drug", "everolimus", "--days", "10", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("drug", "dose_mg", "schedule", "times_h", "conc_ng_ml", "trough_ng_ml"):
        assert key in data
    assert 9 <= data["trough_ng_ml"] <= 23  # IQR of 10 mg daily troughs, SWOG S0931
    assert data["cmax_ng_ml"] > data["trough_ng_ml"]
    assert set(data["adverse"]) == {
        "glucose_intolerance",
        "hyperlipidemia",
        "infection_risk",
        "wound_healing_delay",
    }


def test_run_culture_json_and_out_dir_follow_the_contract(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(
        capsys, "run", "culture", "--drug", "torin1", "--conc", "250", "--days", "1",
        "--seed", "3", "--out", str(out_dir), "--json", *SMALL,
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    for key in ("scenario", "drug", "dose_mg", "schedule", "seed", "days", "params"):
        assert key in summary
    assert {"cells_initial", "cells_final", "doubling_time_h", "growth_inhibition"} <= set(
        summary["readouts"]
    )
    assert summary["seed"] == 3 and summary["params"]["width"] == 20
    assert json.loads((out_dir / "summary.json").read_text()) == summary
    series = pd.read_parquet(out_dir / "timeseries.parquet")
    assert len(series) == 25 and series["time_h"].iloc[-1] == 24
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3 and "mesa" in manifest["versions"]
    identity = manifest["signalling_parameters"]  # which signalling parameter set ran
    assert len(identity["cell_types_sha256"]) == 64
    shipped = shipped_parameter_set()  # the fit's hash names the fitted set every run used
    assert shipped and identity["fitted_set_sha256"] == parameter_set_hash(shipped)
    assert (out_dir / "figures" / "growth.png").stat().st_size > 1000


def test_same_seed_gives_the_same_summary(capsys):
    args = ("run", "culture", "--drug", "sirolimus", "--conc", "5", "--days", "1", "--json")
    first = run_cli(capsys, *args, *SMALL)[1]
    second = run_cli(capsys, *args, *SMALL)[1]
    other = run_cli(capsys, *args, "--seed", "7", *SMALL)[1]
    assert first == second
    assert json.loads(first)["readouts"] != json.loads(other)["readouts"]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["run", "culture", "--drug", "rapamicin"], "rapamicin"),
        (["run", "tumour"], "tumour"),
        (["run", "culture", "--schedule", "sometimes", "--drug", "sirolimus"], "schedule"),
        (["run", "culture", "--drug", "sirolimus", "--dose", "-1"], "--dose"),
        (["run", "culture", "--conc", "abc", "--drug", "torin1"], "--conc"),
        (["run", "culture", "--days", "-2"], "--days"),
        (["run", "culture", "--set", "width"], "malformed --set"),
        (["run", "culture", "--set", "widht=30"], "widht"),
        (["run", "culture", "--set", "width=abc"], "width"),
        (["pathway", "--drug", "sirolimus", "--conc", "10", "--cell-type", "alien"], "alien"),
        (["pk", "--drug", "torin1"], "torin1"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(capsys, args, names):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert names in lines[0]


def test_console_module_entry_point_runs_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "mtor_abm.experiments", "run", "culture", "--drug", "nope"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown drug 'nope'")
    assert "Traceback" not in proc.stderr
