"""A model's readouts in Mesa's DataCollector: one model reporter per readout.

A scenario model computes each step's readouts in one pass (``model.record()`` -> a dict:
counts, fractions and means share their masks and gathers). :func:`readout_collector` gives
it a ``mesa.DataCollector`` with one reporter per readout name, each reading its value from
that step's record, so ``datacollector.get_model_vars_dataframe()`` has one column per readout
(``time_h``, ``tumor_cells``, ...) and ``model_vars[name]`` is that readout's series.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa


def _recorded(name: str, model) -> Any:
    """The readout ``name`` of the record being collected (a Mesa model reporter)."""
    return model.current_record[name]


def readout_collector(model) -> mesa.DataCollector:
    """A DataCollector with one reporter per key of ``model.record()``, first row collected.

    The readout names are those of the first record; every later record must have the same
    names (a missing one is a KeyError when collected).
    """
    model.current_record = model.record()
    reporters = {name: partial(_recorded, name) for name in model.current_record}
    collector = mesa.DataCollector(model_reporters=reporters)
    collector.collect(model)
    return collector


def collect(model) -> None:
    """Compute this step's record once and let every reporter read its readout from it."""
    model.current_record = model.record()
    model.datacollector.collect(model)


def columns(collector: mesa.DataCollector) -> dict[str, list]:
    """The collected readouts as ``{name: [value per collection]}`` (copies of the lists)."""
    return {name: list(values) for name, values in collector.model_vars.items()}


def load_columns(collector: mesa.DataCollector, saved: dict[str, list]) -> None:
    """Replace the collected series by ``saved`` (from :func:`columns`); the names must match.

    Also reads the earlier layout (one ``record`` column of dicts) of version-1 checkpoints.
    """
    if set(saved) == {"record"} and "record" not in collector.model_reporters:
        rows = saved["record"]
        saved = {name: [row[name] for row in rows] for name in (rows[0] if rows else {})}
    if len({len(v) if isinstance(v, list) else -1 for v in saved.values()}) > 1:
        raise ValueError("saved readouts differ in length (or are not lists)")
    if set(saved) != set(collector.model_reporters):
        missing = sorted(set(collector.model_reporters) ^ set(saved))
        raise ValueError(f"saved readouts do not match the model's: {missing}")
    collector.model_vars.clear()
    collector.model_vars.update({name: list(values) for name, values in saved.items()})
