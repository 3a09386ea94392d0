"""Property-based tests: any input either runs or ends in exactly one ``error:`` line, exit 2.

Never a traceback, a NaN in the JSON output, a negative cell count or concentration. Hypothesis
draws command lines, ``--set`` values and drug TOML files that mix valid and invalid values.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tomllib
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from mtor_abm.experiments.cli import main
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import parse_overrides

FUZZ = settings(
    max_examples=int(os.environ.get("MTOR_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Counters of what the fuzzers tried (printed by the last test, for the closing note).
TRIED = {"runs": 0, "errors": 0}


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    TRIED["runs"] += 1
    TRIED["errors"] += status == 2
    return status, out.getvalue(), err.getvalue()


def _strict_json(text: str):
    """Parse JSON, refusing NaN and infinities."""

    def refuse(token):
        raise AssertionError(f"non-finite number {token} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield obj


def check_outcome(status: int, out: str, err: str, json_mode: bool) -> dict | None:
    """The contract: 0 with clean output, or 2 with one error line; never anything else."""
    assert "Traceback" not in err, err
    assert status in (0, 2), (status, err)
    if status == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert out == "", out
        return None
    if json_mode:
        data = _strict_json(out)
        for value in _numbers(data):
            assert math.isfinite(value)
        return data
    return None


# ------------------------------------------------------------------------------ value pools
NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["", "abc", "1e309", "-0", "0x10", "1_0", " 3 ", "NaN", "-inf", "1/2"]),
    st.text(max_size=6),
)


def _not_a_long_run(text: str) -> bool:
    """Keep valid run lengths short (the fuzzer checks inputs, not long simulations)."""
    try:
        return not (0.5 < float(text) <= 3650)
    except ValueError:
        return True


SMALL_DAYS = st.one_of(
    st.integers(1, 12).map(lambda hours: repr(hours / 24)),  # whole hourly steps: runs
    st.floats(0.01, 0.5).map(lambda d: f"{d:.3f}"),  # mostly not whole steps: refused
    NUMBERISH.filter(_not_a_long_run),
)
DRUGS = st.one_of(
    st.sampled_from(["none", "sirolimus", "everolimus", "temsirolimus", "torin1", "azd8055"]),
    st.text(max_size=10),
)
SCHEDULES = st.one_of(
    st.sampled_from(
        [
            "daily",
            "bid",
            "weekly",
            "every_5d",
            "every_0d",
            "5on_2off",
            "0on_0off",
            "fixed",
            "continuous",
            "every_-1d",
            "daily ",
            "DAILY",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def run_argv(draw) -> list[str]:
    """A ``run culture`` command line on a small dish, options drawn valid or not."""
    argv = ["run", "culture", "--set", "width=8", "--set", "height=8", "--set", "initial_cells=5"]
    argv += ["--days", draw(SMALL_DAYS)]
    options = {
        "--drug": DRUGS,
        "--dose": NUMBERISH,
        "--schedule": SCHEDULES,
        "--conc": NUMBERISH,
        "--start-day": NUMBERISH,
        "--stop-day": NUMBERISH,
        "--seed": NUMBERISH,
        "--loading-dose": NUMBERISH,
    }
    for flag in draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True)):
        argv += [flag, draw(options[flag])]
    if draw(st.booleans()):
        name = draw(st.sampled_from([*SCENARIOS["culture"].scenario_class.PARAMETERS, "nope"]))
        argv += ["--set", f"{name}={draw(NUMBERISH)}"]
    return argv


@FUZZ
@given(argv=run_argv())
def test_run_command_lines_run_or_fail_cleanly(argv, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("run")
    status, out, err = call([*argv, "--json", "--out", str(out_dir / "o")])
    data = check_outcome(status, out, err, json_mode=True)
    if data is None:
        # A refused run leaves no output directory that looks complete.
        assert not (out_dir / "o" / "summary.json").exists()
        return
    assert data["readouts"]["cells_final"] >= 0 and data["readouts"]["cells_initial"] >= 0
    assert (out_dir / "o" / "summary.json").exists()


@FUZZ
@given(
    drug=DRUGS,
    conc=st.one_of(st.floats(0, 1e4).map(repr), NUMBERISH),
    hours=st.one_of(st.floats(0.1, 6).map(repr), NUMBERISH.filter(_not_a_long_run)),
    cell_type=st.one_of(st.sampled_from(["epithelial", "tcell", "neuron"]), st.text(max_size=8)),
)
def test_pathway_command_lines(drug, conc, hours, cell_type):
    argv = ["pathway", "--drug", drug, "--conc", conc, "--hours", hours]
    status, out, err = call([*argv, "--cell-type", cell_type, "--json"])
    data = check_outcome(status, out, err, json_mode=True)
    if data is not None:
        assert all(v >= 0 for v in data["pS6K"])


@FUZZ
@given(
    drug=DRUGS,
    dose=st.one_of(st.floats(0, 100).map(repr), NUMBERISH),
    schedule=SCHEDULES,
    days=st.one_of(st.floats(0.5, 10).map(repr), NUMBERISH.filter(_not_a_long_run)),
)
def test_pk_command_lines(drug, dose, schedule, days):
    argv = ["pk", "--drug", drug, "--dose", dose, "--schedule", schedule, "--days", days]
    status, out, err = call([*argv, "--json"])
    data = check_outcome(status, out, err, json_mode=True)
    if data is not None:
        assert min(data["conc_ng_ml"]) >= 0


@FUZZ
@given(data=st.data())
def test_set_values_for_every_scenario_are_typed_or_refused(data):
    for name, spec in SCENARIOS.items():
        params = [*spec.scenario_class.PARAMETERS, "unknown_param"]
        key = data.draw(st.sampled_from(params), label=f"{name} parameter")
        value = data.draw(NUMBERISH, label="value")
        try:
            typed = parse_overrides(spec.scenario_class, {key: value})
        except InputError as err:
            assert "\n" not in str(err) and key in str(err)
            continue
        kind = type(getattr(spec.scenario_class, key))
        assert isinstance(typed[key], kind)
        if isinstance(typed[key], float):
            assert math.isfinite(typed[key])


# ------------------------------------------------------------------------------ drug files
BASE_DRUG = tomllib.loads(
    (Path(__file__).resolve().parent.parent / "model" / "drugs" / "everolimus.toml").read_text()
)
BASE_DRUG["name"] = "fuzzdrug"

TOML_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**9), 10**9),
    st.text(max_size=12),
    st.booleans(),
    st.lists(st.integers(-5, 5), max_size=3),
)


def to_toml(value) -> str:
    """A TOML literal for a scalar or list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value).replace("\\/", "/")
    return "[" + ", ".join(to_toml(v) for v in value) + "]"


def dump(doc: dict) -> str:
    """A flat two-level TOML document."""
    lines = [f"{k} = {to_toml(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for table, entries in doc.items():
        if isinstance(entries, dict):
            lines.append(f"[{table}]")
            lines += [f"{k} = {to_toml(v)}" for k, v in entries.items()]
    return "\n".join(lines) + "\n"


@st.composite
def mutated_drug(draw) -> str:
    """The everolimus file with a few fields deleted, retyped or set to odd values."""
    doc = json.loads(json.dumps(BASE_DRUG))
    for _ in range(draw(st.integers(1, 3))):
        table = draw(st.sampled_from([None, *[k for k, v in doc.items() if isinstance(v, dict)]]))
        target = doc if table is None else doc[table]
        keys = [k for k, v in target.items() if not isinstance(v, dict)]
        key = draw(st.sampled_from([*keys, "extra_field"]))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(TOML_VALUES)
    return dump(doc)


@FUZZ
@given(text=st.one_of(mutated_drug(), st.text(max_size=80)))
def test_drug_files_load_or_fail_with_one_line(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("drug") / "fuzz.toml"
    path.write_text(text)
    try:
        library = load_library([path])
    except InputError as err:
        assert "\n" not in str(err).strip()
        TRIED["errors"] += 1
        return
    TRIED["runs"] += 1
    names = [n for n in library if n not in load_library()]
    for name in names:
        status, out, err = call(
            ["pk", "--drug", name, "--days", "3", "--json", "--drug-file", str(path)]
        )
        data = check_outcome(status, out, err, json_mode=True)
        if data is not None:
            assert min(data["conc_ng_ml"]) >= 0


# ------------------------------------------------------------------------------ sweep specs
BASE_SPEC = {
    "scenario": "culture",
    "days": 1,
    "seed": 1,
    "replicates": 2,
    "set": {"width": 20, "height": 20},
    "axes": {"nutrient_level": [0.5, 1.0], "growth_factor": {"log_range": [0.1, 10], "n": 3}},
    "regimes": [{"drug": "none"}, {"drug": "sirolimus", "conc": [1, 10, 100]}],
}


@st.composite
def mutated_spec(draw) -> dict:
    """The base sweep spec with keys deleted, retyped or set to odd values, at any depth."""
    doc = json.loads(json.dumps(BASE_SPEC))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "set", "axes", "regime"]))
        if where == "top":
            target = doc
        elif where == "regime":
            # An earlier mutation may have made 'regimes' anything (a dict, a number, a list
            # of non-tables): mutate one of its tables if it still has some, else the top.
            regimes = doc.get("regimes")
            tables = (
                [r for r in regimes if isinstance(r, dict)] if isinstance(regimes, list) else []
            )
            target = draw(st.sampled_from(tables)) if tables else doc
        else:
            target = doc.get(where) if isinstance(doc.get(where), dict) else doc
        keys = [*target, "extra", "conc", "dose", "schedule", "start_day", "samples", "lhs"]
        key = draw(st.sampled_from(keys))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(
                st.one_of(
                    TOML_VALUES,
                    st.fixed_dictionaries({"range": st.lists(TOML_VALUES, max_size=3)}),
                    st.fixed_dictionaries(
                        {"log_range": st.lists(st.floats(-10, 1e4), max_size=3), "n": TOML_VALUES}
                    ),
                )
            )
    return doc


@FUZZ
@given(doc=mutated_spec())
def test_sweep_specs_expand_or_fail_with_one_line(doc):
    from mtor_abm.experiments.spec import parse_spec

    try:
        spec = parse_spec(doc)
    except InputError as err:
        assert "\n" not in str(err).strip()
        TRIED["errors"] += 1
        return
    TRIED["runs"] += 1
    assert spec.runs, "an accepted spec has at least one run"
    seeds = [run.seed for run in spec.runs]
    assert len(set(seeds)) == len(seeds), "every run has its own seed"


# ------------------------------------------------------------------------------ lesson files
LESSONS = Path(__file__).resolve().parent.parent / "visualization" / "lessons"


@st.composite
def mutated_lesson(draw) -> str:
    """A shipped lesson with fields deleted or replaced (text fields get odd placeholders)."""
    path = draw(st.sampled_from(sorted(LESSONS.glob("*.toml"))))
    doc = tomllib.loads(path.read_text())
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*doc, "extra"]))
        if key in doc and draw(st.booleans()):
            del doc[key]
        elif key in ("explanation", "text", "question"):
            doc[key] = draw(
                st.sampled_from(
                    [
                        "{ctrl.__class__}",
                        "{ctrl.cells.__init__}",
                        "{0}",
                        "{",
                        "{nope.cells}",
                        "{ctrl.cells.fold:.1f}",
                        "{ctrl[0]}",
                        "plain text",
                    ]
                )
            )
        else:
            doc[key] = draw(TOML_VALUES)
    if "arms" in doc and isinstance(doc["arms"], list) and doc["arms"] and draw(st.booleans()):
        arm = doc["arms"][0]
        if isinstance(arm, dict):
            arm[draw(st.sampled_from([*arm, "conc", "dose"]))] = draw(TOML_VALUES)
    return dump_nested(doc)


def dump_nested(doc: dict) -> str:
    """TOML for a lesson: scalars, tables, and arrays of tables."""
    lines = []
    for k, v in doc.items():
        if not isinstance(v, dict) and not (isinstance(v, list) and v and isinstance(v[0], dict)):
            if isinstance(v, list):
                lines.append(f"{k} = [" + ", ".join(to_toml_any(x) for x in v) + "]")
            else:
                lines.append(f"{k} = {to_toml_any(v)}")
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {to_toml_any(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for entry in v:
                lines.append(f"[[{k}]]")
                lines += [f"{kk} = {to_toml_any(vv)}" for kk, vv in entry.items()]
    return "\n".join(lines) + "\n"


def to_toml_any(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(to_toml_any(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {to_toml_any(v)}" for k, v in value.items()) + "}"
    return to_toml(value)


@FUZZ
@given(text=st.one_of(mutated_lesson(), st.text(max_size=60)))
def test_lesson_files_load_or_fail_with_one_line(text, tmp_path_factory):
    from mtor_abm.visualization.dashboard.lessons import fill_explanation, load_lesson

    path = tmp_path_factory.mktemp("lesson") / "fuzz.toml"
    path.write_text(text)
    try:
        lesson = load_lesson(path)
    except InputError as err:
        assert "\n" not in str(err).strip()
        TRIED["errors"] += 1
        return
    TRIED["runs"] += 1
    # Filling the explanation from (empty) arm data never raises nor reaches object internals.
    empty = [{"time_h": [0.0, 1.0]} for _ in lesson.arms]
    filled = fill_explanation(lesson, empty, [{} for _ in lesson.arms])
    assert "<class" not in filled and "<bound" not in filled


@pytest.fixture(scope="module", autouse=True)
def _report_what_the_fuzzers_tried():
    """Not a check: prints the number of cases for the closing note (run with -s)."""
    yield
    print(f"\nfuzz: {TRIED['runs']} inputs accepted, {TRIED['errors']} refused with one line")


# ------------------------------------------------------------------------------ numerical guards
@st.composite
def valid_overrides(draw, name: str) -> list[str]:
    """One or two documented parameters of scenario ``name`` at values inside their bounds."""
    params = SCENARIOS[name].scenario_class.PARAMETERS
    numeric = [
        k
        for k, p in params.items()
        if p.choices is None
        and isinstance(getattr(SCENARIOS[name].scenario_class, k), int | float)
        and not isinstance(getattr(SCENARIOS[name].scenario_class, k), bool)
        and k not in SIZE_PARAMS
    ]
    argv = []
    for key in draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=2, unique=True)):
        p = params[key]
        low = p.low if p.low is not None else 0.0
        high = p.high if p.high is not None else max(10.0, 10 * low)
        value = draw(st.floats(low, high))
        if isinstance(getattr(SCENARIOS[name].scenario_class, key), int):
            value = round(value)
        argv += ["--set", f"{key}={value!r}"]
    return argv


#: Parameters that set the tissue's size (kept small here: the guard test checks numerics).
SIZE_PARAMS = {
    "width", "height", "initial_cells", "organisms", "lattice", "stem_cells",
    "seed_radius_sites", "graft_radius", "wound_radius", "vessels", "donor_apcs",
}  # fmt: skip


@settings(
    max_examples=int(os.environ.get("MTOR_FUZZ_RUNS", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_documented_parameter_value_runs_to_finite_outputs(data, tmp_path_factory):
    """Values inside a parameter's documented range run (exit 0: a documented value is never
    refused) to finite outputs: every readout and every time-series value finite or null
    (a mean over no cells), counts non-negative, one row per step from 0 h to the run's end."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from scenario_cases import SMALL, treated

    for name in sorted(SCENARIOS):
        small, days, _ = SMALL[name]
        run_days = min(days, 1.0)
        argv = ["run", name, *treated(name), *small, "--days", str(run_days)]
        argv += data.draw(valid_overrides(name), label=name)
        out_dir = tmp_path_factory.mktemp("documented") / "run"
        status, out, err = call([*argv, "--json", "--out", str(out_dir)])
        assert status == 0, (argv, err)
        result = check_outcome(status, out, err, json_mode=True)
        for key, value in result["readouts"].items():
            counts = "cells" in key or "fraction" in key or "peak" in key
            if counts and isinstance(value, int | float):
                assert value >= 0, (name, key, value)
        table = pq.read_table(out_dir / "timeseries.parquet")
        assert table.num_rows >= 2, (name, table.num_rows)
        for column in table.column_names:
            values = table.column(column)
            if pc.count(values).as_py() == 0 or not pa_is_float(values.type):
                continue
            assert not pc.any(pc.is_nan(values)).as_py(), (argv, column)
            assert not pc.any(pc.is_inf(values)).as_py(), (argv, column)
        times = table.column("time_h").to_numpy()
        assert times[0] == 0.0 and times[-1] == 24.0 * run_days and all(times[1:] > times[:-1])


def pa_is_float(kind) -> bool:
    """Whether an Arrow column type is floating point."""
    import pyarrow.types as pat

    return pat.is_floating(kind)
