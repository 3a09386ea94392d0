"""The shipped signalling parameters are the fitted ones, named by their hash in every run.

The shipped parameters are the fitted ones, and every run's manifest names them by the fit's
hash. The shipped set is ``model/calibration/fitted_parameters.toml`` as written by
``mtor-sim calibrate``; :data:`model.cell_types.CELL_TYPES` applies it to the hand-set priors.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from mtor_abm.model import cell_types as ctm
from mtor_abm.model.calibration.fit import FREE_PARAMETERS
from mtor_abm.model.calibration.parameter_set import (
    parameter_set_hash,
    parameter_set_toml,
    parse_parameter_set,
    shipped_parameter_set,
)


def shipped_text() -> str:
    item = resources.files("mtor_abm.model.calibration") / "fitted_parameters.toml"
    return item.read_text(encoding="utf-8")


def test_a_fitted_set_is_shipped_and_its_header_hash_is_its_own():
    shipped = shipped_parameter_set()
    assert shipped, "no fitted parameter set is shipped"
    header = re.search(r"sha256 ([0-9a-f]{64})", shipped_text())
    assert header and header.group(1) == parameter_set_hash(shipped)


def test_the_shipped_set_holds_exactly_the_fit_s_free_parameters_within_their_bounds():
    shipped = shipped_parameter_set()
    keys = {f"{ct}.{name}" for ct, table in shipped.items() for name in table}
    assert keys == {p.key for p in FREE_PARAMETERS}
    for p in FREE_PARAMETERS:
        assert p.lower <= shipped[p.cell_type][p.name] <= p.upper, p.key


def test_every_cell_type_runs_with_the_fitted_values_and_keeps_its_other_priors():
    shipped = shipped_parameter_set()
    shared_default = ctm.cell_type_params(ctm.CellType("shared", ""))
    for name, prior in ctm.PRIOR_CELL_TYPES.items():
        used = ctm.cell_type_params(name)
        prior_values = ctm.cell_type_params(prior)
        for key, value in used.items():
            if key in shipped.get(name, {}):
                expected = shipped[name][key]
            elif key in shipped.get("*", {}) and prior_values[key] == shared_default[key]:
                expected = shipped["*"][key]  # the fitted shared default
            else:
                expected = prior_values[key]  # not fitted, or the type's own value
            assert value == expected, (name, key)


def test_star_is_the_shared_default_a_named_table_wins_and_bad_names_are_refused():
    """``"*"`` replaces the shared default: a type that sets its own value keeps it."""
    priors = ctm.PRIOR_CELL_TYPES
    applied = ctm.with_parameter_set(
        priors, {"*": {"prolif_s6k_weight": 0.2}, "hepatocyte": {"prolif_s6k_weight": 0.5}}
    )
    assert applied["hepatocyte"].prolif_s6k_weight == 0.5  # named table
    assert applied["tcell"].prolif_s6k_weight == priors["tcell"].prolif_s6k_weight == 0.1
    assert applied["neuron"].prolif_s6k_weight == priors["neuron"].prolif_s6k_weight == 0.0
    assert applied["epithelial"].prolif_s6k_weight == 0.2  # the shared default, replaced
    with pytest.raises(ValueError, match="unknown cell types"):
        ctm.with_parameter_set(priors, {"macrophage": {"feedback_strength": 1.0}})
    with pytest.raises(ValueError, match="unknown parameters"):
        ctm.with_parameter_set(priors, {"*": {"feedback": 1.0}})


def test_the_toml_round_trips_exactly():
    shipped = shipped_parameter_set()
    assert parse_parameter_set(parameter_set_toml(shipped, "header")) == shipped
