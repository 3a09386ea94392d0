"""FKBP12, the immunophilin every FKBP12 ligand (rapalogs, bivalents, tacrolimus) must load to act:
the cell's FKBP12 content, the competition of the ligands present for it, and the broadcast
shape of per-cell drug inputs (shared by :mod:`model.occupancy` and :mod:`model.calcineurin`).
"""

from __future__ import annotations

import numpy as np

from mtor_abm.model.druglib import DrugLibrary
from mtor_abm.model.errors import InputError

FKBP12_CELL_NM = 1000.0
"""FKBP12 in a cell with normal FKBP12 (``fkbp12_level`` 1), nM. Assumed ~1 uM: FKBP12 is an
abundant cytosolic protein, and its abundance is why a competing ligand must be in excess to
antagonise rapamycin (Bierer 1990 PNAS 87:9231). Conf C."""


def cell_shape(conc_nM_by_species, fkbp12_level):
    """(FKBP12 level array, broadcast cell shape); InputError for bad levels or values."""
    fk = np.asarray(fkbp12_level, dtype=float)
    if np.any(fk < 0) or not np.all(np.isfinite(fk)):
        raise InputError("fkbp12_level must be a non-negative number (1 = normal)")
    try:
        shape = np.broadcast_shapes(fk.shape, *(np.shape(c) for c in conc_nM_by_species.values()))
    except ValueError:
        raise InputError("concentrations and fkbp12_level must have matching cell shapes") from None
    for species, conc in conc_nM_by_species.items():
        c = np.asarray(conc, dtype=float)
        if np.any(c < 0) or not np.all(np.isfinite(c)):
            raise InputError(f"concentration of {species!r} must be non-negative nM")
    return fk, shape


def fkbp12_total(conc_nM_by_species, library: DrugLibrary, shape) -> np.ndarray:
    """``1 + sum(f_i C_i / Kd_fkbp12_i)`` over the FKBP12 ligands present: ligand i holds
    ``(C_i / Kd_i) / total`` of the free FKBP12 (competitive equilibrium, ligand in excess)."""
    total = np.ones(shape)
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        if drug.fkbp12_ligand:
            pot = drug.potency
            total = total + pot.unbound_fraction * np.asarray(conc, dtype=float) / pot.kd_fkbp12_nM
    return total
