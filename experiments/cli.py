"""The ``mtor-sim`` command line (the README's "A short tour of the command line").

Bad input ends in one ``error: ...`` line on stderr and exit status 2; an internal failure in
exit status 1; ``--json`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from mtor_abm.experiments import cli_help
from mtor_abm.model.errors import InputError, OutputError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(cli_help.LazyEpilogParser):
    """argparse that reports a usage error as one ``error:`` line (exit 2)."""

    def error(self, message: str):
        raise InputError(f"{message} (see '{self.prog} --help')")


#: Largest --replicates of a scenario run once per seed (cohort scenarios bound their size).
MAX_REPLICATES = 1000


def _number(name: str, low: float = 0.0, high: float = 1e300, integer: bool = False):
    """An argparse type: a finite number in [low, high] (argparse names the option).

    Whole numbers (``integer``) are parsed as integers, never through a float, so a seed
    above 2**53 keeps every digit.
    """

    def parse(text: str):
        kind = "a whole number" if integer else "a number"
        allowed = f"{kind} in [{low:g}, {high:g}]"
        value = _whole(text) if integer else _finite(text)
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
        return value

    return parse


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(text: str) -> int | None:
    """``text`` as an int ("12", or "1e3" when exactly whole and below 2**53), else None."""
    try:
        return int(text)
    except ValueError:
        pass
    value = _finite(text)
    if value is None or value != int(value) or abs(value) > 2**53:
        return None
    return int(value)


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, carriage returns, ...) shown escaped.

    Error messages quote what the user typed; this keeps them on one line whatever was typed.
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode()
        for ch in text.strip()
    )


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``--set name=value`` items into a dict (values stay strings; scenarios type them)."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"malformed --set {item!r}: expected name=value, e.g. width=60")
        if name.strip() in out:
            raise InputError(
                f"--set {name.strip()} is given twice ({out[name.strip()]!r} and "
                f"{value.strip()!r}); give each parameter once"
            )
        out[name.strip()] = value.strip()
    return out


def _path(text: str) -> Path:
    """An argparse type: a non-empty path (an empty one would silently mean '.')."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a path, got an empty string")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    """The full command-line interface."""
    from mtor_abm.model.domains import MAX_SEED
    from mtor_abm.model.pathway import MAX_PATHWAY_HOURS
    from mtor_abm.model.pharmacology import MAX_CONC_NM, MAX_DAY, MAX_DOSE_MG

    p = _Parser(
        prog="mtor-sim",
        description="Agent-based simulator of cell populations under mTOR-inhibitor drugs.",
        epilog=cli_help.main_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {cli_help.version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("scenarios", **cli_help.subcommand("scenarios")).add_argument(
        "--json", action="store_true", help="print one JSON object"
    )
    d = sub.add_parser("drugs", **cli_help.subcommand("drugs"))
    d.add_argument("--json", action="store_true", help="print one JSON object")

    pw = sub.add_parser("pathway", **cli_help.subcommand("pathway"))
    pw.add_argument("--drug", required=True, help="drug name (see 'mtor-sim drugs')")
    pw.add_argument(
        "--conc", type=_number("--conc", high=MAX_CONC_NM), required=True, help="concentration, nM"
    )
    pw.add_argument(
        "--hours", type=_number("--hours", 1e-9, MAX_PATHWAY_HOURS), default=24.0, help="default 24"
    )
    pw.add_argument("--cell-type", default="epithelial", help="default epithelial (list below)")
    pw.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="cell parameter or input (below)"
    )
    pw.add_argument("--json", action="store_true", help="print one JSON object")
    pw.add_argument(
        "--drug-file", action="append", type=_path, metavar="TOML", help="add a drug (TOML)"
    )

    pk = sub.add_parser("pk", **cli_help.subcommand("pk"))
    pk.add_argument("--drug", required=True, help="drug name (see 'mtor-sim drugs')")
    pk.add_argument(
        "--dose", type=_number("--dose", high=MAX_DOSE_MG), help="dose, mg (default: the drug's)"
    )
    pk.add_argument("--schedule", help="dosing schedule (default: the drug's; forms below)")
    pk.add_argument(
        "--loading-dose", type=_number("--loading-dose", high=MAX_DOSE_MG), help="first dose, mg"
    )
    pk.add_argument(
        "--days", type=_number("--days", 1e-9, MAX_DAY), default=14.0, help="default 14"
    )
    pk.add_argument("--json", action="store_true", help="print one JSON object")
    pk.add_argument(
        "--drug-file", action="append", type=_path, metavar="TOML", help="add a drug (TOML)"
    )

    r = sub.add_parser("run", **cli_help.subcommand("run"))
    r.add_argument("scenario", nargs="?", help="scenario name (see 'mtor-sim scenarios')")
    r.add_argument("--drug", default="none", help="drug name; 'none' is the control")
    r.add_argument(
        "--dose", type=_number("--dose", high=MAX_DOSE_MG), help="dose, mg (default: the drug's)"
    )
    r.add_argument("--schedule", help="dosing schedule (default: the drug's; forms below)")
    r.add_argument(
        "--loading-dose", type=_number("--loading-dose", high=MAX_DOSE_MG), help="first dose, mg"
    )
    r.add_argument(
        "--start-day",
        type=_number("--start-day", high=MAX_DAY),
        help="treatment start (default: scenario's)",
    )
    r.add_argument("--stop-day", type=_number("--stop-day", high=MAX_DAY), help="default: never")
    r.add_argument(
        "--conc", type=_number("--conc", high=MAX_CONC_NM), help="hold this concentration, nM"
    )
    r.add_argument("--days", type=_number("--days", 1e-9, MAX_DAY), help="run length, days")
    r.add_argument(
        "--seed", type=_number("--seed", 0, MAX_SEED, integer=True), default=0, help="default 0"
    )
    r.add_argument(
        "--replicates",
        type=_number("--replicates", 1, 1e12, integer=True),
        help="seeds (cohort scenarios: organisms in the cohort)",
    )
    r.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="scenario parameter (below)"
    )
    r.add_argument("--out", type=_path, help="write summary, timeseries, manifest, figures here")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument(
        "--drug-file", action="append", type=_path, metavar="TOML", help="add a drug (TOML)"
    )
    r.add_argument("--save-state", type=_path, metavar="FILE", help="save the final state (.npz)")
    r.add_argument(
        "--resume-state", type=_path, metavar="FILE", help="continue a saved state for --days more"
    )
    r.add_argument(
        "--from-manifest", type=_path, metavar="FILE", help="rerun the run a manifest.json records"
    )

    sw = sub.add_parser("sweep", **cli_help.subcommand("sweep"))
    sw.add_argument("spec", type=_path, help="sweep spec (TOML; see experiments/specs/)")
    sw.add_argument(
        "--workers", type=_number("--workers", 1, 1024, integer=True), help="default: CPU cores"
    )
    sw.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    sw.add_argument("--out", type=_path, help="sweep directory (default: sweep-<spec name>)")
    sw.add_argument("--resume", action="store_true", help="run only what is missing in --out")
    sw.add_argument(
        "--dry-run", action="store_true", help="check the spec and count its runs; run nothing"
    )

    from mtor_abm.experiments.calibrate import add_parser as add_calibrate_parser

    add_calibrate_parser(sub, _number)

    rp = sub.add_parser("report", **cli_help.subcommand("report"))
    rp.add_argument("dir", type=_path, help="a run directory (--out) or a sweep directory")

    sub.choices["drugs"].add_argument(
        "--drug-file", action="append", type=_path, metavar="TOML", help="add a drug (TOML)"
    )

    d = sub.add_parser("dashboard", **cli_help.subcommand("dashboard"))
    d.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this computer only)")
    d.add_argument(
        "--port", type=_number("--port", 1, 65535, integer=True), default=8765, help="default 8765"
    )
    limits = (
        ("--max-sites", "lattice sites per tissue (width x height)", "14400 (120 x 120)"),
        ("--max-organisms", "organisms per cohort (aging, neuro)", "200"),
        ("--max-models", "models (arms) one browser session runs at once", "4"),
        ("--max-sessions", "browser sessions running models at once", "30"),
    )
    for flag, what, shared in limits:
        d.add_argument(
            flag,
            type=_number(flag, 0, integer=True),
            metavar="N",
            help=f"{what}; 0 = no limit. Default: no limit on 127.0.0.1, {shared} when "
            f"serving the network (or MTOR_DASHBOARD_{flag[2:].upper().replace('-', '_')})",
        )
    return p


# ------------------------------------------------------------------------------ commands
def make_regime(args, library):
    """The regime of ``run`` / ``pk`` arguments (:func:`model.regimes.build_regime`)."""
    from mtor_abm.model.regimes import build_regime

    return build_regime(
        library,
        args.drug,
        dose_mg=args.dose,
        schedule=args.schedule,
        loading_dose_mg=args.loading_dose,
        conc_nM=getattr(args, "conc", None),
        start_day=getattr(args, "start_day", None),
        stop_day=getattr(args, "stop_day", None),
    )


def cmd_scenarios(args) -> int:
    from mtor_abm.model.scenarios import SCENARIOS

    data = {
        name: {
            "description": spec.description,
            "default_days": spec.default_days,
            "parameters": {
                k: {
                    "default": getattr(spec.scenario_class, k),
                    "unit": v.unit,
                    "help": v.help,
                    **cli_help.allowed_values(v, getattr(spec.scenario_class, k)),
                }
                for k, v in spec.scenario_class.PARAMETERS.items()
            },
        }
        for name, spec in SCENARIOS.items()
    }
    if args.json:
        _print_json(data)
        return EXIT_OK
    for name, info in data.items():
        print(f"{name}: {info['description']} (default {info['default_days']:g} days)")
        for k, v in info["parameters"].items():
            print("  " + cli_help.parameter_line(k, v))
    return EXIT_OK


def cmd_drugs(args) -> int:
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.pk import build_model, terminal_half_life_h

    library = load_library(args.drug_file or ())
    data = {}
    for name, drug in library.items():
        half_life = None
        if drug.pk is not None:
            half_life = terminal_half_life_h(build_model(drug, library), name)
        data[name] = {
            "class": drug.drug_class,
            "description": drug.description,
            "molecular_weight_g_per_mol": drug.molecular_weight_g_per_mol,
            "potency": {k: v for k, v in vars(drug.potency).items() if v is not None},
            "half_life_h": half_life,
            "default_dose_mg": drug.default_dose_mg,
            "default_schedule": drug.default_schedule,
            "sources": dict(drug.sources),
        }
    if args.json:
        _print_json(data)
        return EXIT_OK
    for name, info in data.items():
        hl = f"t1/2 {info['half_life_h']:.0f} h" if info["half_life_h"] else "no clinical PK"
        dose = info["default_dose_mg"]
        regime = f"{dose:g} mg {info['default_schedule']}" if dose else info["default_schedule"]
        print(f"{name:13s} {info['class']:16s} {hl:15s} {regime or '-':18s} {info['description']}")
    return EXIT_OK


def cmd_pathway(args) -> int:
    from mtor_abm.model.pathway import simulate_pathway
    from mtor_abm.model.pharmacology import load_library

    overrides = {}
    for k, v in parse_sets(args.set).items():
        try:
            overrides[k] = float(v)
        except ValueError:
            raise InputError(f"--set {k} must be a number, got {v!r}") from None
    result = simulate_pathway(
        args.drug,
        args.conc,
        args.hours,
        args.cell_type,
        overrides,
        library=load_library(args.drug_file or ()),
    )
    if args.json:
        _print_json(result)
        return EXIT_OK
    keys = [k for k in result if k not in ("drug", "conc_nM", "cell_type", "times_h")]
    print(f"{args.drug} {args.conc:g} nM on {args.cell_type} (1.0 = untreated at the same time)")
    print("hour " + " ".join(f"{k:>13s}" for k in keys))
    for i, t in enumerate(result["times_h"]):
        if t in (0, 1, 2, 3, 6, 12) or t % 24 == 0 or i == len(result["times_h"]) - 1:
            cells = (result[k][i] for k in keys)
            print(
                f"{t:4g} " + " ".join(f"{'-':>13s}" if v is None else f"{v:13.2f}" for v in cells)
            )
    return EXIT_OK


def cmd_pk(args) -> int:
    from mtor_abm.experiments.runner import run_adverse_panel
    from mtor_abm.model.pharmacology import dose_times_h, load_library
    from mtor_abm.model.pk import simulate, steady_state_summary
    from mtor_abm.model.regimes import describe_regime

    library = load_library(args.drug_file or ())
    if library.drug(args.drug).fixed_only:
        raise InputError(f"drug '{args.drug}' has no clinical PK (research tool); use 'pathway'")
    regime = make_regime(args, library)
    from mtor_abm.experiments.runner import check_days

    args.days = check_days(args.days)
    times, conc = simulate(regime, args.days, dt_h=0.5, library=library)
    parent = conc.get(regime.drug, np.zeros_like(times))
    ss = steady_state_summary(regime, library) if regime.drug != "none" else {}
    result = {
        "drug": regime.drug,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "loading_dose_mg": regime.loading_dose_mg,
        "regime_label": describe_regime(regime),
        "times_h": times.tolist(),
        "conc_ng_ml": np.asarray(parent).tolist(),
        "species_ng_ml": {s: np.asarray(c).tolist() for s, c in conc.items()},
        "trough_ng_ml": ss.get("trough_ng_ml"),
        "cmax_ng_ml": ss.get("cmax_ng_ml"),
        "half_life_h": ss.get("half_life_h"),
        "adverse": run_adverse_panel(regime, args.days, library),
    }
    if args.json:
        _print_json(result)
        return EXIT_OK
    doses, _ = dose_times_h(regime, 0.0, args.days * 24.0)
    print(f"{describe_regime(regime)} over {args.days:g} days")
    print(f"  doses given: {len(doses)}")
    for key in ("trough_ng_ml", "cmax_ng_ml", "half_life_h"):
        value = result[key]
        print(f"  {key:13s} {value:.3g}" if value is not None else f"  {key:13s} -")
    print("  adverse panel (1.0 = untreated, higher is worse):")
    for k, v in result["adverse"].items():
        print(f"    {k:20s} {v:.2f}")
    return EXIT_OK


#: run options that define a new run, so they cannot be combined with a saved state or manifest.
RUN_DEFINITION = {
    "scenario": None,
    "drug": "none",
    "dose": None,
    "schedule": None,
    "loading_dose": None,
    "start_day": None,
    "stop_day": None,
    "conc": None,
    "seed": 0,
    "replicates": None,
    "set": None,
}


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
    from mtor_abm.experiments.runner import rerun_manifest, resume_run

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
    regime = make_regime(args, library)
    if args.out is not None and args.replicates > 1:
        raise InputError("--out takes one run; use --replicates without --out, or a sweep")
    seeds = [args.seed]
    if args.replicates > 1:
        children = np.random.SeedSequence(args.seed).spawn(args.replicates)
        seeds = [int(c.generate_state(1)[0]) for c in children]
    if args.save_state is not None and args.replicates > 1:
        raise InputError("--save-state takes one run; it cannot be combined with --replicates")
    results = [run_scenario(args.scenario, regime, args.days, s, overrides, library) for s in seeds]
    return _report_run(results, seeds, args, argv)


#: run options that describe a treatment, so they need --drug.
DOSING_OPTIONS = ("dose", "conc", "schedule", "loading_dose", "start_day", "stop_day")


def _check_drug_given(args) -> None:
    """Refuse dosing options without a drug (the run would silently be untreated)."""
    if args.drug != "none":
        return
    for name in DOSING_OPTIONS:
        if getattr(args, name) is not None:
            flag = "--" + name.replace("_", "-")
            raise InputError(
                f"{flag} needs --drug: without a drug the run is untreated; name one, e.g. "
                f"--drug sirolimus (see 'mtor-sim drugs')"
            )


def _check_outputs(args) -> None:
    """Refuse an unusable --out or --save-state before any simulation runs."""
    from mtor_abm.experiments.runner import check_run_out, check_state_path

    if args.out is not None:
        check_run_out(args.out)
    if args.save_state is not None:
        check_state_path(args.save_state)


def _report_run(results, seeds, args, argv) -> int:
    """Write, save and print the result of ``run`` (one run, or replicates averaged)."""
    from mtor_abm.experiments.progress import phase
    from mtor_abm.experiments.runner import json_safe, save_state, write_run
    from mtor_abm.model.regimes import describe_regime_fields

    summary = results[0].summary
    if len(results) > 1:
        summary = {
            **summary,
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
        _print_json(summary)
        return EXIT_OK
    regime = describe_regime_fields(summary["regime"]) if "regime" in summary else summary["drug"]
    print(f"{summary['scenario']}: {regime} over {summary['days']:g} days, seed {summary['seed']}")
    for k, v in summary["readouts"].items():
        print(f"  {k:22s} {_fmt(v)}")
    print("  adverse panel (1.0 = untreated, higher is worse):")
    for k, v in summary["adverse"].items():
        print(f"    {k:20s} {_fmt(v)}")
    if args.out is not None:
        print(
            f"  outputs in {args.out}/ (summary.json, timeseries.parquet, manifest.json, figures/)"
        )
    return EXIT_OK


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


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return "-" if value is None else str(value)


def _print_json(obj: Any) -> None:
    from mtor_abm.experiments.runner import json_safe

    sys.stdout.write(json.dumps(json_safe(obj), allow_nan=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``mtor-sim``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from mtor_abm.experiments.lifecycle import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():  # kill / a scheduler's time limit: as Ctrl+C
            return _dispatch(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERNAL


def _dispatch(argv: list[str]) -> int:
    """Parse ``argv`` and run its command; errors become one line and an exit status."""
    try:
        args = build_parser().parse_args(argv)
        commands = {
            "scenarios": cmd_scenarios,
            "drugs": cmd_drugs,
            "pathway": cmd_pathway,
            "pk": cmd_pk,
        }
        if args.command == "run":
            return cmd_run(args, ["mtor-sim", *argv])
        if args.command == "sweep":
            if args.dry_run:
                from mtor_abm.experiments.spec import load_spec

                spec = load_spec(args.spec)
                swept = ", ".join(spec.axes + spec.regime_axes) or "nothing"
                print(f"{args.spec}: {spec.scenario}, {len(spec.runs)} runs (swept: {swept})")
                return EXIT_OK
            from mtor_abm.experiments.sweep import cmd_sweep

            return cmd_sweep(args)
        if args.command == "calibrate":
            from mtor_abm.experiments.calibrate import cmd_calibrate

            return cmd_calibrate(args)
        if args.command == "report":
            from mtor_abm.experiments.report import cmd_report

            return cmd_report(args)
        if args.command == "dashboard":
            from mtor_abm.visualization.dashboard.server import cmd_dashboard

            return cmd_dashboard(args)
        return commands[args.command](args)
    except InputError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_INTERNAL
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
