"""The ``ccrcc`` tumor genotype: VHL-null clear-cell renal carcinoma, constitutive HIF-alpha.

* Without pVHL, HIF-alpha escapes oxygen-dependent degradation (Maxwell 1999 Nature 399:271):
  at 40 mmHg (vessel-level oxygen, Vaupel 1989 Cancer Res 49:6449) the stabilised fraction of a
  VHL-null cell is 1, that of a wild-type cell ``1 / (1 + (40 / 12) ** 3) = 0.02629`` (Hill 3
  around ``hif_half_mmHg`` = 12 mmHg), so its HIF is ~38 x that of a wild-type cell with the
  same translation.
* HIF-alpha synthesis still needs mTORC1 (Hudson 2002 Mol Cell Biol 22:7004); rapalogs lower HIF
  in VHL-null renal carcinoma cells (Thomas 2006 Nat Med 12:122): under everolimus the ccRCC
  cell's HIF falls in proportion to its cap-dependent translation.
* The genotype acts through its cell type's ``vhl_loss``, not through its name.
"""

import numpy as np
import pytest

from mtor_abm.model import signaling as sg
from mtor_abm.model.cell_types import CELL_TYPES
from mtor_abm.model.pharmacology import UNTREATED, Regime, load_library
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import GENOTYPES, TUMOR, TumorScenario

LIBRARY = load_library()
TINY = {"width": 24, "height": 24, "seed_radius_sites": 5.0}
NORMOXIC_MMHG = 40.0
WILD_TYPE_STABLE = 1.0 / (1.0 + (40.0 / 12.0) ** 3)  # 0.02629


def _tumor_after(genotype: str, regime, hours: int) -> TumorModel:
    model = TumorModel(TumorScenario(rng=0, genotype=genotype, **TINY), regime, LIBRARY)
    for _ in range(hours):
        model.step()
    return model


def _hif_and_translation(model: TumorModel, o2_mmHg: float | None = None):
    """HIF-1a and cap-dependent translation of the tumor cells (oxygen set when given)."""
    if o2_mmHg is not None:
        model.fields["oxygen"].data[...] = o2_mmHg
    t = model.table
    tumor = t["type_id"] == TUMOR
    translation = sg.translation_rate(t.view(("s6k", "p4ebp1")))[tumor]
    return model.hif1a()[tumor], translation


def test_ccrcc_is_a_genotype_through_its_cell_type_vhl_loss():
    assert "ccrcc" in GENOTYPES
    assert CELL_TYPES["tumor_ccrcc"].vhl_loss == 1.0
    for genotype in ("pten_null", "tsc_null", "wild_type"):
        assert CELL_TYPES[f"tumor_{genotype}"].vhl_loss == 0.0
    assert TumorScenario.PARAMETERS["genotype"].choices == GENOTYPES


def test_vhl_null_cells_keep_hif_in_normoxia_wild_type_cells_lose_it():
    hif_vhl, tr_vhl = _hif_and_translation(_tumor_after("ccrcc", UNTREATED, 3), NORMOXIC_MMHG)
    hif_wt, tr_wt = _hif_and_translation(_tumor_after("wild_type", UNTREATED, 3), NORMOXIC_MMHG)
    np.testing.assert_allclose(hif_vhl, tr_vhl, rtol=1e-12)  # stabilised fraction 1
    np.testing.assert_allclose(hif_wt, WILD_TYPE_STABLE * tr_wt, rtol=1e-12)
    # Same network apart from vhl_loss: HIF ~38 x that of wild type, not merely above it.
    assert hif_vhl.mean() / hif_wt.mean() == pytest.approx(1.0 / WILD_TYPE_STABLE, rel=0.05)


def test_everolimus_lowers_vhl_null_hif_in_proportion_to_translation():
    """Everolimus held at 10 nM (blood, ~the 10 mg daily trough, SWOG S0931) from 0 h: after
    12 h the ccRCC cells' HIF / untreated HIF equals their translation / untreated translation,
    and falls (Thomas 2006)."""
    held = Regime("everolimus", 0.0, "fixed", start_day=0.0, conc_nM=10.0)
    hif_d, tr_d = _hif_and_translation(_tumor_after("ccrcc", held, 12), NORMOXIC_MMHG)
    hif_0, tr_0 = _hif_and_translation(_tumor_after("ccrcc", UNTREATED, 12), NORMOXIC_MMHG)
    assert hif_d.mean() / hif_0.mean() == pytest.approx(tr_d.mean() / tr_0.mean(), rel=1e-9)
    assert hif_d.mean() < 0.8 * hif_0.mean()
