"""Evaluate the model on rows of the observation table (``observations.toml``).

A row (a TOML table in ``[[observation]]``) says what was measured and what was found:

* ``kind = "pathway"``: single cells of ``cell_type`` with ``drugs`` (name -> nM) held from 0 h,
  ``overrides`` (cell parameters or inputs by name), ``readout`` (a relative readout of
  :func:`.experiments.pathway_course`) summarised by ``statistic`` (``at``, ``min``, ``max``)
  over ``from_h``..``to_h``; ``clamp_s6k`` holds S6K out of the cell outputs; ``stimulus``
  changes inputs (``growth_factor``, ``amino_acids``, ``energy``) of the treated cell only at
  0 h (withdrawal, hypoxia), against a twin that keeps them; ``target_inputs`` sets drug
  actions directly (``inh_mtorc2``: an mTORC2-only inhibitor).
* ``kind = "basal"``: the untreated steady-state ``readout`` of ``cell_type`` relative to
  ``reference_cell_type`` (genotype comparisons without drug).
* ``kind = "pk"``: ``drug`` at ``dose_mg`` on ``schedule``; ``readout`` one of ``half_life_h``,
  ``trough_ng_ml``, ``cmax_ng_ml`` (steady state), ``tmax_h`` (single dose), ``auc_ratio``
  (single-dose AUC at ``dose2_mg`` over that at ``dose_mg``), ``trough_ratio`` and
  ``cmax_ratio`` (steady-state trough or Cmax at ``dose2_mg`` over that at ``dose_mg``),
  ``metabolite_auc_ratio``.
* ``kind = "culture"``: 72-h growth inhibition (mean field,
  :func:`.experiments.culture_growth_inhibition`); ``readout`` ``gi`` (at ``drugs``),
  ``ic50_nM`` (GI = 0.5 for ``drug``), ``half_plateau_nM`` (GI = half of GI at
  ``plateau_nM``), ``plateau`` (GI at ``plateau_nM``), ``gi_difference`` (GI of
  ``cell_type`` minus GI of ``compare_cell_type`` at ``drugs``).

Every row with ``cell_overrides`` is evaluated as if that set were shipped: the cell outputs
are relative to the reference epithelial cell under the same overrides
(:func:`reference_for`), not to the shipped one, so a fit's objective does not depend on which
set is shipped when it starts.

The comparison: ``relation`` ``<=``/``>=`` (a bound) or ``~`` (a value), with ``value`` and
``uncertainty`` (same unit). :func:`residual` is 0 inside a bound and the excess in units of the
uncertainty outside it; for a value, ``(model - value) / uncertainty``. A row is met when
``|residual| <= 1``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.calibration import experiments as ex
from mtor_abm.model.cell_types import PRIOR_CELL_TYPES, set_values_for
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import DrugLibrary, Regime, load_library

KINDS = ("pathway", "basal", "pk", "culture")
RELATIONS = ("<=", ">=", "~")
CONFIDENCES = ("A", "B", "C")


@dataclass(frozen=True)
class Observation:
    """One published observation (see the module docstring for the fields' meaning)."""

    id: str
    kind: str
    check: str
    readout: str
    relation: str
    value: float
    uncertainty: float
    source: str
    conf: str
    holdout: bool = False
    spec: Mapping[str, Any] = field(default_factory=dict)


_COMMON = ("id", "kind", "check", "readout", "relation", "value", "uncertainty", "source", "conf")


def load_observations(path: str | Path | None = None) -> list[Observation]:
    """Rows of an observation table (default: the packaged one); InputError if malformed."""
    if path is None:
        text = (resources.files("mtor_abm.model.calibration") / "observations.toml").read_text()
        origin = "observations.toml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(
                f"observations file {str(path)!r} cannot be read: {err.strerror}"
            ) from None
        origin = str(path)
    try:
        rows = tomllib.loads(text).get("observation", [])
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{origin}: not valid TOML: {err}") from None
    out, seen = [], set()
    for i, row in enumerate(rows):
        where = f"{origin}: observation {i + 1}"
        for key in _COMMON:
            if key not in row:
                raise InputError(f"{where}: field {key} is missing")
        if row["id"] in seen:
            raise InputError(f"{where}: id {row['id']!r} is used twice; ids must be unique")
        seen.add(row["id"])
        if row["kind"] not in KINDS:
            raise InputError(f"{where}: kind {row['kind']!r} unknown; allowed: {', '.join(KINDS)}")
        if row["relation"] not in RELATIONS:
            raise InputError(f"{where}: relation must be one of {', '.join(RELATIONS)}")
        if row["conf"] not in CONFIDENCES:
            raise InputError(f"{where}: conf must be one of {', '.join(CONFIDENCES)}")
        if not (isinstance(row["uncertainty"], int | float) and row["uncertainty"] > 0):
            raise InputError(f"{where}: uncertainty must be a positive number")
        spec = {k: v for k, v in row.items() if k not in (*_COMMON, "holdout")}
        out.append(
            Observation(
                id=str(row["id"]),
                kind=row["kind"],
                check=str(row["check"]),
                readout=str(row["readout"]),
                relation=row["relation"],
                value=float(row["value"]),
                uncertainty=float(row["uncertainty"]),
                source=str(row["source"]),
                conf=row["conf"],
                holdout=bool(row.get("holdout", False)),
                spec=spec,
            )
        )
    return out


def residual(obs: Observation, model_value: float | None) -> float:
    """Signed misfit in units of the observation's uncertainty (0 inside a bound).

    A model that cannot produce the quantity (None or NaN) gets a misfit of 10.
    """
    if model_value is None or not math.isfinite(model_value):
        return 10.0
    if obs.relation == "<=":
        return max(0.0, model_value - obs.value) / obs.uncertainty
    if obs.relation == ">=":
        return -max(0.0, obs.value - model_value) / obs.uncertainty
    return (model_value - obs.value) / obs.uncertainty


def reference_for(
    cell_overrides: Mapping[str, Mapping[str, float]] | None,
) -> Mapping[str, float]:
    """Reference levels (:func:`model.signaling.reference_levels_of`) of the untreated, fed
    epithelial cell with ``cell_overrides`` applied as to any cell type
    (:func:`model.cell_types.set_values_for` on the epithelial prior): the reference the model
    would have with that set shipped. Without overrides, the shipped reference
    (:func:`model.signaling.reference_levels`, cached); otherwise one steady-state solve
    (~0.1 s): :func:`.fit.fit` computes it once per parameter vector."""
    if not cell_overrides:
        return sg.reference_levels()
    params = {**sg.cell_type_params("epithelial"), **_overrides({}, "epithelial", cell_overrides)}
    return sg.reference_levels_of(params)


def evaluate(
    obs: Observation,
    library: DrugLibrary | None = None,
    cell_overrides: Mapping[str, Mapping[str, float]] | None = None,
    reference: Mapping[str, float] | None = None,
) -> float | None:
    """The model's value for one observation (None when it cannot be computed).

    ``cell_overrides`` maps a cell type (or ``"*"``, the shared default, for every cell type
    that does not set the parameter itself: :func:`model.cell_types.set_values_for`) to
    parameter values that replace the packaged ones: the calibration fit's free parameters.
    They apply to the reference epithelial cell too (:func:`reference_for`), as they would if
    shipped. ``reference``: those reference levels when the caller has them already (must be
    ``reference_for(cell_overrides)``); computed when None.
    """
    library = library or load_library()
    spec = obs.spec
    if obs.kind == "pk":
        return _evaluate_pk(obs, library)
    if reference is None:
        reference = reference_for(cell_overrides)
    cell_type = spec.get("cell_type", "epithelial")
    overrides = _overrides(spec, cell_type, cell_overrides)
    if obs.kind == "pathway":
        course = ex.pathway_course(
            spec.get("drugs", {}),
            float(spec.get("to_h", spec.get("at_h", 24.0))),
            cell_type,
            overrides,
            library,
            clamp_s6k=bool(spec.get("clamp_s6k", False)),
            sample_h=float(spec.get("sample_h", 1.0)),
            target_inputs=spec.get("target_inputs"),
            stimulus=spec.get("stimulus"),
            ref=reference,
        )
        return _statistic(obs, course)
    if obs.kind == "basal":
        ref_type = spec.get("reference_cell_type", "epithelial")
        ref = _basal(ref_type, _overrides(spec, ref_type, cell_overrides))
        this = _basal(cell_type, overrides)
        return this[obs.readout] / ref[obs.readout]
    return _evaluate_culture(obs, cell_type, overrides, library, cell_overrides, reference)


def _overrides(spec, cell_type: str, cell_overrides) -> dict[str, float]:
    merged: dict[str, float] = {}
    if cell_overrides:
        if cell_type not in PRIOR_CELL_TYPES:
            sg.cell_type(cell_type)  # raises the one-line error naming the allowed types
        merged.update(set_values_for(cell_overrides, PRIOR_CELL_TYPES[cell_type]))
    merged.update(spec.get("overrides", {}))
    return merged


def _statistic(obs: Observation, course: Mapping[str, np.ndarray]) -> float:
    spec = obs.spec
    times = course["times_h"]
    values = course[obs.readout]
    stat = spec.get("statistic", "at")
    if stat == "at":
        return float(np.interp(float(spec["at_h"]), times, values))
    window = (times >= float(spec["from_h"]) - 1e-9) & (times <= float(spec["to_h"]) + 1e-9)
    if stat == "min":
        return float(values[window].min())
    if stat == "max":
        return float(values[window].max())
    raise InputError(f"observation {obs.id}: statistic {stat!r} unknown; allowed: at, min, max")


def _basal(cell_type: str, overrides: Mapping[str, float]) -> dict[str, float]:
    params = {**sg.cell_type_params(cell_type), **overrides}
    state = sg.new_state(1, params)
    return {
        "pS6K": float(state["s6k"][0]),
        "p4EBP1": float(state["p4ebp1"][0]),
        "pAKT_S473": float(state["akt_s473"][0]),
        "pAKT_T308": float(state["akt_t308"][0]),
        "mTORC1": float(state["mtorc1"][0]),
        "IRS1": float(state["irs1"][0]),
    }


def _evaluate_pk(obs: Observation, library: DrugLibrary) -> float | None:
    from mtor_abm.model.pk import simulate, steady_state_summary

    spec = obs.spec
    drug, dose, schedule = spec["drug"], float(spec["dose_mg"]), spec.get("schedule", "daily")
    readout = obs.readout
    if readout in ("half_life_h", "trough_ng_ml", "cmax_ng_ml"):
        regime = Regime(drug, dose, schedule)
        return steady_state_summary(regime, library, spec.get("species"))[readout]
    if readout in ("trough_ratio", "cmax_ratio"):
        key = "trough_ng_ml" if readout == "trough_ratio" else "cmax_ng_ml"
        lo = steady_state_summary(Regime(drug, dose, schedule), library)[key]
        hi = steady_state_summary(Regime(drug, float(spec["dose2_mg"]), schedule), library)
        return hi[key] / lo
    days, dt = float(spec.get("days", 14.0)), float(spec.get("dt_h", 0.1))

    def single(dose_mg: float):
        return simulate(Regime(drug, dose_mg, schedule, stop_day=0.5), days, dt, library)

    times, conc = single(dose)
    parent = conc[drug]
    if readout == "tmax_h":
        return float(times[int(np.argmax(parent))])
    if readout == "auc_ratio":
        _, conc2 = single(float(spec["dose2_mg"]))
        return float(np.trapezoid(conc2[drug], times) / np.trapezoid(parent, times))
    if readout == "metabolite_auc_ratio":
        met = conc[spec["metabolite"]]
        return float(np.trapezoid(met, times) / np.trapezoid(parent, times))
    raise InputError(f"observation {obs.id}: pk readout {readout!r} unknown")


def _evaluate_culture(
    obs, cell_type, overrides, library, cell_overrides, reference
) -> float | None:
    spec = obs.spec

    def gi(drugs: Mapping[str, float], ct: str = cell_type, over=overrides) -> float:
        return ex.culture_growth_inhibition(drugs, ct, 72.0, over, library, reference)

    readout = obs.readout
    if readout == "gi":
        return gi(spec["drugs"])
    if readout == "gi_difference":
        other = spec["compare_cell_type"]
        return gi(spec["drugs"]) - gi(spec["drugs"], other, _overrides(spec, other, cell_overrides))
    drug = spec["drug"]
    if readout == "plateau":
        return gi({drug: float(spec["plateau_nM"])})
    if readout == "ic50_nM":
        return ex.concentration_for_effect(lambda c: gi({drug: c}), 0.5, 1e-3, 1e5)
    if readout == "half_plateau_nM":
        half = 0.5 * gi({drug: float(spec["plateau_nM"])})
        return ex.concentration_for_effect(lambda c: gi({drug: c}), half, 1e-4, 1e4)
    raise InputError(f"observation {obs.id}: culture readout {readout!r} unknown")


def evaluate_table(
    observations: Sequence[Observation],
    library: DrugLibrary | None = None,
    cell_overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """Every observation with the model's value, its residual and whether it is met."""
    library = library or load_library()
    reference = reference_for(cell_overrides)
    rows = []
    for obs in observations:
        value = evaluate(obs, library, cell_overrides, reference)
        r = residual(obs, value)
        rows.append(
            {
                "id": obs.id,
                "kind": obs.kind,
                "readout": obs.readout,
                "relation": obs.relation,
                "published": obs.value,
                "uncertainty": obs.uncertainty,
                "model": value,
                "residual": r,
                "met": abs(r) <= 1.0,
                "holdout": obs.holdout,
                "source": obs.source,
                "conf": obs.conf,
            }
        )
    return rows
