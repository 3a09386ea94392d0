"""Fit the network's free parameters to the observation table (scipy least squares).

The free parameters are cell-type signalling parameters (:class:`model.signaling.CellType`)
that the observations constrain and that no single genotype or drug owns:
:data:`FREE_PARAMETERS`, each with its bounds. Residuals are :func:`.evaluate.residual` of the
in-sample rows (misfit in units of each row's uncertainty, 0 inside a bound); held-out rows
are evaluated at the optimum and reported apart. ``scipy.optimize.least_squares`` (trust-region
reflective, bounded) runs from several starts (the shipped values, then points of a scrambled
Sobol sequence inside the bounds, seeded) and keeps the best.

Evaluations go through ``map_fn(function, items) -> list`` so the caller chooses where they
run (serial, a local process pool, a Dask cluster): every item is ``(observation, overrides)``
and :func:`evaluate_item` is a module-level function, picklable.

The fitted set is a small TOML table (``[cell_type] name = value``, ``"*"`` for every cell
type); :func:`parameter_set_hash` is the SHA-256 of its canonical JSON, written into every
run's manifest when the set is shipped (``model/calibration/fitted_parameters.toml``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import qmc

from mtor_abm.model import signaling as sg
from mtor_abm.model.calibration.evaluate import Observation, evaluate, reference_for, residual
from mtor_abm.model.errors import InputError


@dataclass(frozen=True)
class FreeParameter:
    """One fitted parameter: the cell type it applies to (``*`` = all), its name, bounds."""

    cell_type: str
    name: str
    lower: float
    upper: float

    @property
    def key(self) -> str:
        """``cell_type.name``."""
        return f"{self.cell_type}.{self.name}"

    def start(self) -> float:
        """The packaged value (CellType default, or the named cell type's)."""
        ct = "epithelial" if self.cell_type == "*" else self.cell_type
        return sg.cell_type_params(ct)[self.name]


FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("*", "feedback_strength", 5.0, 60.0),
    FreeParameter("*", "foxo_rtk_gain", 0.3, 4.0),
)
"""Fitted by default: the shared S6K -> IRS1 feedback strength and FOXO -> RTK gain
(constrained by S4, S5, L09-L11 and every row where the feedback loop acts). Cell-type
parameters that only a few rows constrain stay hand-set priors: fitting them to those rows
would tune to the rows. The G1->S steepness in free eIF4E (``prolif_4ebp_hill``, 2.5 for every
cell type) is the value once set for T-cells from S10 and L18, not refitted."""


def overrides_from_vector(
    x: Sequence[float], params: Sequence[FreeParameter]
) -> dict[str, dict[str, float]]:
    """``{cell_type: {name: value}}`` for parameter vector ``x``."""
    out: dict[str, dict[str, float]] = {}
    for p, v in zip(params, x, strict=True):
        out.setdefault(p.cell_type, {})[p.name] = float(v)
    return out


def evaluate_item(
    item: tuple[Observation, Mapping[str, Mapping[str, float]], *tuple[Any, ...]],
) -> float | None:
    """Model value of one observation under parameter overrides (for ``map_fn``).

    ``item``: ``(observation, overrides)`` or ``(observation, overrides, reference)`` with
    ``reference = dict(reference_for(overrides))`` (:func:`.evaluate.reference_for`, a plain
    dict so that it pickles), computed once per parameter vector rather than per row.
    """
    obs, overrides, *rest = item
    reference = rest[0] if rest else None
    try:
        return evaluate(obs, None, overrides, reference)
    except InputError:  # the quantity does not exist for these parameters (e.g. no growth)
        return None


def _items(
    observations: Sequence[Observation], overrides: Mapping[str, Mapping[str, float]]
) -> list[tuple]:
    """``map_fn`` items of ``observations`` under ``overrides``, with the reference cell of
    those overrides computed once (:func:`.evaluate.reference_for`)."""
    reference = dict(reference_for(overrides))
    return [(obs, overrides, reference) for obs in observations]


def serial_map(function: Callable, items: Sequence) -> list:
    """``map_fn`` that evaluates in this process."""
    return [function(item) for item in items]


def fit(
    in_sample: Sequence[Observation],
    held_out: Sequence[Observation],
    params: Sequence[FreeParameter] = FREE_PARAMETERS,
    starts: int = 3,
    max_evaluations: int = 12,
    seed: int = 0,
    map_fn: Callable = serial_map,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Least-squares fit of ``params`` to ``in_sample``; returns the fit report.

    ``starts`` starting points (the packaged values first), each run of
    ``least_squares`` limited to ``max_evaluations`` residual evaluations (the Jacobian's
    finite differences are extra). Report: ``parameters`` (fitted ``{cell_type: {name:
    value}}``), ``start_parameters``, ``moved`` (relative change per parameter, largest
    first), ``in_sample_rms`` and ``held_out_rms`` (root-mean-square residual, units of the
    rows' uncertainties), ``in_sample_met`` / ``held_out_met`` (counts), ``rows`` (per
    observation: model at the start and at the optimum, residuals), ``starts`` (cost of each).
    ``progress``, when given, receives one line per residual evaluation (start, count, cost,
    best cost so far, the parameters), one per start and one before the final evaluation of
    every row.
    """
    if not in_sample:
        raise InputError("no in-sample observations to fit")
    # PK rows do not depend on signalling parameters: reported, not refitted at every step.
    fitted_rows = [o for o in in_sample if o.kind != "pk"] or list(in_sample)
    lower = np.array([p.lower for p in params])
    upper = np.array([p.upper for p in params])
    x_packaged = np.clip([p.start() for p in params], lower, upper)

    tally = {"start": 0, "evaluations": 0, "best": math.inf}

    def residuals(x: np.ndarray) -> np.ndarray:
        overrides = overrides_from_vector(x, params)
        values = map_fn(evaluate_item, _items(fitted_rows, overrides))
        r = np.array([residual(o, v) for o, v in zip(fitted_rows, values, strict=True)])
        tally["evaluations"] += 1
        cost = 0.5 * float(r @ r)
        tally["best"] = min(tally["best"], cost)
        if progress is not None:
            progress(
                f"start {tally['start']}/{len(points)}, evaluation {tally['evaluations']}: "
                f"cost {cost:.3f} (best {tally['best']:.3f}) at "
                + ", ".join(f"{p.key}={v:.4g}" for p, v in zip(params, x, strict=True))
            )
        return r

    sobol = qmc.Sobol(len(params), scramble=True, seed=seed)
    points = [x_packaged] + [lower + (upper - lower) * u for u in sobol.random(max(0, starts - 1))]
    runs = []
    for x0 in points:
        tally["start"] += 1
        result = least_squares(
            residuals,
            x0,
            bounds=(lower, upper),
            x_scale=upper - lower,
            diff_step=0.02,
            max_nfev=max_evaluations,
        )
        runs.append({"start": x0.tolist(), "x": result.x.tolist(), "cost": float(result.cost)})
        if progress is not None:
            progress(f"start {tally['start']}/{len(points)} done: cost {result.cost:.3f}")
    best = min(runs, key=lambda r: r["cost"])
    x_best = np.array(best["x"])
    report_rows = []
    everything = [*in_sample, *held_out]
    if progress is not None:
        progress(f"the start and fitted parameters on all {len(everything)} rows ...")
    before = map_fn(evaluate_item, _items(everything, overrides_from_vector(x_packaged, params)))
    after = map_fn(evaluate_item, _items(everything, overrides_from_vector(x_best, params)))
    for obs, v0, v1 in zip(everything, before, after, strict=True):
        report_rows.append(
            {
                "id": obs.id,
                "kind": obs.kind,
                "check": obs.check,
                "readout": obs.readout,
                "relation": obs.relation,
                "published": obs.value,
                "uncertainty": obs.uncertainty,
                "source": obs.source,
                "conf": obs.conf,
                "held_out": obs in held_out,
                "model_start": v0,
                "model": v1,
                "residual_start": residual(obs, v0),
                "residual": residual(obs, v1),
                "met": abs(residual(obs, v1)) <= 1.0,
            }
        )

    def rms(rows, key="residual"):
        return math.sqrt(sum(r[key] ** 2 for r in rows) / len(rows)) if rows else None

    ins = [r for r in report_rows if not r["held_out"]]
    out = [r for r in report_rows if r["held_out"]]
    moved = sorted(
        (
            {
                "parameter": p.key,
                "start": float(a),
                "fitted": float(b),
                "relative_change": float((b - a) / a) if a else float(b),
            }
            for p, a, b in zip(params, x_packaged, x_best, strict=True)
        ),
        key=lambda m: -abs(m["relative_change"]),
    )
    return {
        "parameters": overrides_from_vector(x_best, params),
        "start_parameters": overrides_from_vector(x_packaged, params),
        "moved": moved,
        "in_sample_rms": rms(ins),
        "in_sample_rms_start": rms(ins, "residual_start"),
        "held_out_rms": rms(out),
        "held_out_rms_start": rms(out, "residual_start"),
        "in_sample_met": sum(r["met"] for r in ins),
        "in_sample_n": len(ins),
        "held_out_met": sum(r["met"] for r in out),
        "held_out_n": len(out),
        "rows": report_rows,
        "starts": runs,
    }


def split_holdout(
    observations: Sequence[Observation], fraction: float = 0.0
) -> tuple[list[Observation], list[Observation]]:
    """(in-sample, held-out): rows flagged ``holdout`` plus, with ``fraction`` > 0, that share
    of the others chosen by a hash of their id (the same rows every time)."""
    if not 0.0 <= fraction < 1.0:
        raise InputError(f"--holdout must be a fraction in [0, 1), got {fraction}")

    def picked(obs: Observation) -> bool:
        digest = hashlib.sha256(obs.id.encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < fraction

    held = [o for o in observations if o.holdout or picked(o)]
    return [o for o in observations if o not in held], held
