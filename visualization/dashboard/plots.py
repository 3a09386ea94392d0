"""The page's time-series and PK charts (SVG, see ``charts``), from runs' data.

PK curves are simulated finely (``PK_DT_H``) so every oral peak shows, then reduced to a
min-max envelope of at most one point pair per pixel column. Concentrations are shown in nM
for an in-vitro run ("medium concentration") and in ng/mL for blood.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.signal import fftconvolve

from mtor_abm.model.pharmacology import dose_times_h
from mtor_abm.model.pk import simulate
from mtor_abm.model.species import HUMAN, Subject
from mtor_abm.visualization.dashboard.charts import Line, envelope, line_chart_svg
from mtor_abm.visualization.dashboard.view_figures import ARM_COLOURS, column_label
from mtor_abm.visualization.dashboard.views import READOUT_NAMES

PK_DT_H = 0.25
"""PK sampling step, h: an oral sirolimus/everolimus peak (tmax 1-2 h) spans several samples."""
PK_DIRECT_SAMPLES = 12_000
"""Up to this many samples (horizons up to ~125 days at ``PK_DT_H``) the regime is simulated
directly; longer dosed runs superpose one dose's response (see :func:`pk_curves`)."""
RESPONSE_DAYS = 42.0
"""Length of one dose's simulated response for superposition, days (over 15 half-lives of
sirolimus, t1/2 ~62 h; the response left after it is below 1e-4 of the peak)."""


def time_axis(horizon_h: float) -> tuple[float, str]:
    """(hours per axis unit, axis label): days when the planned run is longer than 3 days."""
    return (24.0, "time (days)") if horizon_h > 72 else (1.0, "time (hours)")


def timeseries_svg(series: list[dict], labels: list[str], column: str, horizon_h: float) -> str:
    """One readout over time, every arm overlaid, on an axis spanning the planned run."""
    last = max((s["time_h"][-1] for s in series if s.get("time_h")), default=0.0)
    horizon = max(horizon_h or 0.0, last, 1.0)
    unit, xlabel = time_axis(horizon)
    lines = []
    for i, (s, label) in enumerate(zip(series, labels, strict=True)):
        if column not in s:
            continue
        t = np.asarray(s["time_h"], dtype=float) / unit
        lines.append(Line(t, np.asarray(s[column], dtype=float), ARM_COLOURS[i % 4], label))
    relative = column.startswith("mean_") and column[5:] in READOUT_NAMES
    ylabel = column_label(column).split("\n")[0]
    if relative:
        ylabel += " (1 = untreated)"
    return line_chart_svg(
        lines, (0.0, horizon / unit), xlabel, ylabel, hline=1.0 if relative else None, uid="ts"
    )


def pk_curves(
    regimes: list, days: float, library, in_vitro: bool = False, subject: Subject = HUMAN
) -> list:
    """Per regime ``(times_h, concentration)`` of the parent drug, or None when untreated.

    Concentration in nM when ``in_vitro`` (a held medium level), else ng/mL in blood. Sampled
    every ``PK_DT_H``; a long dosed run (over ``PK_DIRECT_SAMPLES`` samples) is the sum of one
    dose's response shifted to every dose (the compartments are linear, so doses superpose),
    which keeps every peak without simulating each sample.
    """
    out = []
    for regime in regimes:
        if regime.drug == "none":
            out.append(None)
            continue
        times, parent = _parent_curve(regime, days, library, subject)
        if in_vitro:
            parent = parent * 1e3 / library.drug(regime.drug).molecular_weight_g_per_mol
        out.append((times, parent))
    return out


def pk_svg(regimes, labels, curves, horizon_h: float, in_vitro: bool = False) -> str:
    """Each arm's drug concentration with its dose marks (▲), as a static SVG chart."""
    unit, xlabel = time_axis(horizon_h)
    lines = []
    for i, (regime, label, curve) in enumerate(zip(regimes, labels, curves, strict=True)):
        if curve is None:
            continue
        t, c = envelope(curve[0], curve[1])
        doses, _ = dose_times_h(regime, 0.0, float(curve[0][-1]))
        lines.append(Line(t / unit, c, ARM_COLOURS[i % 4], label, np.asarray(doses) / unit))
    where = "medium concentration (nM)" if in_vitro else "blood concentration (ng/mL)"
    note = None if lines else "untreated: no drug"
    return line_chart_svg(
        lines, (0.0, horizon_h / unit), f"{xlabel}; ▲ = dose", where, note=note, uid="pk"
    )


def _parent_curve(
    regime, days: float, library, subject: Subject = HUMAN
) -> tuple[np.ndarray, np.ndarray]:
    """(times_h, parent drug ng/mL) every ``PK_DT_H`` over ``days`` (see :func:`pk_curves`)
    through ``subject``'s PK (a cohort's mice, else a patient)."""
    n = int(days * 24.0 / PK_DT_H + 1e-9)
    discrete = regime.parsed_schedule.discrete
    if n <= PK_DIRECT_SAMPLES or not discrete:
        dt_h = max(PK_DT_H, days * 24.0 / PK_DIRECT_SAMPLES)  # held or infused: no peaks
        times, conc = simulate(regime, days, dt_h=dt_h, library=library, subject=subject)
        return times, np.asarray(conc.get(regime.drug, next(iter(conc.values()))))
    times = np.arange(n + 1) * PK_DT_H
    doses, amounts = dose_times_h(regime, 0.0, times[-1] + 1e-9)
    # every dose time is start + k x (a whole number of hours): one response, simulated with
    # the doses' offset within a sample step, fits them all
    offset_h = float(doses[0] % PK_DT_H) if len(doses) else 0.0
    one = replace(
        regime, start_day=offset_h / 24.0, stop_day=(offset_h + PK_DT_H) / 24.0,
        loading_dose_mg=None,
    )  # fmt: skip
    _, conc = simulate(
        one, min(days, RESPONSE_DAYS), dt_h=PK_DT_H, library=library, subject=subject
    )
    response = np.asarray(conc.get(regime.drug, next(iter(conc.values()))))
    train = np.zeros(n + 1)
    slots = np.floor((doses - offset_h) / PK_DT_H + 1e-9).astype(int)
    np.add.at(train, slots, amounts / regime.dose_mg)
    return times, fftconvolve(train, response)[: n + 1].clip(min=0.0)
