"""Growth inhibition is undefined when the untreated culture does not grow, everywhere.

``1 - (N - N0) / (N_untreated - N0)`` has no meaning when ``N_untreated - N0 <= 0``. A sweep of
a confluent dish reported 0 for the untreated arm and NaN for the treated one (and a ratio of
two near-zero gains can read 1.0); now it is None/NaN in every arm, and users read "n/a
(untreated arm did not grow)" in the dashboard, the CLI summary and the report.
"""

from __future__ import annotations

import numpy as np
import pytest

from mtor_abm.experiments import api
from mtor_abm.experiments.cli_commands import format_readout
from mtor_abm.experiments.report import write_report
from mtor_abm.model.scenarios.culture import doubling_time_h, growth_inhibition
from mtor_abm.visualization.dashboard.state import ArmSpec, Run
from mtor_abm.visualization.dashboard.summary import readout_table as dashboard_table

FULL = {"width": 10, "height": 10, "initial_cells": 100}
"""A confluent dish: every site taken, no cell can divide."""
SPARSE = {"width": 20, "height": 20, "initial_cells": 40}
WORDS = "n/a (untreated arm did not grow)"


def test_index_by_hand():
    assert growth_inhibition(100, 150, 100, 200) == 0.5  # half the untreated gain
    assert growth_inhibition(100, 100, 100, 200) == 1.0  # no net growth
    assert growth_inhibition(100, 80, 100, 120) == 2.0  # lost as much as untreated gained
    assert growth_inhibition(100, 100, 100, 100) is None  # untreated gained nothing
    assert growth_inhibition(100, 90, 100, 99) is None  # untreated shrank


def test_culture_readouts_and_api_run_of_a_confluent_dish():
    for treatment in ("none", api.regime("sirolimus", conc_nM=20.0, schedule="fixed")):
        out = api.run("culture", treatment, days=1, seed=0, **FULL).summary["readouts"]
        assert out["cells_final"] <= out["cells_initial"]  # it did not grow
        assert out["growth_inhibition"] is None
        assert format_readout(out["growth_inhibition"], "growth_inhibition") == WORDS


def test_a_growing_dish_keeps_its_numbers():
    untreated = api.run("culture", "none", days=1, seed=3, **SPARSE).summary["readouts"]
    treated = api.run(
        "culture", api.regime("torin1", conc_nM=250.0), days=1, seed=3, **SPARSE
    ).summary["readouts"]
    n0, nu = untreated["cells_initial"], untreated["cells_final"]
    assert nu > n0 and untreated["growth_inhibition"] == 0.0
    expected = 1.0 - (treated["cells_final"] - n0) / (nu - n0)
    assert treated["growth_inhibition"] == pytest.approx(expected)


def test_sweep_and_report_say_why_there_is_no_value(tmp_path):
    spec = {
        "scenario": "culture",
        "days": 1,
        "seed": 0,
        "set": FULL,
        "regimes": [{"drug": "none"}, {"drug": "sirolimus", "conc": 20}],
    }
    frame = api.sweep(spec, tmp_path / "sweep", workers=1)
    assert len(frame) == 2 and frame["growth_inhibition"].isna().all()  # NaN in both arms
    write_report(tmp_path / "sweep")
    report = (tmp_path / "sweep" / "report" / "report.md").read_text()
    table = report[report.index("## Readouts by condition") :].split("\n\n## ")[0]
    lines = [line for line in table.splitlines() if line.startswith("|")]
    row = next(line for line in lines if "sirolimus" in line)
    columns = [c.strip() for c in lines[0].strip("|").split("|")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[columns.index("growth_inhibition")] == WORDS
    assert cells[columns.index("doubling_time_h")] == "no doubling"  # was '3.74e+03' (100 -> 100)


def test_dashboard_table_shows_the_words_in_every_arm():
    run = Run("culture", [ArmSpec("untreated"), ArmSpec("s", "sirolimus", conc_nM=20.0)], FULL)
    run.step(24)
    names, rows = dashboard_table(run.replicate_readouts())
    row = rows[names.index("growth_inhibition")]
    assert [s.text() for s in row] == [WORDS, WORDS]
    assert [r["growth_inhibition"] for r in run.readouts()] == [None, None]


def test_doubling_time_by_hand_and_none_without_net_growth():
    hours = np.arange(0.0, 73.0)
    assert doubling_time_h(hours, 100.0 * 2.0 ** (hours / 20.0)) == pytest.approx(20.0)
    flat = 100.0 + np.tile([0.0, 1.0, -1.0, 2.0], 19)[:73]  # ends where it began: no growth
    flat[-1] = 100.0
    assert doubling_time_h(hours, flat) is None
    assert doubling_time_h(hours, 100.0 * 2.0 ** (-hours / 50.0)) is None  # shrinking
