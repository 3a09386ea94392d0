"""The mTOR network's variables, constants and inputs (see :mod:`model.signaling` for the wiring).

The names of the per-cell state variables (:data:`STATE_NAMES`), the time constants and the
network constants with their sources, what a cell senses (:class:`Inputs`), and the small
functions of them that the integrator and the outputs share (REDD1 induction by hypoxia, AKT
activity). No integration here: :mod:`model.signaling_integrator` advances the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

ArrayLike = float | np.ndarray

#: Names of the per-cell state variables, in storage order.
STATE_NAMES: tuple[str, ...] = (
    "irs1",  # IRS1 adaptor available to receptors (0-1)
    "rtk",  # receptor expression relative to basal (FOXO-driven; 1 = basal)
    "pip3",  # PI3K product PIP3 (0-1)
    "akt_t308",  # AKT phosphorylated at T308 (0-1)
    "akt_s473",  # AKT phosphorylated at S473 (0-1)
    "mtorc1",  # mTORC1 catalytic activity (0-1)
    "mtorc2",  # mTORC2 catalytic activity (0-1)
    "mtorc2_assembly",  # fraction of mTOR assembled into mTORC2 vs normal (0-1)
    "s6k",  # S6K phosphorylated at T389 (0-1)
    "p4ebp1",  # 4E-BP1 phosphorylated (0-1)
    "rapalog_adapt",  # slow tracker of FRB occupancy that makes the 4E-BP1 block transient
    "ulk1",  # ULK1 activity (0-1.5: mTORC1 release up to 1, plus AMPK activation)
    "autophagy",  # autophagic flux (1 ~ basal flux of a fed epithelial cell)
    "mtorc2_primed",  # slow tracker of mTORC2 catalytic capacity: T308 dips when it is lost
)

# Time constants, hours.
TAU_FAST_H = 0.05
"""Phosphorylation turnover of S6K, 4E-BP1, AKT and PIP3, h. pS6K falls within ~30 min of
amino-acid withdrawal and recovers within 10-30 min of re-addition (Hara 1998 JBC 273:14484)."""
TAU_MTOR_H = 0.03
"""mTORC1/2 activation by Rheb, Rag and PIP3 (minutes), h. Assumed."""
TAU_IRS1_H = 3.0
"""IRS1 re-accumulation after S6K feedback is relieved, h. AKT rises within hours of
rapamycin and stays up at 24 h (O'Reilly 2006 Cancer Res 66:1500); assumed 3 h."""
TAU_RTK_H = 10.0
"""FOXO-driven receptor re-expression (HER3, IGF1R, InsR), h: T308 rebound by 24-48 h under
dual inhibitors (Rodrik-Outmezguine 2011 Cancer Discov 1:248); assumed 10 h."""
TAU_RAPALOG_ADAPT_H = 2.0
"""Recovery of 4E-BP1 phosphorylation despite continued rapamycin, h: dips at 1-3 h, back to
>= 0.5 by 6 h (Choo 2008 PNAS 105:17414); assumed 2 h."""
TAU_AUTOPHAGY_H = 1.5
"""Autophagic flux following ULK1 activity (autophagosome formation and turnover), h. Assumed."""

# Network constants (dimensionless). Each is 'assumed' and tuned to the published pathway
# figures that tests/test_calibration_signaling.py checks (Choo 2008, Thoreen 2009, O'Reilly
# 2006, Rodrik-Outmezguine 2011, Hara 1998).
K_PIP3 = 1.0  # PI3K drive giving half-maximal PIP3
K_RHEB = 0.35  # AKT-T308 giving half-maximal TSC2 inhibition (Rheb-GTP)
K_AA = 0.25  # amino-acid level giving half-maximal Rag activation
AMPK_BLOCK = 0.85  # maximal mTORC1 inhibition by AMPK (TSC2 and raptor phosphorylation)
K_REDD1_O2 = 0.35
"""Oxygen (relative to normoxic tissue, ~20 mmHg) giving half-maximal REDD1 induction:
~7 mmHg, about 1 % O2, where hypoxia turns mTORC1 off within hours without energy depletion
(Brugarolas 2004 Genes Dev 18:2893). Assumed Hill form, coefficient 2."""
REDD1_TSC2_BLOCK = 0.9
"""Largest fraction of Rheb activity removed by fully induced REDD1, which frees TSC2 from
14-3-3 (DeYoung 2008 Genes Dev 22:239). It needs TSC1/2: TSC2-null cells keep S6K
phosphorylated in hypoxia (Brugarolas 2004). Assumed magnitude."""
K_S6K = 1.0
"""mTORC1 activity giving half-maximal S6K-T389 phosphorylation. Graded, not saturated, at the
reference cell's activity (~0.3): pS6K keeps rising well above it, as in TSC2-null cells,
whose S6K activity is several-fold that of wild type (Kwiatkowski 2002 Hum Mol Genet 11:525;
Zhang 2003 J Clin Invest 112:1223). It was 0.15 (S6K at 0.8 of its maximum in the reference
cell), which made PTEN-null and TSC-null cells no more rapalog-sensitive than wild type
(rows S13, S14 of the observation table). Assumed."""
N_S6K = 2.0  # Hill coefficient of S6K activation (two sites: T389 by mTORC1, then T229)
K_4EBP1 = 0.12  # mTORC1 activity giving half-maximal 4E-BP1 phosphorylation
K_ULK1 = 0.12  # mTORC1 activity giving half-maximal ULK1-S757 phosphorylation
K_FOXO = 0.06  # AKT activity giving half-maximal FOXO exclusion
RAPALOG_S6K_BLOCK = 0.995
"""Fraction of S6K access blocked by FRB-bound FKBP12-rapalog (near complete: Choo 2008)."""
RAPALOG_4EBP1_BLOCK_PEAK = 0.90
"""Fraction of 4E-BP1 phosphorylation blocked at the first hours of rapalog (Choo 2008)."""
RAPALOG_4EBP1_BLOCK_LATE = 0.30
"""Fraction of 4E-BP1 phosphorylation still blocked after adaptation (Choo 2008: partial).
With feedback relief raising mTORC1 input, 0.30 leaves p4EBP1 at 0.97 of untreated at 48 h of
sirolimus 20 nM, above row L02's 0.5-0.95; 0.40 meets L02 (0.93) and held-out L37, but takes
the late-start aging gain (A1, one seed) to +19 %, over its 6-18 % bound: left for
the aging recalibration. Assumed."""
RAPALOG_ULK1_BLOCK = 0.45
"""Fraction of ULK1-S757 phosphorylation blocked by rapalogs: partial, so ATP-competitive
inhibitors induce more autophagy (Thoreen 2009 JBC 284:8023; Kang 2013 Science)."""
K_GRB10 = 1.0
"""mTORC1 activity giving half-maximal Grb10 phosphorylation and stabilisation. Assumed: far
above the reference cell's (~0.3), so the loop acts where mTORC1 is constitutive (TSC loss)."""
N_GRB10 = 4.0
"""Hill coefficient of Grb10 accumulation in mTORC1 activity (phosphorylation-dependent
stabilisation; assumed steep so that cells with regulated mTORC1 keep their receptors)."""
GRB10_STRENGTH = 1.0
"""Receptor signalling (the slow ``rtk`` variable) is divided by ``1 + GRB10_STRENGTH x``
Grb10 accumulation: phosphorylated, stabilised Grb10 binds activated insulin/IGF-1
receptors (Hsu 2011 Science 332:1317; Yu 2011 Science 332:1322: TSC-null cells have low
PI3K-AKT partly through Grb10, besides the S6K -> IRS1 loop). Assumed magnitude: with it the
TSC2-null cell's basal S473 is ~0.3 of wild type (row L09: <= 0.6), ~0.4 without it."""
RAPALOG_GRB10_BLOCK = 0.5
"""Fraction of Grb10 phosphorylation blocked by FRB-bound FKBP12-rapalog: partial; Torin1
blocks it more fully (Hsu 2011). Assumed."""
T308_S473_PRIMING = 1.1
"""Loss of T308 per unit of recently lost mTORC2 capacity (``mtorc2_primed`` minus assembled,
uninhibited mTORC2: S473 priming of T308 that has not yet been compensated).
The dependence is transient: mTORC2 inhibition lowers T308 within the first hour
(Rodrik-Outmezguine 2011 Cancer Discov 1:248), while cells without mTORC2 (rictor loss) keep
T308 and the TSC2 -> mTORC1 -> S6K arm (Guertin 2006 Dev Cell 11:859; Jacinto 2006 Cell
127:125). Assumed magnitude, set for row S5 (T308 <= 0.8 at 1 h of Torin1: 0.77); it was 1.0
before PIP3 read the slow receptor variables at the sub-step midpoint (0.81 then)."""
T308_PER_PIP3 = 0.39
"""AKT-T308 phosphorylation per unit PIP3 (PDK1 and AKT both recruited by PIP3). Assumed:
keeps the reference cell's T308, and so its TSC2 -> Rheb -> mTORC1 operating point, where the
first release had it (within 2 %; there T308 = (0.2 + 0.8 S473) PIP3)."""
TAU_T308_PRIMING_H = 1.0
"""Time over which T308 stops depending on lost S473 (h): T308 is back by 2 h under an
mTORC2-only inhibitor (Guertin 2006) but down at 1 h under dual inhibitors (Rodrik-Outmezguine
2011). Assumed."""


class Inputs(NamedTuple):
    """What a cell senses this step (scalars or arrays over cells).

    Attributes:
        growth_factor: insulin/IGF (or IL-2 + TCR for T-cells) signal, 1 = serum / physiological.
        amino_acids: amino-acid availability, 1 = replete medium, 0 = withdrawn.
        energy: ATP/oxygen sufficiency, 1 = replete; AMPK activity is ``1 - energy``.
        occ_frb: fraction of mTORC1 FRB domains bound by FKBP12-rapalog (0-1).
        inh_mtorc1: fraction of mTORC1 kinase inhibited at the ATP site (0-1).
        inh_mtorc2: fraction of mTORC2 kinase inhibited at the ATP site (0-1).
        inh_calcineurin: fraction of calcineurin-NFAT signalling blocked (0-1): removes the
            cell's own NFAT-made share of the growth input (``nfat_il2_share``).
        oxygen: oxygen relative to normoxic tissue (1 = normoxia, 0 = anoxia); hypoxia
            induces REDD1, which inhibits mTORC1 through TSC2 (:func:`redd1_activity`).
            Energy depletion by severe hypoxia is the separate ``energy`` input.
    """

    growth_factor: ArrayLike = 1.0
    amino_acids: ArrayLike = 1.0
    energy: ArrayLike = 1.0
    occ_frb: ArrayLike = 0.0
    inh_mtorc1: ArrayLike = 0.0
    inh_mtorc2: ArrayLike = 0.0
    inh_calcineurin: ArrayLike = 0.0
    oxygen: ArrayLike = 1.0


def redd1_activity(oxygen: ArrayLike) -> np.ndarray:
    """REDD1 induced by hypoxia (0 at normoxia, 1 at anoxia), from relative ``oxygen``.

    A Hill function of coefficient 2 with half-maximal induction at :data:`K_REDD1_O2`,
    shifted and rescaled so that normoxia (oxygen >= 1) induces none.
    """
    o2 = np.clip(oxygen, 0.0, None)
    level = K_REDD1_O2**2 / (K_REDD1_O2**2 + np.square(o2))
    normoxic = K_REDD1_O2**2 / (K_REDD1_O2**2 + 1.0)
    return np.clip((level - normoxic) / (1.0 - normoxic), 0.0, 1.0)


def with_calcineurin_inhibition(inputs: Inputs, inh_calcineurin: ArrayLike) -> Inputs:
    """``inputs`` with the calcineurin block set (see :class:`Inputs`)."""
    return inputs._replace(inh_calcineurin=inh_calcineurin)


def akt_activity(state: Mapping[str, np.ndarray]) -> np.ndarray:
    """AKT activity towards FOXO and survival substrates: T308 times S473 enhancement (0-1)."""
    return state["akt_t308"] * (0.3 + 0.7 * state["akt_s473"])
