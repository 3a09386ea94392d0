"""The tumor's vessel network on the lattice: pre-existing vessels, sprouting and regression.

Vessels are a boolean layer (a capillary crossing the 2D slice occupies one site; a cell may
sit beside it on the same site). They are the sources of oxygen, nutrients and drug. All rules
are numpy expressions over the lattice; only the sites that change are touched.

* Pre-existing vessels: a jittered square array with spacing ``spacing_sites`` (normal tissue
  intercapillary distances are ~100-200 um in 2D sections; assumed).
* Endothelial activation is graded, not a switch: ``a = v^4 / (v^4 + K^4)`` with ``K`` =
  ``vegf_threshold`` (the VEGF of half activation; VEGFR2 signalling rises smoothly with
  ligand over its dissociation constant's range: Mac Gabhann 2006 PNAS 103:17750; the Hill
  coefficient 4, steep enough that the low VEGF of host tissue sprouts rarely, is assumed).
  An earlier hard threshold (sprouting only above it, exposure reset to 0 below it) made the
  rapalog outcome flip between 0.24 and 0.28.
* Sprouting (angiogenesis): a site within ``reach_sites`` of a vessel but more than
  ``gap_sites`` from every vessel accumulates activation-weighted hours (``exposure_h``); once
  it holds ``delay_h`` of them it becomes a vessel with hazard ``sprout_per_h * a``. The
  delay stands for tip-cell migration, lumen formation and perfusion (days: Nagy 2007 Cold
  Spring Harb Symp 71:421).
* Regression: vessels co-opted by the tumor, and new (sprouted, immature) vessels anywhere,
  regress at ``regression_per_h * (1 - a)`` (VEGF withdrawal: Holash 1999 Science 284:1994;
  immature vessels without pericytes need VEGF, mature ones of normal tissue do not: Benjamin
  1998 Development 125:1591), and vessels in necrotic regions are lost. So host tissue keeps
  its vessel density: a sprout where VEGF is low soon regresses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter, uniform_filter


@dataclass(frozen=True)
class VesselParams:
    """Angiogenesis and regression rules (all assumed unless a source is given).

    Args:
        spacing_sites: spacing of the pre-existing vessel array, sites.
        reach_sites: farthest a sprout reaches from its parent vessel, sites (Chebyshev).
        gap_sites: no new vessel within this many sites of another (Chebyshev).
        vegf_threshold: VEGF level (field units) of half-maximal endothelial activation.
        delay_h: activation-weighted hours before a sprout can be perfused.
        sprout_per_h: hazard of a perfused sprout at a ready site, 1/h.
        regression_per_h: hazard of a co-opted vessel without VEGF support, 1/h.
        necrotic_loss_per_h: hazard of a vessel in a necrotic neighbourhood, 1/h.
    """

    spacing_sites: int = 10
    reach_sites: int = 4
    gap_sites: int = 2
    vegf_threshold: float = 0.3
    delay_h: float = 48.0
    sprout_per_h: float = 1.0 / 48.0
    regression_per_h: float = 1.0 / 240.0
    necrotic_loss_per_h: float = 1.0 / 48.0


def initial_vessels(shape: tuple[int, int], spacing: int, rng: np.random.Generator):
    """A jittered square array of vessel sites (bool mask)."""
    vessels = np.zeros(shape, dtype=bool)
    jitter = max(spacing // 4, 0)
    for axis_x in range(spacing // 2, shape[0], spacing):
        for axis_y in range(spacing // 2, shape[1], spacing):
            dx, dy = rng.integers(-jitter, jitter + 1, size=2)
            x = int(np.clip(axis_x + dx, 0, shape[0] - 1))
            y = int(np.clip(axis_y + dy, 0, shape[1] - 1))
            vessels[x, y] = True
    return vessels


def update_vessels(
    vessels: np.ndarray,
    exposure_h: np.ndarray,
    vegf: np.ndarray,
    tumor_share: np.ndarray,
    necrotic_share: np.ndarray,
    dt_h: float,
    p: VesselParams,
    rng: np.random.Generator,
    immature: np.ndarray | None = None,
) -> tuple[int, int]:
    """Sprout and regress vessels in place for one step; returns (sprouted, lost) counts.

    Args:
        vessels: bool vessel layer (updated).
        exposure_h: activation-weighted hours of each eligible site (updated).
        vegf: VEGF field (field units).
        tumor_share: fraction of each site's 3 x 3 neighbourhood held by tumor or debris.
        necrotic_share: fraction of each site's 3 x 3 neighbourhood that is necrotic debris.
        dt_h: step, h.
        p: the rules.
        rng: the model's random generator.
        immature: bool layer of sprouted vessels (updated: sprouts join, lost vessels leave);
            they depend on VEGF wherever they are. None: only co-opted vessels do.
    """
    reach = maximum_filter(vessels, size=2 * p.reach_sites + 1, mode="constant")
    near = maximum_filter(vessels, size=2 * p.gap_sites + 1, mode="constant")
    strength = activation(vegf, p.vegf_threshold)
    exposure_h[...] = np.where(reach & ~near, exposure_h + dt_h * strength, 0.0)
    ready = (exposure_h >= p.delay_h) & (necrotic_share < 0.5)
    sprout = ready & (rng.random(vessels.shape) < -np.expm1(-p.sprout_per_h * strength * dt_h))
    # One new vessel per neighbourhood per step: keep the sprouts that are local maxima of VEGF.
    if sprout.any():
        masked = np.where(sprout, vegf, -1.0)
        sprout &= masked >= maximum_filter(masked, size=2 * p.gap_sites + 1, mode="constant")
    dependent = tumor_share > 0.5
    if immature is not None:
        dependent = dependent | immature
    hazard = p.regression_per_h * (1.0 - strength) * dependent
    hazard = hazard + p.necrotic_loss_per_h * (necrotic_share >= 0.5)
    lost = vessels & (rng.random(vessels.shape) < -np.expm1(-hazard * dt_h))
    vessels[sprout] = True
    vessels[lost] = False
    exposure_h[sprout] = 0.0
    if immature is not None:
        immature[sprout] = True
        immature[lost] = False
    return int(sprout.sum()), int(lost.sum())


def activation(vegf: np.ndarray, half: float) -> np.ndarray:
    """Endothelial activation (0-1) at VEGF ``vegf`` (field units): ``v^4 / (v^4 + half^4)``."""
    v4 = np.square(np.square(np.maximum(vegf, 0.0) / half))
    return v4 / (v4 + 1.0)


def neighbourhood_share(mask: np.ndarray) -> np.ndarray:
    """Fraction of each site's 3 x 3 neighbourhood (itself included) where ``mask`` is True."""
    return uniform_filter(mask.astype(float), size=3, mode="constant")
