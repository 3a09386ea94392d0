"""``mtor-sim --help`` of every subcommand: description, allowed values from the registries,
two examples that parse; ``mtor-sim --version``."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from importlib import metadata
from types import MappingProxyType

import pytest

from mtor_abm.experiments import cli_texts
from mtor_abm.experiments.cli import main
from mtor_abm.experiments.cli_parser import build_parser
from mtor_abm.model import cell_types, signaling
from mtor_abm.model.pathway import INPUT_DEFAULTS
from mtor_abm.model.pharmacology import load_library, parse_schedule
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.tumor_params import GENOTYPES

SUBCOMMANDS = (
    "scenarios",
    "drugs",
    "pathway",
    "pk",
    "run",
    "sweep",
    "report",
    "calibrate",
    "dashboard",
)


def help_text(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*args, "--help"])
    assert stop.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def examples(text: str) -> list[str]:
    block = text.split("\nexamples:\n", 1)[1]
    return [line.strip() for line in block.splitlines() if line.startswith("  mtor-sim ")]


def test_every_subcommand_is_registered_with_its_help():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(SUBCOMMANDS)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_has_a_description_allowed_values_and_two_examples_that_parse(capsys, command):
    text = help_text(capsys, command)
    # The description paragraph, not only argparse's usage and option list.
    first_words = " ".join(cli_texts.DESCRIPTIONS[command][1].split()[:6])
    assert first_words in " ".join(text.split())
    found = examples(text)
    assert len(found) == 2
    for example in found:
        argv = shlex.split(example)
        assert argv[:2] == ["mtor-sim", command]
        args = build_parser().parse_args(argv[1:])  # a bad example raises InputError
        assert args.command == command
    assert all(len(line) <= 100 for line in text.splitlines())


def test_run_help_lists_every_scenario_drug_cell_type_genotype_and_set_name_with_its_unit(
    capsys,
):
    text = help_text(capsys, "run")
    flat = " ".join(text.split())
    for name, spec in SCENARIOS.items():
        assert re.search(rf"^  {name} \({spec.default_days:g} days\)", text, re.M), name
        for param, doc in spec.scenario_class.PARAMETERS.items():
            default = getattr(spec.scenario_class, param)
            if doc.choices or isinstance(default, bool):
                continue  # shown with their allowed values (tested below)
            assert f"{param} [{doc.unit}" in flat or (not doc.unit and param in flat), param
    for drug in load_library():
        assert re.search(rf"^  {drug} \(", text, re.M), drug
    for cell_type in signaling.CELL_TYPES:
        assert re.search(rf"^  {cell_type}: ", text, re.M), cell_type
    assert f"genotype {{{', '.join(GENOTYPES)}}}" in flat
    assert "resistance {none, frb, kinase}" in flat
    assert "wound {true, false}" in flat
    assert "tumor: width [sites, 10-2000]" in flat


def test_every_schedule_form_the_help_names_parses(capsys):
    text = " ".join(help_text(capsys, "pk").split())
    schedules = text.split("--schedule: ", 1)[1].split(" examples:")[0]
    forms = ["daily", "bid", "weekly", "every_5d", "5on_2off", "continuous", "fixed"]
    for form in forms:
        assert form in schedules
        parse_schedule(form)  # raises InputError when the help names a form that does not exist


def test_pk_help_offers_only_drugs_with_clinical_pk(capsys):
    text = help_text(capsys, "pk")
    drugs = text.split("--drug (drugs with clinical PK):\n", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"^  (\w+) \(", drugs, re.M))
    library = load_library()
    clinical = {n for n in library if n != "none" and not library.drug(n).fixed_only}
    assert listed == clinical


def test_pathway_help_names_every_cell_parameter_and_input_with_a_unit(capsys):
    text = " ".join(help_text(capsys, "pathway").split())
    for name in signaling.PARAM_NAMES:
        unit = "1/h" if name.endswith("_per_h") else "dimensionless"
        assert f"{name} [{unit};" in text
    for name in INPUT_DEFAULTS:
        assert f"{name} [relative, 1 = physiological;" in text


def test_allowed_values_come_from_the_registry_not_a_copy(capsys, monkeypatch):
    extra = cell_types.CellType("keratinocyte_test", "a cell type added to the registry")
    monkeypatch.setattr(
        cell_types, "CELL_TYPES", MappingProxyType({**cell_types.CELL_TYPES, extra.name: extra})
    )
    assert "keratinocyte_test: a cell type added" in help_text(capsys, "pathway")


def test_version_prints_the_installed_distribution_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mtor-sim {metadata.version('mtor-abm')}"
    proc = subprocess.run(
        [sys.executable, "-m", "mtor_abm.experiments", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.split() == ["mtor-sim", metadata.version("mtor-abm")]


def test_version_answers_without_importing_the_simulation():
    """``mtor-sim --version`` does not pay for the scenarios' imports (Mesa, scipy: ~2 s)."""
    code = (
        "import sys; from mtor_abm.experiments.cli import main; main(['--version']); "
        "print([m for m in ('mesa', 'scipy', 'mtor_abm.model.scenarios') if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.splitlines()[-1] == "[]"


def test_scenarios_prints_rounded_defaults_and_the_allowed_values(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    # 1/30 per day is stored as 0.0333...; shown to 4 significant digits.
    assert lines["stress_rate_per_day"].startswith("  stress_rate_per_day = 0.03333 [1/day; 0-1]")
    genotypes = "genotype = wild_type [one of ccrcc, pten_null, tsc_null, wild_type]"
    assert genotypes in lines["genotype"]
    assert "glia = false [one of true, false]" in lines["glia"]
    for line in out.splitlines():
        if " = " not in line:
            continue
        default = line.split(" = ", 1)[1].split(" ", 1)[0]
        digits = re.sub(r"[^0-9]", "", default.split("e")[0]).lstrip("0")
        assert len(digits) <= 4 or float(default).is_integer(), line
    for spec in SCENARIOS.values():
        for name, param in spec.scenario_class.PARAMETERS.items():
            if param.choices:
                assert all(c in lines[name] for c in param.choices), name


def test_scenarios_json_keeps_full_precision_and_gives_allowed_values(capsys):
    import json

    assert main(["scenarios", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    aging = data["aging"]["parameters"]
    assert aging["stress_rate_per_day"]["default"] == pytest.approx(1 / 30, rel=1e-12)
    assert aging["stress_rate_per_day"]["low"] == 0 and aging["stress_rate_per_day"]["high"] == 1
    assert data["tumor"]["parameters"]["genotype"]["choices"] == list(GENOTYPES)
