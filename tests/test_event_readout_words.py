"""An event readout of an event the run never set up reads "n/a (no wound)", not "never".

A transplant without a wound or an infection reported ``wound_closure_day never`` and
``infection_cleared_day never`` (CLI, dashboard table, report), as if the wound had stayed
open. One helper, :func:`visualization.numbers.missing_words` with the run's scenario
parameters, gives the words everywhere; a run that did set the event up and saw no end still
reads "never".
"""

from __future__ import annotations

import subprocess
import sys

from mtor_abm.experiments import api
from mtor_abm.experiments.report import write_report
from mtor_abm.visualization.dashboard.state import ArmSpec, Run
from mtor_abm.visualization.dashboard.summary import readout_table
from mtor_abm.visualization.numbers import missing_words

SMALL = {"width": 20, "height": 20}
NO_WOUND, NO_INFECTION = "n/a (no wound)", "n/a (no infection challenge)"
CHALLENGED = {"wound": True, "infection": True, "infection_day": 0.5}
"""Both events set up; one day is too short for either to end (a 6-site wound, T-cells that
first need priming), so both stay 'never'."""


def test_words_follow_what_the_run_set_up():
    assert missing_words("wound_closure_day", {"wound": False})[0] == NO_WOUND
    assert missing_words("infection_cleared_day", {"infection": False})[0] == NO_INFECTION
    assert missing_words("wound_closure_day", {"wound": True})[0] == "never"
    assert missing_words("wound_closure_day")[0] == "never"  # setup unknown: as before
    assert missing_words("death_day", {"wound": False})[0] == "never"


def _cli(*sets: str) -> dict[str, str]:
    args = ["run", "transplant", "--days", "1", "--seed", "0"]
    for s in [f"{k}={v}" for k, v in SMALL.items()] + list(sets):
        args += ["--set", s]
    out = subprocess.run(
        [sys.executable, "-m", "mtor_abm.experiments", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    lines = [line.split(None, 1) for line in out.splitlines() if line.startswith("  ")]
    return {parts[0]: parts[1] for parts in lines if len(parts) == 2}


def test_cli_summary():
    plain = _cli()
    assert plain["wound_closure_day"] == NO_WOUND
    assert plain["infection_cleared_day"] == NO_INFECTION
    challenged = _cli(*(f"{k}={str(v).lower()}" for k, v in CHALLENGED.items()))
    assert challenged["wound_closure_day"] == "never"
    assert challenged["infection_cleared_day"] == "never"


def test_dashboard_table():
    for params, words in (({}, (NO_WOUND, NO_INFECTION)), (CHALLENGED, ("never", "never"))):
        run = Run("transplant", [ArmSpec("untreated")], {**SMALL, **params})
        run.step(24)
        names, rows = readout_table(run.replicate_readouts(), run.setup)
        shown = [
            rows[names.index(n)][0].text() for n in ("wound_closure_day", "infection_cleared_day")
        ]
        assert tuple(shown) == words


def test_report_table(tmp_path):
    spec = {
        "scenario": "transplant",
        "days": 1,
        "seed": 0,
        "set": SMALL,
        "regimes": [{"drug": "none"}],
    }
    api.sweep(spec, tmp_path / "sweep", workers=1)
    write_report(tmp_path / "sweep")
    report = (tmp_path / "sweep" / "report" / "report.md").read_text()
    table = report[report.index("## Readouts by condition") :].split("\n\n## ")[0]
    lines = [line for line in table.splitlines() if line.startswith("|")]
    columns = [c.strip() for c in lines[0].strip("|").split("|")]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[columns.index("wound_closure_day")] == NO_WOUND
    assert cells[columns.index("infection_cleared_day")] == NO_INFECTION


def test_a_lifespan_quantile_the_run_did_not_reach_says_so():
    """Ten days into an aging run every organism is alive: the Kaplan-Meier median and 90th
    percentile lifespans have no value, which the readout table says as 'not reached' (the
    run was too short), not as 'n/a' (no such readout)."""
    run = Run("aging", [ArmSpec("untreated")], {"organisms": 3}, seed=0)
    run.step(round(240 / run.dt_h))
    assert run.models[0].alive.all()
    names, rows = readout_table(run.replicate_readouts(), run.setup)
    text = {name: row[0].text() for name, row in zip(names, rows, strict=True)}
    assert text["median_lifespan_days"] == "not reached (over half alive at the end)"
    assert text["p90_lifespan_days"] == "not reached (over 10 % alive at the end)"


def test_the_page_says_an_unseen_event_was_not_seen_within_the_run_so_far():
    """One day into a transplant the page's table read 'graft rejection: never' (and at 1 h
    too): the run had seen a day, not forever. Given how long the run has gone (the page and
    the lesson explanations pass it), an event not seen reads 'not within 24.0 h'; an event
    the run never set up still reads 'n/a (no wound)'; without the run's length (the CLI's
    finished run) 'never' as before."""
    run = Run("transplant", [ArmSpec("untreated")], {**SMALL, **CHALLENGED})
    run.step(24)
    assert run.hours == 24.0
    names, rows = readout_table(run.replicate_readouts(), run.setup, run.hours)
    shown = {n: rows[names.index(n)][0].text() for n in ("rejection_day", "wound_closure_day")}
    assert shown == {"rejection_day": "not within 24.0 h", "wound_closure_day": "not within 24.0 h"}
    assert missing_words("wound_closure_day", {"wound": False}, 24.0)[0] == NO_WOUND
    assert missing_words("rejection_day", None, 480.0)[0] == "not within 20.0 days"
    assert missing_words("rejection_day")[0] == "never"
    assert missing_words("doubling_time_h", None, 1.0)[0] == "no doubling within 1.00 h"
    assert missing_words("time_to_progression_days", None, 1440.0)[0] == (
        "no progression within 60.0 days"
    )
