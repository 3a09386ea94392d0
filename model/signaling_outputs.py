"""Outputs of the mTOR network for cell fates, relative to the untreated reference cell.

Translation, proliferation permission, AKT survival signal and autophagic flux
(:func:`outputs`), and the per-cell readouts users see (:func:`relative_readouts`), each 1 for
the untreated, fed reference epithelial cell (:func:`reference_levels`, found with
:func:`model.signaling_integrator.new_state`).

Each takes an optional ``ref``: the reference levels to divide by (default: the shipped
reference, :func:`reference_levels`). The calibration harness passes the reference of the
epithelial cell under the candidate parameters (:func:`reference_levels_of`), so a candidate
set is judged as it would run once shipped, whatever set is shipped when the fit starts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from mtor_abm.model.cell_types import PARAM_NAMES, cell_type_params
from mtor_abm.model.errors import InputError
from mtor_abm.model.signaling_constants import K_FOXO, ArrayLike, akt_activity
from mtor_abm.model.signaling_integrator import new_state

TRANSLATION_S6K_SHARE = 0.3
"""Share of translation/growth carried by S6K; the rest is eIF4E released by 4E-BP1
phosphorylation (Thoreen 2012 Nature 485:109: most mTOR-sensitive translation goes through
4E-BPs). Assumed split."""


def nuclear_foxo(akt: np.ndarray) -> np.ndarray:
    """Nuclear (active) FOXO fraction (0-1) at AKT activity ``akt`` (:func:`akt_activity`):
    the same switch that drives receptor re-expression in the slow feedback."""
    return 1.0 / (1.0 + np.square(akt / K_FOXO))


def translation_rate(
    state: Mapping[str, np.ndarray], ref: Mapping[str, float] | None = None
) -> np.ndarray:
    """Protein synthesis / growth rate, 1.0 for the untreated fed reference epithelial cell
    (``ref``: its levels, :func:`reference_levels_of`; default :func:`reference_levels`)."""
    ref = reference_levels() if ref is None else ref
    rate = state["s6k"] * (TRANSLATION_S6K_SHARE / ref["s6k"])
    rate += state["p4ebp1"] * ((1.0 - TRANSLATION_S6K_SHARE) / ref["p4ebp1"])
    return rate


def outputs(
    state: Mapping[str, np.ndarray],
    params: Mapping[str, ArrayLike],
    ref: Mapping[str, float] | None = None,
):
    """Cell-level outputs, each ~1.0 for an untreated, fed reference epithelial cell.

    ``ref``: the reference cell's levels (:func:`reference_levels_of`; default the shipped
    one, :func:`reference_levels`).

    Returns a dict of arrays:
        translation: protein synthesis / growth rate (:func:`translation_rate`).
        proliferation: G1->S permission: 4E-BP1/eIF4E, plus S6K by cell type (Dowling 2010),
            divided by the cell type's FOXO -> p27Kip1 brake (``p27_brake``: T-cells) relative
            to the reference cell's, so G1 progress is graded in the growth-factor (IL-2) input
            through AKT.
        survival: AKT survival signal (S473-weighted AKT activity).
        autophagy: autophagic flux.
    """
    ref = reference_levels() if ref is None else ref
    s6k = state["s6k"] / ref["s6k"]
    p4 = np.power(state["p4ebp1"] / ref["p4ebp1"], params["prolif_4ebp_hill"])
    w = params["prolif_s6k_weight"]
    proliferation = p4 - w * p4
    proliferation += w * s6k
    akt = akt_activity(state)
    b = params["p27_brake"]
    brake = nuclear_foxo(akt)
    brake *= b
    brake += 1.0
    proliferation *= (1.0 + b * ref["foxo"]) / brake
    return {
        "translation": translation_rate(state, ref),
        "proliferation": proliferation,
        "survival": akt / ref["akt"],
        "autophagy": state["autophagy"] / ref["autophagy"],
    }


def relative_readouts(
    state: Mapping[str, np.ndarray], ref: Mapping[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Per-cell readouts relative to the untreated, fed reference epithelial cell (1 = it;
    ``ref``: its levels, :func:`reference_levels_of`; default :func:`reference_levels`).

    ``mTORC1`` is the complex's activation by upstream signals (a rapalog leaves it on and
    blocks its substrates' access); ``pS6K``, ``p4EBP1`` are its outputs, ``pAKT_S473``
    mTORC2's, ``autophagy`` the autophagic flux.
    """
    ref = reference_levels() if ref is None else ref
    return {
        "mTORC1": state["mtorc1"] / ref["mtorc1"],
        "pS6K": state["s6k"] / ref["s6k"],
        "p4EBP1": state["p4ebp1"] / ref["p4ebp1"],
        "pAKT_S473": state["akt_s473"] / ref["akt_s473"],
        "autophagy": state["autophagy"] / ref["autophagy"],
    }


@functools.cache
def reference_levels() -> Mapping[str, float]:
    """Untreated steady-state levels of the fed reference epithelial cell, with the shipped
    parameters (:func:`model.cell_types.cell_type_params` of ``"epithelial"``; a pure
    constant). Keys as :func:`reference_levels_of`."""
    return reference_levels_of(cell_type_params("epithelial"))


def reference_levels_of(params: Mapping[str, float]) -> Mapping[str, float]:
    """Untreated, fed steady-state levels of a reference cell with parameters ``params``
    (scalars keyed by :data:`model.cell_types.PARAM_NAMES`; default inputs, as
    :func:`model.signaling_integrator.new_state`).

    Returns a read-only mapping of floats: ``mtorc1``, ``s6k``, ``p4ebp1``, ``akt`` (AKT
    activity), ``foxo`` (nuclear FOXO fraction), ``akt_s473``, ``autophagy``. Not cached (one
    steady-state solve, ~0.1 s): a caller that needs it often keeps it.

    Raises:
        InputError: ``params`` lacks a parameter of :data:`PARAM_NAMES`.
    """
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise InputError(
            f"reference cell parameters lack {', '.join(missing)}; all of "
            f"{', '.join(PARAM_NAMES)} are needed"
        )
    st = new_state(1, {k: float(v) for k, v in params.items()})
    akt = akt_activity(st)
    return MappingProxyType(
        {
            "mtorc1": float(st["mtorc1"][0]),
            "s6k": float(st["s6k"][0]),
            "p4ebp1": float(st["p4ebp1"][0]),
            "akt": float(akt[0]),
            "foxo": float(nuclear_foxo(akt)[0]),
            "akt_s473": float(st["akt_s473"][0]),
            "autophagy": float(st["autophagy"][0]),
        }
    )
