"""User drugs travel with the run: manifests and checkpoints carry the
parsed drug entries and their hash, so a ``--drug-file`` run reruns (``--from-manifest``)
and resumes (``--resume-state``) without the file, and a different file with the same drug
name is detected rather than silently changing the rerun."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json

import pytest
from test_input_domains import USER_DRUG

from mtor_abm.experiments.cli import main

TINY = ["--set", "width=10", "--set", "height=10", "--set", "initial_cells=8"]


def call(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    """A culture run under a user drug, written with --out and --save-state."""
    root = tmp_path_factory.mktemp("prov")
    drug = root / "mydrug.toml"
    drug.write_text(USER_DRUG)
    argv = ["run", "culture", "--drug", "mydrug", "--drug-file", str(drug), "--days", "0.5"]
    status, out, err = call(
        [*argv, *TINY, "--out", str(root / "run"), "--save-state", str(root / "s.npz"), "--json"]
    )
    assert status == 0, err
    drug.unlink()  # the rerun must not need it
    return root, json.loads(out)


def test_manifest_records_the_parsed_drug_and_its_hash(user_run):
    root, _ = user_run
    manifest = json.loads((root / "run" / "manifest.json").read_text())
    [record] = manifest["user_drugs"]
    assert record["name"] == "mydrug"
    assert record["definition"]["pk"]["central_volume_L"] == 250.0
    canonical = json.dumps(record["definition"], sort_keys=True, separators=(",", ":"))
    assert record["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()


def test_rerun_from_manifest_without_the_file_gives_the_same_readouts(user_run):
    root, first = user_run
    status, out, err = call(
        ["run", "--from-manifest", str(root / "run" / "manifest.json"), "--json"]
    )
    assert status == 0, err
    again = json.loads(out)
    assert again["readouts"] == first["readouts"]
    assert again["adverse"] == first["adverse"]


def test_resume_without_the_file_continues(user_run):
    root, _ = user_run
    status, out, err = call(
        ["run", "--resume-state", str(root / "s.npz"), "--days", "0.5", "--json"]
    )
    assert status == 0, err
    assert json.loads(out)["regime"]["drug"] == "mydrug"


@pytest.mark.parametrize("option", ["--from-manifest", "--resume-state"])
def test_a_different_file_with_the_same_drug_name_is_refused(user_run, tmp_path, option):
    root, _ = user_run
    other = tmp_path / "mydrug.toml"
    other.write_text(USER_DRUG.replace("central_volume_L = 250.0", "central_volume_L = 25.0"))
    source = root / "run" / "manifest.json" if option == "--from-manifest" else root / "s.npz"
    extra = ["--days", "0.5"] if option == "--resume-state" else []
    status, out, err = call(["run", option, str(source), "--drug-file", str(other), *extra])
    assert status == 2 and out == ""
    assert err.startswith("error: ") and "differs from the one the run recorded" in err
    assert len(err.splitlines()) == 1


def test_the_same_file_again_is_accepted(user_run, tmp_path):
    root, first = user_run
    same = tmp_path / "mydrug.toml"
    same.write_text(USER_DRUG)
    manifest = str(root / "run" / "manifest.json")
    status, out, err = call(
        ["run", "--from-manifest", manifest, "--drug-file", str(same), "--json"]
    )
    assert status == 0, err
    assert json.loads(out)["readouts"] == first["readouts"]


def test_an_edited_drug_record_is_refused(user_run, tmp_path):
    root, _ = user_run
    manifest = json.loads((root / "run" / "manifest.json").read_text())
    manifest["user_drugs"][0]["definition"]["pk"]["central_volume_L"] = 25.0
    edited = tmp_path / "manifest.json"
    edited.write_text(json.dumps(manifest))
    status, _, err = call(["run", "--from-manifest", str(edited)])
    assert status == 2 and "does not match its sha256" in err
