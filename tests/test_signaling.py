"""The intracellular mTOR network (model.signaling) and the pathway instrument (model.pathway).

Behaviour and numerics only; the published figures are in test_calibration_signaling.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtor_abm.model import signaling as sg
from mtor_abm.model import signaling_integrator
from mtor_abm.model.errors import InputError
from mtor_abm.model.pathway import INPUT_DEFAULTS, READOUTS, simulate_pathway

CELL_TYPE_NAMES = tuple(sg.CELL_TYPES)

#: Abrupt input changes applied at 0 h to a cell at its fed, untreated steady state.
INPUT_CHANGES = {
    "sirolimus_like": {"occ_frb": 0.95},
    "torin_like": {"inh_mtorc1": 0.99, "inh_mtorc2": 0.96},
    "amino_acids_low": {"amino_acids": 0.1},
    "growth_factor_low": {"growth_factor": 0.05},
    "energy_low": {"energy": 0.3},
}

#: Variables whose upper bound is 1 (fractions of maximal activity or of normal assembly).
FRACTION_VARIABLES = tuple(n for n in sg.STATE_NAMES if n not in ("rtk", "ulk1", "autophagy"))

#: Largest ULK1 activity the equations allow: 1 with mTORC1 off, plus 0.5 from full AMPK.
ULK1_MAX = 1.5


def params_for(cell_types):
    """Per-cell parameter arrays for a list of cell-type names."""
    table = [sg.cell_type_params(name) for name in cell_types]
    return {k: np.array([row[k] for row in table]) for k in sg.PARAM_NAMES}


def inputs_for(rows):
    """Per-cell :class:`Inputs` arrays from a list of dicts of input values (defaults elsewhere)."""
    default = sg.Inputs()
    return sg.Inputs(
        *(
            np.array([row.get(f, getattr(default, f)) for row in rows], float)
            for f in sg.Inputs._fields
        )
    )


def copy_state(state):
    return {k: v.copy() for k, v in state.items()}


def select(mapping, i):
    """The values of cell ``i`` of per-cell arrays, as length-1 arrays."""
    return {k: np.asarray(v)[i : i + 1].copy() for k, v in mapping.items()}


# ---------------------------------------------------------------------------------------------
# Integrator accuracy
# ---------------------------------------------------------------------------------------------


def test_one_hour_steps_track_a_fine_step_reference():
    """A 1-h step with the default sub-step stays close to a fine-step (0.002 h) reference.

    Documented accuracy (model.signaling): after an abrupt input change, every state variable
    except ``rapalog_adapt`` (a pure relaxation, exact at any step) is within 8 % during the
    first hour, within 4 % at 2 h and within 3 % from 3 h on, the error taken relative to
    the largest of the variable's untreated level, its current reference value and 0.1 (a
    variable that starts low and rises many-fold, as IRS1 and PIP3 of TSC-null cells under a
    rapalog, is judged against the level it reaches). Checked for every cell type and every
    change in INPUT_CHANGES over 48 h.
    """
    rows = [(ct, change) for ct in CELL_TYPE_NAMES for change in INPUT_CHANGES]
    params = params_for([ct for ct, _ in rows])
    inputs = inputs_for([INPUT_CHANGES[change] for _, change in rows])
    coarse = sg.new_state(len(rows), params)
    scale = {k: np.maximum(v, 0.1) for k, v in coarse.items()}
    fine = copy_state(coarse)
    worst = {"first hour": (0.0, None), "at 2 h": (0.0, None), "from 3 h": (0.0, None)}
    for t_h in range(1, 49):
        sg.advance(coarse, params, inputs, 1.0)
        sg.advance(fine, params, inputs, 1.0, substep_h=0.002)
        window = "first hour" if t_h < 2 else "at 2 h" if t_h == 2 else "from 3 h"
        for name in sg.STATE_NAMES:
            if name == "rapalog_adapt":
                continue
            err = np.abs(coarse[name] - fine[name]) / np.maximum(scale[name], np.abs(fine[name]))
            i = int(np.argmax(err))
            if err[i] > worst[window][0]:
                worst[window] = (float(err[i]), (name, *rows[i], t_h))
    assert worst["first hour"][0] <= 0.08, worst
    assert worst["at 2 h"][0] <= 0.04, worst
    assert worst["from 3 h"][0] <= 0.03, worst


# ---------------------------------------------------------------------------------------------
# Vectorisation and steady state
# ---------------------------------------------------------------------------------------------


def test_cells_advanced_together_match_cells_advanced_alone():
    """Advancing mixed cell types with mixed inputs in one array equals advancing each alone."""
    cell_types = [*CELL_TYPE_NAMES, "epithelial", "hepatocyte", "tumor_tsc_null"]
    n = len(cell_types)
    params = params_for(cell_types)
    rng = np.random.default_rng(7)
    phases = [
        sg.Inputs(
            growth_factor=rng.uniform(0.0, 2.0, n),
            amino_acids=rng.uniform(0.0, 1.0, n),
            energy=rng.uniform(0.2, 1.0, n),
            occ_frb=rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.5),
            inh_mtorc1=rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.5),
            inh_mtorc2=rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.5),
            inh_calcineurin=rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.5),
            oxygen=rng.uniform(0.0, 1.2, n),
        )
        for _ in range(3)
    ]
    together = sg.new_state(n, params)
    alone = [select(together, i) for i in range(n)]
    for inputs, dt_h in zip(phases, (0.7, 1.0, 13.0), strict=True):
        sg.advance(together, params, inputs, dt_h)
        for i in range(n):
            one_inputs = sg.Inputs(*(np.asarray(x)[i : i + 1] for x in inputs))
            sg.advance(alone[i], select(params, i), one_inputs, dt_h)
    for name in sg.STATE_NAMES:
        stacked = np.concatenate([a[name] for a in alone])
        np.testing.assert_allclose(together[name], stacked, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cell_type", CELL_TYPE_NAMES)
@pytest.mark.parametrize(
    "inputs", [sg.Inputs(), sg.Inputs(growth_factor=0.05, amino_acids=0.5, energy=0.6)]
)
def test_new_state_is_a_fixed_point_without_drug(cell_type, inputs):
    """The untreated steady state does not move over 24 h of the same drug-free inputs."""
    params = sg.cell_type_params(cell_type)
    state = sg.new_state(1, params, inputs)
    start = copy_state(state)
    for _ in range(24):
        sg.advance(state, params, inputs, 1.0)
    for name in sg.STATE_NAMES:
        np.testing.assert_allclose(state[name], start[name], rtol=0, atol=1e-6, err_msg=name)


# ---------------------------------------------------------------------------------------------
# Dose-response and cell-type differences
# ---------------------------------------------------------------------------------------------


def test_s6k_falls_monotonically_with_sirolimus_concentration():
    """pS6K at 24 h decreases strictly with sirolimus over 0.01-100 nM."""
    concs = np.logspace(-2, 2, 13)
    ps6k = [simulate_pathway("sirolimus", c, 24.0)["pS6K"][-1] for c in concs]
    assert np.all(np.diff(ps6k) < 0), ps6k


def test_proliferation_falls_monotonically_with_torin1_concentration():
    """The proliferation output at 24 h decreases strictly with Torin1 over 0.01-1000 nM."""
    concs = np.logspace(-2, 3, 11)
    prolif = [simulate_pathway("torin1", c, 24.0)["proliferation"][-1] for c in concs]
    assert np.all(np.diff(prolif) < 0), prolif


def test_pten_null_cell_has_higher_akt_and_mtorc1_than_epithelium():
    """PTEN loss raises PIP3, so AKT (both sites) and mTORC1 sit above a normal epithelial cell."""
    pten = sg.new_state(1, sg.cell_type_params("tumor_pten_null"))
    epi = sg.new_state(1, sg.cell_type_params("epithelial"))
    for name in ("pip3", "akt_t308", "akt_s473", "mtorc1"):
        assert pten[name][0] > epi[name][0], name
    assert sg.akt_activity(pten)[0] > sg.akt_activity(epi)[0]


# ---------------------------------------------------------------------------------------------
# Bounds under arbitrary inputs
# ---------------------------------------------------------------------------------------------

fraction = st.floats(0.0, 1.0)
phase = st.tuples(
    st.floats(0.0, 5.0),  # growth_factor
    fraction,  # amino_acids
    fraction,  # energy
    fraction,  # occ_frb
    fraction,  # inh_mtorc1
    fraction,  # inh_mtorc2
    st.floats(0.0, 72.0),  # dt_h
)


@settings(max_examples=40, deadline=None)
@given(
    cell_types=st.lists(st.sampled_from(CELL_TYPE_NAMES), min_size=1, max_size=4),
    phases=st.lists(phase, min_size=1, max_size=4),
)
def test_state_stays_finite_and_bounded_under_any_inputs(cell_types, phases):
    """Every variable stays finite and within [0, its maximum] whatever the inputs do.

    Fractions stay in [0, 1]; receptor level in [0, 1 + foxo_rtk_gain]; ULK1 in [0, 1.5]
    (energy collapse adds AMPK activation on top of mTORC1 release); autophagic flux in
    [0, basal_autophagy + 2 x 1.5].
    """
    params = params_for(cell_types)
    n = len(cell_types)
    state = sg.new_state(n, params)
    tol = 1e-9
    for *values, dt_h in phases:
        sg.advance(state, params, sg.Inputs(*values), dt_h)
        for name, x in state.items():
            assert np.all(np.isfinite(x)), name
            assert np.all(x >= -tol), (name, x)
        for name in FRACTION_VARIABLES:
            assert np.all(state[name] <= 1.0 + tol), (name, state[name])
        assert np.all(state["ulk1"] <= ULK1_MAX + tol)
        assert np.all(state["rtk"] <= 1.0 + params["foxo_rtk_gain"] + tol)
        assert np.all(state["autophagy"] <= params["basal_autophagy"] + 2.0 * ULK1_MAX + tol)


# ---------------------------------------------------------------------------------------------
# advance() arguments
# ---------------------------------------------------------------------------------------------


def test_zero_time_step_changes_nothing():
    params = sg.cell_type_params("epithelial")
    state = sg.new_state(1, params)
    start = copy_state(state)
    sg.advance(state, params, sg.Inputs(occ_frb=0.9, amino_acids=0.0), 0.0)
    for name in sg.STATE_NAMES:
        assert np.array_equal(state[name], start[name]), name


@pytest.mark.parametrize("dt_h", [-1.0, -1e-12, float("nan"), float("inf")])
def test_negative_or_nan_time_step_is_a_clear_error(dt_h):
    params = sg.cell_type_params("epithelial")
    state = sg.new_state(1, params)
    with pytest.raises(InputError, match="dt_h"):
        sg.advance(state, params, sg.Inputs(), dt_h)


# ---------------------------------------------------------------------------------------------
# simulate_pathway
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell_type", ["epithelial", "tumor_tsc_null", "tcell"])
def test_no_drug_reads_one_everywhere(cell_type):
    """With drug 'none' the treated cell is its untreated twin: every readout is 1.0."""
    result = simulate_pathway("none", 0.0, 12.0, cell_type=cell_type, sample_h=0.5)
    assert len(result["times_h"]) == 25
    for name in READOUTS:
        assert result[name] == pytest.approx([1.0] * 25, abs=1e-12), name


def test_unknown_cell_type_is_a_clear_error():
    with pytest.raises(InputError, match="unknown cell type 'astrocyte'") as err:
        simulate_pathway("sirolimus", 10.0, 1.0, cell_type="astrocyte")
    for name in CELL_TYPE_NAMES:
        assert name in str(err.value)


def test_unknown_override_is_a_clear_error():
    with pytest.raises(InputError, match="unknown pathway parameter 'fkbp12'") as err:
        simulate_pathway("sirolimus", 10.0, 1.0, overrides={"fkbp12": 0.0})
    for name in (*sg.PARAM_NAMES, *INPUT_DEFAULTS):
        assert name in str(err.value)


def test_blocked_advance_matches_one_block(monkeypatch):
    """Advancing many cells in cache-sized blocks gives the same numbers as one big block."""
    rows = [(ct, change) for ct in CELL_TYPE_NAMES for change in INPUT_CHANGES] * 3
    params = params_for([ct for ct, _ in rows])
    inputs = inputs_for([INPUT_CHANGES[change] for _, change in rows])
    blocked = sg.new_state(len(rows), params)
    whole = copy_state(blocked)
    monkeypatch.setattr(signaling_integrator, "CHUNK_CELLS", 7)
    sg.advance(blocked, params, inputs, 3.0)
    monkeypatch.setattr(signaling_integrator, "CHUNK_CELLS", 10**9)
    sg.advance(whole, params, inputs, 3.0)
    for name in sg.STATE_NAMES:
        assert np.array_equal(blocked[name], whole[name]), name


def test_hypoxia_acts_through_tsc2_only():
    """REDD1 frees TSC2 (Brugarolas 2004 Genes Dev 18:2893; DeYoung 2008 Genes Dev 22:239):
    hypoxia lowers mTORC1 in TSC-intact cells and leaves TSC-null cells' mTORC1 exactly as it
    is, while energy stress (AMPK, which also phosphorylates raptor) acts in both."""
    params = params_for(["epithelial", "tumor_tsc_null"])
    normoxic = sg.new_state(2, params)
    hypoxic = sg.new_state(2, params)
    sg.advance(hypoxic, params, sg.Inputs(oxygen=0.2), 4.0)
    assert hypoxic["mtorc1"][0] < 0.6 * normoxic["mtorc1"][0]
    assert hypoxic["mtorc1"][1] == pytest.approx(normoxic["mtorc1"][1], rel=1e-12)
    starved = sg.new_state(2, params)
    sg.advance(starved, params, sg.Inputs(energy=0.2), 4.0)
    assert starved["mtorc1"][1] < 0.6 * normoxic["mtorc1"][1]


def test_redd1_is_off_at_normoxia_and_full_at_anoxia():
    """The induction's end points and its half-way point (oxygen = K, before rescaling)."""
    k = sg.K_REDD1_O2
    assert sg.redd1_activity(1.0) == 0.0
    assert sg.redd1_activity(5.0) == 0.0
    assert sg.redd1_activity(0.0) == pytest.approx(1.0)
    normoxic = k * k / (k * k + 1.0)
    assert sg.redd1_activity(k) == pytest.approx((0.5 - normoxic) / (1.0 - normoxic))
