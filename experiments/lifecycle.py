"""How runs and sweeps end when they are stopped from outside.

- :func:`sigterm_as_interrupt`: SIGTERM (``kill``, a batch scheduler's time limit, a closing
  terminal session) is handled as Ctrl+C is: the command cleans up (staging folders removed,
  pool workers stopped, finished sweep runs kept) and says so in the same one line.
- :func:`exit_with_parent`: a sweep's pool worker ends when the sweep process ends, even when
  that process is killed outright (SIGKILL, out of memory) and cleans up nothing.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Iterator

POLL_S = 1.0
"""How often a worker looks for its parent where the OS cannot signal its end (s)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl+C does.

    Outside the main thread (where Python cannot handle signals) the block runs unchanged.
    The previous handler is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_with_parent(parent_pid: int) -> None:
    """End this process (exit status 1) as soon as process ``parent_pid`` has ended.

    For a pool worker's initializer: a background thread waits on a pidfd of the parent
    (Linux; elsewhere it polls every ``POLL_S`` seconds). If the parent is already gone, the
    process exits at once.
    """
    try:
        fd = os.pidfd_open(parent_pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        fd = None  # no pidfd on this system: poll instead
    watch = threading.Thread(
        target=_wait_for_exit, args=(parent_pid, fd), name="parent-watch", daemon=True
    )
    watch.start()


def _wait_for_exit(pid: int, fd: int | None) -> None:
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has ended
    else:
        while _alive(pid):
            time.sleep(POLL_S)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
