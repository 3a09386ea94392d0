"""T-cell rules of the transplant scenario, vectorised over the T-cell table.

What a T-cell senses (TCR contact, IL-2), how that drives its mTOR network (the ``tcell`` type
of :mod:`model.signaling`), and how the network's outputs set its cycle, differentiation,
death and movement. Pure numpy functions of arrays; the model calls them once per step.

Wiring (Powell & Delgoffe 2010 Immunity 33:301; Chi 2012 Nat Rev Immunol 12:325):
TCR + CD28 and IL-2 -> PI3K -> AKT -> mTORC1 -> S6K -> G1->S (Terada 1993 JBC 268:3734:
rapamycin ~1 nM stops IL-2-driven proliferation); IL-2 also gates the cycle through its
receptor (STAT5). High mTORC1 drives effector differentiation; low mTORC1 favours memory
precursors (Araki 2009 Nature 460:108) and FoxP3 induction (Kopf 2007 Int Immunopharmacol
7:1819; Battaglia 2005 Blood 105:4743), at divisions (:func:`daughter_subsets`) and between
them (:func:`subset_transitions`: the effector-to-memory transition, which rapamycin speeds;
Araki 2009), so a drug that stops division still shifts fates. Natural Tregs enter with the
naive precursors; Tregs need IL-2 (STAT5) and keep expanding in rapamycin through
FoxP3-induced PIM2 (Basu 2008 J Immunol 180:5794; Strauss 2007 J Immunol 178:320).
Cytotoxicity is mTOR-independent in the short term (Dumont 1990 J Immunol 144:251: rapamycin
does not block CTL killing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtor_abm.agents.transplant import EFFECTOR, MEMORY, NAIVE, TREG
from mtor_abm.model import neighbourhood as nb
from mtor_abm.model import signaling as sg


@dataclass(frozen=True)
class TCellParams:
    """T-cell behaviour constants (each with a unit and a source, or 'assumed').

    Args:
        gf_rest: growth-factor input of a resting naive T-cell (tonic IL-7/TCR), relative
            to serum 1. Assumed.
        gf_tcr: growth-factor input from full TCR + CD28 signal. Assumed.
        gf_il2: growth-factor input at saturating IL-2 (full IL-2R occupancy). Assumed; TCR +
            IL-2 together give ~2, the activated level of ``mtor-sim pathway --cell-type tcell``.
        il2_kd_pM: IL-2 at half-maximal high-affinity receptor occupancy, pM (Kd ~10 pM for
            IL-2Ralpha-beta-gamma; Wang & Smith 1987 J Exp Med 166:1055).
        g1_min_h: shortest G1 of an activated T-cell at full IL-2 and mTORC1 output, h.
        sg2m_h: S + G2 + M of an activated T-cell, h. With ``g1_min_h`` a cycle of ~8 h at the
            peak of expansion (Murali-Krishna 1998 Immunity 8:177; S phase ~5 h in
            CD8 blasts, Yoon 2010 J Immunol 185:2771).
        treg_mtor_independence: share of a Treg's G1 drive that needs no mTORC1 (FoxP3-induced
            PIM2; Basu 2008 J Immunol 180:5794). Assumed 0.4.
        tcr_decay_h: time constant of TCR-signal decay after antigen contact ends, h. Assumed
            (sustained signalling over hours; Iezzi 1998 Immunity 8:89).
        activation_per_h: activation hazard of a naive cell on a full-strength APC, 1/h.
            Assumed (priming takes hours of contact; Mempel 2004 Nature 427:154).
        p_mem_base, p_mem_low_mtor: probability that a dividing conventional T-cell's daughter
            is a memory precursor, at full mTORC1 and the extra share at none. Assumed:
            ~5 % memory precursors at the peak untreated, several-fold more under rapamycin
            (Araki 2009 Nature 460:108; Kaech 2003 Nat Immunol 4:1191).
        p_treg_base, p_treg_low_mtor: probability per division that a conventional daughter
            turns on FoxP3 (induced Treg), at full mTORC1 and extra at none. Assumed (Kopf 2007;
            Battaglia 2005; Haxhinasto 2008 J Exp Med 205:565: PI3K-AKT-mTOR blocks FoxP3).
        memory_transition_per_h: hazard that an effector becomes a memory precursor
            (KLRG1lo CD127hi) without dividing, at no mTORC1 output, 1/h; it scales with
            ``1 - mTORC1`` (:func:`subset_transitions`): rapamycin given during the contraction
            accelerates the effector-to-memory transition (Araki 2009 Nature 460:108; Rao 2010
            Immunity 32:67: mTORC1 holds T-bet up and Eomes down). 0.003 makes the contraction
            leave ~5-10 % memory (Murali-Krishna 1998 Immunity 8:177; Kaech 2002 Nat Rev
            Immunol 2:251): without IL-2 and antigen an effector dies at
            ``effector_death_per_h + withdrawal_death_per_h`` = 0.034/h and its pS6K falls to
            ~0.15 of the activated level, so 0.003 x 0.85 / (0.003 x 0.85 + 0.034) = 7 %.
        foxp3_induction_per_h: hazard that a TCR-engaged conventional T-cell turns on FoxP3
            (induced Treg) without dividing, at full TCR signal and no mTORC1 output, 1/h; it
            scales with ``TCR x (1 - mTORC1)``: TCR signalling with PI3K-AKT-mTOR inhibited
            induces FoxP3 (Sauer 2008 PNAS 105:7797; Haxhinasto 2008 J Exp Med 205:565; Kopf
            2007 Int Immunopharmacol 7:1819). Assumed: ~10 % of engaged cells in 2 days under
            full mTORC1 inhibition (Sauer 2008: ~10-20 % Foxp3+ after 18 h of TCR stimulation
            then withdrawal with a PI3K/mTOR inhibitor, in vitro with TGF-beta absent).
        natural_tregs_per_naive: natural (thymic) Tregs entering the tissue per entering
            conventional alloreactive precursor. Assumed 0.1: FoxP3+ cells are 5-10 % of CD4
            T-cells (Sakaguchi 2008 Cell 133:775), with a similar alloreactive frequency.
        naive_egress_per_h: hazard that a naive T-cell leaves the tissue without meeting
            antigen, 1/h. Assumed (tissue transit of about a day).
        effector_death_per_h: basal death hazard of an effector, 1/h. Assumed.
        withdrawal_death_per_h: extra effector death hazard without IL-2 and antigen, 1/h.
            Assumed: effectors halve in ~1 day during contraction, ~90-95 % lost
            (Murali-Krishna 1998 Immunity 8:177; Kaech 2002 Nat Rev Immunol 2:251).
        memory_death_per_h: death hazard of memory precursors, 1/h. Assumed (half-life ~2
            weeks while the memory pool settles after contraction; Kaech 2003).
        treg_death_per_h: extra Treg death hazard without IL-2, 1/h (Tregs need IL-2;
            Fontenot 2005 Nat Immunol 6:1142). Assumed.
        kill_per_h: lysis hazard of a donor cell under one effector, 1/h. Assumed (one CTL
            kills a target in ~0.5-6 h in tissue; Halle 2016 Immunity 44:233). mTOR-independent
            (Dumont 1990).
        treg_half: activated Tregs (each weighted by its TCR signal, 0-1) in the 3x3
            neighbourhood halving effector killing, IL-2 output and proliferation. Assumed
            (contact suppression; Tang 2006 Nat Immunol 7:83).
        il2_secretion_pM_per_h: IL-2 released into its site per hour by a fully TCR-stimulated
            conventional T-cell, pM/h. Assumed: set so that a lone producer sees ~10 pM on its
            own site against the bystander sink of the IL-2 field (autocrine half-occupancy).
            Calcineurin-dependent, not blocked by rapamycin (Dumont 1990).
        il2_uptake_per_h: IL-2 capture on a site by one activated conventional T-cell (CD25+),
            1/h. Assumed: a few T-cells on a site capture as much as the bystander sink.
        il2_uptake_treg_per_h: IL-2 capture by a Treg (CD25 high), 1/h. Assumed 3x
            (Oyler-Yaniv 2017 Immunity 46:609: Tregs shape IL-2 niches by consumption).
        moves_per_h: lattice steps per hour (20 um each); ~2-5 um/min in tissue (Mempel 2004).
            Assumed.
        chemotaxis: bias of a step up the chemokine gradient (weight exp(chemotaxis * relative
            difference)). Assumed.
        max_divisions: divisions of a primed precursor's progeny before they stop (programmed
            clonal burst, 2^9 = 512 cells per precursor). Assumed, within the 7-15 divisions
            after priming (Kaech & Ahmed 2001 Nat Immunol 2:415; Murali-Krishna 1998).
        first_division_g1: G1 of the first division after priming, in units of a normal G1
            (the first division comes ~1-1.5 days after priming, later ones every ~8 h;
            Kaech & Ahmed 2001). Assumed.
    """

    gf_rest: float = 0.05
    gf_tcr: float = 0.5
    gf_il2: float = 1.5
    il2_kd_pM: float = 10.0
    g1_min_h: float = 3.0
    sg2m_h: float = 5.0
    treg_mtor_independence: float = 0.4
    tcr_decay_h: float = 24.0
    activation_per_h: float = 0.2
    p_mem_base: float = 0.05
    p_mem_low_mtor: float = 0.45
    p_treg_base: float = 0.01
    p_treg_low_mtor: float = 0.05
    memory_transition_per_h: float = 0.003
    foxp3_induction_per_h: float = 0.002
    natural_tregs_per_naive: float = 0.1
    naive_egress_per_h: float = 1.0 / 48.0
    effector_death_per_h: float = 0.004
    withdrawal_death_per_h: float = 0.03
    memory_death_per_h: float = 0.002
    treg_death_per_h: float = 0.02
    kill_per_h: float = 0.02
    treg_half: float = 2.0
    il2_secretion_pM_per_h: float = 30000.0
    il2_uptake_per_h: float = 10.0
    il2_uptake_treg_per_h: float = 30.0
    moves_per_h: int = 3
    chemotaxis: float = 3.0
    max_divisions: int = 9
    first_division_g1: float = 5.0


def activated_reference(p: TCellParams) -> dict[str, float]:
    """Untreated steady state of a fully activated T-cell (TCR + saturating IL-2).

    mTORC1 output (pS6K) and the proliferation output of this cell are the 1.0 of the cycle
    and differentiation rules, so the drug acts through the signalling alone.
    """
    params = sg.cell_type_params("tcell")
    state = sg.new_state(1, params, sg.Inputs(growth_factor=p.gf_rest + p.gf_tcr + p.gf_il2))
    out = sg.outputs(state, params)
    return {"s6k": float(state["s6k"][0]), "proliferation": float(out["proliferation"][0])}


def il2_occupancy(il2_pM: np.ndarray, p: TCellParams) -> np.ndarray:
    """High-affinity IL-2 receptor occupancy (0-1) at the local IL-2 concentration."""
    return il2_pM / (il2_pM + p.il2_kd_pM)


def growth_input(subset: np.ndarray, tcr: np.ndarray, il2_occ: np.ndarray, p: TCellParams):
    """Growth-factor input to each T-cell's mTOR network (naive cells: tonic signal only)."""
    active = subset != NAIVE
    return p.gf_rest + np.where(active, p.gf_tcr * tcr + p.gf_il2 * il2_occ, 0.0)


def mtorc1_output(s6k: np.ndarray, ref: dict[str, float]) -> np.ndarray:
    """mTORC1 output (pS6K) relative to the untreated activated T-cell, clipped to 0-1."""
    return np.clip(s6k / ref["s6k"], 0.0, 1.0)


def advance_cycle(table, proliferation, il2_occ, suppression, ref, p: TCellParams, dt_h):
    """Advance G1 and S/G2/M of activated T-cells in place; return the mask ready to divide.

    G1 progresses at ``proliferation (relative to the activated reference) x IL-2R occupancy
    x Treg suppression / g1_min_h``. Tregs need mTORC1 for only part of their drive, but
    expand only while their TCR is engaged (Tregs need antigen to proliferate; Tang 2006).
    """
    subset = table["subset"]
    prolif = np.clip(proliferation / ref["proliferation"], 0.0, 1.5)
    is_treg = subset == TREG
    indep = p.treg_mtor_independence
    treg_drive = (indep + (1.0 - indep) * prolif) * table["tcr"]
    drive = np.where(is_treg, treg_drive, prolif * suppression)
    phase, g1 = table["phase"], table["g1_progress"]
    in_g1 = (phase == 0) & (subset != NAIVE) & (table["divisions"] < p.max_divisions)
    g1 += np.where(in_g1, dt_h * drive * il2_occ / p.g1_min_h, 0.0)
    enter_s = in_g1 & (g1 >= 1.0)
    phase[enter_s] = 1
    table["phase_timer_h"][enter_s] = 0.0
    cycling = phase == 1
    timer = table["phase_timer_h"]
    timer += np.where(cycling, dt_h, 0.0)
    return cycling & (timer >= p.sg2m_h)


def death_hazard(subset, tcr, il2_occ, p: TCellParams) -> np.ndarray:
    """Per-hour hazard of death (or, for naive cells, of leaving the tissue)."""
    starved = (1.0 - il2_occ) * (1.0 - tcr)
    return np.select(
        [subset == NAIVE, subset == EFFECTOR, subset == MEMORY, subset == TREG],
        [
            np.full(len(subset), p.naive_egress_per_h),
            p.effector_death_per_h + p.withdrawal_death_per_h * starved,
            np.full(len(subset), p.memory_death_per_h),
            p.memory_death_per_h + p.treg_death_per_h * (1.0 - il2_occ),
        ],
    )


def daughter_subsets(mtor: np.ndarray, parent_subset: np.ndarray, rng, p: TCellParams):
    """Subsets of newborn daughters from their mother's mTORC1 output (0-1) and subset.

    Tregs breed true (stable FoxP3); a conventional daughter turns on FoxP3 with
    ``p_treg_base + p_treg_low_mtor (1 - mTOR)``, else becomes a memory precursor with
    ``p_mem_base + p_mem_low_mtor (1 - mTOR)``, else an effector.
    """
    low = 1.0 - mtor
    u = rng.random(len(mtor))
    p_treg = p.p_treg_base + p.p_treg_low_mtor * low
    p_mem = (1.0 - p_treg) * (p.p_mem_base + p.p_mem_low_mtor * low)
    out = np.where(u < p_treg, TREG, np.where(u < p_treg + p_mem, MEMORY, EFFECTOR))
    return np.where(parent_subset == TREG, TREG, out).astype(np.int8)


def subset_transitions(subset, tcr, mtor, nfat, rng, p: TCellParams, dt_h: float) -> np.ndarray:
    """Subsets after ``dt_h`` of differentiation without division (competing hazards).

    A conventional effector becomes a memory precursor with hazard
    ``memory_transition_per_h (1 - mTOR)`` or turns on FoxP3 with hazard
    ``foxp3_induction_per_h TCR NFAT (1 - mTOR)`` (``mtor``: mTORC1 output 0-1, ``tcr``: TCR
    signal 0-1, ``nfat``: calcineurin-NFAT activity 0-1, 1 without a calcineurin inhibitor;
    arrays over T-cells, or numbers). FoxP3 induction needs NFAT at the Foxp3 enhancer (Tone
    2008 Nat Immunol 9:194), which is why cyclosporine blocks it where rapamycin does not
    (Kopf 2007 Int Immunopharmacol 7:1819). Other subsets are kept. Returns the new subsets.
    """
    low = 1.0 - mtor
    effector = subset == EFFECTOR
    to_memory = np.where(effector, p.memory_transition_per_h * low, 0.0)
    to_treg = np.where(effector, p.foxp3_induction_per_h * tcr * nfat * low, 0.0)
    total = to_memory + to_treg
    u = rng.random(len(subset))
    event = u < -np.expm1(-total * dt_h)
    # which event: split the event's probability in proportion to the two hazards
    treg = event & (u * total < -np.expm1(-total * dt_h) * to_treg)
    out = np.where(event, MEMORY, subset)
    return np.where(treg, TREG, out).astype(subset.dtype)


MOORE_OFFSETS = nb.read_only(
    np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int32)
)
"""The nine candidate positions of a step: stay (0, 0) and the eight Moore neighbours."""


def random_walk(x, y, chemokine, arrested, rng, p: TCellParams, moves: int) -> None:
    """Move T-cells in place: ``moves`` biased random steps up the chemokine gradient.

    Each step picks one of the nine sites around the cell (staying included) with weight
    ``exp(chemotaxis * (c_target - c_here) / (c_here + c_ref))``; off-lattice sites get no
    weight. Arrested cells (engaged with cognate antigen) stay.
    """
    if len(x) == 0:
        return
    width, height = chemokine.shape
    c_ref = max(float(chemokine.mean()), 1e-9)
    for _ in range(moves):
        nx = x[:, None] + MOORE_OFFSETS[None, :, 0]
        ny = y[:, None] + MOORE_OFFSETS[None, :, 1]
        inside = (nx >= 0) & (nx < width) & (ny >= 0) & (ny < height)
        cx, cy = np.clip(nx, 0, width - 1), np.clip(ny, 0, height - 1)
        here = chemokine[x, y][:, None]
        rel = (chemokine[cx, cy] - here) / (here + c_ref)
        w = np.where(inside, np.exp(p.chemotaxis * np.clip(rel, -5.0, 5.0)), 0.0)
        cum = np.cumsum(w, axis=1)
        pick = (cum < rng.random(len(x))[:, None] * cum[:, -1:]).sum(axis=1)
        pick = np.where(arrested, 4, np.minimum(pick, 8))  # index 4 is (0, 0): stay
        x += MOORE_OFFSETS[pick, 0]
        y += MOORE_OFFSETS[pick, 1]


def per_site_counts(x, y, weights, shape) -> np.ndarray:
    """Sum of ``weights`` of the T-cells at each site (a [x, y] grid)."""
    flat = np.bincount(x * shape[1] + y, weights=weights, minlength=shape[0] * shape[1])
    return flat.reshape(shape)


def neighbourhood_sum(grid: np.ndarray) -> np.ndarray:
    """Sum over each site's 3x3 neighbourhood (itself included), zero beyond the edges."""
    return nb.neighbourhood_sum(grid, nb.MOORE_BLOCK)
