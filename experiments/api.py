"""The Python API for notebooks and scripts: build, step, read into pandas, run, sweep.

Everything the command line does, as functions that return models, pandas data frames and
plain values::

    from mtor_abm.experiments import api

    model = api.build("tumor", "everolimus", seed=1, width=60, height=60, seed_radius_sites=12)
    api.step(model, days=3)
    api.timeseries(model)          # one row per step: time_h and the scenario's readouts
    api.cells(model)               # one row per cell: site, type, cycle, readouts, fields
    api.sites(model)               # one row per occupied site, as the dashboard draws it
    result = api.run("culture", api.regime("torin1", conc_nM=250), days=1, width=30, height=30)
    both = api.run("transplant", api.regimen("tacrolimus+sirolimus", days=30), days=30)
    api.sweep({"scenario": "culture", ...}, out="sweeps/gi50")   # results.parquet as a frame

Names and values are those of the command line (``mtor-sim scenarios``, ``mtor-sim drugs``);
bad input raises :class:`~model.errors.InputError` with the same one-line message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mtor_abm.experiments.runner import RunResult, advance, check_days, run_scenario
from mtor_abm.experiments.series import series_frame
from mtor_abm.model import signaling as sg
from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import DrugLibrary, Regime, load_library
from mtor_abm.model.regimes import (
    build_regime,
    build_regimen,
    check_regime_species,
    untreated_start_day,
)
from mtor_abm.model.scenarios import SCENARIOS, get_scenario
from mtor_abm.model.scenarios.base import parse_overrides

__all__ = (
    "InputError",
    "Regime",
    "RunResult",
    "build",
    "cells",
    "drugs",
    "regime",
    "regimen",
    "run",
    "scenarios",
    "sites",
    "step",
    "sweep",
    "timeseries",
    "tissue_png",
)


# ------------------------------------------------------------------------------ what exists
def scenarios() -> pd.DataFrame:
    """Every scenario parameter: one row per (scenario, parameter).

    Columns: ``scenario, parameter, default, unit, low, high, choices, help`` (``low``/``high``
    bound numbers, ``choices`` lists the allowed strings; None where it does not apply).
    """
    rows = []
    for name, spec in SCENARIOS.items():
        cls = spec.scenario_class
        for param, doc in cls.PARAMETERS.items():
            rows.append(
                {
                    "scenario": name,
                    "parameter": param,
                    "default": getattr(cls, param),
                    "unit": doc.unit,
                    "low": doc.low,
                    "high": doc.high,
                    "choices": list(doc.choices) if doc.choices else None,
                    "help": doc.help,
                }
            )
    return pd.DataFrame(rows)


def drugs(library: DrugLibrary | None = None) -> pd.DataFrame:
    """The drug library, one row per drug (index: name).

    Columns: ``class, default_dose_mg, default_schedule, fixed_only`` (True for research
    tools without clinical PK: only a held concentration), ``description``.
    """
    library = library or load_library()
    rows = {
        name: {
            "class": drug.drug_class,
            "default_dose_mg": drug.default_dose_mg,
            "default_schedule": drug.default_schedule,
            "fixed_only": drug.fixed_only,
            "description": drug.description,
        }
        for name, drug in library.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def regime(
    drug: str = "none",
    *,
    dose_mg: float | None = None,
    schedule: str | None = None,
    loading_dose_mg: float | None = None,
    conc_nM: float | None = None,
    start_day: float | None = None,
    stop_day: float | None = None,
    diet_ppm: float | None = None,
    library: DrugLibrary | None = None,
) -> Regime:
    """A dosing regime, built as ``mtor-sim run --drug ...`` builds it.

    Unset fields take the drug's defaults (dose in mg, schedule such as ``daily``, ``weekly``,
    ``5on_2off``; ``conc_nM`` holds a whole-blood concentration instead). ``start_day`` and
    ``stop_day`` are days from the start of the run (default: day 0, never stop).
    ``diet_ppm``: the drug in a mouse's food, ppm (``--diet-ppm``; for the mouse cohort
    scenarios aging and neuro, alone: it sets the dose and schedule).

    Raises:
        InputError: a field that would be ignored (a dose, loading dose or trough with
            ``conc_nM`` or a research-tool drug; any field, the start day included, with drug
            ``none``), or what :func:`model.regimes.build_regime` refuses otherwise.
    """
    if drug == "none" and start_day is not None:
        raise InputError(untreated_start_day(start_day))
    return build_regime(
        library or load_library(),
        drug,
        dose_mg=dose_mg,
        schedule=schedule,
        loading_dose_mg=loading_dose_mg,
        conc_nM=conc_nM,
        start_day=start_day,
        stop_day=stop_day,
        diet_ppm=diet_ppm,
        species="human" if diet_ppm is None else "mouse",  # run and build check the scenario
    )


def regimen(
    name: str,
    days: float,
    *,
    start_day: float | None = None,
    stop_day: float | None = None,
    library: DrugLibrary | None = None,
) -> Regime:
    """A standard regimen (``mtor-sim run --regimen NAME``; names in ``mtor-sim drugs``) for a
    run of ``days`` days: each drug dosed to its own trough range, measured every 7 days from
    day 7 before ``days`` (:func:`model.regimes.build_regimen`). ``tacrolimus+sirolimus``
    gives both drugs (the second as the regime's ``co_regime``; in-vivo scenarios only)."""
    return build_regimen(
        library or load_library(), name, check_days(days), start_day=start_day, stop_day=stop_day
    )


def _regime_for(scenario: str, treatment: Regime | str, library: DrugLibrary) -> Regime:
    """A Regime as given, or a drug name with its defaults from the scenario's start day (in
    an in-vitro scenario held at its medium concentration, in a mouse cohort the drug's
    standard diet, as ``mtor-sim run`` gives them)."""
    if isinstance(treatment, Regime):
        return treatment
    if not isinstance(treatment, str):
        raise InputError(f"regime must be a drug name or a Regime, got {treatment!r}")
    spec = get_scenario(scenario)
    return build_regime(
        library,
        treatment,
        start_day=spec.default_start_day if treatment != "none" else None,
        in_vitro=spec.in_vitro,  # a dish holds a drug named alone at a medium concentration
        species=spec.species,  # a mouse cohort eats the drug's standard diet
    )


# ------------------------------------------------------------------------------ one model
def build(
    scenario: str,
    treatment: Regime | str = "none",
    *,
    seed: int = 0,
    library: DrugLibrary | None = None,
    **params: Any,
):
    """A scenario's model at time 0, ready to :func:`step`.

    Args:
        scenario: a scenario name (:func:`scenarios`).
        treatment: a :class:`Regime` (:func:`regime`) or a drug name, which takes the drug's
            default regime from the scenario's usual start day (the tumor's day 14).
        seed: random seed (same seed and parameters: the same run).
        library: drug library (default: the packaged one).
        **params: scenario parameters by name, e.g. ``width=60`` (checked: a wrong name or
            value raises :class:`InputError` naming it).

    Returns the scenario's Mesa model; ``model.step()`` advances one step of ``model.dt_h``
    hours (1 h in tissues, 24 h in the aging and neuro cohorts).
    """
    spec = get_scenario(scenario)
    library = library or load_library()
    chosen = _regime_for(scenario, treatment, library)
    check_regime_species(chosen, spec.species, scenario)
    typed = parse_overrides(spec.scenario_class, params)
    instance = spec.scenario_class(rng=check_seed(seed), **typed)
    return spec.model_class(instance, chosen, library)


def step(model, days: float | None = None, *, steps: int | None = None, progress: bool = False):
    """Advance ``model`` by ``days`` (whole steps) or by ``steps``; returns the model."""
    if (days is None) == (steps is None):
        raise InputError("step takes either days or steps")
    if steps is not None:
        if int(steps) != steps or steps < 1:
            raise InputError(f"steps must be a whole number >= 1, got {steps!r}")
        days = steps * model.dt_h / 24.0
    return advance(model, check_days(days), progress=progress)


def timeseries(source) -> pd.DataFrame:
    """The recorded time series of a model or a :class:`RunResult` (one row per record).

    Columns: ``time_h`` and the scenario's readouts (e.g. the tumor's ``tumor_cells``,
    ``mean_vegf``, ``vessel_density_per_mm2``); cohorts also have ``day``.
    """
    if isinstance(source, RunResult):
        return series_frame(source.timeseries)
    return series_frame(source.timeseries())


def cells(model) -> pd.DataFrame:
    """The state of every cell of ``model`` now: one row per cell.

    Tissues (culture, tumor, transplant): ``x, y`` (site, 20 um apart), ``cell_type`` (its
    signalling parameters), ``site_category`` (what the dashboard shows there: e.g. ``host``
    or ``graft``, ``hypoxic tumor``; a vessel or T-cell may be drawn over the cell), the
    cell-cycle state (``mass`` relative to a newborn cell, ``g1_progress`` 0-1, ``phase`` 0 =
    G1/G0 and 1 = S/G2/M, ``age_h``), the intracellular readouts relative to an untreated
    reference cell (``mTORC1``, ``pS6K``, ``p4EBP1``, ``pAKT_S473``, ``autophagy``) and every
    field at the cell's site in its own units (``field:oxygen`` ...); the tumor adds
    ``oxygen_mmHg`` and ``HIF1a``. The transplant's
    T-cells follow, with ``cell_type`` ``T cell (naive)``, ``T cell (effector)``, ...
    Cohorts (aging, neuro): ``organism, cell, organism_alive, cell_type`` and the readouts.
    The raw signalling state is in ``model.table`` (tissues) or ``model.state`` (cohorts).
    """
    if hasattr(model, "table"):
        if not hasattr(model, "tcells"):
            return _table_cells(model, model.table, model.cell_types, "type_id")
        # The transplant's own cell_readouts() are its T-cells'; its tissue's are the engine's.
        from mtor_abm.agents.transplant import SUBSETS
        from mtor_abm.model.tissue import TissueModel

        tissue = TissueModel.cell_readouts(model)
        labels = tuple(f"T cell ({s})" for s in SUBSETS)
        return pd.concat(
            [
                _table_cells(model, model.table, model.cell_types, "type_id", tissue),
                _table_cells(model, model.tcells, labels, "subset", model.cell_readouts()),
            ],
            ignore_index=True,
        )
    n = model.n_org * model.cells_per_org
    organism = np.arange(n) // model.cells_per_org
    frame = pd.DataFrame(
        {
            "organism": organism,
            "cell": np.arange(n) % model.cells_per_org,
            "organism_alive": model.alive[organism],
            "cell_type": model.scenario.cell_type,
        }
    )
    for name, values in sg.relative_readouts(model.state).items():
        frame[name] = values
    return frame


def _table_cells(model, table, labels, type_column: str, readouts=None) -> pd.DataFrame:
    """One row per live row of a cell table (see :func:`cells`)."""
    n = table.n
    x, y = table["x"][:n], table["y"][:n]
    frame = pd.DataFrame({"x": x, "y": y})
    frame["cell_type"] = np.asarray(labels)[table[type_column][:n]]
    codes, categories = model.category_layer()
    frame["site_category"] = np.asarray(categories)[codes[x, y]]
    for name in ("mass", "g1_progress", "phase", "age_h"):
        if name in table.columns:
            frame[name] = table[name][:n]
    for name, values in (model.cell_readouts() if readouts is None else readouts).items():
        frame[name] = values[:n]
    grid = (model.grid.width, model.grid.height)
    for name, layer in model.field_layers().items():
        if layer.shape == grid:
            frame[f"field:{name}"] = layer[x, y]
    return frame


def sites(model) -> pd.DataFrame:
    """What the dashboard draws: one row per occupied site of ``model`` now.

    Columns: ``x, y``, ``category`` (cell type or state, e.g. ``tumor``, ``hypoxic tumor``,
    ``necrotic``, ``vessel``; a vessel or T-cell is drawn over the cell under it; cohorts show
    their organisms side by side), the readouts at the site (NaN where no cell) and the fields
    (``field:<name>``).
    """
    codes, labels = model.category_layer()
    xs, ys = np.nonzero(codes >= 0)
    frame = pd.DataFrame(
        {
            "x": xs,
            "y": ys,
            "category": np.asarray(labels)[codes[xs, ys]],
        }
    )
    for name, layer in model.readout_layers().items():
        frame[name] = layer[xs, ys]
    for name, layer in model.field_layers().items():
        if layer.shape == codes.shape:
            frame[f"field:{name}"] = layer[xs, ys]
    return frame


def tissue_png(model, color: str = "cell type") -> bytes:
    """The tissue as the dashboard draws it, as PNG bytes (``IPython.display.Image(...)``).

    ``color``: ``"cell type"``, a readout (``"pS6K"``, ...) or ``"field: <name>"``.
    """
    from mtor_abm.visualization.dashboard import views

    options = views.colour_options(model)
    if color not in options:
        raise InputError(f"unknown color {color!r}; allowed: {', '.join(options)}")
    scale = views.shared_scale([model], color)
    return views.png_bytes(views.tissue_rgba(model, color, scale))


# ------------------------------------------------------------------------------ runs, sweeps
def run(
    scenario: str,
    treatment: Regime | str = "none",
    *,
    days: float | None = None,
    seed: int = 0,
    library: DrugLibrary | None = None,
    progress: bool = False,
    **params: Any,
) -> RunResult:
    """One run as ``mtor-sim run`` makes it: readouts, adverse panel, time series.

    ``treatment`` as in :func:`build`; ``days`` defaults to the scenario's run length. The
    result's ``summary`` is the dict ``mtor-sim run --json`` prints (``readouts``,
    ``adverse``, ``params``, ``regime``, ...); :func:`timeseries` turns it into a frame and
    ``result.model`` is the finished model (:func:`cells`).
    """
    library = library or load_library()
    chosen = _regime_for(scenario, treatment, library)
    return run_scenario(scenario, chosen, days, seed, params, library, progress=progress)


def sweep(
    spec: dict | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sweep (a spec dict with the keys of a TOML spec, or a TOML file) into ``out``.

    Runs go to a local process pool of ``workers`` (default: the CPU cores) or a Dask
    ``scheduler``; ``resume`` finishes an interrupted sweep in ``out``. Returns the combined
    results (``out/results.parquet``): one row per run with its parameters, regime, seed,
    status and readouts. The spec format is that of ``mtor-sim sweep`` (experiments/spec.py).
    """
    from mtor_abm.experiments.spec import load_spec, parse_spec
    from mtor_abm.experiments.sweep import run_sweep

    parsed = parse_spec(dict(spec)) if isinstance(spec, dict) else load_spec(Path(spec))
    run_sweep(parsed, Path(out), workers, scheduler, resume, progress)
    return pd.read_parquet(Path(out) / "results.parquet")
