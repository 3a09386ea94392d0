"""Views of the aging cohort for the dashboard and snapshots (the engine's protocol).

Every organism is a tile of the mosaic: its somatic lattice, then a column of its stem cells.
"""

from __future__ import annotations

import numpy as np

from mtor_abm.model.scenarios.aging_params import FUNCTIONAL, SENESCENT

#: Categories of the mosaic view, in code order.
CATEGORIES = ("functional", "damaged", "senescent", "stem", "exhausted stem", "dead organism")
DAMAGED_LEVEL = 2.0
"""Damage (relative to the young steady state) above which the view calls a cell damaged."""


class AgingViews:
    """Mixin of the view methods; the model provides ``status``, ``stem_active``, ``sasp``,
    ``total_damage`` and the cohort's ``mosaic``, ``locate``, ``per_org`` and ``cell_readouts``."""

    def tile_codes(self) -> np.ndarray:
        """Category codes of every organism's tile: soma rows, then a row of stem cells."""
        side = int(self.scenario.lattice)
        codes = np.full((self.n_org, side, side + 1), -1, dtype=np.int16)
        soma = np.where(self.status == FUNCTIONAL, 0, -1).astype(np.int16)
        damaged = self.total_damage()[:, : self.n_soma] > DAMAGED_LEVEL
        soma[(self.status == FUNCTIONAL) & damaged] = 1
        soma[self.status == SENESCENT] = 2
        codes[:, :, :side] = soma.reshape(self.n_org, side, side)
        shown = min(self.n_stem, side)
        codes[:, :shown, side] = np.where(self.stem_active[:, :shown], 3, 4)
        codes[~self.alive] = 5
        return codes

    def category_layer(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Mosaic of the organisms (functional/damaged/senescent/stem/exhausted/dead)."""
        return self.mosaic(self.tile_codes(), -1), CATEGORIES

    def _tile_values(self, flat: np.ndarray) -> np.ndarray:
        """Per-cell values (flat table order) as tiles [organism, side, side + 1]."""
        side = int(self.scenario.lattice)
        values = self.per_org(flat)
        tiles = np.full((self.n_org, side, side + 1), np.nan)
        tiles[:, :, :side] = values[:, : self.n_soma].reshape(self.n_org, side, side)
        shown = min(self.n_stem, side)
        tiles[:, :shown, side] = values[:, self.n_soma : self.n_soma + shown]
        codes = self.tile_codes()
        tiles[(codes < 0) | (codes == 5)] = np.nan
        return tiles

    def readout_layers(self) -> dict[str, np.ndarray]:
        """Per-site readouts (NaN = empty or dead): signalling relative to reference, damage."""
        layers = {
            k: self.mosaic(self._tile_values(v), np.nan) for k, v in self.cell_readouts().items()
        }
        layers["damage"] = self.mosaic(self._tile_values(self.total_damage().ravel()), np.nan)
        return layers

    def field_layers(self) -> dict[str, np.ndarray]:
        """The SASP field (1 = surrounded by senescent cells at reference translation)."""
        side = int(self.scenario.lattice)
        tiles = np.zeros((self.n_org, side, side + 1))
        tiles[:, :, :side] = self.sasp.reshape(self.n_org, side, side)
        return {"SASP": self.mosaic(tiles, np.nan)}

    def cell_state_at(self, x: int, y: int) -> dict | None:
        """The cell at mosaic site (x, y): state, damage and signalling readouts, or None."""
        where = self.locate(x, y)
        if where is None:
            return None
        o, tx, ty = where
        code = int(self.tile_codes()[o, tx, ty])
        if code < 0:
            return None
        side = int(self.scenario.lattice)
        col = tx * side + ty if ty < side else self.n_soma + tx
        row = o * self.cells_per_org + col
        values = {k: float(v[row]) for k, v in self.cell_readouts().items()}
        return {
            "cell_type": self.scenario.cell_type,
            "state": CATEGORIES[code],
            "organism": o,
            "damage": float(self.total_damage()[o, col]),
            **values,
        }
