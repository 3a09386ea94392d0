"""Progress of the long phases on stderr only: building a model or cohort, stepping, the
untreated twin, the adverse panel, a PK curve, replicates, a sweep's runs, writing outputs."""

from __future__ import annotations

import json
import time

import numpy as np

from mtor_abm.experiments import progress
from mtor_abm.experiments.cli import main
from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.pk import simulate

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
    for phase in ("culture sirolimus", "culture untreated twin"):
        assert phase in err, phase
    # a dish has no adverse panel (in vitro), so no phase for one; the cohort test below
    # checks the panel's phase in vivo
    assert "adverse panel" not in err and json.loads(out)["adverse"] is None


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


def test_a_cohort_run_reports_building_the_cohort_and_the_adverse_panel(capsys, monkeypatch):
    """Building a cohort and the adverse panel are phases of their own, named with
    what they build; stdout stays one JSON object."""
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    small = ["--set", "lattice=4", "--set", "stem_cells=2", "--replicates", "3"]
    assert main(["run", "aging", "--drug", "sirolimus", "--days", "5", *small, "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and json.loads(out)["params"]["organisms"] == 3
    for line in (
        "building the aging cohort of 3 organisms ...",
        "building the aging cohort of 3 organisms: done in",
        "building the untreated aging cohort of 3 organisms: done in",
        "aging sirolimus",
        "adverse panel sirolimus",
    ):
        assert line in err, line


def test_pk_curve_reports_each_day_and_the_end_without_changing_it(capsys, monkeypatch):
    regime = Regime("sirolimus", 2.0, "daily", loading_dose_mg=6.0)
    calls: list[tuple[int, int]] = []
    times, conc = simulate(regime, 2, dt_h=0.5, progress=lambda d, t: calls.append((d, t)))
    plain_times, plain = simulate(regime, 2, dt_h=0.5)
    assert np.array_equal(times, plain_times)
    assert all(np.array_equal(conc[s], plain[s]) for s in plain)
    assert calls == [(0, 97), (48, 97), (96, 97), (97, 97)]  # 0-48 h every 0.5 h: 97 samples
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    assert main(["pk", "--drug", "sirolimus", "--days", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["drug"] == "sirolimus" and "pk sirolimus" in err


def test_replicates_count_their_runs_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    args = ["run", "culture", "--days", "0.25", *SMALL, "--replicates", "2", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)["seeds"]) == 2
    assert "culture replicates" in err


def test_a_one_worker_sweep_shows_each_runs_phases(capsys, monkeypatch, tmp_path):
    """In this process a sweep's runs show their own phases below the sweep's bar (a case
    can take minutes: the sweep's bar alone stood still meanwhile)."""
    from mtor_abm.experiments.sweep import run_sweep

    spec = tmp_path / "two.toml"
    spec.write_text(
        'scenario = "culture"\ndays = 0.25\n[set]\nwidth = 16\nheight = 16\n'
        'initial_cells = 20\n[[regimes]]\ndrug = ["none", "torin1"]\n'
    )
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    assert run_sweep(spec, tmp_path / "out", workers=1)["ran"] == 2
    err = capsys.readouterr().err
    assert "sweep (local, 1 worker)" in err
    assert err.count("building the culture model: done in") == 2
    assert "culture torin1" in err
    run_sweep(spec, tmp_path / "quiet", workers=1, progress=False)
    assert capsys.readouterr().err == ""


def test_a_report_says_it_is_being_written(capsys, monkeypatch, tmp_path):
    out_dir = tmp_path / "run"
    assert main(["run", "culture", "--days", "0.25", *SMALL, "--out", str(out_dir)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    assert main(["report", str(out_dir)]) == 0
    err = capsys.readouterr().err
    assert f"writing the report of {out_dir}: done in" in err


def test_a_ticking_bar_redraws_while_nothing_finishes():
    """A pool sweep's bar had nothing to draw until a case ended: its clock stood still for
    the minutes a 60-day tumor takes. Ticking redraws it; after the block it stays quiet."""
    import io

    from tqdm import tqdm

    text = io.StringIO()
    with tqdm(total=2, file=text, mininterval=0) as shown, progress.ticking(shown, 0.05):
        time.sleep(0.5)  # one long case: no update
    drawn = text.getvalue().count("\r")
    assert drawn >= 4, text.getvalue()  # ~10 ticks; at least a few even on a loaded machine
    time.sleep(0.2)
    assert text.getvalue().count("\r") == drawn  # the ticker ended with the block


def test_pathway_reports_each_day_and_the_end_without_changing_its_result(capsys, monkeypatch):
    from mtor_abm.model.pathway import simulate_pathway

    calls: list[tuple[int, int]] = []
    with_progress = simulate_pathway(
        "sirolimus", 10.0, 48.0, progress=lambda d, t: calls.append((d, t))
    )
    assert with_progress == simulate_pathway("sirolimus", 10.0, 48.0)
    assert calls == [(0, 49), (24, 49), (48, 49), (49, 49)]  # hourly samples, 0-48 h
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    args = ["pathway", "--drug", "sirolimus", "--conc", "10", "--hours", "48", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["drug"] == "sirolimus" and "pathway sirolimus" in err
