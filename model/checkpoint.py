"""Checkpoint files: the complete state of a run, safe to open from anyone.

A checkpoint is one NumPy ``.npz`` archive (never pickled: it is read with
``allow_pickle=False``) holding named arrays, an entry ``__sha256__`` (the digest of all the
others: an edited or damaged file is refused) and one entry ``__meta__``: UTF-8 JSON with the
format name and version, what was run (scenario, parameters, seed, regime, days done) and the
scalar state of each model (clock, RNG states, PK compartments, recorded timeseries).

This module only turns state into bytes and back (:func:`encode`, :func:`read`); the caller
writes the bytes (``model.atomic.write_bytes``: temporary name, then rename), so the
model layer needs nothing from ``experiments``. Reading checks everything it can and turns any
problem (not a checkpoint, truncated, corrupt, another format version) into one
:class:`~model.errors.InputError` line.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mtor_abm.model import records
from mtor_abm.model.errors import InputError
from mtor_abm.model.mesa_internals import advance_clock
from mtor_abm.model.pk_state import pk_state_from_dict

FORMAT = "mtor-abm checkpoint"
FORMAT_VERSION = 1
META_KEY = "__meta__"
DIGEST_KEY = "__sha256__"
"""Entry holding the SHA-256 of every other entry: an edited or damaged checkpoint is refused."""


def encode(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint holding ``arrays`` and ``meta``."""
    if META_KEY in arrays or DIGEST_KEY in arrays:
        raise ValueError(f"array names {META_KEY!r} and {DIGEST_KEY!r} are reserved")
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
    # allow_nan: a model's NaN (e.g. an empty site's readout) must round-trip exactly.
    text = json.dumps(header, allow_nan=True)
    buf = io.BytesIO()
    payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    payload[META_KEY] = np.frombuffer(text.encode(), dtype=np.uint8)
    payload[DIGEST_KEY] = np.frombuffer(digest(payload).encode(), dtype=np.uint8)
    np.savez_compressed(buf, **payload)
    return buf.getvalue()


def digest(payload: dict[str, np.ndarray]) -> str:
    """SHA-256 (hex) over every entry of a checkpoint (name, dtype, shape, bytes) but the
    digest entry itself: stored as ``__sha256__``, checked by :func:`read`."""
    h = hashlib.sha256()
    for name in sorted(k for k in payload if k != DIGEST_KEY):
        a = np.ascontiguousarray(payload[name])
        h.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


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
    expected = digest(arrays).encode()  # of every entry but the digest, checked below
    stored = arrays.pop(DIGEST_KEY).tobytes() if DIGEST_KEY in arrays else None
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
    if stored != expected:
        raise InputError(
            f"'{path}' was changed or damaged after it was written (its SHA-256 "
            f"{'is missing' if stored is None else 'does not match its content'}); "
            "save the state again"
        )
    return arrays, meta


def split(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays under ``prefix/`` with the prefix removed."""
    start = prefix + "/"
    return {k[len(start) :]: v for k, v in arrays.items() if k.startswith(start)}


def join(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """``arrays`` with every name put under ``prefix/``."""
    return {f"{prefix}/{k}": v for k, v in arrays.items()}


# ------------------------------------------------------------------------------ model-wide state
def model_clock_state(model) -> dict[str, Any]:
    """JSON state every scenario model shares: clocks, both RNGs, PK, blood levels, records."""
    version, mt_state, gauss = model.random.getstate()
    collector = getattr(model, "datacollector", None)
    return {
        "hours": model.hours,
        "mesa_steps": model.steps,
        "mesa_time": model.time,
        "agent_id_counter": model.agent_id_counter,
        "rng": model.rng.bit_generator.state,
        "random": [version, list(mt_state), gauss],
        "pk": model.pk.to_dict(),
        "blood_nM": model.blood_nM,
        "records": None if collector is None else records.columns(collector),
    }


def restore_model_clock_state(model, meta: dict[str, Any]) -> None:
    """Inverse of :func:`model_clock_state` on a freshly built model."""
    model.hours = float(meta["hours"])
    advance_clock(model, float(meta["mesa_time"]))
    model.steps = int(meta["mesa_steps"])
    model.agent_id_counter = int(meta["agent_id_counter"])
    model.rng.bit_generator.state = meta["rng"]
    version, mt_state, gauss = meta["random"]
    model.random.setstate((version, tuple(mt_state), gauss))
    model.pk = pk_state_from_dict(meta["pk"])
    model.blood_nM = dict(meta["blood_nM"])
    if meta["records"] is not None:
        records.load_columns(model.datacollector, meta["records"])


def recreate_agents(rows: int, unique_ids: np.ndarray, make_agent):
    """Recreate the agents of table rows ``0..rows-1`` in their original creation order.

    ``make_agent(row)`` builds the agent of a row; each gets its saved unique id back, and
    creating them in id order keeps every AgentSet's iteration order unchanged. Returns
    the (row, agent) pairs in that order.
    """
    made = []
    for row in sorted(range(rows), key=lambda r: unique_ids[r]):
        agent = make_agent(row)
        agent.unique_id = int(unique_ids[row])
        made.append((row, agent))
    return made


def array_attributes(obj, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Copies of ``obj``'s numpy attributes ``names``; dicts of arrays are flattened."""
    out = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, dict):
            out.update({f"{name}/{k}": np.array(v, copy=True) for k, v in value.items()})
        else:
            out[name] = np.array(value, copy=True)
    return out


def load_array_attributes(obj, names: tuple[str, ...], arrays: dict[str, np.ndarray]) -> None:
    """Inverse of :func:`array_attributes` (arrays keep their dtype and shape)."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, dict):
            for k in value:
                value[k] = np.array(arrays[f"{name}/{k}"], copy=True)
        else:
            setattr(obj, name, np.array(arrays[name], copy=True))
