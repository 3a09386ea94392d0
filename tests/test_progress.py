"""Progress of the long phases (stepping, the untreated twin, the adverse panel) on stderr only."""

from __future__ import annotations

import json
import time

from mtor_abm.experiments import progress
from mtor_abm.experiments.cli import main
from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.pharmacology import Regime

SMALL = ["--set", "width=16", "--set", "height=16", "--set", "initial_cells=20"]


def test_adverse_panel_reports_each_day_and_the_end_without_changing_its_result():
    regime = Regime("sirolimus", 2.0, "daily")
    calls: list[tuple[int, int]] = []
    with_progress = adverse_panel(
        regime, 3, progress=lambda done, total: calls.append((done, total))
    )
    assert with_progress == adverse_panel(regime, 3)
    assert {total for _, total in calls} == {3 * 24}  # hourly steps over 3 days
    assert [done for done, _ in calls] == [0, 24, 48, 72]


def test_run_json_keeps_stdout_one_object_and_draws_every_phase_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)  # show bars at once, however short the phase
    code = main(["run", "culture", "--drug", "sirolimus", "--days", "0.5", *SMALL, "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.count("\n") == 1 and json.loads(out)["scenario"] == "culture"
    for phase in ("culture sirolimus", "culture untreated twin", "adverse panel sirolimus"):
        assert phase in err, phase


def test_pk_json_draws_the_adverse_panel_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    assert main(["pk", "--drug", "everolimus", "--days", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["drug"] == "everolimus"
    assert "adverse panel everolimus" in err


def test_short_phases_draw_nothing(capsys):
    assert main(["run", "culture", "--days", "0.25", *SMALL, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)["drug"] == "none"


def test_run_out_reports_building_and_writing_on_stderr(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    out_dir = tmp_path / "run"
    args = ["run", "culture", "--days", "0.25", *SMALL, "--out", str(out_dir), "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["scenario"] == "culture"
    assert "building the culture model ..." in err
    assert "building the culture model: done in" in err
    assert f"writing the run and its figures to {out_dir}: done in" in err
    assert (out_dir / "summary.json").is_file()


def test_an_uncounted_phase_speaks_only_once_it_is_long(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.2)
    with progress.phase("quick"):
        pass
    with progress.phase("slow"):
        time.sleep(0.6)
    err = capsys.readouterr().err
    assert "quick" not in err
    lines = err.splitlines()
    assert lines[0] == "slow ..." and lines[1].startswith("slow: done in 0.")
