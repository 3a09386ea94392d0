"""The ``mtor-sim`` argument parser: every subcommand's options, their types and bounds."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from mtor_abm.experiments import cli_help
from mtor_abm.model.errors import InputError
from mtor_abm.visualization.dashboard.limits import Limits


class _Parser(cli_help.LazyEpilogParser):
    """argparse that reports a usage error as one ``error:`` line (exit 2)."""

    def error(self, message: str):
        raise InputError(f"{message} (see '{self.prog} --help')")


LOADING_HELP = (
    "first dose, mg; 0: none (default: the drug's own, scaled with --dose; none with another "
    "--schedule)"
)


def _number(name: str, low: float = 0.0, high: float = 1e300, integer: bool = False):
    """An argparse type: a finite number in [low, high] (argparse names the option).

    Whole numbers (``integer``) are parsed as integers, never through a float, so a seed
    above 2**53 keeps every digit.
    """

    if integer:  # integer bounds printed whole (a seed's is 9223372036854775807, not 9.2e18)
        allowed = f"a whole number in [{int(low)}, {int(high)}]"
        if high >= 1e300:
            allowed = f"a whole number of at least {int(low)}"
    else:
        allowed = f"a number in [{low:g}, {high:g}]"

    def parse(text: str):
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
    from mtor_abm.model.species import DIET_PPM_DOMAIN, SEXES, SPECIES

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
        "--loading-dose",
        type=_number("--loading-dose", high=MAX_DOSE_MG),
        help=LOADING_HELP,
    )
    pk.add_argument(
        "--species",
        choices=SPECIES,
        help="whose PK: human (default) or mouse (the aging and neuro cohorts' PK)",
    )
    pk.add_argument("--sex", choices=SEXES, help="a mouse's sex (default male; needs --species)")
    pk.add_argument(
        "--diet-ppm",
        type=_number("--diet-ppm", high=DIET_PPM_DOMAIN.high),
        metavar="PPM",
        help="the drug in a mouse's food, ppm (needs --species mouse; 14 ppm = 2.24 mg/kg/day)",
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
        "--loading-dose",
        type=_number("--loading-dose", high=MAX_DOSE_MG),
        help=LOADING_HELP,
    )
    r.add_argument(
        "--start-day",
        type=_number("--start-day", high=MAX_DAY),
        help="treatment start (default: scenario's)",
    )
    r.add_argument("--stop-day", type=_number("--stop-day", high=MAX_DAY), help="default: never")
    r.add_argument(
        "--target-trough",
        metavar="LOW-HIGH",
        help="adjust the dose to this whole-blood trough range, ng/mL (e.g. 5-15): the trough "
        "before the dose every 7 days from day 7, new dose = dose x mid-range / trough "
        "(Rapamune label); --dose is the starting dose",
    )
    r.add_argument(
        "--regimen",
        metavar="NAME",
        help="a standard regimen: its drug dosed to its label trough range (names below)",
    )
    r.add_argument(
        "--conc",
        type=_number("--conc", high=MAX_CONC_NM),
        help="hold this concentration, nM (blood; the medium in culture, where a drug named "
        "alone is held at 10 nM or its own, and a --dose/--schedule makes the medium follow "
        "a patient's blood curve)",
    )
    r.add_argument(
        "--diet-ppm",
        type=_number("--diet-ppm", high=DIET_PPM_DOMAIN.high),
        metavar="PPM",
        help="mouse cohorts (aging, neuro): the drug in the food, ppm (mg per kg food), eaten "
        "through the day (14 ppm = 2.24 mg/kg/day, Harrison 2009); blood levels through the "
        "drug's mouse PK and the cohort's sex (--set sex=female)",
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
    shared = Limits.shared_defaults()  # the server's own defaults, never restated here
    limits = (
        ("--max-sites", "lattice sites per tissue (width x height)", shared.max_sites),
        ("--max-organisms", "organisms per cohort (aging, neuro)", shared.max_organisms),
        ("--max-models", "models (arms x replicate seeds) one browser session runs at once",
         shared.max_models),
        ("--max-sessions", "browser sessions running models at once", shared.max_sessions),
    )  # fmt: skip
    for flag, what, default in limits:
        d.add_argument(
            flag,
            type=_number(flag, 0, integer=True),
            metavar="N",
            help=f"{what}; 0 = no limit. Default: no limit on 127.0.0.1, {default} when "
            f"serving the network (or MTOR_DASHBOARD_{flag[2:].upper().replace('-', '_')})",
        )
    return p
