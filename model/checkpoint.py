"""Checkpoint files: the complete state of a run, safe to open from anyone.

A checkpoint is one NumPy ``.npz`` archive (never pickled: it is read with
``allow_pickle=False``) holding named arrays plus one entry ``__meta__``: UTF-8 JSON with the
format name and version, what was run (scenario, parameters, seed, regime, days done) and the
scalar state of each model (clock, RNG states, PK compartments, recorded timeseries).

The file is written to a temporary name and renamed, so an interrupted save never leaves a
truncated checkpoint under the requested name. Reading checks everything it can and turns any
problem (not a checkpoint, truncated, corrupt, another format version) into one
:class:`~model.errors.InputError` line.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import InputError

FORMAT = "mtor-abm checkpoint"
FORMAT_VERSION = 1
META_KEY = "__meta__"


def encode(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint holding ``arrays`` and ``meta``."""
    if META_KEY in arrays:
        raise ValueError(f"array name {META_KEY!r} is reserved")
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
    # allow_nan: a model's NaN (e.g. an empty site's readout) must round-trip exactly.
    text = json.dumps(header, allow_nan=True)
    buf = io.BytesIO()
    payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    payload[META_KEY] = np.frombuffer(text.encode(), dtype=np.uint8)
    np.savez_compressed(buf, **payload)
    return buf.getvalue()


def write(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write a checkpoint to ``path`` atomically (temporary file, then rename)."""
    from experiments.runner import atomic_write_bytes

    atomic_write_bytes(Path(path), encode(arrays, meta))  # OutputError names the file


def read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read and check a checkpoint; returns (arrays, meta) or raises one-line InputError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read checkpoint '{path}': {err.strerror or err}") from None
    if not raw.startswith(b"PK"):
        raise InputError(f"'{path}' is not an mtor-abm checkpoint (expected an .npz archive)")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise InputError(
            f"'{path}' is not a readable mtor-abm checkpoint (truncated or corrupt: {err})"
        ) from None
    if META_KEY not in arrays:
        raise InputError(f"'{path}' is not an mtor-abm checkpoint (no {META_KEY} entry)")
    try:
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"'{path}': checkpoint metadata is corrupt ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"'{path}' is not an mtor-abm checkpoint")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(
            f"'{path}': checkpoint format version {version!r} is not supported "
            f"(this mtor-abm reads version {FORMAT_VERSION})"
        )
    return arrays, meta


def split(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays under ``prefix/`` with the prefix removed."""
    start = prefix + "/"
    return {k[len(start) :]: v for k, v in arrays.items() if k.startswith(start)}


def join(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """``arrays`` with every name put under ``prefix/``."""
    return {f"{prefix}/{k}": v for k, v in arrays.items()}
