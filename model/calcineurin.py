"""Drug -> calcineurin-NFAT: the block of calcineurin by tacrolimus (through FKBP12, so it competes
with rapalogs) and cyclosporine (through cyclophilin) (:func:`calcineurin_inhibition`; pure
numpy, broadcast over cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mtor_abm.model.druglib import DrugLibrary
from mtor_abm.model.fkbp12 import cell_shape, fkbp12_total


def calcineurin_inhibition(
    conc_nM_by_species: Mapping[str, float | np.ndarray],
    fkbp12_level: float | np.ndarray,
    library: DrugLibrary,
) -> Any:
    """Fraction of calcineurin-NFAT signalling blocked (0-1), broadcast over cells.

    Calcineurin inhibitors act as drug-immunophilin complexes: tacrolimus through FKBP12
    (so its action scales with the FKBP12 it holds, and rapalogs compete for it), cyclosporine
    through cyclophilin (taken as never limiting: assumed). ``u = sum(w_i C_i / IC50_i)``,
    ``inh = u / (1 + u)``, with ``IC50_i`` the in-cell IC50 of the drug alone at normal FKBP12
    and, for an FKBP12 ligand, ``w_i = fkbp12_level * load_i / load_i_alone`` (its share of
    FKBP12 among all FKBP12 ligands present, relative to its share alone; see
    :func:`target_occupancy`); ``w_i = 1`` otherwise. Other species do nothing here.
    """
    fk, shape = cell_shape(conc_nM_by_species, fkbp12_level)
    total = fkbp12_total(conc_nM_by_species, library, shape)
    u = np.zeros(shape)
    for species, conc in conc_nM_by_species.items():
        drug = library.drug(species)
        if not drug.calcineurin_blocker:
            continue
        c = np.asarray(conc, dtype=float)
        ratio = c / drug.potency.ic50_calcineurin_nM
        if drug.fkbp12_ligand:
            # load / load alone = (a / total) / (a / (1 + a)) = (1 + a) / total
            a = drug.potency.unbound_fraction * c / drug.potency.kd_fkbp12_nM
            ratio = ratio * fk * (1.0 + a) / total
        u = u + ratio
    inh = u / (1.0 + u)
    return float(inh) if shape == () else inh
