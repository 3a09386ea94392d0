"""Exact timing of the cycle (model.fates.grow_and_cycle with ``exact_timing`` and
division_carry): a cell's cycle lasts G1 + S/G2/M whatever the step, instead of a whole number
of steps."""

import numpy as np
import pytest

from mtor_abm.model.fates import CycleParams, division_carry, grow_and_cycle

P = CycleParams()
G1_H = 9.5  # G1 at proliferation g1_min_h / 9.5: a cycle of 9.5 + 12 = 21.5 h


def division_times(dt_h: float, hours: float, exact: bool) -> list[float]:
    """Step-end times at which one lineage (a newborn cell, always the same daughter followed)
    divides, with outputs held constant and mass never limiting."""
    cell = {
        "mass": np.array([P.mass_g1s]),
        "g1_progress": np.array([0.0]),
        "phase": np.array([0], dtype=np.int8),
        "phase_timer_h": np.array([0.0]),
    }
    out = {"proliferation": P.g1_min_h / G1_H, "translation": 1.0}
    fed = 1.0
    times = []
    for step in range(round(hours / dt_h)):
        divide = grow_and_cycle(cell, out, fed, True, dt_h, P, exact_timing=exact)
        if divide[0]:
            g1, mass = division_carry(cell, out, fed, dt_h, P) if exact else ((0.0,), (0.0,))
            times.append((step + 1) * dt_h)
            cell["mass"][:] = P.mass_g1s + mass[0]  # keep size from limiting
            cell["g1_progress"][:] = g1[0]
            cell["phase"][:] = 0
            cell["phase_timer_h"][:] = 0.0
    return times


@pytest.mark.parametrize("dt_h", [1.0, 0.5, 0.1])
def test_the_k_th_division_falls_in_the_step_holding_k_cycles(dt_h):
    """Division k happens at k x 21.5 h: it is taken at the end of the step containing it."""
    times = np.array(division_times(dt_h, 200.0, exact=True))
    k = np.arange(1, len(times) + 1)
    assert len(times) == int(200.0 // 21.5)
    assert np.all(times - dt_h < k * 21.5 + 1e-9)
    assert np.all(k * 21.5 <= times + 1e-9)


def test_step_end_timing_makes_the_cycle_a_whole_number_of_steps():
    """Without exact timing at 1-h steps G1 ends at the 10th step and S/G2/M is credited the
    whole entry step: 10 + 11 = 21 h, not 21.5 h; it is what exact timing removes."""
    times = np.diff([0.0, *division_times(1.0, 200.0, exact=False)])
    assert np.all(times == 21.0)
