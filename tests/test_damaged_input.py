"""Damaged and extreme input never crashes: a property-based suite.

Hypothesis damages every kind of file the tool reads (drug TOML, sweep spec, lesson,
checkpoint, run manifest, a sweep folder's manifest, records and results table, a run
folder's summary and time series) by truncating it, dropping a key, changing a value's type,
re-encoding it or bloating it, and feeds every numeric command-line option extreme values.
Every case must end in exactly one ``error:`` line with exit status 2, or in a correct
result (exit 0, strict finite JSON); never a traceback, another status or a NaN.

The CLI runs in-process (``main(argv)``). Examples per test: ``MTOR_DAMAGE_EXAMPLES``
(default 12); the ``slow`` marker runs the big profile (``MTOR_DAMAGE_EXAMPLES_SLOW``,
default 150). The last test prints how many cases each kind of damage produced.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from test_input_domains import USER_DRUG

from mtor_abm.experiments.cli import main
from mtor_abm.experiments.cli_parser import build_parser
from mtor_abm.model import checkpoint
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import MAX_TEXT_BYTES
from mtor_abm.visualization.dashboard.lessons import UnavailableLesson, load_lesson

EXAMPLES = int(os.environ.get("MTOR_DAMAGE_EXAMPLES", "12"))
SLOW_EXAMPLES = int(os.environ.get("MTOR_DAMAGE_EXAMPLES_SLOW", "150"))
DAMAGE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SLOW = settings(DAMAGE, max_examples=SLOW_EXAMPLES)

#: Cases tried, by (file kind or option, damage) and by outcome; printed by the last test.
TRIED: Counter = Counter()
OUTCOMES: Counter = Counter()

TINY = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=4"]
SPEC = """
scenario = "culture"
days = 0.25
seed = 3
[set]
width = 8
height = 8
initial_cells = 4
[[regimes]]
drug = "none"
[[regimes]]
drug = "sirolimus"
conc = 10
"""


# ------------------------------------------------------------------------------ the contract
def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # --help and --version only
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def check(kind: str, damage: str, argv: list[str], json_mode: bool = True):
    """Run ``argv`` and assert the contract; count the case; return (status, parsed JSON)."""
    status, out, err = call(argv)
    TRIED[(kind, damage)] += 1
    OUTCOMES[(kind, status)] += 1
    assert "Traceback" not in err, err
    assert status in (0, 2), (argv, status, err)
    if status == 2:  # one error line, last; progress bars (stderr) may come before it
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("error: "), err
        assert sum(line.startswith("error:") for line in lines) == 1, err
        assert all("run/s" in line or "it/s" in line for line in lines[:-1]), err
        assert out == ""
    elif json_mode:
        data = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
        assert all(math.isfinite(v) for v in _numbers(data))
        return status, data
    return status, None


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield obj


# ------------------------------------------------------------------------------ damage
ODD_VALUES = [
    '"text"',
    "true",
    "[1, 2]",
    "{ a = 1 }",
    "-1",
    "0",
    "1e308",
    "-1e-320",
    "nan",
    "inf",
    "99999999999999999999999",
    "1979-05-27",
    '""',
]
ODD_JSON = ["text", True, [1, 2], {"a": 1}, -1, 0, 1e308, None, 2**70, "", 5e-324]


def truncate(data: bytes, cut: float) -> bytes:
    return data[: int(len(data) * cut)]


def reencode(text: str, how: int) -> bytes:
    """Text that is no longer UTF-8 (or UTF-8 with a BOM and odd characters)."""
    if how == 0:
        return text.encode("utf-16")
    if how == 1:
        return ("é" + text).encode("latin-1", errors="replace")
    if how == 2:
        middle = len(text) // 2
        return text[:middle].encode() + b"\xff\xfe\xc3" + text[middle:].encode()
    return ("\ufeff" + text.replace('"', '"\u202e', 1)).encode()


def bloat(path: Path, how: int) -> None:
    """A file grown beyond any real one: sparse size, a long line, or deep nesting."""
    if how == 0:
        with open(path, "r+b") as fh:
            fh.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    elif how == 1:
        with open(path, "ab") as fh:
            fh.write(b"\nbloated = [" + b"0," * 200_000 + b"0]\n")
    else:
        with open(path, "ab") as fh:
            fh.write(b"\ndeep = " + b"[" * 50_000 + b"]" * 50_000 + b"\n")


def damage_toml(text: str, kind: str, pick: int, value: int) -> str:
    """Drop a key line or change one value's type in TOML text (line-based)."""
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if "=" in line or line.startswith("[")]
    i = keyed[pick % len(keyed)]
    if kind == "drop":
        del lines[i]
    else:
        if "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {ODD_VALUES[value % len(ODD_VALUES)]}"
        else:
            lines[i] = lines[i].replace("[", "[x", 1)
    return "\n".join(lines) + "\n"


def _paths(obj, prefix=()):
    """Every (container path, key) inside a JSON value."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:20]):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def damage_json(obj, kind: str, pick: int, value: int):
    """``obj`` with one key dropped or one value replaced by a value of another type."""
    obj = json.loads(json.dumps(obj))
    paths = list(_paths(obj))
    path = paths[pick % len(paths)]
    parent = obj
    for step in path[:-1]:
        parent = parent[step]
    if kind == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = ODD_JSON[value % len(ODD_JSON)]
    return obj


DAMAGES = st.sampled_from(["truncate", "drop", "type", "reencode", "bloat"])


def damaged_text_file(path: Path, text: str, damage: str, data, toml: bool) -> None:
    """Write ``text`` to ``path`` with ``damage`` applied (hypothesis ``data`` draws how)."""
    if damage == "truncate":
        path.write_bytes(truncate(text.encode(), data.draw(st.floats(0, 0.999))))
    elif damage == "reencode":
        path.write_bytes(reencode(text, data.draw(st.integers(0, 3))))
    elif damage == "bloat":
        path.write_text(text)
        bloat(path, data.draw(st.integers(0, 2)))
    else:
        pick, value = data.draw(st.integers(0, 10**6)), data.draw(st.integers(0, 100))
        if toml:
            path.write_text(damage_toml(text, damage, pick, value))
        else:
            path.write_text(json.dumps(damage_json(json.loads(text), damage, pick, value)))


# ------------------------------------------------------------------------------ base files
@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Valid files of every kind: a run folder with its checkpoint, and a finished sweep."""
    root = tmp_path_factory.mktemp("base")
    (root / "mydrug.toml").write_text(USER_DRUG)
    (root / "spec.toml").write_text(SPEC)
    argv = ["run", "culture", "--drug", "sirolimus", "--conc", "10", "--days", "0.25", *TINY]
    status, _, err = call([*argv, "--out", str(root / "run"), "--save-state", str(root / "s.npz")])
    assert status == 0, err
    status, _, err = call(["sweep", str(root / "spec.toml"), "--out", str(root / "sweep")])
    assert status == 0, err
    return root


def _copy(base: Path, name: str, into: Path) -> Path:
    source = base / name
    target = into / name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return target


# ------------------------------------------------------------------------------ text files
def _drug_case(base, damage, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mydrug.toml"
        damaged_text_file(path, USER_DRUG, damage, data, toml=True)
        command = data.draw(st.sampled_from(["drugs", "pk"]))
        argv = (
            ["drugs", "--json", "--drug-file", str(path)]
            if command == "drugs"
            else ["pk", "--drug", "mydrug", "--days", "1", "--json", "--drug-file", str(path)]
        )
        check("drug file", damage, argv)


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_drug_file(base, damage, data):
    _drug_case(base, damage, data)


def _spec_case(base, damage, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.toml"
        damaged_text_file(path, SPEC, damage, data, toml=True)
        check("sweep spec", damage, ["sweep", str(path), "--dry-run"], json_mode=False)


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_sweep_spec(base, damage, data):
    _spec_case(base, damage, data)


LESSONS = sorted(
    p.read_text(encoding="utf-8")
    for p in resources.files("mtor_abm.visualization.lessons").iterdir()
    if p.name.endswith(".toml")
)


def _lesson_case(damage, data):
    text = data.draw(st.sampled_from(LESSONS))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lesson.toml"
        damaged_text_file(path, text, damage, data, toml=True)
        TRIED[("lesson", damage)] += 1
        try:
            load_lesson(path)
        except UnavailableLesson:
            OUTCOMES[("lesson", "unavailable")] += 1
        except InputError as err:
            OUTCOMES[("lesson", 2)] += 1
            assert "\n" not in str(err) and str(err)
        else:
            OUTCOMES[("lesson", 0)] += 1


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_lesson(damage, data):
    _lesson_case(damage, data)


def _manifest_case(base, damage, data):
    text = (base / "run" / "manifest.json").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.json"
        damaged_text_file(path, text, damage, data, toml=False)
        argv = ["run", "--from-manifest", str(path), "--json"]
        status, rerun = check("run manifest", damage, argv)
        if status == 0:  # a damage the rerun may ignore (e.g. 'versions'): the same result
            summary = json.loads((base / "run" / "summary.json").read_text())
            assert rerun["readouts"] == summary["readouts"]


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_run_manifest(base, damage, data):
    _manifest_case(base, damage, data)


# ------------------------------------------------------------------------------ checkpoints
def _npz_bytes(arrays: dict, resign: bool = False) -> bytes:
    """An .npz archive of ``arrays``; ``resign`` stores a matching digest (a file whose
    structure is wrong though its checksum is right: the structure checks must refuse it)."""
    if resign:
        arrays = {
            **arrays,
            "__sha256__": np.frombuffer(checkpoint.digest(arrays).encode(), np.uint8),
        }
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _checkpoint_case(base, damage, data):
    raw = (base / "s.npz").read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays["__meta__"].tobytes().decode())
    names = sorted(k for k in arrays if not k.startswith("__"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.npz"
        if damage == "truncate":
            path.write_bytes(truncate(raw, data.draw(st.floats(0, 0.999))))
        elif damage == "bloat":
            path.write_bytes(raw + b"\0" * data.draw(st.integers(1, 100_000)))
        elif damage == "reencode":
            arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode("utf-16"), np.uint8)
            path.write_bytes(_npz_bytes(arrays))
        elif data.draw(st.booleans()):  # damage the metadata
            pick, value = data.draw(st.integers(0, 10**6)), data.draw(st.integers(0, 100))
            bad = damage_json(meta, damage, pick, value)
            arrays["__meta__"] = np.frombuffer(json.dumps(bad).encode(), np.uint8)
            path.write_bytes(_npz_bytes(arrays, resign=damage == "drop"))
        else:  # damage an array: remove it, or change its type or shape
            name = data.draw(st.sampled_from(names))
            resign = damage == "drop" or data.draw(st.booleans())
            if damage == "drop":
                del arrays[name]
            elif data.draw(st.booleans()):  # values edited in place
                resign = False
                edited = np.array(arrays[name], copy=True)
                if edited.size:
                    kind = edited.dtype.kind
                    edited.flat[0] = {"f": -1.0, "i": -1, "u": 7, "b": not edited.flat[0]}.get(
                        kind, edited.flat[-1]
                    )
                arrays[name] = edited
            else:
                how = data.draw(st.integers(0, 2))
                a = arrays[name]
                arrays[name] = (
                    a.astype(np.float32)
                    if how == 0
                    else np.array([str(v) for v in a.ravel()[:3]])
                    if how == 1
                    else a.reshape(-1)[:-1]
                    if a.ndim == 1 and a.size
                    else a[..., None]
                )
                resign = resign and how == 0  # a dtype change, re-signed: structure refuses it
            path.write_bytes(_npz_bytes(arrays, resign))
        argv = ["run", "--resume-state", str(path), "--days", "0.125", "--json"]
        check("checkpoint", damage, argv)


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_checkpoint(base, damage, data):
    _checkpoint_case(base, damage, data)


# ------------------------------------------------------------------------------ folders
def _sweep_folder_case(base, damage, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(base, "sweep", Path(tmp))
        spec = _copy(base, "spec.toml", Path(tmp))
        target = data.draw(
            st.sampled_from(["manifest.json", "runs/000000.json", "runs/000001.json"])
        )
        path = folder / target
        damaged_text_file(path, path.read_text(), damage, data, toml=False)
        (folder / "results.parquet").unlink()  # an unfinished sweep: --resume reads records
        argv = ["sweep", str(spec), "--out", str(folder), "--resume", "--workers", "1"]
        check("sweep folder " + target.split("/")[0], damage, argv, json_mode=False)


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_sweep_folder_resumes_or_fails_cleanly(base, damage, data):
    _sweep_folder_case(base, damage, data)


def _damage_parquet(path: Path, damage: str, data) -> None:
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(truncate(raw, data.draw(st.floats(0, 0.999))))
    elif damage in ("reencode", "bloat"):
        path.write_bytes(raw[:8] + os.urandom(data.draw(st.integers(1, 5000))) + raw[8:])
    else:
        frame = pd.read_parquet(path)
        column = data.draw(st.sampled_from(list(frame.columns)))
        if damage == "drop":
            frame = frame.drop(columns=[column])
        else:
            frame[column] = frame[column].astype(str)
        frame.to_parquet(path)


def _report_case(base, damage, data):
    with tempfile.TemporaryDirectory() as tmp:
        which = data.draw(st.sampled_from(["run", "sweep"]))
        folder = _copy(base, which, Path(tmp))
        names = (
            ["summary.json", "timeseries.parquet"]
            if which == "run"
            else ["manifest.json", "results.parquet", "timeseries.parquet"]
        )
        name = data.draw(st.sampled_from(names))
        path = folder / name
        if name.endswith(".parquet"):
            _damage_parquet(path, damage, data)
        else:
            damaged_text_file(path, path.read_text(), damage, data, toml=False)
        check(f"{which} folder {name}", damage, ["report", str(folder)], json_mode=False)


@DAMAGE
@given(damage=DAMAGES, data=st.data())
def test_damaged_run_or_sweep_folder_reports_or_fails_cleanly(base, damage, data):
    _report_case(base, damage, data)


# ------------------------------------------------------------------------------ options
EXTREME = [
    "0",
    "-0",
    "-1",
    "5e-324",
    "1e-320",
    "1e308",
    "1.8e308",
    "1e999",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    str(2**53 + 1),
    str(2**63),
    str(2**64 + 1),
    "1e9",
    "0x10",
    "",
    " ",
    "1_0",
    "٣",  # an Arabic-Indic digit: float() accepts it
]

TREATED = ["run", "culture", "--drug", "sirolimus", "--days", "0.125", *TINY, "--json"]

#: Every numeric option, the command it belongs to, and a context that keeps a valid run short.
OPTIONS = {
    "--conc (pathway)": ["pathway", "--drug", "sirolimus", "--hours", "2", "--json", "--conc"],
    "--hours": ["pathway", "--drug", "sirolimus", "--conc", "1", "--json", "--hours"],
    "--dose (pk)": ["pk", "--drug", "sirolimus", "--days", "1", "--json", "--dose"],
    "--loading-dose (pk)": ["pk", "--drug", "sirolimus", "--days", "1", "--json", "--loading-dose"],
    "--days (pk)": ["pk", "--drug", "sirolimus", "--json", "--days"],
    "--dose": [*TREATED, "--dose"],
    "--loading-dose": [*TREATED, "--loading-dose"],
    "--start-day": [*TREATED, "--start-day"],
    "--stop-day": [*TREATED, "--stop-day"],
    "--conc": [*TREATED, "--conc"],
    "--days": ["run", "culture", *TINY, "--json", "--days"],
    "--seed": ["run", "culture", "--days", "0.125", *TINY, "--json", "--seed"],
    "--replicates": ["run", "culture", "--days", "0.125", *TINY, "--json", "--replicates"],
    "--replicates (cohort)": [
        "run", "aging", "--days", "2", "--set", "lattice=2", "--json", "--replicates"
    ],
}  # fmt: skip
PARSER_ONLY = {"--workers": "sweep", "--port": "dashboard"}


def _too_long(option: str, text: str) -> bool:
    """Valid values that would make a long run (the suite checks inputs, not simulations)."""
    try:
        value = float(text)
    except ValueError:
        return False
    if option in ("--days", "--days (pk)", "--hours"):
        return value > (1.0 if option == "--days" else 48.0)
    if option.startswith("--replicates"):
        return value > 3
    return False


@DAMAGE
@given(
    option=st.sampled_from(sorted(OPTIONS)),
    text=st.one_of(
        st.sampled_from(EXTREME),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(2**70), 2**70).map(str),
    ),
)
def test_extreme_value_of_every_numeric_option(option, text):
    if _too_long(option, text):
        TRIED[(option, "skipped: a long valid run")] += 1
        return
    check(option, "extreme", [*OPTIONS[option], text])


@pytest.mark.parametrize("option", sorted(PARSER_ONLY))
@pytest.mark.parametrize("text", EXTREME)
def test_extreme_value_of_server_and_pool_options_is_parsed_or_refused(option, text):
    """--workers and --port: what the parser accepts is a whole number in its range."""
    command = PARSER_ONLY[option]
    argv = [command, *(["spec.toml"] if command == "sweep" else []), option, text]
    TRIED[(option, "extreme")] += 1
    try:
        args = build_parser().parse_args(argv)
    except InputError as err:
        assert option in str(err)
        return
    value = getattr(args, option.lstrip("-"))
    assert isinstance(value, int) and 1 <= value <= 65535


# ------------------------------------------------------------------------------ big profile
@pytest.mark.slow
@SLOW
@given(
    kind=st.sampled_from(["drug", "spec", "lesson", "manifest", "checkpoint", "sweep", "report"]),
    damage=DAMAGES,
    data=st.data(),
)
def test_damaged_files_big_profile(base, kind, damage, data):
    cases = {
        "drug": lambda: _drug_case(base, damage, data),
        "spec": lambda: _spec_case(base, damage, data),
        "lesson": lambda: _lesson_case(damage, data),
        "manifest": lambda: _manifest_case(base, damage, data),
        "checkpoint": lambda: _checkpoint_case(base, damage, data),
        "sweep": lambda: _sweep_folder_case(base, damage, data),
        "report": lambda: _report_case(base, damage, data),
    }
    cases[kind]()


# ------------------------------------------------------------------------------ named cases
def test_issue_15_named_cases_end_in_one_error_line(base, tmp_path):
    """Each kind of damaged file once (the property tests draw them at random)."""
    latin = tmp_path / "latin.toml"
    latin.write_bytes(
        USER_DRUG.replace("A user rapalog.", "Rapamycine à l'essai").encode("latin-1")
    )
    assert check("drug file", "named", ["drugs", "--drug-file", str(latin)], False)[0] == 2

    manifest = json.loads((base / "run" / "manifest.json").read_text())
    manifest["params"] = list(manifest["params"])
    listed = tmp_path / "manifest.json"
    listed.write_text(json.dumps(manifest))
    status, _ = check("run manifest", "named", ["run", "--from-manifest", str(listed)], False)
    assert status == 2

    for days in ('"3"', "true"):
        spec = tmp_path / "days.toml"
        spec.write_text(SPEC.replace("days = 0.25", f"days = {days}"))
        assert check("sweep spec", "named", ["sweep", str(spec), "--dry-run"], False)[0] == 2

    with np.load(base / "s.npz", allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    edited = dict(arrays)
    name = sorted(k for k in arrays if k.startswith("model/table/"))[0]
    edited[name] = arrays[name] + 1  # an array edited in place: the digest no longer matches
    (tmp_path / "edited.npz").write_bytes(_npz_bytes(edited))
    argv = ["run", "--resume-state", str(tmp_path / "edited.npz"), "--days", "0.125"]
    assert check("checkpoint", "named", argv, False)[0] == 2
    del arrays[name]
    removed = tmp_path / "removed.npz"
    removed.write_bytes(_npz_bytes(arrays))
    argv = ["run", "--resume-state", str(removed), "--days", "0.125"]
    assert check("checkpoint", "named", argv, False)[0] == 2

    folder = _copy(base, "sweep", tmp_path)
    raw = (folder / "results.parquet").read_bytes()
    (folder / "results.parquet").write_bytes(raw[: len(raw) // 2])
    assert check("sweep folder results.parquet", "named", ["report", str(folder)], False)[0] == 2

    record = folder / "runs" / "000001.json"
    data = json.loads(record.read_text())
    del data["summary"]
    record.write_text(json.dumps(data))
    (folder / "results.parquet").unlink()
    spec = _copy(base, "spec.toml", tmp_path)
    argv = ["sweep", str(spec), "--out", str(folder), "--resume", "--workers", "1"]
    assert check("sweep folder runs", "named", argv, False)[0] == 2


def test_report_what_the_damage_suite_tried(capsys):
    """Prints the counts of generated cases (for the closing note); asserts there were some."""
    with capsys.disabled():
        total = sum(TRIED.values())
        print(f"\ndamaged/extreme input cases: {total}")
        for (kind, damage), n in sorted(TRIED.items()):
            print(f"  {kind:28s} {damage:28s} {n}")
        for (kind, outcome), n in sorted(OUTCOMES.items(), key=str):
            print(f"  outcome {kind:28s} {outcome!s:12s} {n}")
    assert total > 0


@pytest.mark.parametrize("spec", [True, "x", {"set": True}, {"set": ["width"]}])
def test_report_refuses_a_sweep_manifest_whose_spec_is_not_a_table(base, tmp_path, spec):
    """Found by the big profile: a sweep manifest whose 'spec' (or its 'set') had another type
    ended `report` in a TypeError/AttributeError traceback; it is one error line, exit 2."""
    folder = _copy(base, "sweep", tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["spec"] = spec
    (folder / "manifest.json").write_text(json.dumps(manifest))
    status, out, err = call(["report", str(folder)])
    assert status == 2 and out == "", err
    assert err.strip().splitlines() == [err.strip()] and "'spec' must be a table" in err, err


@pytest.mark.parametrize(
    "edit",
    [
        ("twin", "species", []),
        ("model", "species", []),
        ("model", "molecular_weight_g_per_mol", [1.0]),
        ("model", "amounts_mg", [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ],
)
def test_a_checkpoint_whose_pk_lists_were_edited_is_refused_in_one_line(base, edit):
    """Found by the big damage profile: a re-signed checkpoint whose untreated twin's PK
    ``species`` list was emptied restored, then failed at its first step with an IndexError
    traceback. Every list that lays out the PK state (species, molecular weights, compartment
    amounts) must match the regime's: one error line naming the field, exit 2."""
    which, field, value = edit
    with np.load(base / "s.npz", allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays["__meta__"].tobytes().decode())
    models = meta["models"]
    if which not in models:
        pytest.skip(f"the base checkpoint has no {which}")
    models[which]["pk"][field] = value
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.npz"
        path.write_bytes(_npz_bytes(arrays, resign=True))
        argv = ["run", "--resume-state", str(path), "--days", "0.125", "--json"]
        status, _ = check("checkpoint", "pk list", argv)
        _, _, err = call(argv)
    assert status == 2
    assert field in err.splitlines()[-1], err
