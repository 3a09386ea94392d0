"""The condition of each run (its regime and swept parameters) as a label and a colour."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.report.tables import format_number, format_value


def regime_label(row: pd.Series, show_start: bool) -> str:
    """A short name of a run's regime, e.g. 'sirolimus 10 nM' or 'everolimus 10 mg daily'.

    Every regime field a sweep can vary shows when it matters: the loading dose when one is
    given, the start day when starts differ (``show_start``), the stop day when set; a
    combination's second drug (``co_regime``, its regime as JSON text) after `` + ``.
    """
    if row["drug"] == "none":
        return "untreated"
    diet = row.get("diet_ppm")
    if row["schedule"] == "fixed":
        label = f"{row['drug']} {format_number(row['conc_nM'])} nM"
    elif diet is not None and pd.notna(diet):  # a mouse's food
        label = f"{row['drug']} {format_number(diet)} ppm in food"
    else:
        label = f"{row['drug']} {format_number(row['dose_mg'])} mg {row['schedule']}"
    loading = row.get("loading_dose_mg")
    if loading is not None and pd.notna(loading):
        label += f" (loading {format_number(loading)} mg)"
    if show_start:
        label += f" from day {row['start_day']:g}"
    if row.get("stop_day") is not None and pd.notna(row.get("stop_day")):
        label += f" to day {row['stop_day']:g}"
    co = row.get("co_regime")
    if isinstance(co, str):  # a combination: the second drug's regime (JSON), its own label
        label += " + " + regime_label(pd.Series(json.loads(co)), show_start)
    return label


def conditions(data: Results) -> pd.Series:
    """The condition of every run: its regime and swept parameters (replicates pooled)."""
    res = data.results
    treated = res[res["drug"] != "none"]
    show_start = treated["start_day"].nunique() > 1
    axes = [a for a in data.axes if a in res.columns and res[a].nunique() > 1]

    def label(row):
        parts = [regime_label(row, show_start)]
        parts += [f"{a}={format_value(row[a])}" for a in axes]
        return ", ".join(parts)

    return res.apply(label, axis=1)


def condition_colors(condition: pd.Series) -> dict[str, Any]:
    """One colour per condition, the same in every figure (in order of first run)."""
    import matplotlib

    names = list(dict.fromkeys(condition))
    if len(names) <= 10:
        return {n: f"C{i}" for i, n in enumerate(names)}
    cmap = matplotlib.colormaps["tab20"]
    return {n: cmap(i % 20) for i, n in enumerate(names)}
