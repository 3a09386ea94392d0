"""The intracellular mTOR network, vectorised over all cells (pure numpy, no Mesa).

Every cell carries the same small network; cell types differ only in parameters
(:mod:`model.cell_types`, whose names this module re-exports). All
quantities are dimensionless activities (fraction of the maximal phosphorylation or activity);
readouts for users are reported relative to an untreated cell (see :mod:`model.pathway`).

Wiring (arrows are activation, ``-|`` inhibition)::

    growth factor -> RTK.IRS1 -> PI3K -> PIP3 -| PTEN
    PIP3 -> AKT-T308 (PDK1), PIP3 -> mTORC2 -> AKT-S473
    AKT -| TSC2 -| Rheb -> mTORC1 <- amino acids (Rag);  AMPK (energy stress) -| mTORC1
    hypoxia -> REDD1 -> TSC2 (releases TSC2 from 14-3-3; no effect without TSC1/2)
    mTORC1 -> S6K, 4E-BP1, ULK1-S757 (which holds autophagy off)
    S6K -| IRS1            (the negative feedback loop; Harrington 2004, O'Reilly 2006)
    AKT-S473 -| FOXO -> RTK expression   (slow feedback on receptor levels)
    mTORC1 -> Grb10 -| receptor signalling (slow; Hsu 2011, Yu 2011)

Drug action enters as three per-cell numbers computed by :mod:`model.pharmacology`:
``occ_frb`` (FKBP12-rapalog complex bound to mTORC1's FRB domain), ``inh_mtorc1`` and
``inh_mtorc2`` (ATP-site kinase inhibition). FRB occupancy blocks S6K almost completely but
4E-BP1 and ULK1 only partly (they are strong substrates that still get phosphorylated:
Choo 2008 PNAS 105:17414; Kang 2013 Science 341:1236566), and the 4E-BP1 block fades within
hours (Choo 2008). Prolonged FRB occupancy slowly prevents mTORC2 assembly in some cell
types (Sarbassov 2006 Mol Cell 22:159; Lamming 2012 Science 335:1638).

Left out, and why: S6K -> rictor T1135 (Dibble 2009 Mol Cell Biol 29:5657; Julien 2010 Mol
Cell Biol 30:908; Treins 2010 Oncogene 29:1003) changes mTORC2's activity towards AKT little
or not at all in those papers, so it would not change a readout here; rapalog-induced MAPK
activation through the same S6K -> IRS1 relief (Carracedo 2008 J Clin Invest 118:3065) needs
an ERK branch with outputs of its own (it matters for MEK-inhibitor combinations, which the
drug library does not have).

Integration: every variable relaxes towards a target computed from the others,
``dx/dt = (target - x) / tau``. Within each sub-step the target is frozen and the exact
exponential solution is used, so any step is stable; fast (minute) variables are updated
before the slow (hour) ones that read them, and slow ones follow a target ramped over each
sub-step. With the default sub-step (0.25 h, the first one shorter) a 1-h step stays within
8 % of a fine-step reference in the first hour after an abrupt input change, 4 % at 2 h and
3 % from 3 h on (tested in ``tests/test_signaling.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from mtor_abm.model.cell_types import CELL_TYPES as CELL_TYPES
from mtor_abm.model.cell_types import PARAM_DOMAINS as PARAM_DOMAINS
from mtor_abm.model.cell_types import PARAM_NAMES as PARAM_NAMES
from mtor_abm.model.cell_types import CellType as CellType
from mtor_abm.model.cell_types import cell_type as cell_type
from mtor_abm.model.cell_types import cell_type_params as cell_type_params
from mtor_abm.model.errors import InputError

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


def _hyperbolic(x: np.ndarray, k: float, out: np.ndarray) -> np.ndarray:
    """``out = x / (x + k)`` without temporaries."""
    np.add(x, k, out=out)
    np.divide(x, out, out=out)
    return out


def _relax(x: np.ndarray, target, factor, scratch: np.ndarray) -> None:
    """In place: move ``x`` a fraction ``factor`` of the way to ``target``."""
    np.subtract(target, x, out=scratch)
    scratch *= factor
    x += scratch


def _relax_ramp(x: np.ndarray, start: np.ndarray, end: np.ndarray, f, g, scratch) -> None:
    """In place: exact relaxation towards a target moving linearly from ``start`` to ``end``.

    Solves dx/dt = (T(t) - x)/tau over a sub-step h with T linear in t:
    ``x += f (start - x) + g (end - start)``, f = 1 - exp(-h/tau), g = 1 - f tau/h.
    Then ``start`` is overwritten with ``end`` (the next sub-step's starting target).
    """
    np.subtract(start, x, out=scratch)
    scratch *= f
    x += scratch
    np.subtract(end, start, out=scratch)
    scratch *= g
    x += scratch
    start[...] = end


def _ramp_factors(h: float, tau: float) -> tuple[float, float]:
    """(f, g) of :func:`_relax_ramp` for sub-step ``h`` and time constant ``tau`` (hours)."""
    f = -math.expm1(-h / tau)
    return f, 1.0 - f * tau / h


def _slow_targets(s, p, c, out_irs1, out_rtk, out_autophagy, scratch) -> None:
    """Targets of the slow feedback variables from the current fast state."""
    np.multiply(s["s6k"], p["feedback_strength"], out=out_irs1)
    out_irs1 += 1.0
    np.reciprocal(out_irs1, out=out_irs1)
    a = out_rtk
    np.multiply(s["akt_s473"], 0.7, out=a)
    a += 0.3
    a *= s["akt_t308"]  # AKT activity, as in akt_activity()
    a *= 1.0 / K_FOXO
    np.square(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)  # nuclear FOXO
    a *= p["foxo_rtk_gain"]
    a += 1.0
    # mTORC1 -> Grb10: receptor signalling held down where mTORC1 is high (TSC loss).
    g = scratch
    np.multiply(s["mtorc1"], c.grb10_access, out=g)
    g *= 1.0 / K_GRB10
    np.power(g, N_GRB10, out=g)
    np.divide(g, g + 1.0, out=g)
    g *= GRB10_STRENGTH
    g += 1.0
    a /= g
    np.multiply(s["ulk1"], 2.0, out=out_autophagy)
    out_autophagy += p["basal_autophagy"]


class _StepConstants:
    """Per-step products of inputs and parameters that stay fixed within the sub-steps."""

    def __init__(self, p: Mapping[str, ArrayLike], inp: Inputs, n: int):
        self.ampk = 1.0 - np.clip(inp.energy, 0.0, 1.0)
        aa2 = np.square(inp.amino_acids)
        rag = aa2 / (aa2 + K_AA * K_AA) * (1.0 + K_AA * K_AA)
        # PIP3 target: PI3K makes it, PTEN removes it; at steady state
        # kin drive (1 - PIP3) = kout PTEN PIP3, i.e. PIP3 = (drive / PTEN) / (drive / PTEN + K).
        growth = inp.growth_factor * (1.0 - p["nfat_il2_share"] * inp.inh_calcineurin)
        self.drive_gain = p["pi3k_gain"] * growth / p["pten_activity"]
        self.c1_capacity = rag * (1.0 - AMPK_BLOCK * self.ampk) * (1.0 - inp.inh_mtorc1)
        self.tsc_loss = p["tsc_loss"]
        # TSC2-dependent Rheb activity left by hypoxia-induced REDD1.
        self.redd1_rheb = 1.0 - REDD1_TSC2_BLOCK * redd1_activity(inp.oxygen)
        self.c2_capacity = 1.0 - inp.inh_mtorc2
        occ = inp.occ_frb
        self.occ = occ
        self.adaptation = p["rapalog_4ebp_adaptation"]
        self.s6k_access = 1.0 - RAPALOG_S6K_BLOCK * occ
        self.ulk1_access = 1.0 - RAPALOG_ULK1_BLOCK * occ
        self.block_4ebp1_late = RAPALOG_4EBP1_BLOCK_LATE * occ
        self.grb10_access = 1.0 - RAPALOG_GRB10_BLOCK * occ
        self.ulk1_gain = 0.5 + 0.5 * self.ampk
        self.ulk1_ampk = 0.5 * self.ampk
        self.assembly_target = 1.0 - p["mtorc2_rapalog_sensitivity"] * occ


FIRST_SUBSTEP_FRACTION = 0.5
"""The first sub-step of every advance is this fraction of the others: inputs change at
step boundaries, and the short first sub-step resolves the fast response to the change."""


def _substep_lengths(dt_h: float, substep_h: float) -> list[float]:
    """Sub-step lengths (h) covering ``dt_h``: a short first one, then equal ones <= substep_h."""
    n = max(1, math.ceil(dt_h / substep_h - 1e-9))
    if n == 1:
        return [dt_h]
    h = dt_h / (n - 1 + FIRST_SUBSTEP_FRACTION)
    return [h * FIRST_SUBSTEP_FRACTION] + [h] * (n - 1)


def advance(
    state: Mapping[str, np.ndarray],
    params: Mapping[str, ArrayLike],
    inputs: Inputs,
    dt_h: float,
    substep_h: float = 0.25,
) -> None:
    """Advance every cell's signalling state by ``dt_h`` hours, in place.

    Args:
        state: arrays keyed by :data:`STATE_NAMES` (one value per cell), updated in place.
        params: per-cell parameters keyed by :data:`PARAM_NAMES` (arrays or scalars).
        inputs: what the cells sense (:class:`Inputs`), held fixed over ``dt_h``.
        dt_h: time to advance, h (>= 0).
        substep_h: largest internal sub-step, h. The scheme is stable for any value; 0.25 h
            keeps a 1-h step within 8 % of a fine-step reference in the first hour after an
            abrupt input change and within 4 % after that (tests/test_signaling.py).
    """
    if not dt_h >= 0 or not math.isfinite(dt_h):
        raise InputError(f"dt_h must be a non-negative finite number of hours, got {dt_h}")
    if dt_h == 0:
        return
    n = len(state["s6k"])
    for lo in range(0, n, CHUNK_CELLS):
        block = slice(lo, min(lo + CHUNK_CELLS, n))
        _advance_block(
            {k: v[block] for k, v in state.items()},
            {k: _rows(v, block) for k, v in params.items()},
            Inputs(*(_rows(x, block) for x in inputs)),
            dt_h,
            substep_h,
        )


CHUNK_CELLS = 16_384
"""Cells advanced together: blocks small enough for the ~30 working arrays to stay in cache
(measured: ~8 M cell-updates/s per core in blocks vs ~4.5 M over 1M cells at once)."""


def _rows(value: ArrayLike, block: slice) -> ArrayLike:
    """The rows of a per-cell array in ``block`` (scalars apply to every cell)."""
    return value[block] if np.ndim(value) else value


def _advance_block(state, params, inputs: Inputs, dt_h: float, substep_h: float) -> None:
    """:func:`advance` on one block of cells (views into the caller's arrays)."""
    substeps = _substep_lengths(dt_h, substep_h)
    s, p = state, params
    n = len(s["s6k"])
    c = _StepConstants(p, inputs, n)
    turnover = np.asarray(p["mtorc2_turnover_per_h"])
    a, b, scratch = np.empty(n), np.empty(n), np.empty(n)
    # Slow variables relax towards targets that ramp over each sub-step (first-order hold),
    # which keeps the splitting error second order in the sub-step.
    irs1_t0, rtk_t0, auto_t0 = np.empty(n), np.empty(n), np.empty(n)
    irs1_t1, rtk_t1, auto_t1 = np.empty(n), np.empty(n), np.empty(n)
    _slow_targets(s, p, c, irs1_t0, rtk_t0, auto_t0, scratch)
    k_s6k_n = K_S6K**N_S6K
    first = True
    for h in substeps:
        f_fast = -math.expm1(-h / TAU_FAST_H)
        f_mtor = -math.expm1(-h / TAU_MTOR_H)
        f_adapt = -math.expm1(-h / TAU_RAPALOG_ADAPT_H)
        f_primed = -math.expm1(-h / TAU_T308_PRIMING_H)
        fg_irs1 = _ramp_factors(h, TAU_IRS1_H)
        half_irs1 = -math.expm1(-0.5 * h / TAU_IRS1_H)
        half_rtk = -math.expm1(-0.5 * h / TAU_RTK_H)
        fg_rtk = _ramp_factors(h, TAU_RTK_H)
        fg_auto = _ramp_factors(h, TAU_AUTOPHAGY_H)
        f_assembly = -np.expm1(-h * turnover)
        # PI3K -> PIP3 from receptor/adaptor availability at the sub-step's midpoint (the
        # slow variables predicted half a sub-step on towards their targets), so that the
        # fast PIP3 does not lag receptors on the move (S6K or Grb10 relief).
        np.subtract(rtk_t0, s["rtk"], out=a)
        a *= half_rtk
        a += s["rtk"]
        np.subtract(irs1_t0, s["irs1"], out=b)
        b *= half_irs1
        b += s["irs1"]
        a *= b
        a *= c.drive_gain
        _relax(s["pip3"], _hyperbolic(a, K_PIP3, b), f_fast, scratch)
        # mTORC2: assembled complex x PIP3 (SIN1 PH domain) x ATP site.
        np.multiply(s["pip3"], 0.5, out=a)
        a += 0.5
        a *= s["mtorc2_assembly"]
        a *= c.c2_capacity
        _relax(s["mtorc2"], a, f_mtor, scratch)
        # AKT: S473 by mTORC2 at the membrane; T308 by PDK1, primed by S473.
        np.multiply(s["mtorc2"], s["pip3"], out=a)
        _relax(s["akt_s473"], a, f_fast, scratch)
        np.multiply(s["mtorc2_assembly"], c.c2_capacity, out=b)
        _relax(s["mtorc2_primed"], b, f_primed, scratch)
        np.subtract(s["mtorc2_primed"], c.c2_capacity * s["mtorc2_assembly"], out=a)
        np.maximum(a, 0.0, out=a)
        a *= -T308_S473_PRIMING
        a += 1.0
        np.maximum(a, 0.0, out=a)
        a *= s["pip3"]
        a *= T308_PER_PIP3
        _relax(s["akt_t308"], a, f_fast, scratch)
        # mTORC1: Rheb (AKT -| TSC2 and REDD1 -> TSC2, or TSC loss) x Rag (amino acids)
        # x AMPK x ATP site.
        _hyperbolic(s["akt_t308"], K_RHEB, a)
        a *= c.redd1_rheb
        a *= 1.0 - c.tsc_loss
        a += c.tsc_loss
        a *= c.c1_capacity
        _relax(s["mtorc1"], a, f_mtor, scratch)
        # Substrates of mTORC1: S6K (FRB-blocked), 4E-BP1 (partly, transiently), ULK1.
        c1 = s["mtorc1"]
        np.multiply(c1, c.s6k_access, out=a)
        np.square(a, out=a)  # N_S6K = 2
        _relax(s["s6k"], _hyperbolic(a, k_s6k_n, b), f_fast, scratch)
        np.multiply(s["rapalog_adapt"], c.adaptation, out=a)
        np.subtract(c.occ, a, out=a)
        np.maximum(a, 0.0, out=a)
        a *= RAPALOG_4EBP1_BLOCK_PEAK - RAPALOG_4EBP1_BLOCK_LATE
        a += c.block_4ebp1_late
        np.subtract(1.0, a, out=a)
        a *= c1
        _relax(s["p4ebp1"], _hyperbolic(a, K_4EBP1, b), f_fast, scratch)
        np.multiply(c1, c.ulk1_access, out=a)
        _hyperbolic(a, K_ULK1, b)  # ULK1-S757 phosphorylation holds ULK1 off
        np.subtract(1.0, b, out=b)
        b *= c.ulk1_gain
        b += c.ulk1_ampk
        _relax(s["ulk1"], b, f_fast, scratch)
        # Slow variables read the freshly updated fast ones. Inputs change at step
        # boundaries and the fast variables follow within minutes, so over the first sub-step
        # the slow targets are taken as having jumped to their new values at its start.
        _slow_targets(s, p, c, irs1_t1, rtk_t1, auto_t1, scratch)
        if first:
            irs1_t0[...], rtk_t0[...], auto_t0[...] = irs1_t1, rtk_t1, auto_t1
            first = False
        _relax_ramp(s["irs1"], irs1_t0, irs1_t1, *fg_irs1, scratch)
        _relax_ramp(s["rtk"], rtk_t0, rtk_t1, *fg_rtk, scratch)
        _relax_ramp(s["autophagy"], auto_t0, auto_t1, *fg_auto, scratch)
        _relax(s["rapalog_adapt"], c.occ, f_adapt, scratch)
        _relax(s["mtorc2_assembly"], c.assembly_target, f_assembly, scratch)


def new_state(n: int, params: Mapping[str, ArrayLike], inputs: Inputs | None = None):
    """State arrays for ``n`` cells at their untreated steady state for ``inputs``.

    The steady state is found by integrating the network for 200 h without drug (all
    variables relax well within that), so the result is exactly consistent with
    :func:`advance`.
    """
    inputs = inputs or Inputs()
    untreated = inputs._replace(occ_frb=0.0, inh_mtorc1=0.0, inh_mtorc2=0.0)
    state = {name: np.full(n, 0.5) for name in STATE_NAMES}
    state["irs1"][:] = 0.5
    state["rtk"][:] = 1.0
    state["mtorc2_assembly"][:] = 1.0
    state["rapalog_adapt"][:] = 0.0
    state["autophagy"][:] = 1.0
    state["mtorc2_primed"][:] = 1.0
    advance(state, params, untreated, 200.0, substep_h=0.25)
    return state


# ---------------------------------------------------------------- outputs for cell fates
TRANSLATION_S6K_SHARE = 0.3
"""Share of translation/growth carried by S6K; the rest is eIF4E released by 4E-BP1
phosphorylation (Thoreen 2012 Nature 485:109: most mTOR-sensitive translation goes through
4E-BPs). Assumed split."""


def translation_rate(state: Mapping[str, np.ndarray]) -> np.ndarray:
    """Protein synthesis / growth rate, 1.0 for the untreated fed reference epithelial cell."""
    ref = reference_levels()
    rate = state["s6k"] * (TRANSLATION_S6K_SHARE / ref["s6k"])
    rate += state["p4ebp1"] * ((1.0 - TRANSLATION_S6K_SHARE) / ref["p4ebp1"])
    return rate


def outputs(state: Mapping[str, np.ndarray], params: Mapping[str, ArrayLike]):
    """Cell-level outputs, each ~1.0 for an untreated, fed reference epithelial cell.

    Returns a dict of arrays:
        translation: protein synthesis / growth rate (:func:`translation_rate`).
        proliferation: G1->S permission (4E-BP1/eIF4E, plus S6K by cell type; Dowling 2010).
        survival: AKT survival signal (S473-weighted AKT activity).
        autophagy: autophagic flux.
    """
    ref = reference_levels()
    s6k = state["s6k"] / ref["s6k"]
    p4 = np.power(state["p4ebp1"] / ref["p4ebp1"], params["prolif_4ebp_hill"])
    w = params["prolif_s6k_weight"]
    proliferation = p4 - w * p4
    proliferation += w * s6k
    return {
        "translation": translation_rate(state),
        "proliferation": proliferation,
        "survival": akt_activity(state) / ref["akt"],
        "autophagy": state["autophagy"] / ref["autophagy"],
    }


def relative_readouts(state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-cell readouts relative to the untreated, fed reference epithelial cell (1 = it).

    ``mTORC1`` is the complex's activation by upstream signals (a rapalog leaves it on and
    blocks its substrates' access); ``pS6K``, ``p4EBP1`` are its outputs, ``pAKT_S473``
    mTORC2's, ``autophagy`` the autophagic flux.
    """
    ref = reference_levels()
    return {
        "mTORC1": state["mtorc1"] / ref["mtorc1"],
        "pS6K": state["s6k"] / ref["s6k"],
        "p4EBP1": state["p4ebp1"] / ref["p4ebp1"],
        "pAKT_S473": state["akt_s473"] / ref["akt_s473"],
        "autophagy": state["autophagy"] / ref["autophagy"],
    }


@functools.cache
def reference_levels() -> Mapping[str, float]:
    """Untreated steady-state levels of the fed reference epithelial cell (a pure constant)."""
    st = new_state(1, cell_type_params("epithelial"))
    return MappingProxyType(
        {
            "mtorc1": float(st["mtorc1"][0]),
            "s6k": float(st["s6k"][0]),
            "p4ebp1": float(st["p4ebp1"][0]),
            "akt": float(akt_activity(st)[0]),
            "akt_s473": float(st["akt_s473"][0]),
            "autophagy": float(st["autophagy"][0]),
        }
    )
