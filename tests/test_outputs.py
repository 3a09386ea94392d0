"""Output files and folders: modes from the umask, paths checked before the simulation, a run
that replaces an earlier one as a whole, and a report that keeps a run's own figures."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mtor_abm.experiments import runner
from mtor_abm.experiments.cli import main
from mtor_abm.model import atomic

SMALL = ["run", "culture", "--set", "width=10", "--set", "height=10", "--days", "0.5"]
TRANSPLANT = ["run", "transplant", "--set", "width=30", "--set", "height=30", "--days", "3"]


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    saved = os.umask(0o022)
    yield os.umask
    os.umask(saved)


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_run_outputs_and_checkpoints_get_their_mode_from_the_umask(mask, umask, tmp_path, capsys):
    umask(mask)
    out, state = tmp_path / "run", tmp_path / "state.npz"
    killed_save = tmp_path / ".state.npz.tmp-0000"  # what a save killed mid-write leaves
    killed_save.write_bytes(b"PK partial")
    assert main([*SMALL, "--out", str(out), "--save-state", str(state)]) == 0
    assert not killed_save.exists()
    modes = _modes(out)
    assert "figures/growth.png" in modes and "summary.json" in modes
    for name, mode in modes.items():
        want = 0o777 & ~mask if (out / name).is_dir() else 0o666 & ~mask
        assert mode == want, f"{name}: {oct(mode)} instead of {oct(want)} under umask {oct(mask)}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE(state.stat().st_mode) == 0o666 & ~mask


def test_sweep_files_get_their_mode_from_the_umask(umask, tmp_path):
    from mtor_abm.experiments.sweep import run_sweep

    umask(0o027)
    spec = tmp_path / "spec.toml"
    spec.write_text('scenario = "culture"\ndays = 0.5\n[set]\nwidth = 10\nheight = 10\n')
    run_sweep(spec, tmp_path / "sweep", workers=1, progress=False)
    modes = _modes(tmp_path / "sweep")
    assert {"manifest.json", "results.parquet", "runs/000000.json"} <= set(modes)
    for name, mode in modes.items():
        is_dir = (tmp_path / "sweep" / name).is_dir()
        assert mode == (0o750 if is_dir else 0o640), f"{name}: {oct(mode)}"


def _no_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before the output paths were checked")

    monkeypatch.setattr(runner, "run_scenario", refuse)


@pytest.mark.parametrize(
    "option, where",
    [
        ("--out", "a-file/run"),
        ("--save-state", "a-file/state.npz"),
        ("--save-state", "folder"),
        ("--out", "a-file"),
        ("--out", "other"),  # a folder that holds something else than a run
    ],
)
def test_unusable_output_paths_are_refused_before_the_simulation(
    option, where, tmp_path, capsys, monkeypatch
):
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "folder").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "thesis.tex").write_text("precious")
    _no_simulation(monkeypatch)
    assert main([*SMALL, option, str(tmp_path / where)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {option} "), err
    assert (tmp_path / "other" / "thesis.tex").read_text() == "precious"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_output_folder_is_refused_before_the_simulation(tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    _no_simulation(monkeypatch)
    assert main([*SMALL, "--out", str(locked / "run")]) == 2
    assert "not writable" in capsys.readouterr().err


def test_a_run_next_to_an_earlier_run_of_another_scenario_replaces_it_whole(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*TRANSPLANT, "--out", str(out)]) == 0
    assert (out / "figures" / "tissue_snapshot.png").is_file()
    assert main([*SMALL, "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["growth.png", "signalling.png"]
    assert sorted(p.name for p in out.iterdir()) == [
        "figures",
        "manifest.json",
        "summary.json",
        "timeseries.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left


def test_report_writes_its_own_folder_and_keeps_the_runs_figures(tmp_path, capsys):
    """A transplant run draws figures/graft_survival.png; the report draws one of that name."""
    out = tmp_path / "run"
    assert main([*TRANSPLANT, "--out", str(out)]) == 0
    own = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    assert "graft_survival.png" in own
    assert main(["report", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in (out / "figures").iterdir()} == own
    assert (out / "report" / "graft_survival.png").stat().st_size > 1000
    assert "![graft_survival.png](graft_survival.png)" in (out / "report" / "report.md").read_text()
    assert main([*TRANSPLANT, "--out", str(out)]) == 0  # a rerun may replace the reported run


def test_leftovers_of_killed_writers_are_removed_but_not_those_of_live_ones(tmp_path):
    import fcntl

    target = tmp_path / "run"
    stale_dir = tmp_path / ".run.staging-dead"
    stale_dir.mkdir()
    (stale_dir / "summary.json").write_text("{}")
    stale_file = tmp_path / ".run.tmp-dead"
    stale_file.write_text("partial")
    live = tmp_path / ".run.staging-live"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a writer at work holds it (another open file)
    unrelated = tmp_path / ".other.staging-dead"
    unrelated.mkdir()
    try:
        removed = atomic.remove_stale(target)
        assert sorted(p.name for p in removed) == [".run.staging-dead", ".run.tmp-dead"]
        assert live.is_dir() and unrelated.is_dir()
    finally:
        os.close(fd)
    assert [p.name for p in atomic.remove_stale(target)] == [".run.staging-live"]


def test_an_interrupted_replacement_without_exchange_brings_the_old_folder_back(tmp_path):
    """Where names cannot be exchanged atomically, the old folder is moved aside first."""
    target = tmp_path / "run"
    aside = tmp_path / ".run.replaced-0000"
    aside.mkdir()
    (aside / "summary.json").write_text("old")
    atomic.remove_stale(target)  # killed after moving the old folder aside
    assert (target / "summary.json").read_text() == "old"


@pytest.mark.parametrize("exchange", [True, False])
def test_staged_dir_replaces_a_folder_as_a_whole(exchange, tmp_path, monkeypatch):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic.staged_dir(target) as stage:
        atomic.write_bytes(stage / "new.txt", b"new")
        assert sorted(p.name for p in target.iterdir()) == ["old.txt"]  # untouched meanwhile
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    with pytest.raises(RuntimeError), atomic.staged_dir(target) as stage:
        atomic.write_bytes(stage / "half.txt", b"half")
        raise RuntimeError("a figure cannot be drawn")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
