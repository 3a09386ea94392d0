"""Reference: the tumor rules written the way a Mesa user writes them by default.

The real engine (:class:`model.scenarios.tumor.TumorModel`) keeps every cell's numbers in
numpy columns and updates all cells in one vectorised call per phase. This module is the
baseline it is measured against: the SAME tumor scenario (same parameters, fields, signalling
equations, fate rules, vessels, seed handling) written as an ordinary Mesa model:

* every cell is a :class:`mesa.discrete_space.CellAgent` on an ``OrthogonalMooreGrid``
  (capacity 1) holding its own state as plain Python floats: the 13 signalling variables
  (:data:`model.signaling.STATE_NAMES`), its 10 signalling parameters, mass, G1 progress,
  phase, S/G2/M timer, the Ki-67-like ``cycling`` flag and the resistance flag;
* ``step()``: PK (:class:`model.pk_state.PKState`, one per model, as in the engine), then the
  quasi-steady fields on grid PropertyLayers with the engine's solver
  (:class:`model.scenarios.tumor_fields.SteadyField`; fields are not the per-agent cost; the
  demand and VEGF-production grids are filled by a loop over the agents), vessels with the
  engine's grid functions (:mod:`model.scenarios.tumor_vessels`), then
  ``self.agents.shuffle_do("step")``: each agent reads its site's field values through
  ``self.cell.<layer>``, computes its drug occupancy (the formulas of
  :func:`model.pharmacology.target_occupancy` in scalar Python), advances its own
  signalling, decides its fate (growth, cycle, apoptosis, starvation, extra cell loss,
  necrosis) and acts at once: dies (tumor necrosis leaves debris),
  or divides into a random invadable neighbour found by iterating ``self.cell.neighborhood``
  (crushing a host cell there).

Signalling: by default (``signalling="scalar"``) the equations of
:func:`model.signaling.advance` are transcribed line by line into scalar Python
(``math``, local floats: same sub-steps, same exact-exponential relaxation and target ramps);
``tests/test_reference_mesa.py`` checks they agree with ``advance`` (and the occupancy with
``target_occupancy``) to 1e-12.
``signalling="numpy"`` instead calls :func:`model.signaling.advance` on length-1 arrays built
from the agent's floats and copies the results back (same numerics; the cost of reusing a
vectorised kernel one cell at a time). The fate rules of :func:`model.fates.advance_cycle` and
:meth:`TumorModel.decide_fates` and the outputs of :func:`model.signaling.outputs` are
transcribed into scalar Python.

Parameters are read from the scenario (and :class:`model.fates.CycleParams`), so changed
defaults are followed automatically; the rules are transcribed, so a change to a rule in
``model/scenarios/tumor.py``, ``model/fates.py`` (including ``nutrient_factor``'s
``k_half = 0.2``) or ``model/signaling.py`` must be mirrored here (the equivalence test is
meant to catch it).

What necessarily differs from the engine (so the comparison is statistical): random streams
(agents draw from ``model.random`` in shuffled order), and events happen as each agent acts
(whether a cell has room is judged at its turn, after the agents before it have divided or
died; the engine decides all fates first, then applies deaths, then divisions).

For the benchmark: :func:`tissue_for_cells` sizes a slice for about ``n_cells`` cells (the
same ``--set`` overrides for both implementations), :func:`reference_step_seconds` and
:func:`engine_step_seconds` time steps after a warm-up. ``python benchmarks/reference_mesa.py
[--cells 1000 10000]`` prints both.
"""

from __future__ import annotations

import functools
import math
import time

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from mtor_abm.model import signaling as sg
from mtor_abm.model.exposure import StepExposure, step_exposure
from mtor_abm.model.fates import CycleParams
from mtor_abm.model.multigrid import MultigridCG
from mtor_abm.model.pharmacology import (
    BIVALENT_KINASE_FKBP12_FREE_FOLD,
    FKBP12_CELL_NM,
    UNTREATED,
    DrugLibrary,
    Regime,
    load_library,
)
from mtor_abm.model.pk_state import PKState
from mtor_abm.model.scenarios.tumor import (
    TumorModel,
    cycle_engaged_loss,
    mutant_concentrations,
    vessel_rules,
)
from mtor_abm.model.scenarios.tumor_fields import SteadyField
from mtor_abm.model.scenarios.tumor_params import DX_UM, REPLETE_O2_MMHG, TumorScenario
from mtor_abm.model.scenarios.tumor_vessels import (
    initial_vessels,
    neighbourhood_share,
    update_vessels,
)

STATE_NAMES = sg.STATE_NAMES
PARAM_NAMES = sg.PARAM_NAMES


# ------------------------------------------------------------------ signalling, one cell
@functools.cache
def _substep_factors(dt_h: float, substep_h: float = 0.25):
    """Per sub-step: (h, f_fast, f_mtor, f_adapt, (f, g) irs1, (f, g) rtk, (f, g) autophagy,
    f_primed, half-step fraction of irs1, half-step fraction of rtk)."""
    out = []
    for h in sg.substep_lengths(dt_h, substep_h):
        out.append(
            (
                h,
                -math.expm1(-h / sg.TAU_FAST_H),
                -math.expm1(-h / sg.TAU_MTOR_H),
                -math.expm1(-h / sg.TAU_RAPALOG_ADAPT_H),
                sg.ramp_factors(h, sg.TAU_IRS1_H),
                sg.ramp_factors(h, sg.TAU_RTK_H),
                sg.ramp_factors(h, sg.TAU_AUTOPHAGY_H),
                -math.expm1(-h / sg.TAU_T308_PRIMING_H),
                -math.expm1(-0.5 * h / sg.TAU_IRS1_H),
                -math.expm1(-0.5 * h / sg.TAU_RTK_H),
            )
        )
    return tuple(out)


def advance_scalar(cell, gf, aa, energy, occ, inh1, inh2, dt_h) -> None:
    """:func:`model.signaling.advance` for one cell whose state and parameters are attributes.

    A line-by-line scalar transcription of ``_advance_block`` (same operation order).
    """
    K_AA, K_FOXO = sg.K_AA, sg.K_FOXO
    # Per-step constants (_StepConstants).
    ampk = 1.0 - min(max(energy, 0.0), 1.0)
    aa2 = aa * aa
    rag = aa2 / (aa2 + K_AA * K_AA) * (1.0 + K_AA * K_AA)
    drive_gain = cell.pi3k_gain * gf / cell.pten_activity  # no calcineurin drug here
    c1_capacity = rag * (1.0 - sg.AMPK_BLOCK * ampk) * (1.0 - inh1)
    tsc_loss = cell.tsc_loss
    c2_capacity = 1.0 - inh2
    s6k_access = 1.0 - sg.RAPALOG_S6K_BLOCK * occ
    ulk1_access = 1.0 - sg.RAPALOG_ULK1_BLOCK * occ
    block_4ebp1_late = sg.RAPALOG_4EBP1_BLOCK_LATE * occ
    grb10_access = 1.0 - sg.RAPALOG_GRB10_BLOCK * occ
    redd1_rheb = 1.0 - sg.REDD1_TSC2_BLOCK * float(sg.redd1_activity(1.0))  # normoxic inputs
    ulk1_gain = 0.5 + 0.5 * ampk
    ulk1_ampk = 0.5 * ampk
    assembly_target = 1.0 - cell.mtorc2_rapalog_sensitivity * occ
    feedback, foxo_gain, basal_auto = (
        cell.feedback_strength,
        cell.foxo_rtk_gain,
        cell.basal_autophagy,
    )
    turnover = cell.mtorc2_turnover_per_h
    adaptation = cell.rapalog_4ebp_adaptation
    k_s6k_n = sg.K_S6K**sg.N_S6K
    block_span = sg.RAPALOG_4EBP1_BLOCK_PEAK - sg.RAPALOG_4EBP1_BLOCK_LATE

    irs1, rtk, pip3 = cell.irs1, cell.rtk, cell.pip3
    t308, s473, primed = cell.akt_t308, cell.akt_s473, cell.mtorc2_primed
    mtorc1, mtorc2, assembly = cell.mtorc1, cell.mtorc2, cell.mtorc2_assembly
    s6k, p4ebp1, adapt = cell.s6k, cell.p4ebp1, cell.rapalog_adapt
    ulk1, autophagy = cell.ulk1, cell.autophagy

    def rtk_target(s473, t308, mtorc1):
        a = (s473 * 0.7 + 0.3) * t308 * (1.0 / K_FOXO)
        a = 1.0 / (a * a + 1.0) * foxo_gain + 1.0
        g = (mtorc1 * grb10_access * (1.0 / sg.K_GRB10)) ** sg.N_GRB10
        return a / (g / (g + 1.0) * sg.GRB10_STRENGTH + 1.0)  # mTORC1 -> Grb10

    # Slow targets at the start (_slow_targets).
    irs1_t0 = 1.0 / (s6k * feedback + 1.0)
    rtk_t0 = rtk_target(s473, t308, mtorc1)
    auto_t0 = ulk1 * 2.0 + basal_auto
    first = True
    for (
        h,
        f_fast,
        f_mtor,
        f_adapt,
        fg_irs1,
        fg_rtk,
        fg_auto,
        f_primed,
        half_irs1,
        half_rtk,
    ) in _substep_factors(dt_h):
        f_assembly = -math.expm1(-h * turnover)
        # Receptors and adaptor at the sub-step's midpoint.
        a = ((rtk_t0 - rtk) * half_rtk + rtk) * ((irs1_t0 - irs1) * half_irs1 + irs1)
        a = a * drive_gain
        pip3 += (a / (a + sg.K_PIP3) - pip3) * f_fast
        a = (pip3 * 0.5 + 0.5) * assembly * c2_capacity
        mtorc2 += (a - mtorc2) * f_mtor
        s473 += (mtorc2 * pip3 - s473) * f_fast
        primed += (assembly * c2_capacity - primed) * f_primed
        a = max(max(primed - c2_capacity * assembly, 0.0) * -sg.T308_S473_PRIMING + 1.0, 0.0) * pip3
        a = a * sg.T308_PER_PIP3
        t308 += (a - t308) * f_fast
        a = (t308 / (t308 + sg.K_RHEB) * redd1_rheb * (1.0 - tsc_loss) + tsc_loss) * c1_capacity
        mtorc1 += (a - mtorc1) * f_mtor
        c1 = mtorc1
        a = c1 * s6k_access
        a = a * a
        s6k += (a / (a + k_s6k_n) - s6k) * f_fast
        a = (1.0 - (max(occ - adapt * adaptation, 0.0) * block_span + block_4ebp1_late)) * c1
        p4ebp1 += (a / (a + sg.K_4EBP1) - p4ebp1) * f_fast
        a = c1 * ulk1_access
        b = (1.0 - a / (a + sg.K_ULK1)) * ulk1_gain + ulk1_ampk
        ulk1 += (b - ulk1) * f_fast
        # Slow variables read the freshly updated fast ones (targets ramp over the sub-step).
        irs1_t1 = 1.0 / (s6k * feedback + 1.0)
        rtk_t1 = rtk_target(s473, t308, mtorc1)
        auto_t1 = ulk1 * 2.0 + basal_auto
        if first:  # the slow targets jump with the fast variables over the first sub-step
            irs1_t0, rtk_t0, auto_t0 = irs1_t1, rtk_t1, auto_t1
            first = False
        irs1 += (irs1_t0 - irs1) * fg_irs1[0]
        irs1 += (irs1_t1 - irs1_t0) * fg_irs1[1]
        rtk += (rtk_t0 - rtk) * fg_rtk[0]
        rtk += (rtk_t1 - rtk_t0) * fg_rtk[1]
        autophagy += (auto_t0 - autophagy) * fg_auto[0]
        autophagy += (auto_t1 - auto_t0) * fg_auto[1]
        irs1_t0, rtk_t0, auto_t0 = irs1_t1, rtk_t1, auto_t1
        adapt += (occ - adapt) * f_adapt
        assembly += (assembly_target - assembly) * f_assembly

    cell.irs1, cell.rtk, cell.pip3 = irs1, rtk, pip3
    cell.akt_t308, cell.akt_s473, cell.mtorc2_primed = t308, s473, primed
    cell.mtorc1, cell.mtorc2, cell.mtorc2_assembly = mtorc1, mtorc2, assembly
    cell.s6k, cell.p4ebp1, cell.rapalog_adapt = s6k, p4ebp1, adapt
    cell.ulk1, cell.autophagy = ulk1, autophagy


def advance_numpy(cell, gf, aa, energy, occ, inh1, inh2, dt_h) -> None:
    """:func:`model.signaling.advance` itself on length-1 arrays built from the attributes."""
    state = {name: np.array([getattr(cell, name)]) for name in STATE_NAMES}
    params = {name: getattr(cell, name) for name in PARAM_NAMES}
    sg.advance(state, params, sg.Inputs(gf, aa, energy, occ, inh1, inh2), dt_h)
    for name in STATE_NAMES:
        setattr(cell, name, float(state[name][0]))


SIGNALLING = {"scalar": advance_scalar, "numpy": advance_numpy}


def occupancy_scalar(conc_nM: dict[str, float], fkbp12: float, library: DrugLibrary):
    """:func:`model.pharmacology.target_occupancy` for one cell, in scalar Python.

    Returns ``(occ_frb, inh_mtorc1, inh_mtorc2)``; same formulas and operation order.
    """
    z = u1 = u2 = hill_weighted = 0.0
    total = 1.0
    for species, c in conc_nM.items():
        drug = library.drug(species)
        if drug.fkbp12_ligand:
            total = total + drug.potency.unbound_fraction * c / drug.potency.kd_fkbp12_nM
    for species, c in conc_nM.items():
        drug = library.drug(species)
        pot = drug.potency
        if drug.frb_anchored:
            free = pot.unbound_fraction * c
            complex_nM = fkbp12 * FKBP12_CELL_NM * (free / pot.kd_fkbp12_nM) / total
            z = z + complex_nM / pot.kd_frb_ternary_nM + free / pot.kd_frb_direct_nM
        if drug.kinase_site:
            weight = fkbp12 + 1.0 / BIVALENT_KINASE_FKBP12_FREE_FOLD if drug.frb_anchored else 1.0
            r1 = weight * c / pot.ic50_mtorc1_nM
            u1 = u1 + r1
            u2 = u2 + weight * c / pot.ic50_mtorc2_nM
            hill_weighted = hill_weighted + r1 * pot.hill
    hill = hill_weighted / u1 if u1 > 0 else 1.0
    inh1 = 1.0 / (1.0 + u1**-hill) if u1 > 0 else 0.0
    inh2 = 1.0 / (1.0 + u2**-hill) if u2 > 0 else 0.0
    return z / (1.0 + z), inh1, inh2


# ------------------------------------------------------------------ agents
class TissueAgent(CellAgent):
    """A cell on one lattice site with all its numbers as float attributes."""

    is_tumor = False
    uptake = 1.0  # O2/nutrient uptake relative to a tumor cell (host cells override)

    def __init__(self, model, values: dict[str, float]):
        super().__init__(model)
        for name, value in values.items():  # signalling parameters and state
            setattr(self, name, value)
        self.mass = 1.0
        self.g1_progress = 0.0
        self.phase = 0  # 0 = G1/G0, 1 = S/G2/M
        self.phase_timer_h = 0.0
        self.cycling = False
        self.resistant = False
        self.translation_adapted = 0.0  # the translation level apoptotic priming follows
        self.alive = True

    # -- what the cell reads from its site
    def energy(self) -> float:
        """Energy sufficiency from the local oxygen tension (TumorModel.energy_at_cells)."""
        k = self.model.scenario.energy_half_mmHg
        o2 = self.cell.oxygen
        e = o2**2 / (o2**2 + k * k) * (1.0 + (k / REPLETE_O2_MMHG) ** 2)
        return min(max(e, 0.0), 1.0)

    def translation(self) -> float:
        """:func:`model.signaling.translation_rate` of this cell."""
        ref = self.model.ref
        return self.s6k * (sg.TRANSLATION_S6K_SHARE / ref["s6k"]) + self.p4ebp1 * (
            (1.0 - sg.TRANSLATION_S6K_SHARE) / ref["p4ebp1"]
        )

    def hif1a(self) -> float:
        """HIF-1a: hypoxic stabilisation x translation (TumorModel.hif1a)."""
        stabilised = 1.0 / (1.0 + (self.cell.oxygen / self.model.scenario.hif_half_mmHg) ** 3)
        return stabilised * min(max(self.translation(), 0.0), 2.0)

    def drug_action(self) -> tuple[float, float, float]:
        """(occ_frb, inh_mtorc1, inh_mtorc2) at this site (TumorModel.signal)."""
        model = self.model
        profile = self.cell.drug_profile

        def action(blood: dict[str, float]) -> tuple[float, float, float]:
            conc = {s: c * profile for s, c in blood.items()}
            if self.resistant:
                conc = mutant_concentrations(conc, model.scenario.resistance, model.library)
            return occupancy_scalar(conc, self.fkbp12_level, model.library)

        return model.exposure.mean_action(action)  # the step's average, as the engine's

    def free_neighbours(self) -> list:
        """Invadable Moore neighbours: empty and not debris, or held by a host cell."""
        return [
            c
            for c in self.cell.neighborhood
            if (c.is_empty and not c.necrotic) or (not c.is_empty and not c.agents[0].is_tumor)
        ]

    # -- the step
    def step(self) -> None:
        """Signal, decide this cell's fate and act on it."""
        if not self.alive:  # crushed by a neighbour's division earlier this step
            return
        model = self.model
        sc, p, dt = model.scenario, model.cycle, model.dt_h
        rnd = model.random.random
        site = self.cell
        nutrients = site.nutrients
        energy = self.energy()
        occ, inh1, inh2 = self.drug_action()
        model.advance_signalling(self, sc.growth_factor, nutrients, energy, occ, inh1, inh2, dt)

        # Outputs (model.signaling.outputs).
        ref = model.ref
        s6k_rel = self.s6k / ref["s6k"]
        p4_rel = (self.p4ebp1 / ref["p4ebp1"]) ** self.prolif_4ebp_hill
        w = self.prolif_s6k_weight
        proliferation = p4_rel - w * p4_rel + w * s6k_rel
        akt = self.akt_t308 * (0.3 + 0.7 * self.akt_s473)
        foxo = 1.0 / (1.0 + (akt / sg.K_FOXO) ** 2)  # FOXO -> p27Kip1 brake on G1->S
        proliferation *= (1.0 + self.p27_brake * ref["foxo"]) / (1.0 + self.p27_brake * foxo)
        survival = akt / ref["akt"]
        autophagy = self.autophagy / ref["autophagy"]

        # Growth and cycle (model.fates.advance_cycle); supply = nutrients x energy.
        supply = max(nutrients * energy, 0.0)
        fed = supply * (1.0 + 0.2) / (supply + 0.2)
        self.mass = min(self.mass + dt * p.growth_per_h * self.translation() * fed, p.max_mass)
        free = self.free_neighbours() if self.is_tumor else []
        g1_before = self.g1_progress
        if self.is_tumor and self.phase == 0:
            if free:
                self.g1_progress += dt * proliferation * fed / p.g1_min_h
            if self.g1_progress >= 1.0 and self.mass >= p.mass_g1s:
                self.phase = 1
                self.phase_timer_h = 0.0
        if self.phase == 1:
            self.phase_timer_h += dt
        divide = self.phase == 1 and self.phase_timer_h >= p.sg2m_h and bool(free)
        deficit = min(max(1.0 - survival, 0.0), 1.0)
        starvation = min(max(1.0 - fed, 0.0), 1.0) * min(max(1.0 - 0.5 * autophagy, 0.0), 1.0)
        hazard = (
            p.basal_death_per_h
            + p.survival_death_per_h * deficit * deficit
            + p.starvation_death_per_h * starvation
        )
        die = rnd() < -math.expm1(-hazard * dt)
        if self.is_tumor:
            # TumorModel.decide_fates: survival through AKT or translation, the translation
            # shock (TumorModel.translation_shock), scaled by the G1->S drive.
            translation = self.translation()
            if self.translation_adapted <= 0.0:
                self.translation_adapted = translation
            fall = min(max(1.0 - translation / self.translation_adapted, 0.0), 1.0)
            self.translation_adapted += (translation - self.translation_adapted) * -math.expm1(
                -dt / sc.translation_adapt_h
            )
            held_off = min(max(1.0 - max(survival, translation), 0.0), 1.0)
            engaged = float(cycle_engaged_loss(proliferation * fed, sc.loss_drive_half))
            loss = (
                sc.tumor_cell_loss_per_h
                * (1.0 + held_off + sc.shock_apoptosis * fall * fall)
                * engaged
            )
            die = die or (loss > 0 and rnd() < -math.expm1(-loss * dt))
            self.cycling = self.phase == 1 or self.g1_progress > g1_before
        necrosis = sc.necrosis_per_h / (1.0 + (site.oxygen / sc.necrosis_mmHg) ** 4)
        necrose = rnd() < -math.expm1(-necrosis * dt)

        # Act at once.
        if necrose and self.is_tumor:
            site.necrotic = True  # debris stays on the site
            self.die()
        elif die or necrose:
            self.die()
        elif divide:
            self.invade(model.random.choice(free))

    def die(self) -> None:
        """Leave the tissue."""
        self.alive = False
        self.remove()

    def invade(self, site) -> TissueAgent:
        """Divide into ``site``, crushing the host cell there if there is one."""
        for other in list(site.agents):
            other.die()
        daughter = type(self)(self.model, {n: getattr(self, n) for n in self.model.copied})
        daughter.cell = site
        daughter.cycling = self.cycling
        daughter.resistant = self.resistant
        daughter.translation_adapted = self.translation_adapted
        sc = self.model.scenario
        if (
            sc.resistance != "none"
            and sc.resistance_per_division > 0
            and self.model.random.random() < sc.resistance_per_division
        ):
            daughter.resistant = True
        self.mass *= 0.5
        daughter.mass = self.mass
        for cell in (self, daughter):
            cell.g1_progress = 0.0
            cell.phase = 0
            cell.phase_timer_h = 0.0
        return daughter


class TumorCell(TissueAgent):
    """A tumor cell of the scenario's genotype."""

    is_tumor = True


class HostCell(TissueAgent):
    """A host-tissue cell: signals, grows, dies, never divides; can be crushed."""

    def __init__(self, model, values):
        super().__init__(model, values)
        self.uptake = model.scenario.normal_uptake_factor


# ------------------------------------------------------------------ the model
class ReferenceTumorModel(mesa.Model):
    """The tumor scenario as an ordinary Mesa model (see module docstring).

    Args:
        scenario: the tumor scenario (same parameters and seed as the engine's).
        regime: drug regime.
        library: drug library (default: the packaged one).
        signalling: ``scalar`` (transcribed equations) or ``numpy`` (``advance`` per agent).
    """

    def __init__(
        self,
        scenario: TumorScenario,
        regime: Regime,
        library: DrugLibrary | None = None,
        signalling: str = "scalar",
    ):
        super().__init__(scenario=scenario)
        sc = scenario
        self.library = library or load_library()
        self.regime = regime
        self.dt_h = 1.0
        self.hours = 0.0
        self.advance_signalling = SIGNALLING[signalling]
        self.cycle = CycleParams()
        self.ref = dict(sg.reference_levels())
        self.copied = STATE_NAMES + PARAM_NAMES
        self.vessel_rules = vessel_rules(sc)
        shape = (int(sc.width), int(sc.height))
        self.grid = OrthogonalMooreGrid(shape, torus=False, capacity=1, random=self.random)
        for name in ("oxygen", "nutrients", "drug_profile", "vegf"):
            self.grid.create_property_layer(name, default_value=0.0)
        self.grid.create_property_layer("necrotic", default_value=False, dtype=bool)
        self.vessels = initial_vessels(shape, int(sc.vessel_spacing_sites), self.rng)
        self.vegf_exposure_h = np.zeros(shape)
        mg = MultigridCG(shape)  # one workspace for the model's fields, as the tumor model
        self.solvers = {
            "oxygen": SteadyField(shape, sc.o2_diffusion_um2_per_s, DX_UM, multigrid=mg),
            "nutrients": SteadyField(shape, sc.nutrient_diffusion_um2_per_s, DX_UM, multigrid=mg),
            "drug": SteadyField(shape, sc.drug_diffusion_um2_per_s, DX_UM, multigrid=mg),
            "vegf": SteadyField(
                shape,
                sc.vegf_diffusion_um2_per_s,
                DX_UM,
                decay_per_h=sc.vegf_decay_per_h,
                multigrid=mg,
            ),
        }
        self.pk = PKState.from_regime(regime, self.library)
        self.exposure = StepExposure.none(0.0, self.pk.species)
        self._set_blood()
        self._seed_tissue(shape)
        self.update_fields()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "time_h": "hours",
                "tumor_cells": lambda m: m.n_tumor,
                "cells": lambda m: m.n_cells,
                "necrotic_cells": lambda m: int(m.grid.necrotic.data.sum()),
                "hypoxic_tumor_cells": ReferenceTumorModel.n_hypoxic,
                "vessels": lambda m: int(m.vessels.sum()),
            }
        )
        self.datacollector.collect(self)

    def _seed_tissue(self, shape) -> None:
        """A disc of tumor cells in the middle, host cells at random elsewhere, at steady state."""
        sc = self.scenario
        tumor_values = self._steady(f"tumor_{sc.genotype}")
        host_values = self._steady("epithelial")
        cx, cy = (shape[0] - 1) / 2.0, (shape[1] - 1) / 2.0
        for cell in self.grid.all_cells:
            x, y = cell.coordinate
            if math.hypot(x - cx, y - cy) <= sc.seed_radius_sites:
                agent = TumorCell(self, tumor_values)
                agent.resistant = sc.resistance != "none" and (
                    self.random.random() < sc.resistant_fraction
                )
            elif self.random.random() < sc.normal_density:
                agent = HostCell(self, host_values)
            else:
                continue
            agent.mass = 1.0 + self.random.random()
            agent.g1_progress = self.random.random()
            agent.cell = cell

    def _steady(self, cell_type: str) -> dict[str, float]:
        """Parameters and untreated steady state of a cell type (computed once per type)."""
        params = sg.cell_type_params(cell_type)
        state = sg.new_state(1, params)
        return {**params, **{k: float(v[0]) for k, v in state.items()}}

    def _set_blood(self) -> None:
        self.blood_nM = self.exposure.mean_conc_nM()
        self.blood_in_use = {s: c for s, c in self.blood_nM.items() if s != "none" and c > 0}

    @property
    def n_cells(self) -> int:
        """Live cells (tumor and host), as the engine's ``n_cells``."""
        return len(self.agents)

    @property
    def n_tumor(self) -> int:
        """Live tumor cells."""
        return len(self.agents_by_type.get(TumorCell, ()))

    def n_hypoxic(self) -> int:
        """Live tumor cells below the hypoxia threshold."""
        limit = self.scenario.hypoxia_mmHg
        return sum(1 for a in self.agents_by_type.get(TumorCell, ()) if a.cell.oxygen < limit)

    # ---------------------------------------------------------------- the step
    def step(self) -> None:
        """PK, fields and vessels, then every agent in random order, then the readouts."""
        self.exposure = step_exposure(self.pk, self.dt_h)
        self._set_blood()
        self.update_fields()
        self.agents.shuffle_do("step")
        self.hours += self.dt_h
        self.datacollector.collect(self)

    def update_fields(self) -> None:
        """Quasi-steady O2, nutrients, drug and VEGF (engine solver); vessels sprout/regress."""
        sc, grid = self.scenario, self.grid
        shape = grid.dimensions
        demand = np.zeros(shape)
        occupied = np.zeros(shape)
        tumor_mask = grid.necrotic.data.copy()
        for agent in self.agents:
            xy = agent.cell.coordinate
            demand[xy] = agent.uptake
            occupied[xy] = 1.0
            if agent.is_tumor:
                tumor_mask[xy] = True
        grid.oxygen.data[...] = self.solvers["oxygen"].solve(
            sc.o2_uptake_per_h * demand, 0.0, self.vessels, sc.vessel_po2_mmHg
        )
        grid.nutrients.data[...] = self.solvers["nutrients"].solve(
            sc.nutrient_uptake_per_h * demand, 0.0, self.vessels, 1.0
        )
        if sum(self.blood_in_use.values()) > 0:
            grid.drug_profile.data[...] = self.solvers["drug"].solve(
                sc.drug_uptake_per_h * occupied, 0.0, self.vessels, 1.0
            )
        production = np.zeros(shape)
        for agent in self.agents:
            production[agent.cell.coordinate] = sc.vegf_per_cell_per_h * agent.hif1a()
        grid.vegf.data[...] = self.solvers["vegf"].solve(0.0, production)
        update_vessels(
            self.vessels,
            self.vegf_exposure_h,
            grid.vegf.data,
            neighbourhood_share(tumor_mask),
            neighbourhood_share(grid.necrotic.data),
            self.dt_h,
            self.vessel_rules,
            self.rng,
        )

    def timeseries(self) -> dict[str, list[float]]:
        """The collected records as columns (``time_h``, ``tumor_cells``, ...)."""
        frame = self.datacollector.model_vars
        return {key: [float(v) for v in values] for key, values in frame.items()}


# ------------------------------------------------------------------ benchmark helpers
def tissue_for_cells(n_cells: int, normal_density: float = TumorScenario.normal_density) -> dict:
    """``--set`` overrides of a square slice holding about ``n_cells`` cells at the start.

    Host cells fill ``normal_density`` of the sites and the seeded tumor disc (radius 1/8 of
    the side, ~5 % of the sites) is full.
    """
    disc = math.pi / 64.0
    occupancy = normal_density * (1.0 - disc) + disc
    side = max(10, round(math.sqrt(n_cells / occupancy)))
    return {"width": side, "height": side, "seed_radius_sites": max(1.0, side / 8.0)}


def build_reference(
    n_cells: int, seed: int = 0, regime: Regime = UNTREATED, signalling: str = "scalar"
) -> ReferenceTumorModel:
    """A reference model on the slice of :func:`tissue_for_cells`."""
    scenario = TumorScenario(rng=seed, **tissue_for_cells(n_cells))
    return ReferenceTumorModel(scenario, regime, signalling=signalling)


def build_engine(n_cells: int, seed: int = 0, regime: Regime = UNTREATED) -> TumorModel:
    """The engine's tumor model on the same slice."""
    return TumorModel(TumorScenario(rng=seed, **tissue_for_cells(n_cells)), regime)


def _seconds_per_step(model, steps: int, warmup: int) -> float:
    for _ in range(warmup):
        model.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - t0) / max(steps, 1)


def reference_step_seconds(
    n_cells: int,
    steps: int = 5,
    seed: int = 0,
    warmup: int = 2,
    regime: Regime = UNTREATED,
    signalling: str = "scalar",
) -> float:
    """Seconds per step of the reference on a slice of about ``n_cells`` cells (build and
    ``warmup`` steps not timed)."""
    model = build_reference(n_cells, seed, regime, signalling)
    return _seconds_per_step(model, steps, warmup)


def engine_step_seconds(
    n_cells: int, steps: int = 5, seed: int = 0, warmup: int = 2, regime: Regime = UNTREATED
) -> float:
    """Seconds per step of the engine on the same slice as :func:`reference_step_seconds`."""
    return _seconds_per_step(build_engine(n_cells, seed, regime), steps, warmup)


def main() -> None:
    """Print seconds per step of the engine and the reference at a few sizes."""
    import argparse

    parser = argparse.ArgumentParser(description="engine vs the idiomatic Mesa reference")
    parser.add_argument("--cells", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--signalling", choices=sorted(SIGNALLING), default="scalar")
    args = parser.parse_args()
    for n in args.cells:
        engine = engine_step_seconds(n, steps=max(args.steps, 5))
        reference = reference_step_seconds(n, steps=args.steps, signalling=args.signalling)
        print(
            f"{n:>8} cells  engine {engine * 1e3:8.1f} ms/step  reference "
            f"{reference * 1e3:8.1f} ms/step  ratio {reference / engine:5.1f}"
        )


if __name__ == "__main__":
    main()
