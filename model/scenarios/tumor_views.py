"""Views of the tumor slice for the dashboard and snapshots (the engine's protocol)."""

from __future__ import annotations

import numpy as np

from mtor_abm.model.scenarios.tumor_params import DX_UM, TUMOR

CATEGORY_LABELS = ("tumor", "normal", "hypoxic tumor", "necrotic", "vessel")
"""Labels of :meth:`TumorModel.category_layer` codes 0-4."""


class TumorViews:
    """Mixin of the view methods; the model provides ``table``, ``necrotic``, ``vessels``,
    ``scenario``, ``oxygen_at_cells`` and ``hif1a``, and the engine's ``category_layer`` and
    ``cell_readouts``."""

    def tumor_region(self) -> np.ndarray:
        """Sites held by tumor cells or necrotic debris (the lesion)."""
        t = self.table
        region = self.necrotic.copy()
        is_tumor = t["type_id"] == TUMOR
        region[t["x"][is_tumor], t["y"][is_tumor]] = True
        return region

    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Codes: 0 tumor, 1 normal, 2 hypoxic tumor, 3 necrotic, 4 vessel (-1 empty)."""
        codes, _ = super().category_layer()
        t = self.table
        hypoxic = (t["type_id"] == TUMOR) & (self.oxygen_at_cells() < self.scenario.hypoxia_mmHg)
        codes[t["x"][hypoxic], t["y"][hypoxic]] = 2
        codes[self.necrotic] = 3
        codes[self.vessels] = 4
        return codes, CATEGORY_LABELS

    def cell_readouts(self) -> dict[str, np.ndarray]:
        """Engine readouts plus local oxygen (mmHg) and HIF-1a (0-1 per unit translation)."""
        out = super().cell_readouts()
        out["oxygen_mmHg"] = self.oxygen_at_cells()
        out["HIF1a"] = self.hif1a()
        return out

    def distance_to_vessel_um(self) -> np.ndarray:
        """Distance of every site to the nearest vessel, um (Euclidean)."""
        from scipy.ndimage import distance_transform_edt

        if not self.vessels.any():
            return np.full(self.vessels.shape, np.inf)
        return distance_transform_edt(~self.vessels) * DX_UM
