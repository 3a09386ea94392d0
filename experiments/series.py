"""A run's time series as a table: one numeric column per readout, however its values came.

A readout that is undefined at a record is None in the model's records (a mean over no
T-cells, a combination's second drug in a one-drug run). Pandas makes a column of None alone
an ``object`` column, which Parquet stores as nulls of no type and the report then refuses as
not numeric. Here every column is a number column: None is NaN (:func:`series_frame`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def series_frame(timeseries: Mapping[str, Sequence]) -> pd.DataFrame:
    """The records ``{column: values}`` as a DataFrame whose every column is numeric.

    Integer and float columns keep their dtype; a column holding None (all or some) becomes
    float64 with NaN for None.

    Raises:
        ValueError: a column holds something that is neither a number nor None (records are
            numeric by contract: :mod:`model.records`).
    """
    frame = pd.DataFrame(timeseries)
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            values = frame[name].to_list()
            if any(v is not None and not isinstance(v, int | float | np.number) for v in values):
                raise ValueError(f"timeseries column {name!r} holds a value that is no number")
            frame[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
    return frame
