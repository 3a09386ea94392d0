"""The help of ``mtor-sim``: descriptions, allowed values and examples of every subcommand.

The words (each subcommand's description and two examples) are :mod:`experiments.cli_texts`;
this module lays them out with the allowed values.

The allowed values (scenarios, drugs, schedules, cell types, genotypes, ``--set`` names with
units) are read from the registries (:data:`model.scenarios.SCENARIOS`, the drug library,
:data:`model.signaling.CELL_TYPES`, the scenarios' ``PARAMETERS``) when a help page is shown,
so a new drug or parameter appears in ``--help`` with no edit here and ``mtor-sim`` starts
without loading them.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from importlib import metadata, resources
from types import MappingProxyType

from mtor_abm.experiments.cli_texts import DESCRIPTIONS, EXAMPLES

WIDTH = 94


def version() -> str:
    """The installed version of the mtor-abm distribution ('unknown' when not installed)."""
    try:
        return metadata.version("mtor-abm")
    except metadata.PackageNotFoundError:
        return "unknown"


class LazyEpilogParser(argparse.ArgumentParser):
    """An ArgumentParser whose epilog is built by ``epilog_builder()`` when help is shown.

    Building the allowed values loads every scenario and the drug library (~1 s); only a help
    page needs them.
    """

    def __init__(self, *args, epilog_builder: Callable[[], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.epilog_builder = epilog_builder

    def format_help(self) -> str:
        if self.epilog_builder is not None and self.epilog is None:
            self.epilog = self.epilog_builder()
        return super().format_help()


def subcommand(name: str) -> dict:
    """Keyword arguments of ``add_parser(name, ...)``: help, description, lazy epilog."""
    short, long = DESCRIPTIONS[name]
    return {
        "help": short,
        "description": textwrap.fill(long, WIDTH),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
        "epilog_builder": partial(epilog, name),
    }


def main_epilog() -> str:
    """Epilog of ``mtor-sim --help``: where to look next."""
    return "\n".join(
        [
            "Every subcommand has its own --help with the allowed values and examples.",
            "Bad input: one 'error:' line on stderr and exit status 2.",
            "",
            "examples:",
            "  mtor-sim run tumor --drug everolimus",
            "  mtor-sim pathway --drug sirolimus --conc 10",
        ]
    )


def epilog(name: str) -> str:
    """The epilog of subcommand ``name``: allowed values from the registries, two examples."""
    sections = _ALLOWED[name]()
    lines: list[str] = []
    for title, body in sections:
        lines.append(f"{title}:")
        lines.extend(body)
        lines.append("")
    lines.append("examples:")
    lines.extend(f"  {example}" for example in EXAMPLES[name])
    return "\n".join(lines)


# ------------------------------------------------------------------------------ allowed values
def _wrap(text: str, indent: str = "  ", hang: str = "      ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=hang) or [indent]


def _listing(names: Iterable[str]) -> list[str]:
    return _wrap(", ".join(names), hang="  ")


def _number(value: float) -> str:
    """A bound for people: whole numbers in full (10000000, not 1e+07), others to 4 digits."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def _range(low, high) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f">= {_number(low)}"
    if low is None:
        return f"<= {_number(high)}"
    return f"{_number(low)}-{_number(high)}"


def param_summary(name: str, param, default, cell_types: tuple[str, ...]) -> str:
    """``name`` with its unit and allowed values, e.g. ``width [sites, 10-2000]``."""
    if param.choices:
        if tuple(param.choices) == cell_types:
            return f"{name} {{a cell type}}"
        return f"{name} {{{', '.join(param.choices)}}}"
    if isinstance(default, bool):
        return f"{name} {{true, false}}"
    parts = [p for p in (param.unit, _range(param.low, param.high)) if p]
    return f"{name} [{', '.join(parts)}]" if parts else name


def allowed_values(param, default) -> dict:
    """What a scenario parameter accepts: ``{"choices": [...]}`` or ``{"low": a, "high": b}``."""
    if param.choices:
        return {"choices": list(param.choices)}
    if isinstance(default, bool):
        return {"choices": [True, False]}
    return {"low": param.low, "high": param.high}


def rounded(value) -> str:
    """A default for people: 4 significant digits (1/30 -> 0.03333), true/false, text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def parameter_line(name: str, info: dict) -> str:
    """One line of ``mtor-sim scenarios``: name = default [unit, allowed] meaning."""
    if "choices" in info:
        allowed = "one of " + ", ".join(rounded(c) for c in info["choices"])
    else:
        allowed = _range(info["low"], info["high"])
    bracket = "; ".join(p for p in (info["unit"], allowed) if p)
    bracket = f" [{bracket}]" if bracket else ""
    return f"{name} = {rounded(info['default'])}{bracket}  {info['help']}"


def _scenario_lines() -> list[str]:
    from mtor_abm.model.scenarios import SCENARIOS

    lines = []
    for name, spec in SCENARIOS.items():
        lines.extend(_wrap(f"{name} ({spec.default_days:g} days): {spec.description}"))
    return lines


def _drug_lines(clinical_only: bool = False) -> list[str]:
    from mtor_abm.model.pharmacology import load_library

    lines = []
    for name, drug in load_library().items():
        if clinical_only and (drug.fixed_only or name == "none"):
            continue
        if name == "none":
            regime = "the untreated control"
        elif drug.fixed_only:
            regime = f"{drug.drug_class}, research tool: held concentration only (--conc)"
        else:
            regime = f"{drug.drug_class}, default {drug.default_dose_mg:g} mg "
            regime += drug.default_schedule
            if drug.default_loading_dose_mg is not None:
                regime += f" after a {drug.default_loading_dose_mg:g} mg loading dose"
        lines.extend(_wrap(f"{name} ({regime})"))
    lines.extend(_wrap("(--drug-file adds drugs from TOML files)"))
    return lines


def regimen_lines() -> list[str]:
    """One wrapped entry per standard regimen: name, trough range, what it is, its source."""
    from mtor_abm.model.regimens import REGIMENS

    lines = []
    for r in REGIMENS.values():
        ranges = " + ".join(
            f"{drug}, trough {low:g}-{high:g} ng/mL" for drug, (low, high) in r.drug_targets
        )
        lines.extend(_wrap(f"{r.name} ({ranges}): {r.description}"))
        lines.extend(_wrap(f"source: {r.source}", indent="      "))
    return lines


def _schedule_lines() -> list[str]:
    from mtor_abm.model.pharmacology import SCHEDULE_FORMS

    return _listing([SCHEDULE_FORMS])


def _cell_type_lines() -> list[str]:
    from mtor_abm.model.cell_types import CELL_TYPES

    lines = []
    for name, ct in CELL_TYPES.items():
        lines.extend(_wrap(f"{name}: {ct.description}"))
    return lines


def _genotype_lines() -> list[str]:
    from mtor_abm.model.scenarios.tumor_params import GENOTYPES

    return _listing(GENOTYPES) + _wrap("(run tumor --set genotype=NAME)")


def _scenario_set_lines() -> list[str]:
    from mtor_abm.model.cell_types import CELL_TYPES
    from mtor_abm.model.scenarios import SCENARIOS

    lines = []
    for name, spec in SCENARIOS.items():
        cls = spec.scenario_class
        items = [
            param_summary(k, p, getattr(cls, k), tuple(CELL_TYPES))
            for k, p in cls.PARAMETERS.items()
        ]
        lines.extend(_wrap(f"{name}: " + "; ".join(items)))
    return lines


def pathway_set_units() -> dict[str, str]:
    """The ``pathway --set`` names with their units (cell-type parameters, then inputs).

    Units come from the parameters' domains (dimensionless when a domain has none); inputs
    are relative to physiological.
    """
    from mtor_abm.model.cell_types import PARAM_DOMAINS
    from mtor_abm.model.pathway import INPUT_DOMAINS

    units = {k: d.unit or "dimensionless" for k, d in PARAM_DOMAINS.items()}
    units.update({k: d.unit or "relative, 1 = physiological" for k, d in INPUT_DOMAINS.items()})
    return units


def _interval(domain) -> str:
    """A domain's interval without its unit (the unit is shown beside it)."""
    return domain.describe().removesuffix(f" {domain.unit}") if domain.unit else domain.describe()


def _pathway_set_lines() -> list[str]:
    from mtor_abm.model.cell_types import PARAM_DOMAINS, PARAM_NAMES, cell_type_params
    from mtor_abm.model.pathway import INPUT_DEFAULTS, INPUT_DOMAINS

    units, reference = pathway_set_units(), cell_type_params("epithelial")
    params = [
        f"{k} [{units[k]}; {_interval(PARAM_DOMAINS[k])}; epithelial {reference[k]:.3g}]"
        for k in PARAM_NAMES
    ]
    inputs = [
        f"{k} [{units[k]}; {_interval(INPUT_DOMAINS[k])}; default {v:g}]"
        for k, v in INPUT_DEFAULTS.items()
    ]
    return _wrap("cell parameters: " + "; ".join(params)) + _wrap("inputs: " + "; ".join(inputs))


def _spec_lines() -> list[str]:
    names = sorted(
        p.name
        for p in resources.files("mtor_abm.experiments.specs").iterdir()
        if p.suffix == ".toml"
    )
    return _wrap("packaged in experiments/specs/: " + ", ".join(names)) + _wrap(
        "keys: scenario, days, seed, replicates, samples, [set], [axes], [[regimes]]; "
        "the format is in the docstring of experiments/spec.py"
    )


_ALLOWED: Mapping[str, Callable[[], list[tuple[str, list[str]]]]] = MappingProxyType(
    {
        "scenarios": lambda: [("scenarios", _scenario_lines())],
        "drugs": lambda: [("drugs", _drug_lines())],
        "pathway": lambda: [
            ("--drug", _drug_lines()),
            ("--cell-type", _cell_type_lines()),
            ("--set NAME=VALUE (numbers >= 0)", _pathway_set_lines()),
        ],
        "pk": lambda: [
            ("--drug (drugs with clinical PK)", _drug_lines(clinical_only=True)),
            ("--schedule", _schedule_lines()),
        ],
        "run": lambda: [
            ("scenario", _scenario_lines()),
            ("--drug", _drug_lines()),
            ("--schedule", _schedule_lines()),
            ("--regimen (standard regimens, dosed to a trough)", regimen_lines()),
            ("--set NAME=VALUE, by scenario [unit, allowed range]", _scenario_set_lines()),
            ("cell types (--set cell_type=NAME)", _cell_type_lines()),
            ("tumor genotypes", _genotype_lines()),
        ],
        "sweep": lambda: [("spec", _spec_lines()), ("scenario", _scenario_lines())],
        "report": lambda: [
            (
                "dir",
                _wrap(
                    "a run directory written by 'run --out', or a sweep directory written by "
                    "'sweep'"
                ),
            )
        ],
        "calibrate": lambda: [
            (
                "--observations",
                _wrap(
                    "a TOML table with the packaged table's fields (id, experiment, readout, "
                    "value or bound, uncertainty, source); default: the packaged table"
                ),
            )
        ],
        "dashboard": lambda: [
            (
                "--host",
                _wrap(
                    "127.0.0.1 (this computer only) or 0.0.0.0 (every interface: a classroom LAN)"
                ),
            )
        ],
    }
)
