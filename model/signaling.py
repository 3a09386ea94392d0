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
    AKT -| FOXO -> p27Kip1 -| G1->S      (the cell-cycle brake read by :func:`outputs`)
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

The network lives in three modules, whose public names this one re-exports (so callers write
``from mtor_abm.model import signaling as sg`` and ``sg.advance``): the variables, constants and
inputs in :mod:`model.signaling_constants`, the integrator in :mod:`model.signaling_integrator`,
the outputs for cell fates in :mod:`model.signaling_outputs`.

Integration: every variable relaxes towards a target computed from the others,
``dx/dt = (target - x) / tau``. Within each sub-step the target is frozen and the exact
exponential solution is used, so any step is stable; fast (minute) variables are updated
before the slow (hour) ones that read them, and slow ones follow a target ramped over each
sub-step. With the default sub-step (0.25 h, the first one shorter) a 1-h step stays within
8 % of a fine-step reference in the first hour after an abrupt input change, 4 % at 2 h and
3 % from 3 h on (tested in ``tests/test_signaling.py``).
"""

from __future__ import annotations

from mtor_abm.model.cell_types import CELL_TYPES as CELL_TYPES
from mtor_abm.model.cell_types import PARAM_DOMAINS as PARAM_DOMAINS
from mtor_abm.model.cell_types import PARAM_NAMES as PARAM_NAMES
from mtor_abm.model.cell_types import CellType as CellType
from mtor_abm.model.cell_types import cell_type as cell_type
from mtor_abm.model.cell_types import cell_type_params as cell_type_params
from mtor_abm.model.signaling_constants import AMPK_BLOCK as AMPK_BLOCK
from mtor_abm.model.signaling_constants import GRB10_STRENGTH as GRB10_STRENGTH
from mtor_abm.model.signaling_constants import K_4EBP1 as K_4EBP1
from mtor_abm.model.signaling_constants import K_AA as K_AA
from mtor_abm.model.signaling_constants import K_FOXO as K_FOXO
from mtor_abm.model.signaling_constants import K_GRB10 as K_GRB10
from mtor_abm.model.signaling_constants import K_PIP3 as K_PIP3
from mtor_abm.model.signaling_constants import K_REDD1_O2 as K_REDD1_O2
from mtor_abm.model.signaling_constants import K_RHEB as K_RHEB
from mtor_abm.model.signaling_constants import K_S6K as K_S6K
from mtor_abm.model.signaling_constants import K_ULK1 as K_ULK1
from mtor_abm.model.signaling_constants import N_GRB10 as N_GRB10
from mtor_abm.model.signaling_constants import N_S6K as N_S6K
from mtor_abm.model.signaling_constants import RAPALOG_4EBP1_BLOCK_LATE as RAPALOG_4EBP1_BLOCK_LATE
from mtor_abm.model.signaling_constants import RAPALOG_4EBP1_BLOCK_PEAK as RAPALOG_4EBP1_BLOCK_PEAK
from mtor_abm.model.signaling_constants import RAPALOG_GRB10_BLOCK as RAPALOG_GRB10_BLOCK
from mtor_abm.model.signaling_constants import RAPALOG_S6K_BLOCK as RAPALOG_S6K_BLOCK
from mtor_abm.model.signaling_constants import RAPALOG_ULK1_BLOCK as RAPALOG_ULK1_BLOCK
from mtor_abm.model.signaling_constants import REDD1_TSC2_BLOCK as REDD1_TSC2_BLOCK
from mtor_abm.model.signaling_constants import STATE_NAMES as STATE_NAMES
from mtor_abm.model.signaling_constants import T308_PER_PIP3 as T308_PER_PIP3
from mtor_abm.model.signaling_constants import T308_S473_PRIMING as T308_S473_PRIMING
from mtor_abm.model.signaling_constants import TAU_AUTOPHAGY_H as TAU_AUTOPHAGY_H
from mtor_abm.model.signaling_constants import TAU_FAST_H as TAU_FAST_H
from mtor_abm.model.signaling_constants import TAU_IRS1_H as TAU_IRS1_H
from mtor_abm.model.signaling_constants import TAU_MTOR_H as TAU_MTOR_H
from mtor_abm.model.signaling_constants import TAU_RAPALOG_ADAPT_H as TAU_RAPALOG_ADAPT_H
from mtor_abm.model.signaling_constants import TAU_RTK_H as TAU_RTK_H
from mtor_abm.model.signaling_constants import TAU_T308_PRIMING_H as TAU_T308_PRIMING_H
from mtor_abm.model.signaling_constants import ArrayLike as ArrayLike
from mtor_abm.model.signaling_constants import Inputs as Inputs
from mtor_abm.model.signaling_constants import akt_activity as akt_activity
from mtor_abm.model.signaling_constants import redd1_activity as redd1_activity
from mtor_abm.model.signaling_constants import (
    with_calcineurin_inhibition as with_calcineurin_inhibition,
)
from mtor_abm.model.signaling_integrator import CHUNK_CELLS as CHUNK_CELLS
from mtor_abm.model.signaling_integrator import FIRST_SUBSTEP_FRACTION as FIRST_SUBSTEP_FRACTION
from mtor_abm.model.signaling_integrator import advance as advance
from mtor_abm.model.signaling_integrator import new_state as new_state
from mtor_abm.model.signaling_integrator import ramp_factors as ramp_factors
from mtor_abm.model.signaling_integrator import substep_lengths as substep_lengths
from mtor_abm.model.signaling_outputs import TRANSLATION_S6K_SHARE as TRANSLATION_S6K_SHARE
from mtor_abm.model.signaling_outputs import nuclear_foxo as nuclear_foxo
from mtor_abm.model.signaling_outputs import outputs as outputs
from mtor_abm.model.signaling_outputs import reference_levels as reference_levels
from mtor_abm.model.signaling_outputs import reference_levels_of as reference_levels_of
from mtor_abm.model.signaling_outputs import relative_readouts as relative_readouts
from mtor_abm.model.signaling_outputs import translation_rate as translation_rate
