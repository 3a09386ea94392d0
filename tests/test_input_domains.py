"""Every number a user gives has its real domain (extreme input included).

Fractions are in [0, 1], rates and volumes > 0 with a physical floor and ceiling; a finite
value that would drive the model to a non-finite state is refused up front with one
``error:`` line naming the input (exit 2), never a NaN readout, a traceback or an error
about a quantity the user never gave.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.model.cell_types import CELL_TYPES, PARAM_DOMAINS, PARAM_NAMES
from mtor_abm.model.domains import MAX_SEED, Domain, check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import DRUG_FIELD_DOMAINS, REGIME_DOMAINS, load_library

TINY = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=3"]

USER_DRUG = """
name = "mydrug"
class = "rapalog"
molecular_weight_g_per_mol = 914.2
description = "A user rapalog."
[potency]
kd_fkbp12_nM = 0.2
unbound_fraction = 0.005
kd_frb_ternary_nM = 12
kd_frb_direct_nM = 26000
[pk]
route = "oral"
bioavailability = 0.14
ka_per_h = 1.0
clearance_L_per_h = 12.0
central_volume_L = 250.0
[dosing]
dose_mg = 2.0
schedule = "daily"
[sources]
molecular_weight_g_per_mol = "assumed"
unbound_fraction = "assumed"
kd_fkbp12_nM = "assumed"
kd_frb_ternary_nM = "assumed"
kd_frb_direct_nM = "assumed"
bioavailability = "assumed"
ka_per_h = "assumed"
clearance_L_per_h = "assumed"
central_volume_L = "assumed"
dose_mg = "assumed"
"""


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def refused(argv: list[str], *names: str) -> str:
    """Assert ``argv`` ends in one error line naming every one of ``names``; return it."""
    status, out, err = call(argv)
    assert status == 2, (status, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


# ------------------------------------------------------------------------------ signalling
@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ("pten_activity=0", "pten_activity"),  # divides the PI3K drive: every readout was null
        ("pten_activity=1e-320", "pten_activity"),
        ("tsc_loss=5", "tsc_loss"),  # a fraction: mTORC1 was 3.85 on a 0-1 scale
        ("prolif_s6k_weight=2", "prolif_s6k_weight"),
        ("mtorc2_rapalog_sensitivity=1.5", "mtorc2_rapalog_sensitivity"),
        ("energy=3", "energy"),
        ("growth_factor=1e308", "growth_factor"),
        ("mtorc2_turnover_per_h=0", "mtorc2_turnover_per_h"),
    ],
)
def test_pathway_parameter_outside_its_domain_is_refused(setting, name):
    line = refused(
        ["pathway", "--drug", "sirolimus", "--conc", "10", "--set", setting, "--json"], name
    )
    assert "[" in line  # says what is allowed


def test_every_signalling_parameter_has_a_domain_every_cell_type_respects():
    assert set(PARAM_DOMAINS) == set(PARAM_NAMES)
    for cell_type in CELL_TYPES.values():
        for name, domain in PARAM_DOMAINS.items():
            assert domain.contains(getattr(cell_type, name)), (cell_type.name, name)


@pytest.mark.parametrize("name", PARAM_NAMES)
@pytest.mark.parametrize("end", ["low", "high"])
def test_pathway_at_each_domain_end_gives_finite_readouts(name, end):
    """The corners of every domain run to finite (or explicitly null) readouts, exit 0."""
    value = getattr(PARAM_DOMAINS[name], end)
    argv = ["pathway", "--drug", "sirolimus", "--conc", "10", "--hours", "6", "--json"]
    status, out, err = call([*argv, "--set", f"{name}={value!r}"])
    assert status == 0, err
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert all(v is None or v >= 0 for v in data["pS6K"] + data["pAKT_S473"])


# ------------------------------------------------------------------------------ regimes and CLI
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["pk", "--drug", "sirolimus", "--dose", "1e308"], "--dose"),
        (["pk", "--drug", "sirolimus", "--loading-dose", "1e5"], "--loading-dose"),
        (["pk", "--drug", "sirolimus", "--days", "1e308"], "--days"),
        (["run", "culture", "--drug", "sirolimus", "--start-day", "1e308"], "--start-day"),
        (["run", "culture", "--drug", "sirolimus", "--stop-day", "1e308"], "--stop-day"),
        (["run", "culture", "--drug", "sirolimus", "--conc", "1e308"], "--conc"),
        (["pathway", "--drug", "sirolimus", "--conc", "1e7"], "--conc"),
        (["pathway", "--drug", "sirolimus", "--conc", "1", "--hours", "1e9"], "--hours"),
        (["run", "culture", "--seed", "-1"], "--seed"),
        (["run", "culture", "--seed", str(2**64)], "--seed"),
        (["run", "culture", "--seed", "1.5"], "--seed"),
        (["run", "culture", "--replicates", "1e9"], "--replicates"),
        (["run", "aging", "--replicates", "1e9"], "--replicates"),
        (["sweep", "x.toml", "--workers", "1e9"], "--workers"),
        (["dashboard", "--port", "70000"], "--port"),
    ],
)
def test_extreme_numeric_option_is_refused_naming_it(argv, option):
    refused(argv, option)


def test_regime_numbers_have_physical_ceilings():
    for name, domain in REGIME_DOMAINS.items():
        assert domain.high < 1e7, name  # no unbounded time, dose or concentration
    with pytest.raises(InputError, match="start_day"):
        from mtor_abm.model.pharmacology import Regime

        Regime("sirolimus", 2.0, "daily", start_day=1e308)


def test_seed_above_2_53_keeps_every_digit(tmp_path):
    seed = 2**53 + 1  # a float would turn it into 2**53
    status, out, err = call(
        ["run", "culture", "--seed", str(seed), "--days", "0.125", *TINY, "--json"]
    )
    assert status == 0, err
    assert json.loads(out)["seed"] == seed
    assert check_seed(MAX_SEED) == MAX_SEED
    for bad in (2.0**53, True, "1e3", "12", MAX_SEED + 1, -1):
        with pytest.raises(InputError):
            check_seed(bad)


def test_duplicated_set_key_is_refused():
    refused(["run", "culture", "--set", "width=10", "--set", "width=12"], "width", "twice")


def test_empty_out_is_refused_not_the_current_directory():
    refused(["run", "culture", "--out", ""], "--out")


def test_replicates_and_organisms_together_are_refused():
    refused(["run", "aging", "--replicates", "3", "--set", "organisms=5"], "--replicates")


# ------------------------------------------------------------------------------ drug files
@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("central_volume_L = 250.0", "central_volume_L = 1e-320", "central_volume_L"),
        ("central_volume_L = 250.0", "central_volume_L = 1e300", "central_volume_L"),
        ("clearance_L_per_h = 12.0", "clearance_L_per_h = 1e-320", "clearance_L_per_h"),
        ("bioavailability = 0.14", "bioavailability = 1e-300", "bioavailability"),
        ("molecular_weight_g_per_mol = 914.2", "molecular_weight_g_per_mol = 1e-9", "molecular"),
        ("kd_fkbp12_nM = 0.2", "kd_fkbp12_nM = 1e-320", "kd_fkbp12_nM"),
        ("unbound_fraction = 0.005", "unbound_fraction = 2.0", "unbound_fraction"),
        ("dose_mg = 2.0", "dose_mg = 1e308", "dose_mg"),
    ],
)
def test_drug_file_number_outside_its_domain_is_refused(tmp_path, old, new, field):
    path = tmp_path / "mydrug.toml"
    assert old in USER_DRUG
    path.write_text(USER_DRUG.replace(old, new))
    refused(["pk", "--drug", "mydrug", "--drug-file", str(path), "--json"], field, str(path))


def test_every_packaged_drug_number_is_inside_its_domain():
    library = load_library()
    assert len(library) >= 8
    assert all(isinstance(d, Domain) for d in DRUG_FIELD_DOMAINS.values())


def test_pathway_help_lists_the_domain_of_every_cell_parameter(capsys):
    with pytest.raises(SystemExit):
        main(["pathway", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "pten_activity [dimensionless; [0.01, 100]" in text
    assert "tsc_loss [dimensionless; [0, 1]" in text
    assert "energy [relative, 1 = physiological; [0, 1]" in text


def test_huge_sweep_axis_is_refused_before_it_is_built(tmp_path):
    spec = Path(tmp_path / "big.toml")
    spec.write_text('scenario = "culture"\n[axes]\nnutrient_level = {range = [0, 1], n = 1e9}\n')
    refused(["sweep", str(spec), "--dry-run"], "nutrient_level")
    spec.write_text(
        'scenario = "culture"\n[axes]\nnutrient_level = {range = [0, 1], n = 1000000000}\n'
    )
    refused(["sweep", str(spec), "--dry-run"], "nutrient_level", "n = a whole number")


@pytest.mark.parametrize("days", ['"3"', "true", "[3]", "1e308"])
def test_spec_days_of_the_wrong_type_or_size_is_refused(tmp_path, days):
    spec = tmp_path / "days.toml"
    spec.write_text(f'scenario = "culture"\ndays = {days}\n')
    refused(["sweep", str(spec), "--dry-run"], "days")


def test_a_cohort_too_large_to_build_is_refused_before_it_is_built():
    argv = ["run", "aging", "--replicates", "100000", "--set", "lattice=64", "--days", "1"]
    refused(argv, "organisms", "lattice")
