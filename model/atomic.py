"""Atomic output: every file and folder the tool writes goes through this module.

- :func:`write_bytes` / :func:`write_json`: a file is written to a temporary name beside it,
  flushed to disk and renamed over the target, so a reader (or a kill at any instant) sees the
  old file or the complete new one, never a truncated one.
- :func:`staged_dir`: a whole folder (a run, a report) is built in a staging folder beside the
  target and then swapped in with one atomic rename (Linux ``renameat2(RENAME_EXCHANGE)``), so
  a reader sees the old folder or the new one, never a mix of the two.
- :func:`check_writable`: whether a path can be written, before a long computation.

Every temporary file and staging folder is locked (``flock``) by the process writing it; the
kernel drops the lock when that process ends, however it ends. :func:`remove_stale` removes the
leftovers of killed writers (unlocked temporaries) and never those of a writer still at work;
:func:`staged_dir` calls it for its folder, and the owner of a file calls it at its next start
(a sweep for its tables, ``--save-state`` for its file). :func:`write_bytes` itself does not
scan the folder, so writing thousands of sweep records stays linear. Files are created with
mode ``0666`` and folders with ``0777``, both reduced by the process umask, as any other
program's output.

OS failures (disk full, permissions) become one-line :class:`~model.errors.OutputError`
messages naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mtor_abm.model.errors import InputError, OutputError

_TMP, _STAGING, _REPLACED = ".tmp-", ".staging-", ".replaced-"
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


# ------------------------------------------------------------------------------ files
def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename).

    Creates missing parent folders. Raises OutputError naming ``path`` on an OS failure; the
    temporary file is then removed and an earlier file at ``path`` is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp, fd = _create_locked_file(path)
    except OSError as err:
        raise _output_error(path, err) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(tmp, path)  # still locked: a cleaner never takes a file being renamed
        _fsync_dir(path.parent)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _output_error(path, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented, strict JSON (no NaN), atomically."""
    write_bytes(path, (json.dumps(obj, indent=2, allow_nan=False) + "\n").encode())


def _create_locked_file(path: Path) -> tuple[Path, int]:
    """A new temporary file beside ``path``, opened for writing and locked."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}{_TMP}{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        return tmp, fd
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


# ------------------------------------------------------------------------------ folders
@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Build a folder that replaces ``target`` as a whole.

    Yields an empty staging folder beside ``target`` (same file system). When the block ends
    without an exception, the staging folder takes ``target``'s place in one atomic exchange
    of names and the old folder is removed; on an exception the staging folder is removed and
    ``target`` is untouched. Raises OutputError on an OS failure.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
        stage, fd = _create_locked_dir(target)
    except OSError as err:
        raise _output_error(target, err) from None
    try:
        yield stage
        _swap_in(stage, target)
    except OSError as err:  # also an OutputError of a file inside: name the folder instead
        raise _output_error(target, err) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # the new folder on failure, else the old one
        os.close(fd)


def _create_locked_dir(target: Path) -> tuple[Path, int]:
    """A new staging folder beside ``target``, locked by this process."""
    while True:
        stage = target.with_name(f".{target.name}{_STAGING}{secrets.token_hex(4)}")
        os.mkdir(stage, 0o777)
        fd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(stage).st_ino == os.fstat(fd).st_ino:
                return stage, fd  # not removed by a cleaner between mkdir and flock
        except FileNotFoundError:
            pass
        os.close(fd)


def _swap_in(stage: Path, target: Path) -> None:
    """Put ``stage`` at ``target``; afterwards ``stage`` holds the old folder (if any)."""
    _fsync_dir(stage)
    if not target.exists() and not target.is_symlink():
        os.rename(stage, target)
    elif not _exchange(stage, target):
        # No atomic exchange on this system: move the old folder aside, then rename. A kill
        # between the two renames is repaired by remove_stale (the old folder comes back).
        aside = target.with_name(f".{target.name}{_REPLACED}{secrets.token_hex(4)}")
        os.rename(target, aside)
        os.rename(stage, target)
        os.rename(aside, stage)
    _fsync_dir(target.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` atomically; False if the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


# ------------------------------------------------------------------------------ leftovers
def remove_stale(target: Path) -> list[Path]:
    """Remove what killed writers of ``target`` left beside it; returns the removed paths.

    Temporary files and staging folders of ``target`` that no live process holds locked are
    removed; a folder moved aside by an interrupted replacement is put back when ``target``
    is missing (else removed). Those of writers still at work are left alone.
    """
    target = Path(target)
    prefix = f".{target.name}"
    removed = []
    try:
        siblings = list(target.parent.iterdir())
    except FileNotFoundError:
        return removed
    for path in siblings:
        rest = path.name[len(prefix) :] if path.name.startswith(prefix) else ""
        if not rest.startswith((_TMP, _STAGING, _REPLACED)):
            continue
        with _unlocked(path) as free:
            if not free:
                continue
            if rest.startswith(_REPLACED) and not target.exists():
                os.rename(path, target)
            elif path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def _unlocked(path: Path) -> Iterator[bool]:
    """Whether no other process holds ``path`` locked (holding the lock meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------ checks
def check_writable(path: Path, what: str) -> None:
    """Raise a one-line InputError unless ``path`` could be created or replaced.

    Checks, without creating anything, that the nearest existing ancestor is a writable
    folder. ``what`` names the option in the message (e.g. ``--save-state``).
    """
    path = Path(path)
    if str(path) == "":
        raise InputError(f"{what}: the path is empty")
    ancestor = path.parent
    while not ancestor.exists():
        if ancestor.is_symlink():  # a dangling link: mkdir would fail
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{what} '{path}': cannot write there, '{ancestor}' is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(f"{what} '{path}': cannot write there, '{ancestor}' is not writable")


def _fsync_dir(folder: Path) -> None:
    """Make renames inside ``folder`` durable (best effort where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _output_error(path: Path, err: OSError) -> OutputError:
    """One line naming ``path`` and the reason (the OS's, or that of a nested OutputError)."""
    reason = getattr(err, "reason", None) or err.strerror or str(err)
    error = OutputError(f"cannot write '{path}': {reason}")
    error.reason = reason
    return error
