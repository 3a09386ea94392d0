"""RECIST-like tumor response on the volume-equivalent: one definition for runs and reports.

RECIST 1.1 (Eisenhauer 2009 Eur J Cancer 45:228) judges the sum of lesion diameters: partial
response (PR) at a 30 % decrease from baseline, progression (PD) at a 20 % increase over the
smallest sum recorded since treatment started (the nadir, baseline included), complete response
(CR) when no lesion is left, stable disease (SD) otherwise. This project keeps a convention on
the volume-equivalent instead of the diameter: a slice through the middle of a spherical lesion
has area ~ r^2, so the lesion's volume is taken as ``cells ** 1.5`` and the diameter thresholds
become volume ones, ``0.7 ** 3`` (-65.7 %) for PR and ``1.2 ** 3`` (+72.8 % over the nadir) for
PD. Viable tumor only, as mRECIST does (Lencioni & Llovet 2010 Semin Liver Dis 30:52).

Every record of a run is an assessment in :func:`recist_course` (a "scan" each record, hourly
in the tumor scenario). Waterfall plots read scans at an interval instead
(:func:`best_change_at_scans`, weekly by default): with hourly records the first scan after
baseline is the baseline, so a growing tumor's best change would always read 0.
RECIST 1.1 also asks progression to be a net increase of at least 5 mm over the nadir, so that
a lesion shrunk to a few millimetres is not called progressive for a millimetre's growth. The
slice holds a sub-millimetre lesion that stands for a clinical one, so the floor is kept as a
fraction of the baseline diameter (:data:`PD_MIN_DIAMETER_INCREASE`): without it a tumor
emptied to a few cells "progressed" when two of them divided. Not modelled: confirmation of a
response by a second scan (not required in randomised trials such as RECORD-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PR_VOLUME = 0.7**3
"""Partial response: volume-equivalent at or below this fraction of baseline (-30 % diameter)."""
PD_VOLUME = 1.2**3
"""Progression: volume-equivalent at or above this multiple of its nadir (+20 % diameter)."""
PD_MIN_DIAMETER_INCREASE = 0.1
"""Progression also needs the diameter-equivalent (``volume ** (1/3)``) to have grown by at
least this fraction of its baseline value over the nadir: RECIST 1.1's 5-mm net increase
(Eisenhauer 2009) on a baseline sum of target diameters of 50 mm (assumed, a typical baseline
of trials in metastatic disease). It only matters once a tumor has shrunk below about half its
baseline diameter (a 20 % rise then is under 10 % of baseline)."""
SD_MIN_DAYS = 42.0
"""Days after treatment start a tumor must go without progression for a best response of
stable disease (RECIST 1.1: a protocol-set minimum, "in general not less than 6-8 weeks",
Eisenhauer 2009; the 6-week lower end, assumed). A run that ends sooner without progression
also counts as SD (its course so far)."""


def volume_equivalent(cells) -> np.ndarray:
    """Volume-equivalent of a lesion from its viable cells in the slice (area^1.5, any unit)."""
    return np.asarray(cells, dtype=float) ** 1.5


def relative_volume(cells, baseline_cells) -> np.ndarray:
    """Volume-equivalent relative to baseline (``(cells / baseline) ** 1.5``; 1 = unchanged)."""
    return volume_equivalent(cells) / volume_equivalent(baseline_cells)


def is_partial_response(relative_vol) -> np.ndarray:
    """True where a volume-equivalent relative to baseline is a partial response (or better)."""
    return np.asarray(relative_vol, dtype=float) <= PR_VOLUME


def progressed(volume, nadir_volume, baseline_volume) -> np.ndarray:
    """True where a lesion has progressed over its nadir (RECIST 1.1 on the volume-equivalent).

    Args:
        volume: volume-equivalent at each assessment (any shape, any unit).
        nadir_volume: the smallest volume-equivalent before each assessment, same shape.
        baseline_volume: volume-equivalent at treatment start (a scalar, same unit).

    Returns:
        bool array, same shape: ``volume`` at least :data:`PD_VOLUME` times the nadir, not 0,
        and a diameter-equivalent at least :data:`PD_MIN_DIAMETER_INCREASE` of the baseline's
        above the nadir's.
    """
    v = np.asarray(volume, dtype=float)
    nadir = np.asarray(nadir_volume, dtype=float)
    rise = np.cbrt(v) - np.cbrt(nadir)
    floor = PD_MIN_DIAMETER_INCREASE * np.cbrt(float(baseline_volume))
    return (v >= PD_VOLUME * nadir) & (v > 0) & (rise >= floor * (1 - 1e-12))


@dataclass(frozen=True)
class Course:
    """The RECIST-like course of one tumor after treatment start.

    Attributes:
        response: status at the end of the run: PD once progressed (whatever came after), else
            CR with no viable cell left, PR at or below :data:`PR_VOLUME` of baseline, else SD.
        best_response: RECIST best overall response, the best status recorded before
            progression: CR if no viable cell was left at some assessment, else PR if the
            volume-equivalent reached :data:`PR_VOLUME` of baseline, else SD if the tumor went
            :data:`SD_MIN_DAYS` (or the whole run) without progression, else PD.
        time_to_progression_days: days from treatment start to the first assessment at
            :data:`PD_VOLUME` times the nadir with the diameter floor of :func:`progressed`
            (None: no progression in the run).
        nadir_cells: viable tumor cells at the nadir: the smallest size since treatment start
            (baseline included) up to progression, the reference progression is measured from.
        nadir_day: days from treatment start to the nadir (its first time).
        best_relative_volume: volume-equivalent at the nadir relative to baseline (1 = no
            change; the waterfall's bar is ``100 * (best_relative_volume - 1)`` %); None when
            the baseline has no viable cell.
    """

    response: str
    best_response: str
    time_to_progression_days: float | None
    nadir_cells: float
    nadir_day: float
    best_relative_volume: float | None


def recist_course(hours, cells, baseline_h: float) -> Course | None:
    """The RECIST-like course of a tumor from its viable cells over time.

    Args:
        hours: time of each assessment, h, ascending; shape (n,).
        cells: viable tumor cells at each assessment; shape (n,).
        baseline_h: treatment start, h; assessments before it are ignored, the first at or
            after it is the baseline.

    Returns:
        The :class:`Course`, or None when no assessment lies at or after ``baseline_h``.
    """
    t_all = np.asarray(hours, dtype=float)
    after = t_all >= baseline_h - 1e-9
    if not after.any():
        return None
    days = (t_all[after] - t_all[after][0]) / 24.0
    n = np.asarray(cells, dtype=float)[after]
    v = volume_equivalent(n)
    running_nadir = np.minimum.accumulate(v)
    progression = np.flatnonzero(progressed(v, running_nadir, v[0]))
    ttp = float(days[progression[0]]) if progression.size else None
    # Before progression: the assessments the nadir and the best response are taken over.
    before = slice(None, progression[0]) if progression.size else slice(None)
    i_nadir = int(np.argmin(v[before]))
    best = v[i_nadir] / v[0] if v[0] > 0 else None
    if (v[before] == 0).any():
        best_response = "CR"
    elif best is not None and best <= PR_VOLUME:
        best_response = "PR"
    elif ttp is None or ttp >= SD_MIN_DAYS:
        best_response = "SD"
    else:
        best_response = "PD"
    if ttp is not None:
        response = "PD"
    elif v[-1] == 0:
        response = "CR"
    elif v[-1] <= PR_VOLUME * v[0]:
        response = "PR"
    else:
        response = "SD"
    return Course(
        response=response,
        best_response=best_response,
        time_to_progression_days=ttp,
        nadir_cells=float(n[i_nadir]),
        nadir_day=float(days[i_nadir]),
        best_relative_volume=None if best is None else float(best),
    )


def recist(hours, cells, baseline_h: float) -> tuple[str, float | None]:
    """Response at the end of the run and time to progression (days after baseline, or None):
    ``(course.response, course.time_to_progression_days)`` of :func:`recist_course`; ``("SD",
    None)`` when no assessment lies at or after ``baseline_h``."""
    course = recist_course(hours, cells, baseline_h)
    if course is None:
        return "SD", None
    return course.response, course.time_to_progression_days


SCAN_INTERVAL_DAYS = 7.0
"""Days between the scans a waterfall's best response is read at (weekly; assumed: RECORD-1
scanned every 8 weeks, but a weekly scan resolves the model's faster courses)."""


def best_change_at_scans(days, relative_vol, interval_days: float = SCAN_INTERVAL_DAYS) -> float:
    """Best change of the volume-equivalent from treatment start at scans (a waterfall's bar,
    as a fraction: -0.3 = 30 % smaller).

    Args:
        days: days since treatment start of each record, ascending; shape (n,).
        relative_vol: volume-equivalent relative to treatment start at each record; shape (n,).
        interval_days: days between scans; the scans are at ``interval_days``,
            ``2 * interval_days``, ... up to the last record (the last record when the run ends
            before the first scan).

    Returns:
        The smallest ``relative_vol - 1`` over the scans up to and including the first scan
        at progression (:func:`progressed`, the nadir taken with baseline): shrinkage after
        progression is not a response (a progressed patient is off study). NaN without a
        record after treatment start.
    """
    days = np.asarray(days, dtype=float)
    values = np.asarray(relative_vol, dtype=float)
    after = days > 0
    if not after.any():
        return float("nan")
    days, values = days[after], values[after]
    scans = np.arange(interval_days, days[-1] + 1e-9, interval_days)
    idx = np.searchsorted(days, scans - 1e-9).clip(0, len(days) - 1) if scans.size else [-1]
    v = values[idx]
    nadir_before = np.minimum.accumulate(np.concatenate(([1.0], v)))[:-1]
    progression = np.flatnonzero(progressed(v, nadir_before, 1.0))
    upto = progression[0] + 1 if progression.size else len(v)
    return float(np.min(v[:upto])) - 1.0
