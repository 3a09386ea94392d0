"""Sweep specs: read a TOML spec, check every field, and expand it into the run list.

A spec (see ``experiments/specs/`` for examples)::

    scenario = "culture"        # a registered scenario
    days = 3                    # run length (default: the scenario's)
    seed = 1                    # base seed; one child seed per run (SeedSequence.spawn)
    replicates = 2              # seeds per point
    samples = 20                # points of the Latin hypercube (only with lhs axes)
    [set]                       # fixed scenario parameters, by their --set names
    width = 30
    [axes]                      # swept scenario parameters
    nutrient_level = [0.5, 1.0]                     # a list
    growth_factor = { range = [0.5, 2], n = 4 }     # linear
    oxygen = { log_range = [0.1, 1], n = 5 }        # logarithmic
    initial_cells = { lhs = [20, 200] }             # Latin hypercube (also log_lhs)
    [[regimes]]                 # drug, dose (mg), schedule, conc (nM), start_day, stop_day,
    drug = "none"               # loading_dose (mg); a list (or a range) in any of them
    [[regimes]]                 # sweeps too
    drug = "sirolimus"
    conc = [1, 10, 100]         # or { log_range = [1, 100], n = 3 }

The runs are every combination of grid axes x Latin-hypercube samples x regime values x
replicates, in that nesting order (replicates innermost); run ``i`` gets child ``i`` of
``SeedSequence(seed)``, so its result depends only on the spec and ``i``. For a cohort
scenario (aging, neuro) each run is a whole cohort: set its size under ``[set]`` (e.g.
``organisms = 40``); ``replicates`` is then the number of cohorts (seeds) per point.

Check specs without running them: ``python -m mtor_abm.experiments.spec SPEC.toml ...``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from mtor_abm.experiments.runner import check_days, regime_dict, whole_steps
from mtor_abm.model import regimes as model_regimes
from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import parse_toml, read_text
from mtor_abm.model.pharmacology import DrugLibrary, load_library
from mtor_abm.model.scenarios import get_scenario
from mtor_abm.model.scenarios.base import coerce

TOP_KEYS = ("scenario", "days", "seed", "replicates", "samples", "set", "axes", "regimes")
REGIME_KEYS = (
    "drug",
    "dose",
    "schedule",
    "conc",
    "start_day",
    "stop_day",
    "loading_dose",
    "diet_ppm",  # a mouse cohort's food, ppm (aging, neuro)
)
AXIS_FORMS = "a list, {range = [a, b], n = k}, {log_range = [a, b], n = k}, {lhs = [a, b]}"
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class Run:
    """One run of a sweep: everything a worker needs, as plain data."""

    run_id: int
    scenario: str
    days: float
    seed: int
    replicate: int
    overrides: dict[str, Any]
    regime: dict[str, Any]


@dataclass
class SweepSpec:
    """A checked spec: its normalised data, hash, axis names and run list."""

    data: dict[str, Any]
    spec_hash: str
    scenario: str
    axes: list[str]
    regime_axes: list[str]
    runs: list[Run] = field(repr=False)


def _fail(where: str, message: str) -> InputError:
    return InputError(f"spec {where}: {message}")


def load_spec(path: Path, library: DrugLibrary | None = None) -> SweepSpec:
    """Read and check the TOML spec at ``path`` (one-line InputError naming the field)."""
    path = Path(path)
    return parse_spec(parse_toml(read_text(path, "spec"), f"spec '{path}'"), library)


def parse_spec(data: dict[str, Any], library: DrugLibrary | None = None) -> SweepSpec:
    """Check spec ``data`` (parsed TOML) and expand it into its run list."""
    library = library or load_library()
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise _fail(unknown[0], f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    if not isinstance(data.get("scenario"), str):
        raise _fail("scenario", "missing or not a string (a name from 'mtor-sim scenarios')")
    try:
        scenario = get_scenario(data["scenario"])
    except InputError as err:
        raise _fail("scenario", str(err)) from None
    days = data.get("days", scenario.default_days)
    if isinstance(days, bool) or not isinstance(days, int | float):
        raise _fail("days", f"must be a number of days, got {days!r}")
    days = _checked("days", check_days, days)
    _checked("days", lambda d: whole_steps(d, scenario.model_class.STEP_H), days)
    seed = _checked("seed", check_seed, data.get("seed", 0))
    replicates = _positive_int("replicates", data.get("replicates", 1))
    fixed = _fixed_params(scenario.scenario_class, _table(data, "set"))
    axes_table = _table(data, "axes")
    for name in axes_table:
        if name in fixed:
            raise _fail(f"[axes].{name}", "is also in [set]; a parameter is fixed or swept")
    grid, lhs = _axes(scenario.scenario_class, axes_table)
    if lhs and "samples" not in data:
        raise _fail("samples", "lhs axes need samples = N (points of the Latin hypercube)")
    if "samples" in data and not lhs:
        raise _fail("samples", "is only used with lhs axes ({lhs = [a, b]})")
    samples = _positive_int("samples", data["samples"]) if lhs else 1
    regimes, regime_axes = _regimes(
        data.get("regimes"),
        scenario.default_start_day,
        library,
        scenario.in_vitro,
        scenario.species,
    )
    n_runs = math.prod(len(v) for v in grid.values()) * samples * len(regimes) * replicates
    if n_runs > MAX_RUNS:
        raise _fail("axes", f"{n_runs} runs is more than the limit of {MAX_RUNS}")
    points = _points(scenario.scenario_class, grid, lhs, samples, seed)
    children = np.random.SeedSequence(seed).spawn(n_runs)
    combos = itertools.product(points, regimes, range(replicates))
    runs = [
        Run(
            run_id=i,
            scenario=scenario.name,
            days=days,
            seed=int(children[i].generate_state(1)[0]),
            replicate=rep,
            overrides={**fixed, **point},
            regime=regime,
        )
        for i, (point, regime, rep) in enumerate(combos)
    ]
    canonical = json.dumps(data, sort_keys=True, default=str).encode()
    return SweepSpec(
        data=data,
        spec_hash=hashlib.sha256(canonical).hexdigest(),
        scenario=scenario.name,
        axes=list(axes_table),
        regime_axes=regime_axes,
        runs=runs,
    )


# ------------------------------------------------------------------------------ fields
def _checked(where: str, check, value):
    try:
        return check(value)
    except InputError as err:
        raise _fail(where, str(err)) from None


def _positive_int(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"must be a whole number >= 1, got {value!r}")
    return value


def _table(data: dict, key: str) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise _fail(key, f"must be a table ([{key}]), got {type(table).__name__}")
    return table


def _fixed_params(scenario_class, table: dict) -> dict[str, Any]:
    out = {}
    for name, value in table.items():
        if isinstance(value, list | dict):
            raise _fail(f"[set].{name}", "takes one value; sweep it under [axes]")
        try:
            out[name] = coerce(scenario_class, name, value)
        except InputError as err:
            raise _fail(f"[set].{name}", str(err)) from None
    return out


def _axes(scenario_class, table: dict) -> tuple[dict[str, list], dict[str, tuple]]:
    """Grid axes (name -> checked values) and Latin-hypercube axes (name -> (low, high, log))."""
    grid, lhs = {}, {}
    for name, value in table.items():
        where = f"[axes].{name}"
        if name not in scenario_class.PARAMETERS:
            allowed = ", ".join(scenario_class.PARAMETERS)
            raise _fail(where, f"unknown parameter '{name}'; allowed: {allowed}")
        if isinstance(value, list):
            if not value:
                raise _fail(where, "an empty list; give at least one value")
            values = value
        elif isinstance(value, dict):
            form = set(value) & {"range", "log_range", "lhs", "log_lhs"}
            if len(form) != 1:
                raise _fail(where, f"must be {AXIS_FORMS}, got keys {sorted(value)}")
            kind = form.pop()
            low, high = _bounds(where, kind, value[kind], log=kind.startswith("log"))
            if kind in ("lhs", "log_lhs"):
                _extra_keys(where, value, {kind})
                lhs[name] = (low, high, kind == "log_lhs")
                for bound in (low, high):
                    _coerce_axis(scenario_class, name, where, bound)
                continue
            values = _range_values(where, value)
        else:
            raise _fail(where, f"must be {AXIS_FORMS}, got {value!r}")
        values = [_coerce_axis(scenario_class, name, where, v) for v in values]
        if len(set(map(repr, values))) != len(values):
            raise _fail(where, f"repeated values {values}")
        grid[name] = values
    return grid, lhs


def _range_values(where: str, value: dict) -> list[float]:
    """The values of ``{range = [a, b], n = k}`` or ``{log_range = [a, b], n = k}``."""
    kinds = set(value) & {"range", "log_range"}
    if len(kinds) != 1:
        raise _fail(where, "must be a list, {range = [a, b], n = k} or {log_range = ...}")
    kind = kinds.pop()
    _extra_keys(where, value, {kind, "n"})
    low, high = _bounds(where, kind, value[kind], log=kind == "log_range")
    n = value.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_RUNS:
        raise _fail(where, f"{kind} needs n = a whole number in [2, {MAX_RUNS}], got {n!r}")
    spaced = np.geomspace if kind == "log_range" else np.linspace
    return [float(v) for v in spaced(low, high, n)]


def _bounds(where: str, kind: str, value: Any, log: bool) -> tuple[float, float]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(math.isfinite(v) for v in value)
    )
    if not ok or not value[0] < value[1]:
        raise _fail(where, f"{kind} must be [low, high] with low < high, got {value!r}")
    if log and value[0] <= 0:
        raise _fail(where, f"{kind} needs low > 0 (a log scale), got {value!r}")
    return float(value[0]), float(value[1])


def _extra_keys(where: str, value: dict, allowed: set[str]) -> None:
    extra = sorted(set(value) - allowed)
    if extra:
        raise _fail(where, f"unknown key '{extra[0]}'; allowed: {', '.join(sorted(allowed))}")


def _coerce_axis(scenario_class, name: str, where: str, value: Any) -> Any:
    if isinstance(getattr(scenario_class, name), int) and isinstance(value, float):
        value = round(value)
    try:
        return coerce(scenario_class, name, value)
    except InputError as err:
        raise _fail(where, str(err)) from None


def _points(scenario_class, grid: dict, lhs: dict, samples: int, seed: int) -> list[dict]:
    """Every combination of grid values with every Latin-hypercube sample."""
    grid_points = [
        dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())
    ]
    if not lhs:
        return grid_points
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A5]))
    unit = qmc.LatinHypercube(d=len(lhs), rng=rng).random(samples)
    lhs_points = []
    for row in unit:
        point = {}
        for u, (name, (low, high, log)) in zip(row, lhs.items(), strict=True):
            raw = (
                math.exp(math.log(low) + u * math.log(high / low))
                if log
                else low + u * (high - low)
            )
            point[name] = _coerce_axis(scenario_class, name, f"[axes].{name}", float(raw))
        lhs_points.append(point)
    return [{**g, **p} for g in grid_points for p in lhs_points]


# ------------------------------------------------------------------------------ regimes
def _regimes(
    tables: Any,
    default_start_day: float,
    library: DrugLibrary,
    in_vitro: bool = False,
    species: str = "human",
) -> tuple[list[dict], list[str]]:
    """Every regime of ``[[regimes]]`` (lists expanded) as plain dicts, and the swept keys."""
    if tables is None:
        tables = [{"drug": "none"}]
    if not isinstance(tables, list) or not tables:
        raise _fail("regimes", "must be one or more [[regimes]] tables")
    out, swept = [], set()
    for i, table in enumerate(tables):
        where = f"[[regimes]][{i}]"
        if not isinstance(table, dict):
            raise _fail(where, "must be a table")
        unknown = sorted(set(table) - set(REGIME_KEYS))
        if unknown:
            raise _fail(f"{where}.{unknown[0]}", f"unknown key; allowed: {', '.join(REGIME_KEYS)}")
        if "drug" not in table:
            raise _fail(f"{where}.drug", "missing (a name from 'mtor-sim drugs', or 'none')")
        keys = list(table)
        lists = []
        size = 1
        for key in keys:
            value = table[key]
            if isinstance(value, dict):
                value = _range_values(f"{where}.{key}", value)
            if isinstance(value, list):
                if not value:
                    raise _fail(f"{where}.{key}", "an empty list")
                if len(value) > 1:
                    swept.add(key)
                lists.append(value)
            else:
                lists.append([value])
            size *= len(lists[-1])
            if size + len(out) > MAX_RUNS:  # before building them: each is checked
                raise _fail(where, f"more than the limit of {MAX_RUNS} regimes")
        for combo in itertools.product(*lists):
            values = dict(zip(keys, combo, strict=True))
            out.append(build_regime(values, default_start_day, library, where, in_vitro, species))
    if "drug" not in swept and len({r["drug"] for r in out}) > 1:
        swept.add("drug")
    return out, [k for k in REGIME_KEYS if k in swept]


def build_regime(
    values: dict[str, Any],
    default_start_day: float,
    library: DrugLibrary,
    where: str = "regime",
    in_vitro: bool = False,
    species: str = "human",
) -> dict[str, Any]:
    """A regime from spec values, built as ``mtor-sim run`` builds it (model.regimes;
    ``in_vitro``: the scenario is a dish, where a drug named alone is held at its medium
    concentration; ``species``: who is dosed, a ``diet_ppm`` needs a mouse)."""
    for key, value in values.items():
        ok = isinstance(value, str) if key in ("drug", "schedule") else _is_number(value)
        if not ok:
            kind = "a string" if key in ("drug", "schedule") else "a number"
            raise _fail(f"{where}.{key}", f"must be {kind}, got {value!r}")
    try:
        if values["drug"] == "none" and "start_day" in values:
            raise InputError(model_regimes.untreated_start_day(values["start_day"]))
        regime = model_regimes.build_regime(
            library,
            values["drug"],
            dose_mg=values.get("dose"),
            schedule=values.get("schedule"),
            loading_dose_mg=values.get("loading_dose"),
            conc_nM=values.get("conc"),
            start_day=values.get("start_day", default_start_day),
            stop_day=values.get("stop_day"),
            in_vitro=in_vitro,
            diet_ppm=values.get("diet_ppm"),
            species=species,
        )
        return regime_dict(regime)
    except InputError as err:
        raise _fail(where, str(err)) from None


def _is_number(value: Any) -> bool:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return ok and math.isfinite(value) and value >= 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mtor_abm.experiments.spec SPEC.toml ...``: check specs and count their runs."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(
            "usage: python -m mtor_abm.experiments.spec SPEC.toml [SPEC.toml ...]", file=sys.stderr
        )
        return 2
    for path in paths:
        try:
            spec = load_spec(Path(path))
        except InputError as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            return 2
        swept = ", ".join(spec.axes + spec.regime_axes) or "nothing"
        print(f"{path}: {spec.scenario}, {len(spec.runs)} runs (swept: {swept})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
