"""The organism agent of cohort scenarios: identity, birth and death of one small tissue.

A cohort model (``model.scenarios.cohort``) keeps every cell of every organism in arrays with
an organism index; the organism itself is a Mesa agent that only knows which tile of the
cohort it is and when it died, so survival analysis and the dashboard can ask it directly.
"""

from __future__ import annotations

import mesa


class Organism(mesa.Agent):
    """One member of a cohort.

    Args:
        model: the cohort model.
        index: this organism's row in the cohort's per-organism arrays (0 .. organisms-1).
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)
        self.death_day: float | None = None

    @property
    def alive(self) -> bool:
        """True until :meth:`die` is called."""
        return self.death_day is None

    def die(self, day: float) -> None:
        """Record death at age ``day`` (days since the cohort's day 0)."""
        if self.death_day is None:
            self.death_day = float(day)
