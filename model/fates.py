"""Cell fates from signalling outputs, vectorised over the cell table.

Growth, the G1->S decision, the S/G2/M clock and death hazards are numpy expressions over
all cells; what comes out is a pair of masks (who dies, who is ready to divide) for the event
phase. Rules (Dowling 2010 Science 328:1172: 4E-BP1/eIF4E control proliferation, S6K
controls cell size):

* mass grows at ``growth_per_h * translation * nutrient``;
* G1 progresses at ``proliferation * nutrient / g1_min_h`` while the cell has an empty
  neighbouring site (contact inhibition holds crowded cells in G0/G1);
* G1->S needs completed G1 progress and the size checkpoint ``mass >= mass_g1s``;
* S/G2/M takes ``sg2m_h`` and then the cell divides (into an empty neighbour);
* death hazard: basal + loss of the AKT survival signal + starvation not covered by autophagy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CycleParams:
    """Cell-cycle and death parameters (per cell population).

    Args:
        g1_min_h: shortest G1 at full proliferation signal, h. Assumed (epithelial lines
            double in ~20-24 h with G1 ~ 10 h; Alberts, Molecular Biology of the Cell).
        sg2m_h: duration of S + G2 + M, h (mTOR-independent). Assumed, same source.
        growth_per_h: mass gained per hour at translation 1 (newborn mass 1). Assumed so
            that balanced growth doubles mass in ~22 h.
        mass_g1s: minimal mass (relative to newborn) to pass G1->S (size checkpoint). Assumed.
        basal_death_per_h: death hazard of a healthy fed cell, 1/h. Assumed.
        survival_death_per_h: extra apoptosis hazard at zero AKT survival signal, 1/h.
            Assumed; scaled by (1 - survival)^2 below the untreated level.
        starvation_death_per_h: death hazard at zero nutrients without autophagy, 1/h.
            Assumed; autophagy offsets it (Lum 2005 Cell 120:237: autophagy sustains
            survival of growth-factor-deprived cells).
        max_mass: mass cap (cells stop growing beyond it), relative to newborn. Assumed.
    """

    g1_min_h: float = 10.0
    sg2m_h: float = 12.0
    growth_per_h: float = 1.0 / 22.0
    mass_g1s: float = 1.6
    basal_death_per_h: float = 0.0005
    survival_death_per_h: float = 0.01
    starvation_death_per_h: float = 0.02
    max_mass: float = 3.0


def nutrient_factor(nutrient: np.ndarray, k_half: float = 0.2) -> np.ndarray:
    """Michaelis-Menten use of the local nutrient level, 1.0 at level 1 (fed medium).

    ``k_half`` is the relative nutrient level giving half-maximal use (assumed).
    """
    return nutrient * (1.0 + k_half) / (nutrient + k_half)


def advance_cycle(
    table,
    outputs: dict[str, np.ndarray],
    nutrient: np.ndarray,
    has_space: np.ndarray,
    dt_h: float,
    p: CycleParams,
    rng: np.random.Generator,
    can_divide: np.ndarray | bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance growth and the cycle of every cell in place; return ``(die, divide)`` masks.

    Args:
        table: the cell table (columns ``mass``, ``g1_progress``, ``phase``, ``phase_timer_h``).
        outputs: :func:`model.signaling.outputs` for the live cells.
        nutrient: local nutrient level per cell (1 = fed medium).
        has_space: True where a cell has at least one empty neighbouring site.
        dt_h: step, h.
        p: cycle parameters.
        rng: the model's random generator (one draw per cell per step, for death).
        can_divide: False for post-mitotic cells (they grow and die but never cycle).
    """
    fed = nutrient_factor(np.clip(nutrient, 0.0, None))
    mass = table["mass"]
    mass += dt_h * p.growth_per_h * outputs["translation"] * fed
    np.minimum(mass, p.max_mass, out=mass)

    phase = table["phase"]
    g1 = table["g1_progress"]
    in_g1 = (phase == 0) & can_divide
    g1 += np.where(in_g1 & has_space, dt_h * outputs["proliferation"] * fed / p.g1_min_h, 0.0)
    enter_s = in_g1 & (g1 >= 1.0) & (mass >= p.mass_g1s)
    phase[enter_s] = 1
    table["phase_timer_h"][enter_s] = 0.0

    cycling = phase == 1
    timer = table["phase_timer_h"]
    timer += np.where(cycling, dt_h, 0.0)
    divide = cycling & (timer >= p.sg2m_h) & has_space

    deficit = np.clip(1.0 - outputs["survival"], 0.0, 1.0)
    starvation = np.clip(1.0 - fed, 0.0, 1.0) * np.clip(1.0 - 0.5 * outputs["autophagy"], 0.0, 1.0)
    hazard = (
        p.basal_death_per_h
        + p.survival_death_per_h * deficit * deficit
        + p.starvation_death_per_h * starvation
    )
    die = rng.random(len(mass)) < -np.expm1(-hazard * dt_h)
    return die, divide


def asynchronous_cycle(table, rows: np.ndarray, p: CycleParams, rng: np.random.Generator) -> None:
    """Place the cells ``rows`` of ``table`` at random positions of an exponentially growing,
    asynchronous population's cell cycle, in place (phase, G1 progress, S/G2/M timer, mass).

    A culture is seeded from a flask growing exponentially, so its cells are spread over the
    cycle with the steady age density ``f(a) = (2 ln 2 / T) 2^(-a/T)`` on ``[0, T)`` (Powell
    1956 J Gen Microbiol 15:492): ages are drawn by inverting its distribution,
    ``a = -T log2(1 - u/2)``. The nominal cycle is ``T = g1_min_h + sg2m_h`` (G1 first, then
    S/G2/M), and mass grows linearly from the newborn mass of balanced growth,
    ``(mass_g1s + growth_per_h sg2m_h) / 2``. Seeding every cell at the start of G1 instead
    (nearly synchronous) quantises a 72-h count into whole generations, which hides
    differences in cycle time between cell lines.
    """
    n = len(rows)
    cycle_h = p.g1_min_h + p.sg2m_h
    age = -cycle_h * np.log2(1.0 - 0.5 * rng.random(n))
    newborn = 0.5 * (p.mass_g1s + p.growth_per_h * p.sg2m_h)
    in_g1 = age < p.g1_min_h
    table["mass"][rows] = newborn + p.growth_per_h * age
    table["phase"][rows] = np.where(in_g1, 0, 1)
    table["g1_progress"][rows] = np.where(in_g1, age / p.g1_min_h, 1.0)
    table["phase_timer_h"][rows] = np.where(in_g1, 0.0, age - p.g1_min_h)
