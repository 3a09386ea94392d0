"""Dashboard hardening without a browser: user and lesson strings drawn as text."""

from __future__ import annotations

from mtor_abm.visualization.dashboard import views


def test_arm_labels_are_drawn_literally_in_figures():
    """A label with a malformed formula or a leading underscore still draws, as written."""
    labels = [r"$\frac{$ <b>x</b>", "_hidden"]
    series = [{"time_h": [0.0, 1.0], "cells": [1.0, 2.0]}] * 2
    fig = views.timeseries_figure(series, labels, "cells", 2.0)
    assert views.figure_png(fig)[:4] == b"\x89PNG"  # mathtext would raise while drawing
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [r"\$\frac{\$ <b>x</b>", " _hidden"]  # "\$" is drawn as "$"
