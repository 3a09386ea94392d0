"""Therapeutic drug monitoring: a dose adjusted to a target trough by the Rapamune label's rule
(new dose = dose x target / trough), reproducible and resumable."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mtor_abm.experiments.cli import main
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import Regime, dose_times_h, load_library
from mtor_abm.model.pk import simulate
from mtor_abm.model.regimes import build_regime
from mtor_abm.model.tdm import parse_trough_range, titrate

LOW, HIGH = 10.0, 15.0


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def monitored(library):
    """Sirolimus from 2 mg daily (no loading dose), dosed to a 10-15 ng/mL trough for 8 weeks."""
    return build_regime(
        library,
        "sirolimus",
        dose_mg=2.0,
        schedule="daily",
        loading_dose_mg=0,
        target_trough_ng_ml=(LOW, HIGH),
        monitor_until_day=56,
    )


def _unit_trough(library, start_day: float, day: float) -> float:
    """Sirolimus whole-blood level (ng/mL) just before the dose of ``day`` from 1 mg daily
    given from ``start_day``: a plain regime, no monitoring."""
    regime = Regime("sirolimus", 1.0, "daily", start_day=start_day)
    times, conc = simulate(regime, day, dt_h=24.0, library=library)
    assert times[-1] == 24.0 * day
    return float(conc["sirolimus"][-1])


def test_troughs_reach_the_range_within_three_adjustments(monitored):
    steps = monitored.dose_steps
    assert [s[0] for s in steps] == [7.0, 14.0, 21.0, 28.0, 35.0, 42.0, 49.0]
    in_range = [LOW <= trough <= HIGH for _day, trough, _dose in steps]
    assert not in_range[0], "2 mg daily is below 10 ng/mL at day 7 (Rapamune label: ~5-9)"
    first = in_range.index(True)
    assert first <= 3
    assert all(in_range[first:])


def test_each_trough_and_new_dose_match_an_independent_calculation(monitored, library):
    # Sirolimus PK is linear, so the trough under the dose history is the sum of plain 1 mg
    # daily regimes started at each dose change, scaled by the change (superposition).
    history = [(0.0, 2.0)]
    target = 0.5 * (LOW + HIGH)
    for day, trough, dose in monitored.dose_steps:
        expected = sum(
            (d - (history[i - 1][1] if i else 0.0)) * _unit_trough(library, start, day)
            for i, (start, d) in enumerate(history)
        )
        assert trough == pytest.approx(expected, rel=1e-9)
        current = history[-1][1]
        label = current * target / trough if not LOW <= trough <= HIGH else current
        assert dose == pytest.approx(label, rel=1e-12)
        if dose != current:
            history.append((day, dose))
    assert len(history) >= 2, "the dose was adjusted at least once"


def test_the_doses_given_follow_the_monitoring_record(monitored):
    times, doses = dose_times_h(monitored, 0.0, 24.0 * 56)
    for day, _trough, dose in monitored.dose_steps:
        assert doses[times == 24.0 * day][0] == dose
    assert np.all(doses[times < 24.0 * 7] == 2.0)


def test_monitoring_is_plain_data_that_round_trips(monitored):
    data = json.loads(json.dumps({"t": monitored.target_trough_ng_ml, "s": monitored.dose_steps}))
    again = Regime("sirolimus", 2.0, "daily", target_trough_ng_ml=data["t"], dose_steps=data["s"])
    assert again == monitored


@pytest.mark.parametrize("text", ["abc", "15-5", "0-5", "5-inf", "nan-4", "5", "5-10-15", ""])
def test_a_malformed_range_is_refused(text):
    with pytest.raises(InputError, match="target_trough"):
        parse_trough_range(text)


@pytest.mark.parametrize("drug", ["temsirolimus", "torin1", "azd8055"])
def test_a_drug_without_a_trough_assay_is_refused(library, drug):
    base = build_regime(library, drug)
    with pytest.raises(InputError, match="trough assay"):
        titrate(base, library, (5.0, 15.0), 30)


def test_cli_errors_are_one_line(capsys):
    for argv in (
        ["run", "transplant", "--drug", "sirolimus", "--target-trough", "15-5", "--days", "1"],
        ["run", "transplant", "--drug", "temsirolimus", "--target-trough", "5-15", "--days", "1"],
        ["run", "culture", "--drug", "sirolimus", "--target-trough", "5-15", "--days", "1"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: target_trough"), err


def test_a_resumed_monitored_run_gives_the_same_doses(tmp_path, capsys):
    base = [
        "run", "transplant", "--set", "width=30", "--set", "height=30", "--seed", "3",
        "--drug", "sirolimus", "--dose", "1", "--loading-dose", "0", "--target-trough", "10-15",
    ]  # fmt: skip

    def run_json(argv):
        assert main([*argv, "--json"]) == 0, capsys.readouterr().err
        return json.loads(capsys.readouterr().out)

    state = tmp_path / "state.npz"
    first = run_json([*base, "--days", "10", "--save-state", str(state)])
    resumed = run_json(["run", "--resume-state", str(state), "--days", "6"])
    whole = run_json([*base, "--days", "16"])
    assert [s[0] for s in first["regime"]["dose_steps"]] == [7.0]
    steps = whole["regime"]["dose_steps"]
    assert [s[0] for s in steps] == [7.0, 14.0]
    assert steps[0][2] != 1.0, "the low day-7 trough raised the dose"
    assert resumed == whole


# ------------------------------------------------------------------------------ presets
def test_presets_dose_their_drug_to_the_label_range_and_are_listed(library, capsys):
    from mtor_abm.experiments.cli_commands import apply_regimen
    from mtor_abm.experiments.cli_parser import build_parser
    from mtor_abm.model.regimens import REGIMENS

    labels = {"sirolimus-alone": (5.0, 15.0), "tacrolimus-alone": (4.0, 11.0)}  # the labels
    one_drug = {n: r.target_trough_ng_ml for n, r in REGIMENS.items() if r.co_drug is None}
    assert one_drug == labels  # two-drug presets: tests/test_combination_regime.py
    assert main(["drugs"]) == 0
    listing = capsys.readouterr().out
    for name, (low, high) in labels.items():
        args = build_parser().parse_args(["run", "transplant", "--regimen", name])
        apply_regimen(args)
        assert (args.drug, args.target_trough) == (REGIMENS[name].drug, f"{low:g}-{high:g}")
        assert f"{name} ({args.drug}, trough {low:g}-{high:g} ng/mL)" in listing
        # the labelled starting regimen already reaches the range by day 14
        regime = build_regime(
            library, args.drug, target_trough_ng_ml=(low, high), monitor_until_day=28
        )
        assert all(low <= t <= high for day, t, _ in regime.dose_steps if day >= 14)


@pytest.mark.parametrize(
    "extra",
    [
        ["--regimen", "tacrolimus+everolimus"],
        ["--regimen", "sirolimus-alone", "--drug", "tacrolimus"],
        ["--regimen", "tacrolimus-alone", "--target-trough", "5-15"],
    ],
)
def test_preset_errors_are_one_line(extra, capsys):
    assert main(["run", "transplant", *extra, "--days", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "--regimen" in err[0], err
