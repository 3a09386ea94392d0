"""RECIST-like tumor response on the volume-equivalent: one definition for runs and reports.

RECIST 1.1 thresholds are on the sum of lesion diameters (Eisenhauer 2009 Eur J Cancer
45:228): partial response at -30 %, progression at +20 % from the nadir. A slice of a
spherical lesion through its middle has area ~ r^2, so the lesion's volume is taken as
``cells ** 1.5`` (its volume-equivalent) and the diameter thresholds become volume ones:
``0.7 ** 3`` (-65.7 %) and ``1.2 ** 3`` (+72.8 %). Viable tumor only, as mRECIST does
(Lencioni & Llovet 2010 Semin Liver Dis 30:52).
"""

from __future__ import annotations

import numpy as np

PR_VOLUME = 0.7**3
"""Partial response: volume-equivalent at or below this fraction of baseline (-30 % diameter)."""
PD_VOLUME = 1.2**3
"""Progression: volume-equivalent at or above this multiple of its nadir (+20 % diameter)."""


def volume_equivalent(cells) -> np.ndarray:
    """Volume-equivalent of a lesion from its viable cells in the slice (area^1.5, any unit)."""
    return np.asarray(cells, dtype=float) ** 1.5


def relative_volume(cells, baseline_cells) -> np.ndarray:
    """Volume-equivalent relative to baseline (``(cells / baseline) ** 1.5``; 1 = unchanged)."""
    return volume_equivalent(cells) / volume_equivalent(baseline_cells)


def is_partial_response(relative_vol) -> np.ndarray:
    """True where a volume-equivalent relative to baseline is a partial response (or better)."""
    return np.asarray(relative_vol, dtype=float) <= PR_VOLUME


def recist(hours, cells, baseline_h: float) -> tuple[str, float | None]:
    """RECIST-like response and time to progression (days after baseline, or None).

    Args:
        hours: time of each assessment, h (ascending).
        cells: viable tumor cells at each assessment.
        baseline_h: treatment start; assessments before it are ignored.

    Progression: the volume-equivalent reaches :data:`PD_VOLUME` times its nadir (baseline
    included); a progressed tumor is PD. Otherwise at the end: CR with no viable cells left, PR
    at or below :data:`PR_VOLUME` of baseline, else SD.
    """
    after = np.asarray(hours, dtype=float) >= baseline_h - 1e-9
    if not after.any():
        return "SD", None
    t = np.asarray(hours, dtype=float)[after]
    v = volume_equivalent(np.asarray(cells, dtype=float)[after])
    nadir = np.minimum.accumulate(v)
    progressed = np.flatnonzero((v >= PD_VOLUME * nadir) & (v > 0))
    if progressed.size:
        return "PD", float((t[progressed[0]] - t[0]) / 24.0)
    if v[-1] == 0:
        return "CR", None
    if v[-1] <= PR_VOLUME * v[0]:
        return "PR", None
    return "SD", None
