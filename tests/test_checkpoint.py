"""Checkpoint and restart: a run saved after N days and resumed for M more days is bit-identical
to one uninterrupted run of N + M days; bad checkpoint files are one-line errors."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from scenario_cases import SMALL, treated

from mtor_abm.experiments.cli import main
from mtor_abm.model.scenarios import SCENARIOS


def run_json(capsys, argv) -> dict:
    """Run the CLI and return its --json object (asserting success)."""
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_every_registered_scenario_has_a_small_restart_case():
    assert set(SCENARIOS) <= set(SMALL), f"add restart settings for {set(SCENARIOS) - set(SMALL)}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_saved_and_resumed_run_is_bit_identical_to_an_uninterrupted_run(name, tmp_path, capsys):
    small, first, more = SMALL[name]
    drug = treated(name)
    base = ["run", name, *drug, *small, "--seed", "7"]
    state = tmp_path / "state.npz"
    run_json(capsys, [*base, "--days", str(first), "--save-state", str(state)])
    resumed = run_json(capsys, ["run", "--resume-state", str(state), "--days", str(more)])
    whole = run_json(capsys, [*base, "--days", str(first + more), "--out", str(tmp_path / "w")])
    assert resumed == whole
    # And the timeseries: the resumed run written out equals the uninterrupted one row for row.
    main(["run", "--resume-state", str(state), "--days", str(more), "--out", str(tmp_path / "r")])
    capsys.readouterr()
    import pandas as pd

    a = pd.read_parquet(tmp_path / "w" / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "r" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_from_manifest_reproduces_the_recorded_run(tmp_path, capsys):
    small, days, _ = SMALL["culture"]
    argv = ["run", "culture", *treated("culture"), *small, "--seed", "3", "--days", str(days)]
    first = run_json(capsys, [*argv, "--out", str(tmp_path / "a")])
    again = run_json(capsys, ["run", "--from-manifest", str(tmp_path / "a" / "manifest.json")])
    assert again == first


def _one_error_line(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_bad_checkpoint_files_are_one_line_errors(tmp_path, capsys):
    small, days, _ = SMALL["culture"]
    good = tmp_path / "good.npz"
    main(["run", "culture", *small, "--days", str(days), "--save-state", str(good)])
    capsys.readouterr()
    raw = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    not_npz = tmp_path / "notes.npz"
    not_npz.write_text("hello")
    missing = tmp_path / "missing.npz"

    # A well-formed archive of another format version.
    future = tmp_path / "future.npz"
    with np.load(good, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    meta = entries["__meta__"].tobytes().replace(b'"format_version": 1', b'"format_version": 9')
    entries["__meta__"] = np.frombuffer(meta, dtype=np.uint8)
    np.savez(future, **entries)

    # A pickled object array smuggled in: refused, never unpickled.
    pickled = tmp_path / "pickled.npz"
    with zipfile.ZipFile(pickled, "w") as z:
        b = io.BytesIO()
        np.save(b, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
        z.writestr("__meta__.npy", b.getvalue())

    for path, words in (
        (truncated, "truncated or corrupt"),
        (not_npz, "not an mtor-abm checkpoint"),
        (missing, "cannot read checkpoint"),
        (future, "format version 9 is not supported"),
        (pickled, "truncated or corrupt"),
    ):
        line = _one_error_line(capsys, ["run", "--resume-state", str(path), "--days", "1"])
        assert words in line, line


def test_resume_and_manifest_refuse_conflicting_options(tmp_path, capsys):
    state = tmp_path / "s.npz"
    main(["run", "culture", *SMALL["culture"][0], "--days", "1", "--save-state", str(state)])
    capsys.readouterr()
    assert "--days" in _one_error_line(capsys, ["run", "--resume-state", str(state)])
    line = _one_error_line(
        capsys, ["run", "--resume-state", str(state), "--days", "1", "--drug", "sirolimus"]
    )
    assert "--drug" in line
    assert "scenario" in _one_error_line(capsys, ["run"])
