"""The culture medium's defaults, shared by the dish (:mod:`model.scenarios.culture`) and its
mean field (:func:`model.calibration.experiments.culture_cell_counts`), so the two cannot
drift apart.

The pericellular medium of a cell (its lattice site) exchanges with the well-mixed bulk and is
taken up by the cell in proportion to its translation:
``dn/dt = k_ex (bulk - n) - uptake * translation * n``.
"""

NUTRIENT_LEVEL = 1.0
"""Bulk medium nutrients (amino acids and glucose), relative: 1 = fresh complete medium."""

NUTRIENT_EXCHANGE_PER_H = 2.0
"""Exchange rate of the pericellular medium with the bulk, 1/h. Assumed."""

NUTRIENT_UPTAKE_PER_H = 0.5
"""Nutrient uptake rate of a cell growing at translation 1, 1/h. Assumed."""
