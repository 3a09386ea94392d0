"""Timeseries records and summary readouts of the transplant scenario."""

from __future__ import annotations

from types import MappingProxyType
from typing import Protocol

import numpy as np

from mtor_abm.agents.transplant import DONOR_APC, EFFECTOR, GRAFT, MEMORY, NAIVE, TREG
from mtor_abm.model import signaling as sg
from mtor_abm.model.celltable import CellTable
from mtor_abm.model.exposure import drug_levels_nM
from mtor_abm.model.fields import Field
from mtor_abm.model.scenarios.transplant_params import TransplantScenario


class TransplantState(Protocol):
    """What the records and readouts read of a transplant model
    (:class:`model.scenarios.transplant.TransplantModel` provides it; named here so that this
    module does not import the model that imports it)."""

    scenario: TransplantScenario
    hours: float
    table: CellTable  # tissue cells, with their ``kind``
    tcells: CellTable
    il2: Field
    chemokine: Field
    drug: Field
    blood_nM: dict[str, float]
    pk: object  # PKState or CombinedPKState
    counters: dict[str, int]
    pathogen: np.ndarray  # [x, y] pathogen load
    wound_mask: np.ndarray  # [x, y] bool
    kind_grid: np.ndarray  # [x, y] tissue kind, -1 empty
    graft_initial: int
    division_ages: list[float]
    infection_cleared_day: float | None
    wound_closure_day: float | None


def timeseries_row(model: TransplantState) -> dict[str, float]:
    """One hourly record of the transplant (the DataCollector's model reporters)."""
    t = model.tcells
    subset = t["subset"]
    ref = sg.reference_levels()
    kinds = model.table["kind"]
    row = {
        "time_h": model.hours,
        "tcells": float(t.n),
        "naive": float(np.sum(subset == NAIVE)),
        "effector": float(np.sum(subset == EFFECTOR)),
        "memory": float(np.sum(subset == MEMORY)),
        "treg": float(np.sum(subset == TREG)),
        "graft_cells": float(np.sum(kinds == GRAFT)),
        "donor_apcs": float(np.sum(kinds == DONOR_APC)),
        "il2_mean": float(model.il2.data.mean()),
        "chemokine_mean": float(model.chemokine.data.mean()),
        **dict(
            zip(("drug_nM", "co_drug_nM"), drug_levels_nM(model.blood_nM, model.pk), strict=True)
        ),
        "tissue_drug_nM": float(model.drug.data.mean()),
        # means over T-cells: None (undefined) while there are none
        "mean_pS6K": float(t["s6k"].mean() / ref["s6k"]) if t.n else None,
        "mean_pAKT_S473": float(t["akt_s473"].mean() / ref["akt_s473"]) if t.n else None,
        "kills": float(model.counters["kills"]),
        "divisions": float(model.counters["divisions"]),
        "precursors_activated": float(model.counters["activated"]),
        "precursors_entered": float(
            model.counters["allo_entered"] + model.counters["pathogen_entered"]
        ),
        "pathogen_load": float(model.pathogen.sum()),
        "wound_open_sites": float(np.sum(model.wound_mask & (model.kind_grid < 0))),
    }
    return row


READOUT_NOTES = MappingProxyType(
    {
        "tcell_fold_expansion": "at the peak of antigen-experienced T-cells",
        "treg_fraction": "Treg share of experienced T-cells at their peak",
        "memory_fraction": "memory / (memory + effector) at the experienced T-cell peak",
        "effector_peak": "count, the most at any hour",
        "treg_peak": "count, the most at any hour",
        "treg_final": "count at the end",
        "memory_final": "count at the end",
    }
)
"""What a printed transplant readout is when its name alone could mislead (the fractions are
at the peak of antigen-experienced T-cells, the counts at another hour: a ``treg_fraction``
of 0 beside a ``treg_peak`` of 2 is not a contradiction). Printed beside the values; the
stored names stay as they are (:func:`transplant_readouts`)."""


def transplant_readouts(model: TransplantState, twin, series) -> dict:
    """Summary readouts of a transplant run, plus expansion kinetics.

    Treg and memory fractions and the fold expansion are taken at the peak of
    antigen-experienced T-cells (as memory precursors are counted at the peak of expansion;
    Araki 2009): ``treg_fraction`` = Treg / antigen-experienced
    T-cells, ``memory_fraction`` = memory / (memory + effector). ``tcell_fold_expansion`` =
    antigen-experienced T-cells / precursors primed by then (the clonal burst).
    ``division_time_h`` is the median time between divisions of the cells that divided during
    the 24 h with the most divisions; ``contraction`` = 1 - final / peak T-cells.
    ``treg_peak`` is the most Tregs at any hour and ``treg_final`` / ``memory_final`` the
    Tregs and memory precursors at the end of the run (counts, not shares: patients on
    sirolimus keep more Tregs than on calcineurin inhibitors months after transplant; Segundo
    2006 Transplantation 82:550).
    """
    hours = np.asarray(series["time_h"], dtype=float)
    graft = np.asarray(series["graft_cells"], dtype=float) / max(model.graft_initial, 1)
    below = np.flatnonzero(graft < model.scenario.rejection_threshold)
    tcells = np.asarray(series["tcells"], dtype=float)
    peak = int(np.argmax(tcells))
    subsets = {k: np.asarray(series[k], dtype=float) for k in ("effector", "memory", "treg")}
    experienced_series = subsets["effector"] + subsets["memory"] + subsets["treg"]
    at = int(np.argmax(experienced_series))
    eff, mem, treg = (float(v[at]) for v in subsets.values())
    experienced = eff + mem + treg
    primed = max(float(series["precursors_activated"][at]), 1.0)
    return {
        "graft_surviving_fraction": float(graft[-1]),
        "rejected": bool(len(below) > 0),
        "rejection_day": float(hours[below[0]] / 24.0) if len(below) else None,
        "tcell_peak": int(tcells[peak]),
        "tcell_peak_day": float(hours[peak] / 24.0),
        "tcell_fold_expansion": float(experienced / primed),
        "treg_fraction": treg / experienced if experienced else None,
        "memory_fraction": mem / (mem + eff) if mem + eff else None,
        "effector_peak": int(np.max(series["effector"])),
        "treg_peak": int(np.max(subsets["treg"])),
        "treg_final": int(subsets["treg"][-1]),
        "memory_final": int(subsets["memory"][-1]),
        "contraction": float(1.0 - tcells[-1] / tcells[peak]) if tcells[peak] else None,
        "division_time_h": division_time_h(series, model.division_ages),
        "infection_cleared_day": model.infection_cleared_day,
        "wound_closure_day": model.wound_closure_day,
    }


def division_time_h(series, division_ages: list[float]) -> float | None:
    """Median interdivision time (h) of the divisions in the 24 h with the most divisions."""
    cum = np.asarray(series["divisions"], dtype=float)
    if len(cum) < 2 or cum[-1] == 0:
        return None
    window = min(24, len(cum) - 1)
    per_window = cum[window:] - cum[:-window]
    start = int(np.argmax(per_window))
    lo, hi = int(cum[start]), int(cum[start + window])
    return float(np.median(division_ages[lo:hi])) if hi > lo else None
