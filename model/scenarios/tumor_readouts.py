"""Timeseries records and summary readouts of the tumor scenario."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.fields import Field
from mtor_abm.model.recist import recist_course
from mtor_abm.model.scenarios.tumor_params import DX_UM, TUMOR, TumorScenario


class TumorState(Protocol):
    """What the records and readouts read of a tumor model
    (:class:`model.scenarios.tumor.TumorModel` provides it; named here so that this module does
    not import the model that imports it)."""

    scenario: TumorScenario
    hours: float
    table: CellTable
    fields: dict[str, Field]  # oxygen (mmHg), nutrients, drug (nM), VEGF on the grid
    necrotic: np.ndarray  # [x, y] bool, necrotic debris
    vessels: np.ndarray  # [x, y] bool, perfused vessels
    baseline_h: float  # treatment start: the response's baseline, h

    def tumor_region(self) -> np.ndarray: ...

    def total_blood_nM(self) -> float: ...

    def oxygen_at_cells(self) -> np.ndarray: ...


# ------------------------------------------------------------------------------ readouts
TUMOR_MEANS = ("mean_pS6K", "mean_p4EBP1", "mean_pAKT_S473", "mean_autophagy")
"""Means over live tumor cells in each record, relative to the reference cell (None if none:
a mean over no cells is undefined, never 0, which would read as full inhibition)."""


LAST_RECORD_READOUTS = (
    "cycling_fraction",
    "hypoxic_fraction",
    "necrotic_fraction",
    "vessel_density",
    "mean_pS6K",
    "mean_pAKT_S473",
)
"""Summary readouts taken from the run's last record (None there stays None)."""


def timeseries_row(model: TumorState) -> dict[str, float]:
    """One hourly record of the tumor (the DataCollector's model reporters)."""
    t = model.table
    sc = model.scenario
    is_tumor = t["type_id"] == TUMOR
    n_tumor = int(is_tumor.sum())
    n_necrotic = int(model.necrotic.sum())
    region = model.tumor_region()
    area_mm2 = region.sum() * (DX_UM / 1000.0) ** 2
    vessels_in_tumor = int((model.vessels & region).sum())
    row = {
        "time_h": model.hours,
        "tumor_cells": float(n_tumor),
        "cells": float(t.n),
        "necrotic_cells": float(n_necrotic),
        "vessels": float(model.vessels.sum()),
        "vessel_density": vessels_in_tumor / area_mm2 if area_mm2 > 0 else None,
        "vegf_mean": float(model.fields["VEGF"].data.mean()),
        "blood_nM": model.total_blood_nM(),
        "oxygen_mean_mmHg": float(model.fields["oxygen"].data.mean()),
    }
    if n_tumor:
        o2 = model.oxygen_at_cells()[is_tumor]
        ref = sg.reference_levels()
        row.update(
            hypoxic_fraction=float(np.mean(o2 < sc.hypoxia_mmHg)),
            necrotic_fraction=n_necrotic / (n_tumor + n_necrotic),
            cycling_fraction=float(t["cycling"][is_tumor].mean()),
            mean_pS6K=float(t["s6k"][is_tumor].mean() / ref["s6k"]),
            mean_p4EBP1=float(t["p4ebp1"][is_tumor].mean() / ref["p4ebp1"]),
            mean_pAKT_S473=float(t["akt_s473"][is_tumor].mean() / ref["akt_s473"]),
            mean_autophagy=float(t["autophagy"][is_tumor].mean() / ref["autophagy"]),
            tumor_drug_nM=float(model.fields["drug"].data[t["x"], t["y"]][is_tumor].mean()),
        )
    else:
        # No live tumor cell: fractions and means over them do not exist (None, not 0).
        row.update(
            hypoxic_fraction=None,
            necrotic_fraction=1.0 if n_necrotic else None,
            cycling_fraction=None,
            tumor_drug_nM=None,
            **dict.fromkeys(TUMOR_MEANS, None),
        )
    return row


def tumor_readouts(model: TumorState, twin, series) -> dict:
    """Summary readouts of a tumor run (baseline = treatment start; RECIST-like course on the
    volume-equivalent, :func:`model.recist.recist_course`).

    Besides the size and the final fractions: ``response`` (status at the end: PD once
    progressed), ``best_response`` (RECIST best overall response: CR/PR/SD/PD before
    progression), ``time_to_progression_days`` (from treatment start to the first record at
    +72.8 % volume-equivalent over the nadir; None if none), ``nadir_tumor_cells`` and
    ``nadir_day`` (smallest size since treatment start up to progression, and its day after
    treatment start) and ``best_relative_volume`` (volume-equivalent at the nadir / at
    treatment start; None without tumor cells at the start).
    """
    hours = np.asarray(series["time_h"], dtype=float)
    cells = np.asarray(series["tumor_cells"], dtype=float)
    start = int(np.searchsorted(hours, model.baseline_h - 1e-9))
    start = min(start, len(hours) - 1)
    at_start, final = cells[start], cells[-1]
    course = recist_course(hours, cells, hours[start])
    last = {k: series[k][-1] for k in series}
    return {
        "tumor_cells_at_start": int(at_start),
        "tumor_cells_final": int(final),
        "relative_size": float(final / at_start) if at_start > 0 else None,
        "response": course.response,
        "best_response": course.best_response,
        "time_to_progression_days": course.time_to_progression_days,
        "nadir_tumor_cells": int(course.nadir_cells),
        "nadir_day": course.nadir_day,
        "best_relative_volume": course.best_relative_volume,
        **{key: None if last[key] is None else float(last[key]) for key in LAST_RECORD_READOUTS},
    }
