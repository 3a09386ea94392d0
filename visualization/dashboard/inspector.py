"""The cell inspector's content: one site's state split into what each kind of value means.

A model's ``cell_state_at(x, y)`` returns a flat dict mixing three kinds of values, and each
is shown its own way:

* text (cell type, tissue kind, state): shown as words;
* signalling relative to the untreated reference cell (``pS6K``, ``tcell_pS6K`` ...): bars
  with the untreated level marked, because 1 = untreated is what makes them comparable;
* absolute quantities with their own units (oxygen in mmHg, damage, T-cell counts, organism
  index): numbers with units, never on the relative bar scale.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from types import MappingProxyType

from mtor_abm.visualization.dashboard.views import READOUT_NAMES
from mtor_abm.visualization.numbers import number

#: Readouts relative to the untreated, fed reference cell (1 = it): see
#: ``model.signaling.relative_readouts``.
RELATIVE_READOUTS = ("mTORC1", "pS6K", "p4EBP1", "pAKT_S473", "autophagy")

#: Absolute quantities: key -> (name, unit, format). Unknown numeric keys show as plain
#: numbers under their raw name (never as relative bars).
ABSOLUTE = MappingProxyType(
    {
        "oxygen_mmHg": ("oxygen at the cell", "mmHg", ".1f"),
        "HIF1a": ("HIF-1α (stabilisation × translation)", "0-1", ".2f"),
        "damage": ("damage (clearable + residual)", "damage units", ".2f"),
        "aggregate": ("protein aggregates", "load units (1 = toxic load)", ".3f"),
        "soluble": ("soluble aggregation-prone protein", "load units", ".3f"),
        "organism": ("organism of the cohort (number)", "", ".0f"),
        "tcells_naive": ("naive T-cells on this site", "cells", ".0f"),
        "tcells_effector": ("effector T-cells on this site", "cells", ".0f"),
        "tcells_treg": ("regulatory T-cells on this site", "cells", ".0f"),
        "tcells_memory": ("memory T-cells on this site", "cells", ".0f"),
    }
)
TEXT_NAMES = MappingProxyType({"cell_type": "cell type", "tissue": "tissue", "state": "state"})
BAR_MAX = 3.0  # bars span 0 .. 3 x untreated
BAR_PX = 180


@dataclass(frozen=True)
class CellView:
    """One arm's cell, sorted for display.

    Attributes:
        texts: (name, words) pairs.
        relative: (name, value) pairs, 1 = untreated reference cell.
        absolute: (name, value, unit, format) tuples (format None: 3 significant figures).
    """

    texts: tuple[tuple[str, str], ...]
    relative: tuple[tuple[str, float], ...]
    absolute: tuple[tuple[str, float, str, str | None], ...]


def relative_name(key: str) -> str | None:
    """The display name of a relative readout key (``tcell_`` prefix: T-cells' mean), else None."""
    if key in RELATIVE_READOUTS:
        return READOUT_NAMES[key]
    if key.startswith("tcell_") and key[6:] in RELATIVE_READOUTS:
        return f"T-cells here: {READOUT_NAMES[key[6:]]}"
    return None


def cell_view(state: dict) -> CellView:
    """Split a ``cell_state_at`` dict into text, relative and absolute values.

    Raises nothing on unexpected keys: strings go to ``texts``, numbers to ``absolute``.
    """
    texts, relative, absolute = [], [], []
    for key, value in state.items():
        if isinstance(value, str):
            texts.append((TEXT_NAMES.get(key, key.replace("_", " ")), value))
            continue
        name = relative_name(key)
        if name is not None:
            relative.append((name, float(value)))
        elif key in ABSOLUTE:
            label, unit, fmt = ABSOLUTE[key]
            absolute.append((label, float(value), unit, fmt))
        else:
            absolute.append((key.replace("_", " "), float(value), "", None))
    return CellView(tuple(texts), tuple(relative), tuple(absolute))


def _number(value: float, fmt: str | None) -> str:
    """``value`` in its quantity's format, or with 3 significant figures (``fmt`` None)."""
    if fmt is None or not math.isfinite(value):
        return number(value)
    return format(value, fmt)


def inspector_html(site: tuple[int, int], cells: list[tuple[str, dict | None]]) -> str:
    """The inspector table for ``site`` over every arm's ``(label, cell_state_at)``."""
    e = html.escape
    rows = []
    untreated_px = 1.0 / BAR_MAX * BAR_PX
    for label, state in cells:
        if state is None:
            rows.append(f"<tr><td colspan=3><b>{e(label)}</b>: empty site</td></tr>")
            continue
        view = cell_view(state)
        words = "; ".join(f"{e(name)}: {e(text)}" for name, text in view.texts)
        rows.append(f"<tr><td colspan=3><b>{e(label)}</b>: {words}</td></tr>")
        for name, value, unit, fmt in view.absolute:
            shown = _number(value, fmt) + (f" {e(unit)}" if unit else "")
            rows.append(f"<tr><td>{e(name)}</td><td colspan=2><b>{shown}</b></td></tr>")
        for name, value in view.relative:
            shown = min(max(value, 0.0), BAR_MAX) if math.isfinite(value) else 0.0
            width = shown / BAR_MAX * BAR_PX
            rows.append(
                f"<tr><td>{e(name)}</td>"
                f'<td style="width:{BAR_PX + 10}px;position:relative"><span class="mtor-bar" '
                f'style="width:{width:.0f}px"></span><span style="position:absolute;'
                f'left:{untreated_px:.0f}px;top:0;bottom:0;border-left:1px dashed #000"></span>'
                f"</td><td>{_number(value, '.2f')}</td></tr>"
            )
    x, y = site
    return (
        f"<div>site x={x}, y={y}. Bars: signalling relative to an untreated cell "
        f"(dashed line = 1 = untreated); other values in their own units.</div>"
        f"<table class='mtor-inspector' style='font-size:14px'>{''.join(rows)}</table>"
    )
