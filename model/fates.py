"""Cell fates from signalling outputs, vectorised over the cell table.

Growth, the G1->S decision, the S/G2/M clock and death hazards are numpy expressions over
all cells; what comes out is a pair of masks (who dies, who is ready to divide) for the event
phase. Rules (Dowling 2010 Science 328:1172: 4E-BP1/eIF4E control proliferation, S6K
controls cell size):

* mass grows at ``growth_per_h * translation * nutrient``;
* G1 progresses at ``proliferation * nutrient / g1_min_h`` while the cell has room to divide
  (the scenario's rule: an empty neighbouring site, or one it can push towards; contact
  inhibition holds crowded cells in G0/G1);
* G1->S needs completed G1 progress and the size checkpoint ``mass >= mass_g1s``;
* S/G2/M takes ``sg2m_h`` and then the cell divides (the scenario places the daughter);
* death hazard: basal + loss of the AKT survival signal + starvation not covered by autophagy
  (:func:`death_hazard_per_h`).

With ``exact_timing`` (the culture) G1->S and division fall inside the step
(:func:`grow_and_cycle`, :func:`division_carry`); without it (tumor, transplant) they are taken
at the step's end, so a cycle lasts a whole number of steps.
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


def death_hazard_per_h(
    outputs: dict[str, np.ndarray], fed: np.ndarray, p: CycleParams
) -> np.ndarray:
    """Death hazard of every cell, 1/h: basal + loss of the AKT survival signal (its deficit
    below the untreated level, squared) + starvation (``1 - fed``) not covered by autophagy.

    Args:
        outputs: :func:`model.signaling.outputs` (``survival``, ``autophagy``) per cell.
        fed: :func:`nutrient_factor` of the local nutrient level per cell.
        p: cycle parameters.
    """
    deficit = np.clip(1.0 - outputs["survival"], 0.0, 1.0)
    starvation = np.clip(1.0 - fed, 0.0, 1.0) * np.clip(1.0 - 0.5 * outputs["autophagy"], 0.0, 1.0)
    return (
        p.basal_death_per_h
        + p.survival_death_per_h * deficit * deficit
        + p.starvation_death_per_h * starvation
    )


def grow_and_cycle(
    table,
    outputs: dict[str, np.ndarray],
    fed: np.ndarray,
    has_space: np.ndarray | bool,
    dt_h: float,
    p: CycleParams,
    can_divide: np.ndarray | bool = True,
    exact_timing: bool = False,
) -> np.ndarray:
    """Grow every cell and advance its cycle by ``dt_h``, in place; return the mask of cells
    that completed S/G2/M (ready to divide, space permitting).

    ``exact_timing`` places the G1->S transition inside the step, at the moment both G1
    progress and the size checkpoint are met (linear growth and progress within the step), and
    starts the S/G2/M clock there; without it the transition is taken at the step's end with a
    whole step credited, so a cycle lasts a whole number of steps and its length depends on the
    step (e.g. 10 h + 12 h instead of 9.7 h + 12 h at 1-h steps). :func:`division_carry` is
    the other half of exact timing.
    """
    growth = dt_h * p.growth_per_h * outputs["translation"] * fed
    mass = table["mass"]
    mass_before = mass.copy()
    mass += growth
    np.minimum(mass, p.max_mass, out=mass)

    phase = table["phase"]
    g1 = table["g1_progress"]
    in_g1 = (phase == 0) & can_divide
    progress = np.where(in_g1 & has_space, dt_h * outputs["proliferation"] * fed / p.g1_min_h, 0.0)
    g1_before = g1.copy()
    g1 += progress
    enter_s = in_g1 & (g1 >= 1.0) & (mass >= p.mass_g1s)
    timer = table["phase_timer_h"]
    cycling = phase == 1
    if exact_timing:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_g1 = np.where(g1_before >= 1.0, 0.0, (1.0 - g1_before) * dt_h / progress)
            t_size = np.where(
                mass_before >= p.mass_g1s, 0.0, (p.mass_g1s - mass_before) * dt_h / growth
            )
        t_entry = np.clip(np.maximum(t_g1, t_size), 0.0, dt_h)
        timer[cycling] += dt_h
        timer[enter_s] = dt_h - t_entry[enter_s]
    else:
        timer[enter_s] = 0.0
        timer[cycling | enter_s] += dt_h
    phase[enter_s] = 1
    return (phase == 1) & (timer >= p.sg2m_h) & has_space


def division_carry(
    table,
    outputs: dict[str, np.ndarray],
    fed: np.ndarray,
    dt_h: float,
    p: CycleParams,
) -> tuple[np.ndarray, np.ndarray]:
    """What each daughter of a cell dividing at this step's end has already done since the
    division inside the step (exact timing, see :func:`grow_and_cycle`): ``(g1_progress,
    mass)`` to add to each daughter after the mother's mass is halved.

    A cell that completed S/G2/M ``tau`` hours before the step's end (``0 <= tau < dt_h``)
    divided then: each daughter has since progressed ``tau`` hours through G1 and grown
    ``tau`` hours itself, while the halved mass holds only half of that growth. A cell that
    waited longer (no space) divides at the step's end: nothing to carry.
    """
    tau = table["phase_timer_h"] - p.sg2m_h
    tau = np.where((table["phase"] == 1) & (tau >= 0.0) & (tau < dt_h), tau, 0.0)
    rate = outputs["proliferation"] * fed / p.g1_min_h
    growth = p.growth_per_h * outputs["translation"] * fed
    return tau * rate, 0.5 * tau * growth


def advance_cycle(
    table,
    outputs: dict[str, np.ndarray],
    nutrient: np.ndarray,
    has_space: np.ndarray,
    dt_h: float,
    p: CycleParams,
    rng: np.random.Generator,
    can_divide: np.ndarray | bool = True,
    exact_timing: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance growth and the cycle of every cell in place; return ``(die, divide)`` masks.

    Args:
        table: the cell table (columns ``mass``, ``g1_progress``, ``phase``, ``phase_timer_h``).
        outputs: :func:`model.signaling.outputs` for the live cells.
        nutrient: local nutrient level per cell (1 = fed medium).
        has_space: True where a cell has room to divide (an empty neighbouring site, or one
            it can push towards: the scenario's rule).
        dt_h: step, h.
        p: cycle parameters.
        rng: the model's random generator (one draw per cell per step, for death).
        can_divide: False for post-mitotic cells (they grow and die but never cycle).
        exact_timing: G1->S inside the step (:func:`grow_and_cycle`).
    """
    fed = nutrient_factor(np.clip(nutrient, 0.0, None))
    divide = grow_and_cycle(table, outputs, fed, has_space, dt_h, p, can_divide, exact_timing)
    hazard = death_hazard_per_h(outputs, fed, p)
    die = rng.random(len(table["mass"])) < -np.expm1(-hazard * dt_h)
    return die, divide


def asynchronous_cycle(table, rows: np.ndarray, p: CycleParams, rng: np.random.Generator) -> None:
    """Place the cells ``rows`` of ``table`` at random positions of an exponentially growing,
    asynchronous population's cell cycle, in place (phase, G1 progress, S/G2/M timer, mass).

    A culture is seeded from a flask growing exponentially, so its cells are spread over the
    cycle with the steady age density ``f(a) = (2 ln 2 / T) 2^(-a/T)`` on ``[0, T)`` (Powell
    1956 J Gen Microbiol 15:492): ages are drawn by inverting its distribution
    (:func:`powell_age`). Seeding every cell at the start of G1 instead (nearly synchronous)
    quantises a 72-h count into whole generations, which hides differences in cycle time
    between cell lines.
    """
    place_at_age(table, rows, powell_age(rng.random(len(rows)), p), p)


def powell_age(quantile: np.ndarray, p: CycleParams) -> np.ndarray:
    """Age (h) at ``quantile`` (0-1) of the steady age density of an exponentially growing
    population with the nominal cycle ``T = g1_min_h + sg2m_h``: ``a = -T log2(1 - u/2)``
    (Powell 1956)."""
    cycle_h = p.g1_min_h + p.sg2m_h
    return -cycle_h * np.log2(1.0 - 0.5 * np.asarray(quantile, dtype=float))


def place_at_age(table, rows, age: np.ndarray, p: CycleParams) -> None:
    """Set the cycle position of the cells ``rows`` to ``age`` hours since birth under the
    nominal cycle (G1 of ``g1_min_h``, then S/G2/M), in place; mass grows linearly from the
    newborn mass of balanced growth, ``(mass_g1s + growth_per_h sg2m_h) / 2``."""
    newborn = 0.5 * (p.mass_g1s + p.growth_per_h * p.sg2m_h)
    in_g1 = age < p.g1_min_h
    table["mass"][rows] = newborn + p.growth_per_h * age
    table["phase"][rows] = np.where(in_g1, 0, 1)
    table["g1_progress"][rows] = np.where(in_g1, age / p.g1_min_h, 1.0)
    table["phase_timer_h"][rows] = np.where(in_g1, 0.0, age - p.g1_min_h)
