"""``mtor-sim run --replicates N``: the output speaks for all N runs, never for the first.

The header and the JSON summary used to give the first replicate's derived seed as if it
were the seed given.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np

from mtor_abm.experiments.cli import main

TINY = ["--set", "width=8", "--set", "height=8", "--set", "initial_cells=4", "--days", "0.25"]


def _run(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


def test_replicates_report_the_seed_given_and_the_seeds_derived_from_it():
    code, text = _run(["run", "culture", *TINY, "--seed", "7", "--replicates", "3", "--json"])
    assert code == 0
    summary = json.loads(text)
    derived = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(7).spawn(3)]
    assert summary["seed"] == 7
    assert summary["seeds"] == derived
    assert len(summary["replicate_readouts"]) == 3
    code, text = _run(["run", "culture", *TINY, "--seed", "7", "--replicates", "3"])
    header = text.splitlines()[0]
    assert "seed 7 (3 replicates on seeds derived from it" in header
    assert str(derived[0]) not in header
