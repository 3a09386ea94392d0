"""Parameters of the transplant scenario: the scenario's settings and the constants of its
tissue fields, antigen contact and donor APC loss (each with a unit and a source, or assumed).

The model itself is :mod:`model.scenarios.transplant`; T-cell behaviour constants are
:class:`model.scenarios.transplant_tcells.TCellParams`.
"""

from __future__ import annotations

from types import MappingProxyType

from mtor_abm.model.scenarios.base import Param, TissueScenario

# Fields (all assumed unless a source is given; dx = 20 um).
IL2_DIFFUSION_UM2_PER_S = 100.0
"""IL-2 diffusion in tissue, um^2/s (a 15 kDa protein; Oyler-Yaniv 2017 Immunity 46:609)."""
IL2_DECAY_PER_H = 10.0
"""IL-2 capture by cells not simulated (bystander T-cells, NK cells, tissue) and drainage,
1/h. Assumed so that IL-2 acts within ~sqrt(D / k) = 190 um of its source, near the 30-100 um
IL-2 niches measured by Oyler-Yaniv 2017 Immunity 46:609."""
CHEMOKINE_DIFFUSION_UM2_PER_S = 100.0
"""CXCL9/10 diffusion, um^2/s (an 8-10 kDa chemokine; assumed like IL-2)."""
CHEMOKINE_DECAY_PER_H = 1.0
"""Chemokine loss (binding to matrix, drainage), 1/h. Assumed."""
CHEMOKINE_GRAFT_PER_H = 1.0
"""Chemokine made per hour by an inflamed donor cell (relative units/h). Assumed (IFN-induced
CXCL9/10 in rejecting grafts; Hancock 2000 J Exp Med 192:1515)."""
CHEMOKINE_PATHOGEN_PER_H = 3.0
"""Chemokine made per hour by a fully infected site (relative units/h). Assumed."""
DRUG_DIFFUSION_UM2_PER_S = 50.0
"""Rapalog diffusion in tissue, um^2/s (a ~1 kDa lipophilic drug; assumed)."""
DRUG_TISSUE_LOSS_PER_H = 0.1
"""Drug loss in tissue (binding, metabolism), 1/h; vessels hold the blood level. Assumed."""
GRAFT_ANTIGEN = 0.4
"""TCR signal from contact with a donor parenchymal cell relative to a donor APC (no
co-stimulation from parenchyma; Lechler & Batchelor 1982 J Exp Med 155:31). Assumed."""
SYNAPSES_PER_SITE = 3.0
"""T-cells that one target cell can engage at once; more on a site share its antigen. Assumed
(a few conjugates per APC; Mempel 2004 Nature 427:154)."""
APC_DEATH_PER_H = 1.0 / 96.0
"""Loss of donor passenger APCs (emigration and death), 1/h (gone within ~1-2 weeks; Larsen
1990 J Exp Med 171:307). Assumed."""


class TransplantScenario(TissueScenario):
    """Parameters of the transplant scenario.

    Args:
        width: tissue width in lattice sites (20 um each).
        height: tissue height in lattice sites.
        graft_radius: radius of the donor graft disc, sites.
        donor_apcs: donor antigen-presenting cells in the graft at 0 h.
        vessels: vessel sites in the host tissue (T-cell entry, drug supply).
        naive_entry_per_day: alloreactive naive precursors entering per day (all vessels).
        rejection_threshold: graft surviving fraction below which the graft is rejected.
        infection: seed a pathogen at ``infection_day``.
        infection_day: day of inoculation.
        pathogen_precursors_per_day: pathogen-specific naive precursors entering per day.
        wound: open a surgical wound in host tissue at 0 h.
        wound_radius: wound radius, sites.
    """

    width: int = 44
    height: int = 44
    graft_radius: float = 8.0
    donor_apcs: int = 12
    vessels: int = 8
    naive_entry_per_day: float = 6.0
    rejection_threshold: float = 0.2
    infection: bool = False
    infection_day: float = 10.0
    pathogen_precursors_per_day: float = 5.0
    wound: bool = False
    wound_radius: float = 6.0

    PARAMETERS = MappingProxyType(
        {
            "width": Param("sites", "tissue width in lattice sites of 20 um", 20, 400),
            "height": Param("sites", "tissue height in lattice sites of 20 um", 20, 400),
            "graft_radius": Param("sites", "radius of the donor graft disc", 1, 100),
            "donor_apcs": Param(
                "cells", "donor antigen-presenting cells in the graft at 0 h", 0, 1000
            ),
            "vessels": Param(
                "sites", "vessels in host tissue (T-cell entry, drug supply)", 1, 1000
            ),
            "naive_entry_per_day": Param(
                "cells/day",
                "alloreactive naive precursors entering per day (1-10 % of T-cells are "
                "alloreactive, Suchin 2001; assumed rate)",
                0,
                1000,
            ),
            "rejection_threshold": Param(
                "fraction", "graft surviving fraction below which it is rejected (assumed)", 0, 1
            ),
            "infection": Param("bool", "seed a pathogen at infection_day"),
            "infection_day": Param("days", "day of inoculation with the pathogen", 0, 3650),
            "pathogen_precursors_per_day": Param(
                "cells/day",
                "pathogen-specific naive precursors entering per day (assumed)",
                0,
                1000,
            ),
            "wound": Param("bool", "open a surgical wound in host tissue at 0 h"),
            "wound_radius": Param("sites", "radius of the surgical wound", 1, 50),
        }
    )
