"""Optional challenges of the transplant scenario: an infection and a surgical wound.

* **Infection**: a pathogen load per site (0-1) that grows logistically, spreads to
  neighbouring sites and is cleared by pathogen-specific effector T-cells on the site. Its
  clearance day is the infection-control readout (infections rise with
  immunosuppression; Afinitor label).
* **Wound**: an open disc in the host tissue, ringed by fibroblasts that close it by dividing
  into open sites (:func:`model.fates.advance_cycle`, driven by their mTOR network) and by
  migrating onto them, at a speed that needs mTORC1-S6K (Liu 2006 Oncogene 25:7029: rapamycin
  inhibits fibroblast motility through S6K1 and 4E-BP1). Its closure day is the wound-healing
  readout (wound complications rise on sirolimus; Dean 2004 Transplantation
  77:1555).

Pure numpy over grids and masks; the model owns the state and applies the events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtor_abm.model import neighbourhood as nb


@dataclass(frozen=True)
class PathogenParams:
    """Pathogen constants (all assumed; a generic intracellular pathogen).

    Args:
        growth_per_h: logistic growth rate of the load on an infected site, 1/h (doubling
            ~9 h while small).
        spread_per_h: rate at which a fully infected site seeds each neighbour, 1/h.
        clearance_per_effector_per_h: first-order clearance of a site's load by one
            pathogen-specific effector T-cell on it, 1/h (lysis of infected cells).
        antigen_load: load giving full TCR signal to a pathogen-specific T-cell.
        cleared_below: load under which a site counts as cleared (set to 0).
        initial_load: load seeded on the 3x3 inoculation patch.
    """

    growth_per_h: float = 0.05
    spread_per_h: float = 0.015
    clearance_per_effector_per_h: float = 1.0
    antigen_load: float = 0.1
    cleared_below: float = 1e-3
    initial_load: float = 0.2


def grow_and_spread(load: np.ndarray, dt_h: float, p: PathogenParams) -> None:
    """Logistic growth on each site and spread to the four lattice neighbours, in place.

    Args:
        load: pathogen load per site, ``(width, height)``, each in [0, 1].
        dt_h: step, h (> 0).

    Split in two sub-steps, each solved exactly so the load stays in [0, 1] for any step
    (no clipping): growth ``dL/dt = r L (1 - L)`` gives
    ``L e^(r dt) / (1 + L (e^(r dt) - 1))``; spread ``dL/dt = s N (1 - L)`` with ``N`` the
    mean load of the four neighbours (0 beyond the edge) held over the step gives
    ``1 - (1 - L) e^(-s N dt)``.
    """
    if not load.any():
        return
    growth = np.exp(p.growth_per_h * dt_h)
    seeded = load > 0
    load[seeded] = load[seeded] * growth / (1.0 + load[seeded] * (growth - 1.0))
    neighbours = nb.neighbourhood_sum(load, nb.VON_NEUMANN_RING) / 4.0
    load -= (1.0 - load) * np.expm1(-p.spread_per_h * dt_h * neighbours)


def clear(load: np.ndarray, effectors_per_site: np.ndarray, dt_h: float, p: PathogenParams):
    """Clearance by pathogen-specific effectors on each site, in place; tiny loads go to 0."""
    load *= np.exp(-p.clearance_per_effector_per_h * effectors_per_site * dt_h)
    load[load < p.cleared_below] = 0.0


@dataclass(frozen=True)
class WoundParams:
    """Wound-healing constants.

    Args:
        fibroblast_ring: width of the fibroblast margin around the wound, sites. Assumed.
        migration_per_h: hazard that a margin fibroblast at full motility crawls onto an open
            neighbouring wound site, 1/h. Assumed (fibroblasts crawl ~10-50 um/h in wounds).
        motility_floor: motility left without mTORC1-S6K (relative). Assumed; Liu 2006
            Oncogene 25:7029 (rapamycin inhibits motility through S6K1).
        closed_below: wound counts as closed when this fraction of its sites is open. Assumed.
    """

    fibroblast_ring: int = 1
    migration_per_h: float = 0.01
    motility_floor: float = 0.2
    closed_below: float = 0.02


def disc_mask(shape: tuple[int, int], centre: tuple[int, int], radius: float) -> np.ndarray:
    """Boolean [x, y] mask of the sites within ``radius`` sites of ``centre``."""
    xs, ys = np.indices(shape)
    return (xs - centre[0]) ** 2 + (ys - centre[1]) ** 2 <= radius * radius


def motility(s6k: np.ndarray, s6k_ref: float, p: WoundParams) -> np.ndarray:
    """Fibroblast motility (0-1) from S6K relative to the untreated fibroblast."""
    return p.motility_floor + (1.0 - p.motility_floor) * np.clip(s6k / s6k_ref, 0.0, 1.0)
