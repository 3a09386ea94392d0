"""Kaplan-Meier survival statistics, in one place for the model's readouts and the reports.

Curves and their 95 % confidence bands are lifelines' (``KaplanMeierFitter``: product-limit
estimate, exponential Greenwood bands; Davidson-Pilon 2019 JOSS 4:1317). Quantiles (the
median, the 90th-percentile lifespan) and the median's confidence interval are read off those
curves here (:func:`km_quantile`, the model's readouts, computes the same curve with numpy,
without the band), with one rule: the first time the curve is at or below ``1 - fraction``.

One event/censoring rule for every caller (:func:`right_censored`): an event on or before the
end of the observation (a death on the run's last day included) is an event at its day;
a subject without an event is censored at the end.

Why not ``KaplanMeierFitter.percentile``: lifelines builds the curve as ``exp(cumsum(log(1 -
d/n)))``, so a curve that is exactly 0.5 can come out as 0.5000000000000001 and its median as
"not reached" (e.g. deaths on days 4, 9 and 16 among 6, lifelines 0.30). Quantiles here allow
:data:`QUANTILE_TOLERANCE` for that round-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtor_abm.model.errors import InputError

QUANTILE_TOLERANCE = 1e-9
"""Survival within this of ``1 - fraction`` counts as reaching it (floating-point round-off of
the product-limit estimate; survival is a fraction)."""
END_TOLERANCE_DAYS = 1e-9
"""An event within this of the end of observation is on the last day (round-off of hours/24)."""


def right_censored(event_days, end_day) -> tuple[np.ndarray, np.ndarray]:
    """Durations and event flags from event days (NaN or None = no event) and the end of follow-up.

    Args:
        event_days: per subject, the day of its event (death, rejection), NaN/None without one.
        end_day: day observation ended (a number, or one per subject).

    Returns:
        ``(durations, events)``: float days and bools. An event at or before ``end_day`` is an
        event at its day (a death on the last day counts); no event means censored at
        ``end_day``.

    Raises:
        InputError: an event after the end of observation, or a negative day.
    """
    days = np.array([np.nan if d is None else d for d in np.ravel(event_days)], dtype=float)
    end = np.broadcast_to(np.asarray(end_day, dtype=float), days.shape)
    events = np.isfinite(days)
    if np.any(days[events] > end[events] + END_TOLERANCE_DAYS):
        raise InputError("an event day is after the end of observation")
    if np.any(days[events] < 0) or np.any(end < 0):
        raise InputError("event and end days must be >= 0")
    durations = np.where(events, days, end)
    return durations, events


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier curve with its pointwise confidence band.

    Attributes:
        times: the timeline, days (starts at 0; one entry per distinct duration).
        survival: product-limit survival just after each time (1 at 0).
        lower, upper: pointwise ``1 - alpha`` confidence band (exponential Greenwood).
        subjects: number of subjects.
        events: number of events.
    """

    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    subjects: int
    events: int

    def quantile(self, fraction: float) -> float | None:
        """Time by which ``fraction`` of the subjects had the event (None if not reached).

        ``fraction`` 0.5 is the median survival, 0.9 the 90th-percentile lifespan (the
        maximum-lifespan measure of Harrison 2009 Nature 460:392).
        """
        return _first_at_or_below(self.times, self.survival, 1.0 - _fraction(fraction))

    @property
    def median(self) -> float | None:
        """Median survival time (None if the curve never reaches 0.5)."""
        return self.quantile(0.5)

    def median_interval(self) -> tuple[float | None, float | None]:
        """Confidence interval of the median: where the lower and the upper band reach 0.5
        (as lifelines' ``median_survival_times`` of the bands); None where a band never does."""
        return (
            _first_at_or_below(self.times, self.lower, 0.5),
            _first_at_or_below(self.times, self.upper, 0.5),
        )


def kaplan_meier(durations, events, alpha: float = 0.05) -> KaplanMeier:
    """The Kaplan-Meier curve of right-censored data (see :func:`right_censored`).

    Args:
        durations: time to event or censoring per subject, days (>= 0).
        events: True where the subject had the event at its duration.
        alpha: 1 - confidence level of the band.

    Raises:
        InputError: no subjects, mismatched lengths or non-finite durations.
    """
    from lifelines import KaplanMeierFitter

    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    _check_durations(durations, events)
    # lifelines takes log(0) where the curve reaches 0 and silences that with np.seterr, which
    # it never restores; errstate keeps both to this call. numpy >= 2 keeps the error state per
    # thread (a contextvar), so other threads are untouched; a warnings filter would not be.
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = KaplanMeierFitter(alpha=alpha).fit(durations, events)
    band = fit.confidence_interval_survival_function_.to_numpy()
    return KaplanMeier(
        times=fit.survival_function_.index.to_numpy(float),
        survival=fit.survival_function_.iloc[:, 0].to_numpy(float),
        lower=band[:, 0].astype(float),
        upper=band[:, 1].astype(float),
        subjects=int(durations.size),
        events=int(events.sum()),
    )


def cohort_survival(death_days, end_day) -> KaplanMeier:
    """Kaplan-Meier curve of a cohort: death days (NaN/None = alive at ``end_day``)."""
    return kaplan_meier(*right_censored(death_days, end_day))


def km_quantile(death_days, end_day: float, dead_fraction: float) -> float | None:
    """Age by which ``dead_fraction`` of the cohort has died (Kaplan-Meier), None if not yet.

    The same product-limit curve as :func:`cohort_survival` (``S`` just after each distinct
    duration ``t``: the product of ``1 - deaths(t) / at_risk(t)``, a subject censored at ``t``
    still at risk at ``t``) and the same quantile rule, computed with numpy without the
    confidence band: ~0.1 ms for 500 organisms where a lifelines fit with its band takes
    ~40-100 ms, which the aging readouts pay four times per cohort each time a dashboard
    refreshes them (tests/test_survival.py checks it against lifelines' curve).

    Raises:
        InputError: as :func:`right_censored` and :func:`kaplan_meier`, or a fraction outside
            (0, 1).
    """
    durations, events = right_censored(death_days, end_day)
    _check_durations(durations, events)
    level = 1.0 - _fraction(dead_fraction)
    times, index = np.unique(durations, return_inverse=True)
    leaving = np.bincount(index, minlength=times.size)  # deaths and censorings at each time
    deaths = np.bincount(index, weights=events.astype(float), minlength=times.size)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    return _first_at_or_below(times, np.cumprod(1.0 - deaths / at_risk), level)


def _check_durations(durations: np.ndarray, events: np.ndarray) -> None:
    if durations.size == 0 or durations.shape != events.shape:
        raise InputError("Kaplan-Meier needs one duration and one event flag per subject")
    if not np.all(np.isfinite(durations)) or np.any(durations < 0):
        raise InputError("Kaplan-Meier durations must be finite numbers >= 0")


def _fraction(value: float) -> float:
    if not 0.0 < value < 1.0:
        raise InputError(f"a survival quantile needs a fraction in (0, 1), got {value!r}")
    return float(value)


def _first_at_or_below(times: np.ndarray, curve: np.ndarray, level: float) -> float | None:
    hit = np.flatnonzero(curve <= level + QUANTILE_TOLERANCE)
    return float(times[hit[0]]) if hit.size else None
