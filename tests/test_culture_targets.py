"""Observations S13 and S14 (model/calibration/observations.toml) judged on the agent-based
dish itself (tests/culture_dish.py: the default 40 x 40 dish, 80 cells, 72 h, mean GI of seeds
1-3), not on the mean-field surrogate the calibration table is evaluated with.

* S13, rapalog dose-response in sensitive (PTEN-null) cells: everolimus GI reaches half of its
  plateau at 0.3-3 nM, and the plateau is partial, 0.4-0.8 (breast cancer line panels, e.g.
  Cancer Sci 2020; Neshat 2001 PNAS 98:10314).
* S14, PTEN loss makes cells more rapalog-sensitive through the network: GI at everolimus 10 nM
  of PTEN-null cells >= wild type + 0.15 (Neshat 2001 PNAS 98:10314; Majumder 2004 Nat Med
  10:594).
"""

import numpy as np
from culture_dish import dish_gi

CONCS_NM = np.array([0.1, 0.3, 1.0, 3.0, 10.0])
PLATEAU_NM = 100.0


def test_s13_everolimus_half_of_its_plateau_at_0_3_to_3_nM_and_a_partial_plateau():
    plateau = dish_gi("tumor_pten_null", "everolimus", PLATEAU_NM)
    assert 0.4 <= plateau <= 0.8
    gi = np.array([dish_gi("tumor_pten_null", "everolimus", c) for c in CONCS_NM])
    half = 0.5 * plateau
    assert gi[0] < half < gi[-1], f"half plateau {half:.3f} not crossed: {gi.round(3)}"
    # Concentration where the (monotone envelope of the) curve crosses half its plateau,
    # interpolated in log-concentration.
    half_nM = np.exp(np.interp(half, np.maximum.accumulate(gi), np.log(CONCS_NM)))
    assert 0.3 <= half_nM <= 3.0


def test_s14_pten_null_cells_more_everolimus_sensitive_than_wild_type():
    pten_null = dish_gi("tumor_pten_null", "everolimus", 10.0)
    wild_type = dish_gi("tumor_wild_type", "everolimus", 10.0)
    assert pten_null >= wild_type + 0.15, f"PTEN-null {pten_null:.3f}, wild type {wild_type:.3f}"
