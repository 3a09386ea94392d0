"""The command line's printed words and columns: a table sized to its cells, a run of one day
in the singular, a whole-number bound printed whole, and transplant readouts whose names alone
could mislead printed with what they are."""

from __future__ import annotations

import json
import re

from mtor_abm.experiments.cli import main
from mtor_abm.model.pharmacology import load_library

DISH = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=4"]


def test_drugs_table_columns_line_up_whatever_the_class_name(capsys):
    """The half-life column starts at the same place on every drug's row (a long class such as
    calcineurin_inhibitor pushed it right on its own rows)."""
    assert main(["drugs"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.split(" ", 1)[0] in load_library()]
    assert len(rows) == len(load_library())
    starts = {re.search(r"t1/2 \d+ h|no clinical PK", row).start() for row in rows}
    assert len(starts) == 1, rows
    longest_class = max(len(d.drug_class) for d in load_library().values())
    assert any("calcineurin_inhibitor" in row for row in rows)
    assert starts.pop() > len("cyclosporine") + longest_class


def test_a_one_day_run_says_day_not_days(capsys):
    argv = ["run", "culture", "--drug", "sirolimus", "--conc", "10", "--days", "1", *DISH]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "culture: sirolimus held at 10 nM over 1 day, seed 0"
    )
    assert main(["pk", "--drug", "sirolimus", "--days", "1"]) == 0
    assert " over 1 day\n" in capsys.readouterr().out
    assert main(["pk", "--drug", "sirolimus", "--days", "2"]) == 0
    assert " over 2 days\n" in capsys.readouterr().out


def test_a_seed_out_of_range_prints_its_bound_whole(capsys):
    assert main(["run", "culture", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert f"[0, {2**63 - 1}]" in err  # numpy's largest seed, MAX_SEED, every digit
    assert "e+" not in err and len(err.splitlines()) == 1


def test_transplant_fractions_say_they_are_at_the_peak_and_keep_their_names(capsys):
    argv = ["run", "transplant", "--drug", "sirolimus", "--days", "1"]
    argv += ["--set", "width=20", "--set", "height=20"]
    assert main(argv) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    for name in ("treg_fraction", "memory_fraction", "tcell_fold_expansion"):
        assert "peak" in lines[name], lines[name]
    for name in ("treg_final", "memory_final"):
        assert "at the end" in lines[name], lines[name]
    assert main([*argv, "--json"]) == 0
    readouts = json.loads(capsys.readouterr().out)["readouts"]
    assert {"treg_fraction", "memory_fraction", "treg_peak", "memory_final"} <= set(readouts)
