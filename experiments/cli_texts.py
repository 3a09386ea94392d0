"""The words of ``mtor-sim``'s help: each subcommand's description and two examples.

:mod:`experiments.cli_help` lays them out with the allowed values it reads from the registries;
the tests run every example through the parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: One line (``mtor-sim --help``) and a paragraph (``mtor-sim CMD --help``) per subcommand.
DESCRIPTIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "scenarios": (
            "list scenarios and their parameters",
            "List every registered scenario with its default run length and its parameters: "
            "default, unit, allowed values and meaning (the names 'run --set' and sweep specs "
            "take).",
        ),
        "drugs": (
            "the drug library with sources",
            "List the drug library: class, terminal half-life, default regime and a description; "
            "--json adds potencies, molecular weights and a source for every number.",
        ),
        "pathway": (
            "one cell's mTOR signalling after adding a drug",
            "Add a drug at a held concentration at 0 h to one cell at its untreated steady state "
            "and print its mTOR-network readouts hourly, each relative to an untreated twin of "
            "the same cell at the same time (1.0 = untreated), like a western blot against a "
            "vehicle lane.",
        ),
        "pk": (
            "blood concentrations of a dosing regime",
            "Simulate whole-blood concentrations of a dosing regime (exact linear PK: oral, IV "
            "infusion, metabolites), with steady-state trough, Cmax and half-life, and the "
            "adverse-effect panel (1.0 = untreated, higher is worse). A drug's loading dose "
            "follows --dose in the label's ratio (sirolimus: 6 mg with 2 mg daily, 15 mg with "
            "5 mg) and is left out on another --schedule; a 'note:' line on stderr says so.",
        ),
        "run": (
            "run a scenario",
            "Run one scenario under a drug regime and print its readouts and adverse-effect "
            "panel (none in vitro: a dish has no patient). The regime is the drug's default "
            "(dose, schedule, loading dose; in the in-vitro culture a held medium "
            "concentration, 10 nM or the drug's own, as a dish has no PK) unless "
            "--dose/--schedule/--loading-dose/--conc say otherwise (a loading dose follows "
            "--dose in the drug's ratio, is left out on another --schedule, and a 'note:' line "
            "on stderr says which); treatment starts at the "
            "scenario's start day unless --start-day is given. --out writes summary.json, "
            "timeseries.parquet, manifest.json and figures/. Progress goes to stderr; --json "
            "prints exactly one JSON object on stdout.",
        ),
        "sweep": (
            "run a batch sweep from a TOML spec",
            "Run every combination of a sweep spec (TOML: scenario, fixed parameters, axes, "
            "regimes, replicates) on a local process pool or a Dask cluster; each finished run "
            "is stored at once, so an interrupted sweep continues with --resume. Seeds are "
            "spawned from the spec's seed in run order: results do not depend on the backend.",
        ),
        "report": (
            "figures and report.md from a run or sweep directory",
            "Draw the figures of a run directory (run --out) or a sweep directory and write "
            "report.md: dose-response with GI50, growth curves, waterfall and spider plots, "
            "Kaplan-Meier curves with log-rank tests, graft survival, adverse panel by regime.",
        ),
        "calibrate": (
            "fit the network's free parameters to the observation table",
            "Fit the signalling network's free parameters to the published observations "
            "(model/calibration/observations.toml, or --observations) by least squares from "
            "several starts, rows evaluated on a local process pool or a Dask cluster; rows "
            "flagged holdout (and --holdout's extra share) stay out of the fit and are scored "
            "apart. Writes fitted_parameters.toml, fit.json (in-sample and held-out error, per "
            "observation) and calibration.png to --out.",
        ),
        "dashboard": (
            "serve the interactive dashboard in the browser",
            "Serve the classroom dashboard (Explore, Compare, Lessons) and print its address; "
            "Ctrl+C stops it. Everything the page needs is installed locally (works offline).",
        ),
    }
)

#: Two runnable examples per subcommand (checked by the tests to parse).
EXAMPLES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "scenarios": ("mtor-sim scenarios", "mtor-sim scenarios --json"),
        "drugs": ("mtor-sim drugs", "mtor-sim drugs --json --drug-file mydrug.toml"),
        "pathway": (
            "mtor-sim pathway --drug sirolimus --conc 10",
            "mtor-sim pathway --drug torin1 --conc 250 --hours 48 --cell-type tcell "
            "--set amino_acids=0.5",
        ),
        "pk": (
            "mtor-sim pk --drug everolimus --days 10",
            "mtor-sim pk --drug sirolimus --dose 2 --loading-dose 6 --schedule daily --json",
        ),
        "run": (
            "mtor-sim run tumor --drug everolimus --out runs/evero",
            "mtor-sim run culture --drug torin1 --conc 250 --set width=30 --set height=30 --json",
        ),
        "sweep": (
            "mtor-sim sweep experiments/specs/culture_dose_response.toml --out sweeps/gi50",
            "mtor-sim sweep experiments/specs/tumor_regimes.toml --dry-run",
        ),
        "report": ("mtor-sim report runs/evero", "mtor-sim report sweeps/gi50"),
        "calibrate": (
            "mtor-sim calibrate --out calibration",
            "mtor-sim calibrate --holdout 0.2 --workers 2 --starts 2 --out cal",
        ),
        "dashboard": ("mtor-sim dashboard", "mtor-sim dashboard --host 0.0.0.0 --port 8800"),
    }
)
