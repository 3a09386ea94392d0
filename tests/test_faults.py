"""Faults: an unwritable output directory or a full disk is one clear error line, and earlier
results stay intact (every file is written to a temporary name and renamed)."""

from __future__ import annotations

import errno
import json
import os

import pytest

from mtor_abm.experiments.cli import main

SMALL = ["run", "culture", "--set", "width=10", "--set", "height=10", "--days", "0.5"]


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_output_directory_that_cannot_be_created_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main([*SMALL, "--out", str(blocker / "run")]) == 2
    line = _error_line(capsys)
    assert "--out" in line and "cannot write there" in line and "not a folder" in line
    assert blocker.read_text() == "not a directory"


@pytest.mark.parametrize("fail_at", [1, 3])
def test_disk_full_keeps_the_earlier_run_intact(fail_at, tmp_path, capsys, monkeypatch):
    """The disk fills at the first file, or after two files of the new run were written."""
    out = tmp_path / "run"
    assert main([*SMALL, "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    real_fdopen = os.fdopen

    writes = {"n": 0}

    class FullDisk:
        """A file whose writes fail as on a full disk from the ``fail_at``-th file on."""

        def __init__(self, fh):
            self.fh = fh
            writes["n"] += 1

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            if writes["n"] >= fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(data)

        def flush(self):
            self.fh.flush()

        def fileno(self):
            return self.fh.fileno()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r": FullDisk(real_fdopen(fd, mode)))
    assert main([*SMALL, "--seed", "2", "--out", str(out)]) == 1
    line = _error_line(capsys)
    assert "No space left on device" in line and str(out) in line
    monkeypatch.undo()

    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "a failed run changed or left files in the earlier run's directory"
    assert writes["n"] >= fail_at
    assert json.loads(before[out.relative_to(out) / "summary.json"])["seed"] == 1


def test_sigterm_stops_a_run_as_ctrl_c_does_and_keeps_the_earlier_run(tmp_path, capsys):
    """A long run into an earlier run's folder gets SIGTERM while it steps (its bar is shown)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    out = tmp_path / "run"
    assert main([*SMALL, "--out", str(out)]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    long_run = ["run", "culture", "--days", "60", "--set", "width=80", "--set", "height=80"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtor_abm.experiments", *long_run, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    err = []
    reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, "")))
    reader.start()
    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline and proc.poll() is None and not any("culture" in e for e in err)
    ):
        time.sleep(0.1)  # the progress bar shows once stepping has gone on for 3 s
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 1
    reader.join(timeout=10)
    assert "".join(err).strip().splitlines()[-1] == "error: interrupted", err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
