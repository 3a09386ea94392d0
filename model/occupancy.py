"""Drug -> mTOR: FRB occupancy of FKBP12-anchored drugs (from the FKBP12 and ternary binding
constants and the cell's FKBP12) and ATP-site inhibition of mTORC1 and mTORC2 by kinase
inhibitors (:func:`target_occupancy`; pure numpy, broadcast over cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mtor_abm.model.druglib import DrugLibrary
from mtor_abm.model.fkbp12 import FKBP12_CELL_NM, cell_shape, fkbp12_total

# Bivalent kinase part without FKBP12: potency falls this many fold (assumed; RapaLink-1 needs
# FKBP12 to act at nM concentrations, Rodrik-Outmezguine 2016 Nature 534:272).
BIVALENT_KINASE_FKBP12_FREE_FOLD = 1000.0


def target_occupancy(
    conc_nM_by_species: Mapping[str, float | np.ndarray],
    fkbp12_level: float | np.ndarray,
    library: DrugLibrary,
) -> tuple[Any, Any, Any]:
    """Fractions ``(occ_frb, inh_mtorc1, inh_mtorc2)`` in [0, 1], broadcast over cells.

    Args:
        conc_nM_by_species: whole-blood-equivalent concentration (nM) per drug species, e.g.
            ``{"temsirolimus": c1, "sirolimus": c2}``; scalars or per-cell arrays.
        fkbp12_level: FKBP12 abundance relative to normal (1 = normal, 0 = knockout).
        library: the drug library the species names refer to.

    FRB occupancy (rapalogs, bivalent) from the binding constants: every FKBP12 ligand
    (rapalogs, bivalents and tacrolimus) competes for FKBP12 with its unbound concentration
    ``f_i C_i`` (``unbound_fraction``), ``a_i = f_i C_i / Kd_fkbp12_i``, so ligand i holds a
    fraction ``a_i / (1 + sum a)`` of the cell's FKBP12 ``F = fkbp12_level * FKBP12_CELL_NM``;
    its complex binds FRB with the ternary Kd and the bare drug with the direct Kd (Banaszynski
    2005 JACS 127:4715): ``z = sum_FRB(F a_i / (1 + sum a) / Kd_ternary_i + f_i C_i /
    Kd_direct_i)``,
    ``occ = z / (1 + z)``. A competing FKBP12 ligand without FRB affinity (tacrolimus) thus
    antagonises rapamycin (Bierer 1990 PNAS 87:9231; Dumont 1990 J Immunol 144:1418).
    Kinase inhibition (ATP-competitive, bivalent), per complex: Loewe-additive
    ``u = sum(C / IC50)``, ``inh = u^h / (1 + u^h)``; a bivalent species counts
    ``C / IC50 * (fkbp12 + 1/1000)`` (its kinase part is FRB-anchored; assumed fold). With several
    kinase species the Hill coefficient is their potency-weighted mean (assumed).
    """
    fk, shape = cell_shape(conc_nM_by_species, fkbp12_level)
    z, u1, u2, hill_weighted = (np.zeros(shape) for _ in range(4))
    total = fkbp12_total(conc_nM_by_species, library, shape)
    fkbp12_nM = fk * FKBP12_CELL_NM
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        c = np.asarray(conc, dtype=float)
        pot = drug.potency
        if drug.frb_anchored:
            free = pot.unbound_fraction * c
            complex_nM = fkbp12_nM * (free / pot.kd_fkbp12_nM) / total
            z = z + complex_nM / pot.kd_frb_ternary_nM + free / pot.kd_frb_direct_nM
        if drug.kinase_site:
            weight = fk + 1.0 / BIVALENT_KINASE_FKBP12_FREE_FOLD if drug.frb_anchored else 1.0
            r1 = weight * c / pot.ic50_mtorc1_nM
            u1 = u1 + r1
            u2 = u2 + weight * c / pot.ic50_mtorc2_nM
            hill_weighted = hill_weighted + r1 * pot.hill
    hill = np.divide(hill_weighted, u1, out=np.ones_like(u1), where=u1 > 0)
    occ_frb = z / (1.0 + z)
    inh1 = _hill_fraction(u1, hill)
    inh2 = _hill_fraction(u2, hill)
    if shape == ():
        return float(occ_frb), float(inh1), float(inh2)
    return occ_frb, inh1, inh2


def _hill_fraction(u: np.ndarray, hill: np.ndarray) -> np.ndarray:
    """u^h / (1 + u^h), written as 1 / (1 + u^-h) to stay finite for very large u (0 at u = 0)."""
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + np.power(u, -hill))
