"""Single-cell pathway experiments: one cell type, a held drug concentration, relative readouts.

This is the `mtor-sim pathway` command and the calibration tests' instrument: the drug is added
at 0 h and every readout is divided by an untreated twin of the same cell at the same time
(1.0 = untreated), as a western blot against a vehicle lane would be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from mtor_abm.model import signaling as sg
from mtor_abm.model.domains import Domain
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    REGIME_DOMAINS,
    DrugLibrary,
    load_library,
    target_occupancy,
)

#: Readouts reported by :func:`simulate_pathway`, in output order.
READOUTS: tuple[str, ...] = (
    "mTORC1",
    "mTORC2",
    "pS6K",
    "p4EBP1",
    "pAKT_S473",
    "pAKT_T308",
    "IRS1",
    "autophagy",
    "translation",
    "proliferation",
)

#: Longest pathway experiment: one year, h.
MAX_PATHWAY_HOURS = 24.0 * 365

#: Cell inputs a user may set for a pathway experiment (`--set name=value`), with defaults.
INPUT_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {
        "growth_factor": 1.0,
        "amino_acids": 1.0,
        "energy": 1.0,
        "oxygen": 1.0,
    }
)

#: Allowed range of each input (relative levels; energy is a sufficiency fraction).
INPUT_DOMAINS: Mapping[str, Domain] = MappingProxyType(
    {
        "growth_factor": Domain(0.0, 100.0),
        "amino_acids": Domain(0.0, 100.0),
        "energy": Domain(0.0, 1.0),
        "oxygen": Domain(0.0, 100.0),
    }
)


def readouts(state, params, occ_frb, ref=None) -> dict[str, np.ndarray]:
    """Absolute readouts of a signalling state (divide by an untreated twin for relative ones).

    ``mTORC1`` is the activity reaching rapamycin-sensitive substrates (catalytic activity
    times the FRB sites left free), ``mTORC2`` the mTORC2 catalytic activity. ``ref``: the
    reference cell's levels that ``autophagy``, ``translation`` and ``proliferation`` are
    scaled by (:func:`model.signaling.outputs`; default the shipped reference).
    """
    out = sg.outputs(state, params, ref)
    return {
        "mTORC1": state["mtorc1"] * (1.0 - occ_frb),
        "mTORC2": state["mtorc2"],
        "pS6K": state["s6k"],
        "p4EBP1": state["p4ebp1"],
        "pAKT_S473": state["akt_s473"],
        "pAKT_T308": state["akt_t308"],
        "IRS1": state["irs1"],
        "autophagy": out["autophagy"],
        "translation": out["translation"],
        "proliferation": out["proliferation"],
    }


def split_overrides(overrides: Mapping[str, float]) -> tuple[dict, dict]:
    """Split ``--set`` values into cell-type parameters and inputs; unknown names are errors."""
    params, inputs = {}, {}
    for name, value in overrides.items():
        if name in sg.PARAM_DOMAINS:
            params[name] = sg.PARAM_DOMAINS[name].check(name, value)
        elif name in INPUT_DOMAINS:
            inputs[name] = INPUT_DOMAINS[name].check(name, value)
        else:
            allowed = ", ".join((*sg.PARAM_NAMES, *INPUT_DEFAULTS))
            raise InputError(f"unknown pathway parameter '{name}'; allowed: {allowed}")
    return params, inputs


def simulate_pathway(
    drug: str,
    conc_nM: float,
    hours: float = 24.0,
    cell_type: str = "epithelial",
    overrides: Mapping[str, float] | None = None,
    sample_h: float = 1.0,
    library: DrugLibrary | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Add ``drug`` at ``conc_nM`` at 0 h to a cell at its untreated steady state.

    Args:
        drug: drug name from the library (``none`` gives all readouts 1.0).
        conc_nM: held whole-blood-equivalent concentration, nM (>= 0).
        hours: duration, h (> 0).
        cell_type: a name from :data:`model.signaling.CELL_TYPES`.
        overrides: cell-type parameters or inputs (``growth_factor``, ``amino_acids``,
            ``energy``) to change, by name.
        sample_h: sampling interval, h (<= 1: readouts are at least hourly).
        library: drug library (default: the packaged one).
        progress: ``progress(done, total)`` with the samples taken, once per simulated day
            and at the end (a year of hourly samples takes a few seconds).

    Returns:
        ``{"drug", "conc_nM", "cell_type", "times_h": [...], "<readout>": [...]}`` with
        every readout relative to the untreated twin at the same time (None where the
        untreated cell's value is 0, e.g. a neuron's proliferation: no ratio exists).

    Raises:
        InputError: unknown drug, cell type or override name; a value outside its domain
            (:data:`model.signaling.PARAM_DOMAINS`, :data:`INPUT_DOMAINS`).
    """
    library = library or load_library()
    library.drug(drug)
    conc_nM = REGIME_DOMAINS["conc_nM"].check("conc_nM", conc_nM)
    if not (np.isfinite(hours) and 0 < hours <= MAX_PATHWAY_HOURS):
        raise InputError(f"hours must be a number in (0, {MAX_PATHWAY_HOURS:g}], got {hours}")
    if not 0 < sample_h <= 1:
        raise InputError(f"sample_h must be in (0, 1] h, got {sample_h}")
    param_over, input_over = split_overrides(overrides or {})
    params = {**sg.cell_type_params(cell_type), **param_over}
    inputs = sg.Inputs(**{**INPUT_DEFAULTS, **input_over})
    conc = {} if drug == "none" else {drug: conc_nM}
    occ, inh1, inh2 = target_occupancy(conc, params["fkbp12_level"], library)
    treated_inputs = inputs._replace(occ_frb=occ, inh_mtorc1=inh1, inh_mtorc2=inh2)
    # Column 0: treated cell; column 1: its untreated twin, advanced together.
    both = {k: np.array([v, v]) for k, v in params.items()}
    state = sg.new_state(2, both, inputs)
    stacked = sg.Inputs(
        *(np.array([t, u], dtype=float) for t, u in zip(treated_inputs, inputs, strict=True))
    )
    n_samples = round(hours / sample_h)
    times = np.linspace(0.0, n_samples * sample_h, n_samples + 1)
    series = {name: [] for name in READOUTS}
    day = max(1, round(24.0 / sample_h))
    for i, _t in enumerate(times):
        if progress is not None and i % day == 0:
            progress(i, len(times))
        if i:
            sg.advance(state, both, stacked, sample_h)
        values = readouts(state, both, stacked.occ_frb)
        for name in READOUTS:
            treated, untreated = values[name]
            # 0 in the untreated cell (e.g. a neuron's proliferation): no ratio, so null.
            series[name].append(float(treated / untreated) if untreated > 0 else None)
    if progress is not None:
        progress(len(times), len(times))
    return {
        "drug": drug,
        "conc_nM": float(conc_nM),
        "cell_type": cell_type,
        "times_h": [float(t) for t in times],
        **series,
    }
