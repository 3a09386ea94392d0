"""The cell inspector: every scenario's cell state shows as text, relative bars and units."""

from __future__ import annotations

import numpy as np
import pytest

from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.visualization.dashboard.inspector import cell_view, inspector_html
from mtor_abm.visualization.dashboard.state import ArmSpec, Run

SMALL = {
    "culture": {"width": 20, "height": 20, "initial_cells": 40},
    "tumor": {"width": 30, "height": 30, "seed_radius_sites": 5.0},
    "transplant": {"width": 30, "height": 30},
    "aging": {"organisms": 2},
    "neuro": {"organisms": 2},
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_scenarios_cell_is_shown_without_error(scenario):
    run = Run(scenario, [ArmSpec("untreated"), ArmSpec("rapa", "sirolimus")], SMALL[scenario])
    run.step(1)
    codes, _ = run.models[0].category_layer()
    x, y = (int(v) for v in np.argwhere(codes >= 0)[0])
    states = [(a.spec.label, a.model.cell_state_at(x, y)) for a in run.arms]
    assert states[0][1] is not None
    page = inspector_html((x, y), states)
    assert f"site x={x}, y={y}" in page
    view = cell_view(states[0][1])
    # every string field is shown as words, none as a bar or a number
    texts = {v for _, v in view.texts}
    assert {v for v in states[0][1].values() if isinstance(v, str)} == texts
    assert all(isinstance(v, float) for _, v in view.relative)


def test_tumor_oxygen_is_absolute_in_mmHg_not_a_relative_bar():
    run = Run("tumor", [ArmSpec("untreated")], SMALL["tumor"])
    model = run.models[0]
    t = model.table
    x, y = int(t["x"][0]), int(t["y"][0])
    state = model.cell_state_at(x, y)
    view = cell_view(state)
    oxygen = [a for a in view.absolute if a[2] == "mmHg"]
    assert len(oxygen) == 1 and oxygen[0][1] == pytest.approx(state["oxygen_mmHg"])
    assert not any("oxygen" in name for name, _ in view.relative)
    assert f"{state['oxygen_mmHg']:.1f} mmHg" in inspector_html((x, y), [("a", state)])


def test_relative_bars_mark_the_untreated_level():
    view = cell_view({"cell_type": "epithelial", "pS6K": 0.25, "tcell_pS6K": 2.0, "damage": 4.0})
    assert [v for _, v in view.relative] == [0.25, 2.0]
    assert [a[1] for a in view.absolute] == [4.0]
    html = inspector_html((0, 0), [("a", {"cell_type": "x", "pS6K": 0.25})])
    # bar widths: 0.25 of untreated on a 0-3 scale of 180 px -> 15 px; untreated mark at 60 px
    assert "width:15px" in html and "left:60px" in html
