"""The dashboard's clock-driven redraws without a browser (Solara's test renderer): the time
series chart takes the model's clock and its data grows as the model steps; the readouts
heading names the model time in hours below a day (it read '0.0 days' at 1 h)."""

from __future__ import annotations

import re

import solara

from mtor_abm.visualization.dashboard import panels
from mtor_abm.visualization.dashboard.state import ArmSpec, Run
from mtor_abm.visualization.numbers import model_time

SMALL = {"width": 12, "height": 12, "initial_cells": 20}


def _html(rc) -> str:
    """Every HTML block the rendered components show, in order."""
    return "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def _points(rc) -> list[int]:
    """Per polyline of the chart, how many points it draws."""
    return [len(p.split()) for p in re.findall(r'<polyline points="([^"]*)"', _html(rc))]


def test_the_time_series_chart_grows_as_the_model_steps():
    run = Run("culture", [ArmSpec("untreated"), ArmSpec("torin1", "torin1")], SMALL)
    run.step(1)  # two records per arm: a line (one record is drawn as a dot)
    hours = solara.reactive(run.hours)

    @solara.component
    def Chart():  # the page passes the model's clock, as app.Page does
        panels.TimeSeriesPanel(run, "cells", lambda _: None, 72.0, hours.value)

    _, rc = solara.render(Chart(), handle_error=False)
    before = _points(rc)
    assert before == [2, 2]  # one line per arm, one point per record
    for steps in (1, 3):
        run.step(steps)
        hours.set(run.hours)  # the clock moves: the chart is redrawn from the grown series
        grown = _points(rc)
        recorded = [len(s["time_h"]) for s in run.timeseries()]
        assert grown == recorded and all(g > b for g, b in zip(grown, before, strict=True))
        before = grown
    assert run.hours == 5.0


def test_the_readouts_heading_names_hours_below_a_day():
    assert [model_time(h) for h in (0.0, 1.0, 6.5, 23.0)] == ["0 h", "1 h", "6.5 h", "23 h"]
    assert [model_time(h) for h in (24.0, 36.0, 72.0)] == ["1.0 days", "1.5 days", "3.0 days"]
    run = Run("culture", [ArmSpec("untreated")], SMALL)
    run.step(1)

    @solara.component
    def Table():
        panels.ReadoutTable(run, run.hours, 72.0)

    _, rc = solara.render(Table(), handle_error=False)
    html = _html(rc)
    assert "Readouts at 1 h" in html and "0.0 days" not in html
    assert "Adverse-effect panel: not applicable in vitro" in html  # a dish: no panel
