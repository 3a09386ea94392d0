"""TFEB-driven lysosomal capacity: the slow arm of autophagy induction under mTORC1 inhibition.

mTORC1 holds autophagy off at two levels. Fast: it phosphorylates ULK1 at S757 (Kim 2011 Nat
Cell Biol 13:132), which the signalling model carries (its ``ulk1`` state and the autophagic
flux that follows it within hours). Slow: it phosphorylates TFEB (S142/S211) and keeps it out
of the nucleus; when mTORC1 falls TFEB enters the nucleus and drives the lysosomal and
autophagy genes (CLEAR network), so lysosome number and degradative capacity rise over days
(Sardiello 2009 Science 325:473; Settembre 2011 Science 332:1429; Settembre 2012 EMBO J
31:1095). TFEB's sites, like ULK1-S757, are only partly blocked by rapalogs and fully by
ATP-competitive inhibitors (Martina 2012 Autophagy 8:903; Kang 2013 Science 341:1236566), so
the cohort scenarios read TFEB's release from the network's ULK1 activity relative to the
untreated reference cell: no drug-specific constant enters.

Per cell, the lysosomal capacity ``L`` (1 = untreated reference cell) relaxes with time
constant ``tau`` (days) to

    L* = L_max / (1 + (L_max - 1) exp(-s (r - 1))),   s = g L_max / (L_max - 1),

a logistic in the relative ULK1 activity ``r`` that is 1 at ``r = 1``, rises with slope ``g``
there and saturates at ``L_max`` (TFEB overexpression raises lysosomal capacity about 2-3 fold:
Sardiello 2009; Settembre 2011). The scenarios multiply the network's autophagic flux by ``L``.

The slope ``g = 2`` (assumed value) makes lysosomal capacity follow mTORC1 release more
steeply than ULK1 does: nuclear TFEB induces its own gene, so a small release is amplified
(the autoregulatory loop of Settembre 2013 Nat Cell Biol 15:647). With the mouse cohorts'
free blood drug (:meth:`model.druglib.DrugLibrary.acting_nM`: 0.45 of a blood level acts as
in a medium), steady autophagic flux (network flux x ``L``, untreated 1.0) is graded over the
diet doses the aging literature used:

=========  ==============  ===============  =====================
diet       blood (male)    FRB occupancy    autophagic flux
=========  ==============  ===============  =====================
4.7 ppm    1.5 nM          0.58             1.24
14 ppm     4.4 nM          0.80             1.42
42 ppm     13 nM           0.91             1.58
126 ppm    39 nM           0.96             1.66
=========  ==============  ===============  =====================

(cohort means over 100 organisms after 30 days, epithelial cells; with ``g = 0.5`` and the
blood level read as a culture concentration they were 1.15 / 1.21 / 1.25 / 1.27).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.cell_types import cell_type_params
from mtor_abm.model.scenarios.base import Param

TFEB_GAIN = 2.0
"""Default slope of lysosomal capacity in relative ULK1 activity (see TFEB_PARAMETERS)."""
LYSOSOME_MAX = 3.0
"""Default saturating lysosomal capacity, relative (see TFEB_PARAMETERS)."""
TFEB_TAU_DAYS = 3.0
"""Default time constant of lysosomal capacity, days (see TFEB_PARAMETERS)."""

#: The TFEB arm's scenario parameters (shared by the aging and neuro cohorts).
TFEB_PARAMETERS = MappingProxyType(
    {
        "tfeb_gain": Param(
            "relative/relative",
            "rise of lysosomal capacity per relative rise of ULK1 activity at the untreated "
            "level: TFEB shares ULK1-S757's partial rapalog sensitivity (Settembre 2012 EMBO J "
            "31:1095; Martina 2012 Autophagy 8:903) and amplifies it through its autoregulatory "
            "loop (Settembre 2013 Nat Cell Biol 15:647); the value 2 is assumed",
            0,
            100,
        ),
        "lysosome_max": Param(
            "relative",
            "lysosomal capacity under full TFEB activation (assumed; TFEB overexpression "
            "raises lysosome number and autophagic degradation ~2-3 fold: Sardiello 2009 "
            "Science 325:473, Settembre 2011 Science 332:1429)",
            1,
            20,
        ),
        "tfeb_tau_days": Param(
            "days",
            "time constant of lysosomal biogenesis following nuclear TFEB (assumed; CLEAR "
            "gene expression and new lysosomes over 1-3 days: Sardiello 2009)",
            0,
            100,
        ),
    }
)


def reference_ulk1(cell_type: str) -> float:
    """Untreated, fed steady-state ULK1 activity of a ``cell_type`` cell at growth factor 1."""
    params = {k: np.array([v]) for k, v in cell_type_params(cell_type).items()}
    return float(sg.new_state(1, params, sg.Inputs())["ulk1"][0])


def lysosome_target(ulk1_rel: np.ndarray, gain: float, maximum: float) -> np.ndarray:
    """Steady-state lysosomal capacity for relative ULK1 activity ``ulk1_rel`` (any shape).

    ``gain``: slope dL*/dr at r = 1 (relative capacity per relative ULK1 activity);
    ``maximum``: the saturating capacity L_max (> 1). Returns an array of the same shape,
    in (0, maximum), equal to 1 where ``ulk1_rel`` is 1.
    """
    if maximum <= 1.0:
        return np.ones_like(ulk1_rel)
    s = gain * maximum / (maximum - 1.0)
    x = np.clip(-s * (ulk1_rel - 1.0), -50.0, 50.0)
    return maximum / (1.0 + (maximum - 1.0) * np.exp(x))


def relax_lysosome(capacity: np.ndarray, target: np.ndarray, tau_days: float) -> None:
    """Advance ``capacity`` by one day towards ``target``, exactly for a held target (in place)."""
    f = -math.expm1(-1.0 / tau_days) if tau_days > 0 else 1.0
    capacity += f * (target - capacity)
