"""Rendering for the dashboard: tissue images, colour scales and legends as PNG bytes.

Everything takes models (the view protocol of ``model.tissue``) and returns bytes or plain
data, so it is tested without a browser and timed by ``benchmarks/dashboard_step.py``. The
tissue is a numpy RGBA image encoded as PNG (a few ms at 100x100), not a matplotlib figure;
the downloadable matplotlib figures are in ``view_figures``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm
from PIL import Image

from mtor_abm.visualization.numbers import tick

CELL_TYPE = "cell type"
FIELD_PREFIX = "field: "
EMPTY_RGBA = (32, 32, 32, 255)  # empty sites: near black, like a dish under the microscope
SELECT_RGBA = (255, 255, 255, 255)
VESSEL_RIM = (255, 255, 255, 255)
CATEGORY_COLOURS = (
    "#4e9fe5", "#f28e2b", "#59c15a", "#e15759", "#b07aa1", "#edc948", "#9c755f", "#ff9da7",
    "#76b7b2", "#bab0ac", "#1f3fbf", "#8cd17d", "#d4a6c8", "#f1ce63", "#86bcb6", "#fabfd2",
)  # fmt: skip
"""Distinct colours for up to 16 categories (scenarios have up to ~11)."""
LABEL_COLOURS = MappingProxyType({"vessel": "#c000ff"})
"""Categories drawn in a fixed colour whatever their position: a vessel is one site among
thousands and must stand out from tissue and empty sites (vivid violet)."""


def category_colours(labels) -> list[str]:
    """The colour of each category label (its fixed colour, else by position)."""
    return [
        LABEL_COLOURS.get(label, CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)])
        for i, label in enumerate(labels)
    ]


RELATIVE = "relative to an untreated cell (1 = untreated)"
READOUT_NAMES = MappingProxyType(
    {
        "mTORC1": "mTORC1 activation (upstream; rapalogs block its outputs)",
        "pS6K": "phospho-S6K (mTORC1 output)",
        "p4EBP1": "phospho-4E-BP1 (mTORC1 output)",
        "pAKT_S473": "phospho-AKT S473 (mTORC2 output)",
        "autophagy": "autophagic flux",
        "damage": "damage",
        "aggregate": "protein aggregates",
        "HIF1a": "HIF-1α",
        "oxygen_mmHg": "oxygen at the cell (mmHg)",
    }
)
FIELD_UNITS = MappingProxyType(
    {
        "oxygen": "mmHg",
        "nutrients": "relative to fresh medium or plasma",
        "drug": "nM",
        "IL2": "pM",
        "chemokine": "relative",
        "VEGF": "VEGF units",
        "SASP": "relative to surroundings of senescent cells",
        "pathogen": "antigen load",
    }
)
"""Units of the scenarios' fields, from the models' ``field_layers`` docstrings (oxygen in the
tumor is a partial pressure; IL-2 in the transplant is pM)."""
TARGET_PX = 420  # displayed tissue width, CSS pixels (one arm)
TARGET_PX_COMPARE = 300  # each arm's width in compare mode


# ------------------------------------------------------------------------------ layers
def colour_options(model) -> list[str]:
    """What the tissue can be coloured by: cell type, each readout, each field."""
    readouts = list(model.readout_layers())
    fields = [FIELD_PREFIX + name for name in model.field_layers()]
    return [CELL_TYPE, *readouts, *fields]


def option_label(option: str) -> str:
    """A menu label for a colour option, with what it means."""
    if option.startswith(FIELD_PREFIX):
        name = option[len(FIELD_PREFIX) :]
        unit = FIELD_UNITS.get(name)
        return f"field: {name} ({unit})" if unit else f"field: {name}"
    return READOUT_NAMES.get(option, option)


@dataclass(frozen=True)
class Scale:
    """A shared colour scale for one colour option (every arm uses the same one)."""

    option: str
    vmin: float
    vmax: float
    centre: float | None  # diverging around this value (1 = untreated) or None
    cmap: str
    title: str


def value_layer(model, option: str) -> np.ndarray:
    """The [x, y] float layer of a readout or field option (NaN = empty site)."""
    if option.startswith(FIELD_PREFIX):
        return model.field_layers()[option[len(FIELD_PREFIX) :]]
    return model.readout_layers()[option]


def shared_scale(models: list, option: str) -> Scale | None:
    """One colour scale for ``option`` over every model (None for categories)."""
    if option == CELL_TYPE:
        return None
    values = [value_layer(m, option) for m in models]
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in values])
    top = float(np.percentile(finite, 99.5)) if finite.size else 1.0
    if option.startswith(FIELD_PREFIX):
        name = option[len(FIELD_PREFIX) :]
        vmax = _nice_ceiling(max(top, 1e-9))
        unit = FIELD_UNITS.get(name)
        return Scale(option, 0.0, vmax, None, "viridis", f"{name} ({unit})" if unit else name)
    if option in ("mTORC1", "pS6K", "p4EBP1", "pAKT_S473", "autophagy"):
        vmax = max(2.0, _nice_ceiling(top))
        return Scale(option, 0.0, vmax, 1.0, "coolwarm", f"{READOUT_NAMES[option]}, {RELATIVE}")
    vmax = _nice_ceiling(max(top, 1e-9))
    return Scale(option, 0.0, vmax, None, "magma", READOUT_NAMES.get(option, option))


def _nice_ceiling(x: float) -> float:
    """The next 'round' number at or above x (1, 2, 2.5, 5 times a power of ten)."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= x * 0.999:
            return m * exp
    return 10 * exp


def _normalise(values: np.ndarray, scale: Scale) -> np.ndarray:
    if scale.centre is not None and scale.vmin < scale.centre < scale.vmax:
        norm = TwoSlopeNorm(vcenter=scale.centre, vmin=scale.vmin, vmax=scale.vmax)
        return np.asarray(norm(np.clip(values, scale.vmin, scale.vmax)).filled(np.nan))
    span = scale.vmax - scale.vmin or 1.0
    return np.clip((values - scale.vmin) / span, 0.0, 1.0)


def tissue_rgba(
    model, option: str, scale: Scale | None, selected=None, target_px: int = TARGET_PX
) -> np.ndarray:
    """The tissue as an RGBA image (rows = y from the top, columns = x), upscaled for display.

    ``selected`` is an (x, y) site to outline.
    """
    if option == CELL_TYPE:
        codes, labels = model.category_layer()
        table = np.array([_hex_rgba(c) for c in category_colours(labels)], dtype=np.uint8)
        rgba = np.empty((*codes.shape, 4), dtype=np.uint8)
        rgba[...] = EMPTY_RGBA
        occupied = codes >= 0
        rgba[occupied] = table[codes[occupied] % len(table)]
    else:
        values = value_layer(model, option)
        lut = (colormaps[scale.cmap](np.linspace(0, 1, 256)) * 255).astype(np.uint8)
        unit = _normalise(values, scale)
        finite = np.isfinite(unit)
        rgba = np.empty((*values.shape, 4), dtype=np.uint8)
        rgba[...] = EMPTY_RGBA
        rgba[finite] = lut[(unit[finite] * 255).astype(int)]
    vessels = _vessel_sites(model)
    rgba[vessels] = _hex_rgba(LABEL_COLOURS["vessel"])
    image = np.ascontiguousarray(rgba.transpose(1, 0, 2)[::-1])  # [x, y] -> rows from the top
    k = display_factor(image.shape[1], image.shape[0], target_px)
    if k > 1:
        image = image.repeat(k, axis=0).repeat(k, axis=1)
    if k >= 3:  # a light rim keeps every vessel visible whatever the colour scale
        for x, y in np.argwhere(vessels):
            r0, c0 = (rgba.shape[1] - 1 - y) * k, x * k
            image[r0, c0 : c0 + k] = image[r0 + k - 1, c0 : c0 + k] = VESSEL_RIM
            image[r0 : r0 + k, c0] = image[r0 : r0 + k, c0 + k - 1] = VESSEL_RIM
    if selected is not None:
        _outline(image, selected, rgba.shape[1], k)
    return image


def site_size_um(model) -> float | None:
    """Width of one lattice site in um (from the model's fields), or None for a cohort mosaic
    (its tiles are separate organisms: a length scale would mislead)."""
    fields = getattr(model, "fields", None)
    if not isinstance(fields, dict):
        return None
    sizes = [getattr(f, "dx_um", None) for f in fields.values()]
    sizes = [float(d) for d in sizes if d]
    return sizes[0] if sizes else None


def scale_bar(site_um: float, k: int, target_px: float = 80.0) -> tuple[float, int]:
    """A round length (um) whose bar is about ``target_px`` wide at ``k`` px per site, and its
    width in px."""
    um_per_px = site_um / k
    raw = target_px * um_per_px
    exp = 10 ** math.floor(math.log10(raw))
    length = max(m * exp for m in (1, 2, 5, 10) if m * exp <= raw * 1.0001)
    return length, round(length / um_per_px)


def _vessel_sites(model) -> np.ndarray:
    """[x, y] mask of vessel sites (drawn in their fixed colour on every colouring: among
    empty or low-valued sites they would otherwise vanish)."""
    codes, labels = model.category_layer()
    if "vessel" not in labels:
        return np.zeros(codes.shape, dtype=bool)
    return codes == labels.index("vessel")


def grid_shape(model) -> tuple[int, int]:
    """(width, height) of a model's tissue in sites, from its view protocol."""
    codes, _ = model.category_layer()
    return int(codes.shape[0]), int(codes.shape[1])


def display_factor(width: int, height: int, target_px: int = TARGET_PX) -> int:
    """Integer upscaling so the tissue shows about ``target_px`` wide with crisp square cells."""
    return max(1, target_px // max(width, height, 1))


def site_at(px: float, py: float, width: int, height: int, shown_px: float) -> tuple[int, int]:
    """The (x, y) site under a click at (px, py) CSS pixels of an image shown ``shown_px`` wide."""
    size = shown_px / width
    x = int(np.clip(px // size, 0, width - 1))
    row = int(np.clip(py // size, 0, height - 1))
    return x, height - 1 - row


def _outline(image: np.ndarray, site, height: int, k: int) -> None:
    x, y = int(site[0]), int(site[1])
    r0, c0 = (height - 1 - y) * k, x * k
    pad = max(1, k // 2)
    top, left = max(0, r0 - pad), max(0, c0 - pad)
    bottom, right = min(image.shape[0], r0 + k + pad), min(image.shape[1], c0 + k + pad)
    w = max(1, k // 3)
    image[top : top + w, left:right] = SELECT_RGBA
    image[bottom - w : bottom, left:right] = SELECT_RGBA
    image[top:bottom, left : left + w] = SELECT_RGBA
    image[top:bottom, right - w : right] = SELECT_RGBA


def _hex_rgba(colour: str) -> tuple[int, int, int, int]:
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16), 255)


def simple_markdown(text: str) -> str:
    """Paragraphs, ``#`` headings, ``**bold**`` and ``*italic*`` as HTML (text is escaped)."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        block = html.escape(" ".join(line.strip() for line in block.splitlines()))
        block = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", block)
        block = re.sub(r"\*(.+?)\*", r"<i>\1</i>", block)
        heading = re.match(r"^(#{1,4})\s+(.*)$", block)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{heading.group(2)}</h{level}>")
        else:
            out.append(f"<p>{block}</p>")
    return "".join(out)


def plain_text(label: str) -> str:
    """A user or lesson string drawn by matplotlib exactly as written.

    ``$`` would start mathtext (a malformed formula raises when the figure is drawn) and a
    leading ``_`` hides a legend entry.
    """
    label = label.replace("$", r"\$")
    return " " + label if label.startswith("_") else label


def png_bytes(rgba: np.ndarray) -> bytes:
    """An RGBA array as PNG bytes (fast: no matplotlib)."""
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def data_url(png: bytes) -> str:
    """PNG bytes as a ``data:`` URL for an <img>."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ------------------------------------------------------------------------------ legends
def category_legend(labels) -> list[tuple[str, str]]:
    """(label, colour) of each category, plus the empty site."""
    return [*zip(labels, category_colours(labels), strict=True), ("empty site", "#202020")]


def colourbar_png(scale: Scale) -> bytes:
    """A horizontal gradient strip of ``scale`` (labels are drawn by the page)."""
    unit = np.linspace(0, 1, 256)
    values = scale.vmin + unit * (scale.vmax - scale.vmin)
    lut = colormaps[scale.cmap](_normalise(values, scale))
    strip = (np.repeat(lut[None, :, :], 12, axis=0) * 255).astype(np.uint8)
    return png_bytes(strip)


def colourbar_ticks(scale: Scale) -> list[tuple[float, str]]:
    """Tick positions (0-1 along the strip) and labels for a colour scale."""
    ticks = [scale.vmin, scale.vmax]
    if scale.centre is not None:
        ticks.insert(1, scale.centre)
    else:
        ticks.insert(1, (scale.vmin + scale.vmax) / 2)
    span = scale.vmax - scale.vmin or 1.0
    pos = [(t - scale.vmin) / span for t in ticks]
    # labels at the precision of the ticks' spacing (2 figures): "1234", not "1.23e+03"
    step = float(f"{span / 2:.2g}")
    return [(p, tick(t, step)) for p, t in zip(pos, ticks, strict=True)]
