"""Drug exposure over one model step: the one timing convention of every model and the panel.

A step covers the hours ``[t, t + dt)``. What acts on cells during it is the drug action
(FRB occupancy, kinase inhibition) averaged over that interval, and the concentration a step
reports is the blood concentration averaged over it. Every model (tissue engine, culture,
tumor, transplant, the aging and neuro cohorts) and the adverse-effect panel take their
exposure from :func:`step_exposure`, so a dose or a held concentration acts in the same step
everywhere: a concentration held from hour 24 to hour 36 acts on exactly the steps inside
``[24 h, 36 h)`` (a step straddling a boundary gets the covered fraction).

Averages are exact for a held concentration (it is piecewise constant) and a quadrature for PK
curves: the step is cut where the input changes (a bolus, an infusion starting or ending),
each piece into spans of at most :data:`QUADRATURE_SPAN_H`, each span sampled at its three
Gauss-Legendre points (exact for polynomials of degree 5; blood curves between inputs are
smooth sums of exponentials: within 1e-5 of the exact hourly mean in the hour after an oral
dose). The average of the action (not the action of the average concentration) is what a
step's signalling update with constant inputs should see, the action being non-linear in
concentration. When the blood level hardly changes over a step (every sample within
:data:`MERGE_SPREAD` of the others, as between doses), the action is evaluated once, at the
mean concentration: the Jensen gap of a Hill-type action is then below 1e-4 of the action at
Hill slope 1 and 3.3e-4 at slope 2 (worst case over 1e-3 to 1e3 times the IC50, three-point
samples 5 % apart), and a tissue of a million cells evaluates its per-cell action once per
such step instead of three times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from mtor_abm.model.pk_state import CombinedPKState, PKState

QUADRATURE_SPAN_H = 3.0
"""Longest span (h) sampled by one three-point Gauss-Legendre rule (24 blood samples over a
daily cohort step, 3 over an hourly tissue step). Numerical, not biological."""
DOSE_PIECE_SPANS = 8
"""Spans of the piece of a step that starts with a dose (its absorption rise): a three-point rule
over a whole hour misses the knee of a steep action (AZD8055 at its cellular IC50: 3e-3 of the
hour's mean inhibition); eight spans bring it within 1e-3. Numerical, not biological."""
MERGE_SPREAD = 0.05
"""Largest relative spread of a step's blood samples (per species) for which the action is
evaluated once at their mean (see the module docstring). Numerical, not biological."""
_GAUSS = (
    (0.5 - 0.5 * math.sqrt(0.6), 5.0 / 18.0),
    (0.5, 8.0 / 18.0),
    (0.5 + 0.5 * math.sqrt(0.6), 5.0 / 18.0),
)
"""Three-point Gauss-Legendre rule on [0, 1]: (node, weight)."""


@dataclass(frozen=True)
class StepExposure:
    """Blood concentrations over one step ``[start_h, end_h)``.

    Attributes:
        start_h, end_h: the step's hours.
        species: the regime's drug species (parent first; ``("none",)`` untreated).
        nodes: ``(weight, {species: nM})`` pairs: a weight is the fraction of the step a node
            stands for, the concentrations are whole-blood-equivalent nM of the species with
            drug there. The weights of drug-free parts of the step are left out (they act as
            zero), so the weights sum to the fraction of the step with drug.
    """

    start_h: float
    end_h: float
    species: tuple[str, ...]
    nodes: tuple[tuple[float, Mapping[str, float]], ...]

    @classmethod
    def none(cls, at_h: float, species: tuple[str, ...]) -> StepExposure:
        """No drug over an empty step at ``at_h`` (a model's state before its first step)."""
        return cls(at_h, at_h, species, ())

    def mean_conc_nM(self) -> dict[str, float]:
        """Blood concentration of each species averaged over the step, nM."""
        out = dict.fromkeys(self.species, 0.0)
        for weight, conc in self.nodes:
            for s, c in conc.items():
                out[s] += weight * c
        return out

    def mean_action(
        self, action: Callable[[Mapping[str, float]], tuple], entries: int = 3
    ) -> tuple[Any, ...]:
        """The step's average of ``action(blood_nM_by_species)``, e.g. ``(occ_frb, inh_mtorc1,
        inh_mtorc2)`` of every cell (numbers or per-cell arrays); ``entries`` zeros when the
        step has no drug at all.

        ``action`` sees only species with drug (never an empty mapping), must give 0 at no
        drug, as :func:`model.pharmacology.target_occupancy` does, and returns ``entries``
        values (checked: a step with drug and one without give tuples of the same length).
        """
        if self._nearly_constant():
            weight = sum(w for w, _ in self.nodes)
            mean = {s: sum(w * c[s] for w, c in self.nodes) / weight for s in self.nodes[0][1]}
            return _checked(tuple(weight * v for v in action(mean)), entries)
        total = None
        for weight, conc in self.nodes:
            values = action(conc)
            if total is None:
                total = [weight * v for v in values]
            else:
                total = [t + weight * v for t, v in zip(total, values, strict=True)]
        return (0.0,) * entries if total is None else _checked(tuple(total), entries)

    def _nearly_constant(self) -> bool:
        """True when the nodes carry the same species within :data:`MERGE_SPREAD` of each other
        (always for a held concentration: one node)."""
        if not self.nodes:
            return False
        first = self.nodes[0][1]
        for s in first:
            values = [c.get(s, 0.0) for _, c in self.nodes]
            if min(values) <= 0 or max(values) > (1.0 + MERGE_SPREAD) * min(values):
                return False
        return all(c.keys() == first.keys() for _, c in self.nodes)


def _checked(values: tuple, entries: int) -> tuple:
    """``values`` if it has ``entries`` items (the length a drug-free step gives), else an error
    naming both (a caller whose action's length differs from ``entries`` is a programming
    error that would otherwise only show on the first step without drug)."""
    if len(values) != entries:
        raise ValueError(f"mean_action: the action gave {len(values)} values, entries={entries}")
    return values


def step_exposure(pk: PKState, dt_h: float) -> StepExposure:
    """Advance ``pk`` over its next step ``[t, t + dt_h)`` and return the exposure during it.

    Args:
        pk: the regime's PK state at the step's start (advanced in place to its end; its clock
            ends at exactly ``t + dt_h``, as :meth:`PKState.advance` would leave it).
        dt_h: the step, h (> 0).
    """
    t0 = pk.time_h
    species = pk.species
    if pk.model is None:  # untreated or a held concentration: piecewise constant in time
        pk.advance(dt_h)
        t1 = pk.time_h
        drug, conc = species[0], pk.held_conc_nM
        reg = pk.regime
        if drug == "none" or conc <= 0 or dt_h <= 0:
            return StepExposure(t0, t1, species, ())
        if reg.start_h <= t0 and t1 <= reg.stop_h:
            on = 1.0
        else:
            on = max(0.0, min(t1, reg.stop_h) - max(t0, reg.start_h)) / dt_h
        nodes = ((on, {drug: conc}),) if on > 0 else ()
        return StepExposure(t0, t1, species, nodes)
    t1 = t0 + dt_h
    times, weights = [], []
    # Pieces that start with a dose (a bolus at or after t0) carry the absorption rise, where a
    # steep action (a potent drug near its IC50 at the trough) bends sharply: finer spans there.
    dosed = set(pk.input_changes_h(math.nextafter(t0, -math.inf), t1))
    for a, b in pairwise([t0, *pk.input_changes_h(t0, t1), t1]):
        spans = max(1, math.ceil((b - a) / QUADRATURE_SPAN_H - 1e-9))
        if a in dosed:
            spans = max(spans, DOSE_PIECE_SPANS)
        h = (b - a) / spans
        for i in range(spans):
            for node, weight in _GAUSS:
                times.append(a + (i + node) * h)
                weights.append(weight * h / dt_h)
    nodes = []
    for t, w in zip(times, weights, strict=True):
        pk.advance_to(t)
        conc = {s: c for s, c in pk.concentrations_nM().items() if c > 0}
        if conc:
            nodes.append((w, conc))
    pk.advance_to(t1)
    pk.time_h = t1
    return StepExposure(t0, t1, species, tuple(nodes))


def drug_levels_nM(
    blood_nM: Mapping[str, float], pk: PKState | CombinedPKState
) -> tuple[float, float | None]:
    """The blood level, nM, of a regime's drug (its species together: a parent and its
    metabolites, e.g. temsirolimus and its sirolimus) and of a combination's second drug (None
    without one), from a step's mean levels per species ``blood_nM``.

    Two drugs are never added up: nM of tacrolimus plus nM of sirolimus is no one quantity.
    """
    blood = {s: c for s, c in blood_nM.items() if s != "none"}
    if not isinstance(pk, CombinedPKState):
        return float(sum(blood.values())), None
    first, second = (float(sum(blood.get(s, 0.0) for s in part.species)) for part in pk.parts)
    return first, second
