"""The calibration harness judges a candidate parameter set as the model would run it shipped.

Every cell output is relative to the untreated, fed reference epithelial cell
(:func:`model.signaling.reference_levels`). A candidate set passed as ``cell_overrides`` must
move that reference cell too, as shipping it would. The independent right value is the model
with the set shipped: a child process whose shipped set (``shipped_parameter_set``) is the
candidate, written as a ``fitted_parameters.toml``-style file, evaluates the same rows without
overrides.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from mtor_abm.model import signaling as sg
from mtor_abm.model.calibration.evaluate import evaluate, load_observations, reference_for
from mtor_abm.model.calibration.fit import FREE_PARAMETERS
from mtor_abm.model.calibration.parameter_set import parameter_set_toml, shipped_parameter_set

#: A culture GI difference (PTEN-null), a held-out one (TSC-null), a T-cell pathway row whose
#: proliferation weighs 4E-BP1 and S6K by the reference's levels, a basal genotype ratio.
ROWS = ("S14", "L26-tsc-sensitive", "S10-block", "L11-pten-akt")

#: A candidate set unlike the shipped one: the fit's shared parameters moved, and a parameter
#: of the reference epithelial cell alone (it moves the reference, not the cells evaluated).
CANDIDATE = {
    "*": {"feedback_strength": 16.3, "foxo_rtk_gain": 0.30},
    "epithelial": {"basal_autophagy": 0.25},
}

CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import mtor_abm.model.calibration.parameter_set as ps
    candidate = ps.parse_parameter_set(Path(sys.argv[1]).read_text(encoding="utf-8"))
    ps.shipped_parameter_set = lambda: candidate  # before cell_types is imported
    from mtor_abm.model.calibration.evaluate import evaluate, load_observations
    from mtor_abm.model.cell_types import CELL_TYPES
    assert CELL_TYPES["epithelial"].feedback_strength == candidate["*"]["feedback_strength"]
    assert CELL_TYPES["epithelial"].basal_autophagy == candidate["epithelial"]["basal_autophagy"]
    obs = {o.id: o for o in load_observations()}
    print(json.dumps({i: evaluate(obs[i]) for i in sys.argv[2:]}))
    """
)


@pytest.fixture(scope="module")
def observations():
    return {o.id: o for o in load_observations()}


def shipped_values() -> dict[str, dict[str, float]]:
    """The shipped set's values of the fitted parameters (the set itself, or the packaged
    values when none is shipped)."""
    out: dict[str, dict[str, float]] = {}
    for p in FREE_PARAMETERS:
        out.setdefault(p.cell_type, {})[p.name] = p.start()
    return {**out, **shipped_parameter_set()}


def test_candidate_differs_from_the_shipped_set():
    shipped = sg.cell_type_params("epithelial")
    assert any(shipped[k] != v for k, v in CANDIDATE["*"].items())
    assert shipped["basal_autophagy"] != CANDIDATE["epithelial"]["basal_autophagy"]


@pytest.mark.parametrize("row", ROWS)
def test_overrides_equal_to_the_shipped_set_change_nothing(observations, row):
    """The shipped set's own values as overrides: the reference is rebuilt from them
    (:func:`reference_levels_of`, not the cache) and every value is bit-for-bit unchanged."""
    assert reference_for(shipped_values()) == sg.reference_levels()
    obs = observations[row]
    assert evaluate(obs, cell_overrides=shipped_values()) == evaluate(obs)


def test_overrides_give_the_value_of_the_set_shipped(observations, tmp_path):
    path = tmp_path / "fitted_parameters.toml"
    path.write_text(parameter_set_toml(CANDIDATE, "candidate set"), encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), *ROWS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    shipped_as_candidate = json.loads(child.stdout)
    here = {row: evaluate(observations[row], cell_overrides=CANDIDATE) for row in ROWS}
    assert here == shipped_as_candidate
    # The rows that read cell outputs depend on the reference: the check has teeth.
    stale = sg.reference_levels()
    moved = reference_for(CANDIDATE)
    assert moved["autophagy"] != stale["autophagy"] and moved["s6k"] != stale["s6k"]
