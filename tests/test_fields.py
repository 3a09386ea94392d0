"""Diffusion-reaction fields: conservation, stability, accuracy against analytic solutions."""

import math
import pickle

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid

from mtor_abm.model.errors import InputError
from mtor_abm.model.fields import Field
from mtor_abm.model.units import SECONDS_PER_HOUR

METHODS = ["explicit", "implicit"]

# Oxygen in tissue: D = 2000 um^2/s (assumed, PhysiCell's default is 1667), consumption 320 /h
# (assumed) -> penetration length sqrt(D / k) = 150 um.
D_OXYGEN_UM2_PER_S = 2000.0
OXYGEN_UPTAKE_PER_H = 320.0


def ledger_error(field):
    """Relative gap between the lattice's mass and what the ledger says it should be."""
    scale = max(
        abs(field.initial_total),
        field.mass_produced,
        field.mass_consumed,
        field.mass_decayed,
        abs(field.mass_boundary_in),
        1e-300,
    )
    return abs(field.total() - field.expected_total()) / scale


@pytest.mark.parametrize("method", METHODS)
def test_no_flux_box_without_reactions_keeps_its_mass(method):
    rng = np.random.default_rng(1)
    conc = rng.random((40, 30)) * 5.0
    field = Field("drug", conc, diffusion_um2_per_s=500.0, method=method)
    start = field.total()
    for _ in range(20):
        field.step(0.05)
    assert abs(field.total() - start) <= 1e-12 * start
    assert field.mass_boundary_in == 0.0
    assert field.mass_produced == field.mass_consumed == field.mass_decayed == 0.0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("boundary", ["no_flux", "dirichlet"])
def test_ledger_balances_production_uptake_decay_and_reservoirs(method, boundary):
    rng = np.random.default_rng(2)
    shape = (24, 18)
    vessels = np.zeros(shape, dtype=bool)
    vessels[5, 4] = vessels[12, 10] = vessels[0, 7] = True
    field = Field(
        "il2",
        rng.random(shape),
        diffusion_um2_per_s=80.0,
        decay_per_h=0.4,
        boundary=boundary,
        boundary_value=0.7,
        dirichlet_edges=("x_min", "y_max"),
        source_mask=vessels,
        source_values=2.5,
        method=method,
    )
    for _ in range(15):
        field.step(
            0.1,
            production=rng.random(shape) * (rng.random(shape) < 0.3),
            uptake_rate_per_h=rng.random(shape) * 3.0,
        )
    assert field.mass_produced > 0 and field.mass_consumed > 0 and field.mass_decayed > 0
    assert field.mass_boundary_in != 0.0
    assert ledger_error(field) < (1e-12 if method == "explicit" else 1e-10)
    assert np.all(field.data[vessels] == 2.5)


def test_moving_a_vessel_is_booked_as_boundary_inflow():
    field = Field("vegf", np.ones((6, 6)), diffusion_um2_per_s=10.0)
    mask = np.zeros((6, 6), dtype=bool)
    mask[2, 3] = True
    field.set_sources(mask, 4.0)
    assert field.mass_boundary_in == pytest.approx(3.0)
    assert field.total() == pytest.approx(field.expected_total(), rel=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    diffusion_um2_per_s=st.floats(0.1, 5000.0),
    dx_um=st.floats(2.0, 50.0),
    limits_per_step=st.floats(0.05, 30.0),
)
@example(diffusion_um2_per_s=5000.0, dx_um=2.0, limits_per_step=30.0)
@example(diffusion_um2_per_s=0.1, dx_um=50.0, limits_per_step=0.05)
@example(diffusion_um2_per_s=100.0, dx_um=20.0, limits_per_step=1.0)
def test_spike_stays_bounded_and_its_peak_never_rises(diffusion_um2_per_s, dx_um, limits_per_step):
    limit_h = 0.9 * dx_um**2 / (4.0 * diffusion_um2_per_s) / SECONDS_PER_HOUR
    dt_h = limits_per_step * limit_h
    conc = np.zeros((11, 11))
    conc[5, 5] = 1.0
    field = Field("spike", conc, diffusion_um2_per_s=diffusion_um2_per_s, dx_um=dx_um)
    substeps = field.substeps_for(dt_h)
    assert dt_h / substeps <= limit_h * (1 + 1e-9)
    assert substeps <= math.ceil(limits_per_step) + 1
    peak = 1.0
    for _ in range(5):
        field.step(dt_h)
        assert conc.min() >= 0.0
        assert conc.max() <= peak * (1 + 1e-14)
        peak = conc.max()
    assert conc.sum() == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_point_source_spreads_with_variance_4dt(method):
    diffusion, hours, dx = 10.0, 1.0, 20.0
    conc = np.zeros((121, 121))
    conc[60, 60] = 1.0
    field = Field("tracer", conc, diffusion_um2_per_s=diffusion, dx_um=dx, method=method)
    for _ in range(10):
        field.step(hours / 10)
    x_um = (np.arange(121) - 60) * dx
    r2 = x_um[:, None] ** 2 + x_um[None, :] ** 2
    variance = float((conc * r2).sum() / conc.sum())
    assert variance == pytest.approx(4 * diffusion * hours * SECONDS_PER_HOUR, rel=0.02)


def penetration_profile(x_um, depth_um, c0):
    """Steady state of D c'' = k c, c(0) = c0, c'(depth) = 0, lambda = sqrt(D / k)."""
    lam = math.sqrt(D_OXYGEN_UM2_PER_S / (OXYGEN_UPTAKE_PER_H / SECONDS_PER_HOUR))
    return c0 * np.cosh((depth_um - x_um) / lam) / np.cosh(depth_um / lam)


@pytest.mark.parametrize(("method", "dt_h", "steps"), [("explicit", 0.05, 1), ("implicit", 1.0, 3)])
def test_oxygen_from_a_dirichlet_edge_reaches_the_cosh_profile(method, dt_h, steps):
    n, dx, c0 = 40, 20.0, 38.0  # mmHg; the reservoir sits one spacing before site 0
    field = Field(
        "oxygen",
        np.zeros((n, 1)),
        diffusion_um2_per_s=D_OXYGEN_UM2_PER_S,
        dx_um=dx,
        boundary="dirichlet",
        boundary_value=c0,
        dirichlet_edges=("x_min",),
        method=method,
    )
    for _ in range(steps):
        field.step(dt_h, uptake_rate_per_h=OXYGEN_UPTAKE_PER_H)
    x_um = (np.arange(n) + 1) * dx
    expected = penetration_profile(x_um, (n + 0.5) * dx, c0)
    near = x_um <= 600.0  # four penetration lengths; beyond, values are < 2% of c0
    np.testing.assert_allclose(field.data[near, 0], expected[near], rtol=0.02)
    # Penetration length read off the simulated profile between 100 um and 300 um.
    slope = np.log(field.data[4, 0] / field.data[14, 0]) / (x_um[14] - x_um[4])
    assert 1.0 / slope == pytest.approx(150.0, rel=0.03)


@pytest.mark.parametrize("method", METHODS)
def test_oxygen_next_to_a_vessel_falls_over_about_150_um(method):
    n, dx, c0 = 40, 20.0, 38.0
    vessel = np.zeros((n, 3), dtype=bool)
    vessel[0, :] = True
    field = Field(
        "oxygen",
        np.zeros((n, 3)),
        diffusion_um2_per_s=D_OXYGEN_UM2_PER_S,
        source_mask=vessel,
        source_values=c0,
        method=method,
    )
    dt_h, steps = (0.05, 1) if method == "explicit" else (1.0, 3)
    for _ in range(steps):
        field.step(dt_h, uptake_rate_per_h=OXYGEN_UPTAKE_PER_H)
    x_um = np.arange(n) * dx
    expected = penetration_profile(x_um, (n - 0.5) * dx, c0)
    near = x_um <= 600.0
    for column in range(3):
        np.testing.assert_allclose(field.data[near, column], expected[near], rtol=0.02)
    assert ledger_error(field) < 1e-10


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("uptake", [1e6, 1e12, 1e300])
def test_huge_uptake_never_drives_concentration_negative(method, uptake):
    rng = np.random.default_rng(3)
    shape = (20, 20)
    rates = np.where(rng.random(shape) < 0.5, uptake, 0.0)
    field = Field(
        "glucose",
        rng.random(shape),
        diffusion_um2_per_s=600.0,
        decay_per_h=0.01,
        boundary="dirichlet",
        boundary_value=5.0,
        method=method,
        max_substeps=100_000,
    )
    for _ in range(3):
        field.step(0.02, production=rng.random(shape), uptake_rate_per_h=rates)
        assert np.isfinite(field.data).all()
        assert field.data.min() >= 0.0
    assert ledger_error(field) < 1e-10


def test_explicit_step_over_the_substep_cap_is_a_clear_error():
    field = Field("oxygen", np.ones((10, 10)), diffusion_um2_per_s=D_OXYGEN_UM2_PER_S)
    assert field.substeps_for(1.0) == 80_000
    with pytest.raises(InputError, match=r"field 'oxygen'.*80000 sub-steps.*method='implicit'"):
        field.step(1.0)
    assert np.all(field.data == 1.0)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"diffusion_um2_per_s": -1.0}, "diffusion_um2_per_s"),
        ({"diffusion_um2_per_s": float("nan")}, "diffusion_um2_per_s"),
        ({"decay_per_h": -0.1}, "decay_per_h"),
        ({"decay_per_h": float("inf")}, "decay_per_h"),
        ({"dx_um": 0.0}, "dx_um"),
        ({"dx_um": -20.0}, "dx_um"),
        ({"boundary": "dirichlet", "boundary_value": -1.0}, "boundary_value"),
        ({"boundary_value": float("nan")}, "boundary_value"),
        ({"boundary": "periodic"}, "boundary"),
        ({"dirichlet_edges": ("north",)}, "dirichlet_edges"),
        ({"method": "spectral"}, "method"),
        ({"safety": 1.5}, "safety"),
        ({"max_substeps": 0}, "max_substeps"),
        ({"source_mask": np.ones((4, 4), dtype=bool), "source_values": -2.0}, "source_values"),
        ({"source_mask": np.ones((3, 3), dtype=bool)}, "source_mask"),
    ],
)
def test_bad_field_parameter_is_a_clear_error(kwargs, parameter):
    arguments = {"diffusion_um2_per_s": 10.0, **kwargs}
    with pytest.raises(InputError, match=rf"field 'drug'.*{parameter}") as caught:
        Field("drug", np.zeros((4, 4)), **arguments)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [np.full((4, 4), np.nan), -np.ones((4, 4)), np.zeros((4, 4), dtype=int), np.zeros(4)],
)
def test_bad_field_array_is_a_clear_error(data):
    with pytest.raises(InputError, match=r"field 'drug'.*data"):
        Field("drug", data, diffusion_um2_per_s=10.0)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        ({"dt_h": 0.0}, "dt_h"),
        ({"dt_h": float("nan")}, "dt_h"),
        ({"dt_h": 0.1, "production": np.full((4, 4), np.nan)}, "production"),
        ({"dt_h": 0.1, "production": -np.ones((4, 4))}, "production"),
        ({"dt_h": 0.1, "uptake_rate_per_h": -1.0}, "uptake_rate_per_h"),
        ({"dt_h": 0.1, "uptake_rate_per_h": np.ones((3, 4))}, "uptake_rate_per_h"),
    ],
)
def test_bad_step_argument_is_a_clear_error(call, parameter):
    field = Field("drug", np.ones((4, 4)), diffusion_um2_per_s=10.0)
    with pytest.raises(InputError, match=rf"field 'drug'.*{parameter}"):
        field.step(**call)


def test_field_on_a_mesa_grid_updates_the_property_layer_in_place():
    model = Model(rng=42)
    grid = OrthogonalMooreGrid((12, 8), torus=False, random=model.random)
    field = Field.on_grid(grid, "oxygen", 0.0, diffusion_um2_per_s=50.0, decay_per_h=0.2)
    layer = grid.oxygen
    assert field.layer is layer and field.data is layer.data
    buffer_address = layer.data.__array_interface__["data"][0]
    production = np.zeros((12, 8))
    production[3, 5] = 10.0
    field.step(0.5, production=production)
    assert layer.data is field.data
    assert layer.data.__array_interface__["data"][0] == buffer_address
    cell = grid._cells[(3, 5)]
    assert cell.oxygen == layer.data[3, 5] > 0.0
    assert ledger_error(field) < 1e-12


def test_field_with_bad_parameters_leaves_no_layer_on_the_grid():
    model = Model(rng=42)
    grid = OrthogonalMooreGrid((5, 5), torus=False, random=model.random)
    with pytest.raises(InputError, match="dx_um"):
        Field.on_grid(grid, "drug", 1.0, diffusion_um2_per_s=10.0, dx_um=-1.0)
    Field.on_grid(grid, "drug", 1.0, diffusion_um2_per_s=10.0)


@pytest.mark.parametrize("method", METHODS)
def test_pickled_field_continues_exactly_like_the_original(method):
    rng = np.random.default_rng(4)
    field = Field("drug", rng.random((10, 10)), diffusion_um2_per_s=30.0, method=method)
    field.step(0.1, uptake_rate_per_h=0.5)
    copy = pickle.loads(pickle.dumps(field))
    for each in (field, copy):
        each.step(0.1, production=1.0, uptake_rate_per_h=0.5)
    np.testing.assert_array_equal(copy.data, field.data)
    assert copy.mass_consumed == field.mass_consumed


def test_stiff_production_and_uptake_reach_the_exact_steady_state_in_one_step():
    """dc/dt = P - k c is solved exactly per sub-step: one 1-h step with k dt >> 1 lands on P/k,
    not on an operator-split value, and the mass books still balance."""
    field = Field("medium", np.full((6, 6), 1.0), diffusion_um2_per_s=0.0, decay_per_h=0.5)
    field.step(1.0, production=2.0, uptake_rate_per_h=np.full((6, 6), 9.5))
    steady = 2.0 / (9.5 + 0.5)
    assert np.allclose(field.data, steady + (1.0 - steady) * np.exp(-10.0), rtol=1e-12)
    assert field.total() == pytest.approx(field.expected_total(), rel=1e-12)


# ---------------------------------------------------------------- linear terms alone
def test_explicit_pure_decay_is_exact_exponential():
    """No production, sources or uptake: the mean falls exactly as exp(-k t) (was left at 1)."""
    field = Field("drug", np.ones((12, 9)), diffusion_um2_per_s=10.0, decay_per_h=0.7)
    field.step(1.0)
    assert field.data.mean() == pytest.approx(math.exp(-0.7), rel=1e-12)
    assert ledger_error(field) < 1e-12


@pytest.mark.parametrize("method", METHODS)
def test_pure_production_adds_p_t_everywhere(method):
    """Production with no sink: c = P t at every site, whatever the method (explicit crashed)."""
    field = Field("drug", np.zeros((12, 9)), diffusion_um2_per_s=10.0, method=method)
    field.step(1.5, production=2.0)
    assert field.data == pytest.approx(np.full((12, 9), 3.0), rel=1e-12)
    assert field.mass_produced == pytest.approx(3.0 * 12 * 9, rel=1e-12)
    assert ledger_error(field) < 1e-12


def test_explicit_production_with_decay_is_exact():
    """Uniform P and k from zero: c(t) = P (1 - exp(-k t)) / k."""
    field = Field("drug", np.zeros((12, 9)), diffusion_um2_per_s=10.0, decay_per_h=0.7)
    field.step(1.0, production=2.0)
    expected = 2.0 * (1.0 - math.exp(-0.7)) / 0.7
    assert field.data == pytest.approx(np.full((12, 9), expected), rel=1e-12)


def _implicit_fields(data, **kwargs):
    """The two implicit solvers: Field(method="implicit") and the transplant's cached one."""
    from mtor_abm.model.scenarios.transplant_fields import CachedImplicitField

    return [
        Field("drug", data.copy(), method="implicit", **kwargs),
        CachedImplicitField("IL2", data.copy(), **kwargs),
    ]


@pytest.mark.parametrize("solver", [0, 1], ids=["Field", "CachedImplicitField"])
def test_implicit_uniform_decay_is_exact_exponential(solver):
    """Uniform field, decay only: exp(-k t) to round-off over several steps (backward Euler
    gave 1 / (1 + k dt) per step: 0.667 for k dt = 0.5 against 0.607)."""
    field = _implicit_fields(np.full((10, 7), 2.0), diffusion_um2_per_s=50.0, decay_per_h=0.5)[
        solver
    ]
    for _ in range(4):
        field.step(1.0)
    assert field.data == pytest.approx(np.full((10, 7), 2.0 * math.exp(-2.0)), rel=1e-12)
    assert ledger_error(field) < 1e-12


@pytest.mark.parametrize("solver", [0, 1], ids=["Field", "CachedImplicitField"])
def test_implicit_uniform_production_with_decay_is_exact(solver):
    """Uniform P and k from zero: c(t) = P (1 - exp(-k t)) / k; k dt = 10 (IL-2) included."""
    for k in (0.5, 10.0):
        field = _implicit_fields(np.zeros((8, 8)), diffusion_um2_per_s=50.0, decay_per_h=k)[solver]
        field.step(1.0, production=3.0)
        assert field.data == pytest.approx(np.full((8, 8), 3.0 * -math.expm1(-k) / k), rel=1e-12)
        assert ledger_error(field) < 1e-12


@pytest.mark.parametrize("solver", [0, 1], ids=["Field", "CachedImplicitField"])
def test_implicit_diffusion_alone_conserves_mass_and_spreads(solver):
    """No decay: a spike in a no-flux box keeps its mass to round-off and spreads."""
    data = np.zeros((15, 15))
    data[7, 7] = 100.0
    field = _implicit_fields(data, diffusion_um2_per_s=100.0)[solver]
    for _ in range(3):
        field.step(1.0)
    assert field.total() == pytest.approx(100.0, rel=1e-12)
    assert field.data[7, 7] < 100.0 and field.data[0, 0] > 0.0


def test_implicit_factors_are_kept_without_uptake_and_change_no_result():
    """Without uptake the backward-Euler matrix is fixed: kept factors equal fresh ones."""
    rng = np.random.default_rng(4)
    start = rng.random((12, 9))
    kept = Field(
        "kept", start.copy(), diffusion_um2_per_s=500.0, decay_per_h=0.3, method="implicit"
    )
    fresh = Field(
        "fresh", start.copy(), diffusion_um2_per_s=500.0, decay_per_h=0.3, method="implicit"
    )
    production = rng.random((12, 9))
    for _ in range(4):
        kept.step(1.0, production=production)
        fresh._implicit_factors = None  # refactorise every step
        fresh.step(1.0, production=production)
        assert np.array_equal(kept.data, fresh.data)
    assert kept._implicit_factors is not None


def test_split_uptake_field_on_a_uniform_field_is_exact_uptake_then_backward_euler_decay():
    """Uniform field: no diffusion flux, so each step is exact: c * exp(-k dt) * exp(-d dt)
    (uptake split off exactly, decay over the decay-fitted backward-Euler step)."""
    from mtor_abm.model.scenarios.transplant_fields import CachedImplicitField

    c0, k, d, dt = 3.0, 0.8, 0.5, 1.0
    field = CachedImplicitField(
        "il2", np.full((6, 5), c0), diffusion_um2_per_s=100.0, decay_per_h=d
    )
    expected = c0
    for _ in range(3):
        field.step(dt, uptake_rate_per_h=k)
        expected = expected * np.exp(-k * dt) * np.exp(-d * dt)
        np.testing.assert_allclose(field.data, expected, rtol=1e-12)
    assert field.total() == pytest.approx(field.expected_total(), rel=1e-9)
