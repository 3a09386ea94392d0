"""The handler of ``mtor-sim run``: a new run, replicates, a resumed state or a rerun manifest."""

from __future__ import annotations

import math
import sys
from types import MappingProxyType
from typing import Any

import numpy as np

from mtor_abm.experiments.cli_commands import (
    EXIT_OK,
    apply_regimen,
    days_text,
    format_readout,
    make_regime,
    print_json,
)
from mtor_abm.experiments.cli_parser import parse_sets
from mtor_abm.model.errors import InputError
from mtor_abm.model.scenarios import IN_VITRO_PANEL

#: Largest --replicates of a scenario run once per seed (cohort scenarios bound their size).
MAX_REPLICATES = 1000


#: run options that define a new run, so they cannot be combined with a saved state or manifest.
RUN_DEFINITION = MappingProxyType(
    {
        "scenario": None,
        "drug": "none",
        "dose": None,
        "schedule": None,
        "loading_dose": None,
        "start_day": None,
        "stop_day": None,
        "target_trough": None,
        "regimen": None,
        "conc": None,
        "diet_ppm": None,
        "seed": 0,
        "replicates": None,
        "set": None,
    }
)


def _check_alone(args, option: str, also_days: bool) -> None:
    """``option`` takes the run's definition from a file: no other defining option allowed."""
    for name, default in RUN_DEFINITION.items():
        if getattr(args, name) != default:
            flag = name if name == "scenario" else "--" + name.replace("_", "-")
            raise InputError(f"{option} takes the run from its file; {flag} cannot be given too")
    if also_days and args.days is not None:
        raise InputError(f"{option} reruns the recorded days; --days cannot be given too")


def _run_from_files(args, argv):
    """The result of ``--resume-state`` or ``--from-manifest`` (None when neither is given).

    Both take the run's user drugs from the file (``--drug-file`` may repeat them, identical).
    """
    from mtor_abm.experiments.resume import rerun_manifest, resume_run

    if args.resume_state is not None and args.from_manifest is not None:
        raise InputError("--resume-state and --from-manifest cannot be combined")
    if args.resume_state is not None:
        _check_alone(args, "--resume-state", also_days=False)
        if args.days is None:
            raise InputError("--resume-state needs --days: how many more days to run")
        return resume_run(args.resume_state, args.days, args.drug_file or ())
    if args.from_manifest is not None:
        _check_alone(args, "--from-manifest", also_days=True)
        return rerun_manifest(args.from_manifest, args.drug_file or ())
    return None


def cmd_run(args, argv) -> int:
    from mtor_abm.experiments.progress import bar
    from mtor_abm.experiments.runner import run_scenario
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.scenarios import get_scenario
    from mtor_abm.model.scenarios.base import parse_overrides

    _check_outputs(args)
    result = _run_from_files(args, argv)
    if result is not None:
        return _report_run([result], [result.summary["seed"]], args, argv)
    library = load_library(args.drug_file or ())
    if args.scenario is None:
        raise InputError("run needs a scenario name (see 'mtor-sim scenarios')")
    apply_regimen(args)
    _check_drug_given(args)
    spec = get_scenario(args.scenario)
    overrides = parse_overrides(spec.scenario_class, parse_sets(args.set))
    if args.start_day is None:
        args.start_day = spec.default_start_day
    if spec.replicates_param is not None and args.replicates is not None:
        # A cohort scenario: --replicates is the cohort size, run once.
        name = spec.replicates_param
        if name in overrides:
            raise InputError(
                f"--replicates sets the cohort size ({name}) of scenario {args.scenario!r}; "
                f"give --replicates or --set {name}=N, not both"
            )
        try:
            overrides.update(parse_overrides(spec.scenario_class, {name: args.replicates}))
        except InputError as err:
            raise InputError(f"--replicates (the cohort's {name}): {err}") from None
        args.replicates = 1
    args.replicates = args.replicates or 1
    if args.replicates > MAX_REPLICATES:
        raise InputError(
            f"--replicates must be at most {MAX_REPLICATES} for scenario {args.scenario!r} "
            f"(one run per seed), got {args.replicates}; use a sweep for more"
        )
    days = spec.default_days if args.days is None else args.days
    notes: list[str] = []
    regime = make_regime(
        args, library, spec.in_vitro, monitor_days=days, notes=notes, species=spec.species
    )
    if args.out is not None and args.replicates > 1:
        raise InputError("--out takes one run; use --replicates without --out, or a sweep")
    seeds = [args.seed]
    if args.replicates > 1:
        children = np.random.SeedSequence(args.seed).spawn(args.replicates)
        seeds = [int(c.generate_state(1)[0]) for c in children]
    if args.save_state is not None and args.replicates > 1:
        raise InputError("--save-state takes one run; it cannot be combined with --replicates")
    results = []
    with bar(f"{args.scenario} replicates", len(seeds), "run", len(seeds) > 1) as done:
        for s in seeds:
            results.append(run_scenario(args.scenario, regime, args.days, s, overrides, library))
            done.update(1)
    for note in notes:  # after the runs: a run refused on the way prints one error line only
        print(note, file=sys.stderr)
    return _report_run(results, seeds, args, argv)


#: run options that describe a treatment, so they need --drug.
DOSING_OPTIONS = (
    "dose",
    "conc",
    "schedule",
    "loading_dose",
    "start_day",
    "stop_day",
    "target_trough",
    "diet_ppm",
)


def _check_drug_given(args) -> None:
    """Refuse dosing options without a drug (the run would silently be untreated)."""
    if args.drug != "none":
        return
    for name in DOSING_OPTIONS:
        if getattr(args, name) is not None:
            flag = "--" + name.replace("_", "-")
            raise InputError(
                f"{flag} needs --drug: without a drug the run is untreated; allowed: name "
                f"one, e.g. --drug sirolimus (see 'mtor-sim drugs'), or leave {flag} out"
            )


def _check_outputs(args) -> None:
    """Refuse an unusable --out or --save-state before any simulation runs."""
    from mtor_abm.experiments.resume import check_state_path
    from mtor_abm.experiments.run_folder import check_run_out

    if args.out is not None:
        check_run_out(args.out)
    if args.save_state is not None:
        check_state_path(args.save_state)


def _report_run(results, seeds, args, argv) -> int:
    """Write, save and print the result of ``run`` (one run, or replicates averaged)."""
    from mtor_abm.experiments.progress import phase
    from mtor_abm.experiments.resume import save_state
    from mtor_abm.experiments.run_folder import write_run
    from mtor_abm.experiments.runner import json_safe
    from mtor_abm.model.regimes import (
        describe_regime_fields,
        monitoring_lines,
        regime_from_fields,
    )

    summary = results[0].summary
    if len(results) > 1:
        summary = {
            **summary,
            "seed": args.seed,  # the seed given; each replicate ran on one derived from it
            "seeds": seeds,
            "replicate_readouts": [r.summary["readouts"] for r in results],
        }
        summary["readouts"] = combine_replicates([r.summary["readouts"] for r in results])
    summary = json_safe(summary)
    for result in results:  # a NaN anywhere in a run's records is a failure, never written
        json_safe(result.timeseries, "timeseries")
    if args.out is not None:
        results[0].summary = summary
        with phase(f"writing the run and its figures to {args.out}"):
            write_run(args.out, results[0], argv)
    if args.save_state is not None:
        with phase(f"saving the state to {args.save_state}"):
            save_state(args.save_state, results[0])
    if args.json:
        print_json(summary)
        return EXIT_OK
    regime = describe_regime_fields(summary["regime"]) if "regime" in summary else summary["drug"]
    days = days_text(summary["days"])
    seed = f"seed {summary['seed']}"
    if len(results) > 1:
        seed += f" ({len(results)} replicates on seeds derived from it; means shown)"
    print(f"{summary['scenario']}: {regime} over {days}, {seed}")
    if "regime" in summary:
        for line in monitoring_lines(regime_from_fields(summary["regime"])):
            print(f"  {line}")
    notes = readout_notes(summary["scenario"])
    for k, v in summary["readouts"].items():
        line = f"  {k:22s} {format_readout(v, k, summary.get('params'))}"
        print(f"{line:32s}  {notes[k]}" if k in notes else line)
    if summary["adverse"] is None:  # an in-vitro scenario: a dish has no patient
        print(f"  adverse panel: {IN_VITRO_PANEL}")
    else:
        print("  adverse panel (1.0 = untreated, higher is worse):")
        for k, v in summary["adverse"].items():
            print(f"    {k:20s} {format_readout(v, k)}")
    if args.out is not None:
        print(
            f"  outputs in {args.out}/ (summary.json, timeseries.parquet, manifest.json, figures/)"
        )
    return EXIT_OK


def readout_notes(scenario: str) -> dict[str, str]:
    """What the printed readouts of ``scenario`` are where their names alone could mislead
    (:attr:`model.scenarios.ScenarioSpec.readout_notes`; none for an unknown name)."""
    from mtor_abm.model.scenarios import SCENARIOS

    spec = SCENARIOS.get(scenario)
    return dict(spec.readout_notes) if spec is not None else {}


def combine_replicates(rows: list[dict]) -> dict:
    """The readouts of replicates combined, never one replicate's value standing for all.

    A readout equal in every replicate keeps its value; a number present in every replicate
    becomes the mean; a category (a response class, a yes/no) becomes the count of each
    value; a readout missing (None or NaN) in any replicate becomes None, since a mean over the
    replicates that happen to have it would be biased. Each replicate's own readouts stay in
    the summary's ``replicate_readouts``.
    """
    out: dict[str, Any] = {}
    for key in rows[0]:
        values = [r.get(key) for r in rows]
        if any(_missing(v) for v in values):
            out[key] = None
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[key] = float(np.mean(values))
        elif all(v == values[0] for v in values):
            out[key] = values[0]
        elif all(isinstance(v, str | bool) for v in values):
            counts: dict[str, int] = {}
            for v in values:
                name = str(v).lower() if isinstance(v, bool) else v
                counts[name] = counts.get(name, 0) + 1
            out[key] = dict(sorted(counts.items()))
        else:
            out[key] = None  # lists or mixed types: no honest single value
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
