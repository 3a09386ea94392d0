"""Reading the files a user hands the tool, checked as a whole before anything is built.

Every text file the tool reads (drug TOML, sweep spec, lesson, manifest, sweep records, a run
folder's summary) goes through :func:`read_text`: its size is checked before it is read (a
bloated file is refused, not loaded), it must decode as UTF-8, and any failure is one
:class:`~model.errors.InputError` line naming the file. :func:`read_json_object` adds the
JSON layer: strict JSON (no NaN), a top-level object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mtor_abm.model.errors import InputError

#: Largest text file the tool reads (TOML, JSON): 16 MiB, far above any real spec or record.
MAX_TEXT_BYTES = 16 * 2**20


def read_text(path: Path, what: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of ``path`` (``what`` names the kind of file in messages).

    Raises:
        InputError: the file cannot be read, is larger than ``max_bytes``, or is not UTF-8.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{what} '{path}' is {size} bytes; at most {max_bytes} are read "
                "(is it the right file?)"
            )
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {what} '{path}': {err.strerror or err}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{what} '{path}' is not UTF-8 text (byte {err.start}: {err.reason}); save it as UTF-8"
        ) from None


def _refuse_constant(token: str):
    raise ValueError(f"{token} is not a JSON number")


def read_json_object(path: Path, what: str, max_bytes: int = MAX_TEXT_BYTES) -> dict[str, Any]:
    """The JSON object in ``path`` (strict JSON: NaN and Infinity are refused).

    Raises:
        InputError: unreadable, not UTF-8, not JSON, or not an object at the top level.
    """
    text = read_text(path, what, max_bytes)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{what} '{path}' is not valid JSON ({message})") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} '{path}' must hold a JSON object, got {type(data).__name__}")
    return data


def require(data: dict, key: str, kinds: type | tuple[type, ...], where: str) -> Any:
    """``data[key]`` checked to be of ``kinds`` (bool is never a number), else InputError."""
    if key not in data:
        raise InputError(f"{where}: '{key}' is missing")
    value = data[key]
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    numeric = any(k in (int, float) for k in kinds)
    if not isinstance(value, kinds) or (numeric and bool not in kinds and isinstance(value, bool)):
        names = " or ".join(k.__name__ for k in kinds)
        raise InputError(f"{where}: '{key}' must be {names}, got {type(value).__name__}")
    return value


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """TOML ``text`` as a dict; InputError ``<where> is not valid TOML: ...`` otherwise."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{where} is not valid TOML: {err}") from None
    except RecursionError:
        raise InputError(f"{where} is not valid TOML: nested too deeply") from None
