"""Views of the transplant model for the dashboard and snapshots (the engine's protocol).

T-cells live on their own layer over the tissue, so every view overlays them: categories put
T-cell subsets on top of tissue kinds, readout layers show the mean of the T-cells on a site
where there are any, and ``cell_state_at`` reports the tissue cell and the T-cells on a site.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.agents.transplant import EFFECTOR, MEMORY, NAIVE, SUBSETS, TISSUE_KINDS, TREG
from mtor_abm.model import signaling as sg
from mtor_abm.model.scenarios import transplant_tcells as tc

CATEGORY_LABELS: tuple[str, ...] = (
    *TISSUE_KINDS,
    "wound",
    "pathogen",
    "vessel",
    "naive T",
    "effector T",
    "memory T",
    "Treg",
)
"""Labels of :meth:`TransplantModel.category_layer` codes."""


class TransplantViews:
    """Mixin of the view methods; the model provides ``kind_grid``, ``tcells`` and masks."""

    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Tissue kinds, open wound, vessels, pathogen, then T-cells on top (effector > Treg >
        memory > naive where several share a site)."""
        codes = self.kind_grid.astype(np.int16)
        n_kinds = len(TISSUE_KINDS)
        codes[self.wound_mask & (self.kind_grid < 0)] = n_kinds
        codes[self.vessel_mask] = n_kinds + 2
        codes[self.pathogen >= self.pathogen_params.antigen_load] = n_kinds + 1
        t = self.tcells
        if t.n:
            rank = np.array([0, 3, 1, 2])[t["subset"]]  # naive < memory < treg < effector
            top = np.full(codes.shape, -1)
            np.maximum.at(top, (t["x"], t["y"]), rank)
            base = n_kinds + 3
            subset_of_rank = np.array([NAIVE, MEMORY, TREG, EFFECTOR])
            has = top >= 0
            codes[has] = base + subset_of_rank[top[has]]
        return codes, CATEGORY_LABELS

    def cell_readouts(self) -> dict[str, np.ndarray]:
        """T-cells' readouts (T-cell table order) relative to the untreated reference cell."""
        return sg.relative_readouts(self.tcells.view(sg.STATE_NAMES))

    def readout_layers(self) -> dict[str, np.ndarray]:
        """Per-site readouts: tissue cells, overwritten by the mean of T-cells where present."""
        tissue = super().cell_readouts()
        t, tis = self.tcells, self.table
        shape = self.kind_grid.shape
        counts = tc.per_site_counts(t["x"], t["y"], np.ones(t.n), shape)
        out = {}
        for name, values in self.cell_readouts().items():
            layer = np.full(shape, np.nan)
            layer[tis["x"], tis["y"]] = tissue[name]
            sums = tc.per_site_counts(t["x"], t["y"], values, shape)
            has = counts > 0
            layer[has] = sums[has] / counts[has]
            out[name] = layer
        return out

    def field_layers(self) -> dict[str, np.ndarray]:
        """IL-2 (pM), chemokine (relative), drug (nM) and, with infection, pathogen load."""
        layers = super().field_layers()
        if self.scenario.infection:
            layers["pathogen"] = self.pathogen.copy()
        return layers

    def cell_state_at(self, x: int, y: int) -> dict[str, float] | None:
        """The tissue cell at (x, y) and the T-cells on it (counts and mean readouts)."""
        tis, t = self.table, self.tcells
        hit = np.flatnonzero((tis["x"] == x) & (tis["y"] == y))
        here = np.flatnonzero((t["x"] == x) & (t["y"] == y))
        if len(hit) == 0 and len(here) == 0:
            return None
        state: dict = {"cell_type": "none", "tissue": "empty"}
        if len(hit):
            row = int(hit[0])
            state["cell_type"] = self.cell_types[int(tis["type_id"][row])]
            state["tissue"] = TISSUE_KINDS[int(tis["kind"][row])]
            state.update({k: float(v[row]) for k, v in super().cell_readouts().items()})
        for code, name in enumerate(SUBSETS):
            state[f"tcells_{name}"] = float(np.sum(t["subset"][here] == code))
        if len(here):
            for name, values in self.cell_readouts().items():
                state[f"tcell_{name}"] = float(values[here].mean())
        return state
