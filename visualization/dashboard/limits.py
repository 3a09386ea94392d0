"""What one dashboard server gives its visitors: tissue size, models per session, sessions.

A classroom server (``mtor-sim dashboard --host 0.0.0.0``) has no authentication: anyone on the
network can open the page and build models in the server's memory. These limits are read from
the environment, which ``mtor-sim dashboard`` fills from its flags (the page runs in the same
process); an unset or ``0`` variable means no limit:

=============================== ============================================ ==================
variable                        limit                                        shared default
=============================== ============================================ ==================
``MTOR_DASHBOARD_MAX_SITES``    lattice sites per tissue (width x height)    19600 (140 x 140)
``MTOR_DASHBOARD_MAX_ORGANISMS`` organisms per cohort (aging, neuro)         200
``MTOR_DASHBOARD_MAX_MODELS``   models one session runs at once (arms x      12
                                replicate seeds, + untreated twins)
``MTOR_DASHBOARD_MAX_SESSIONS`` browser sessions running models at once      30
=============================== ============================================ ==================

The shared defaults apply when the server listens beyond this computer; on 127.0.0.1 nothing
is limited unless asked. Sizes: the largest scenario default is the tumor's 140 x 140; a
120 x 120 transplant model holds ~40 MB (measured, the heaviest per site; ~55 MB scaled to
140 x 140), so 30 sessions of 4 such models stay near 6.5 GB; a lesson runs 3 seeds of up
to 3 arms (9 models) on small tissues (at most 60 x 60 among the packaged ones), hence 12
models. A request beyond a limit is
refused in the page with one polite line saying which limit and how to change it; nothing is
built.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from mtor_abm.model.errors import InputError

#: Environment variable of each limit.
ENV = MappingProxyType(
    {
        "max_sites": "MTOR_DASHBOARD_MAX_SITES",
        "max_organisms": "MTOR_DASHBOARD_MAX_ORGANISMS",
        "max_models": "MTOR_DASHBOARD_MAX_MODELS",
        "max_sessions": "MTOR_DASHBOARD_MAX_SESSIONS",
    }
)
#: Command-line flag of each limit (``mtor-sim dashboard``).
FLAGS = MappingProxyType({name: "--" + name.replace("_", "-") for name in ENV})
_CEILING = 10**12  # a larger limit is a typo, not a plan


class LimitReached(InputError):
    """A visitor asked for more than this server gives (shown politely in the page)."""


@dataclass(frozen=True)
class Limits:
    """Per-server limits; ``None`` means no limit (see the module docstring)."""

    max_sites: int | None = None
    max_organisms: int | None = None
    max_models: int | None = None
    max_sessions: int | None = None

    @classmethod
    def shared_defaults(cls) -> Limits:
        """The limits of a server open to the network when none are given."""
        return cls(max_sites=19_600, max_organisms=200, max_models=12, max_sessions=30)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits in ``environ`` (default ``os.environ``); unset or 0 = no limit.

        Raises:
            InputError: a variable that is not a whole number from 0 to 10^12.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for name, var in ENV.items():
            raw = environ.get(var, "").strip()
            values[name] = parse_limit(raw, var) if raw else None
        return cls(**values)

    def to_environment(self) -> dict[str, str]:
        """The variables that make :meth:`from_environment` return these limits."""
        return {ENV[f.name]: str(getattr(self, f.name) or 0) for f in fields(self)}

    def describe(self) -> str:
        """One line for the console, e.g. ``tissues up to 19,600 sites, ...``."""
        parts = [
            f"tissues up to {self.max_sites:,} sites" if self.max_sites else None,
            f"cohorts up to {self.max_organisms:,} organisms" if self.max_organisms else None,
            f"{self.max_models} models per session" if self.max_models else None,
            f"{self.max_sessions} sessions at once" if self.max_sessions else None,
        ]
        shown = [p for p in parts if p]
        return ", ".join(shown) if shown else "no limits"

    def check_run(self, spec, params: Mapping[str, Any], n_models: int) -> None:
        """Refuse a run this server does not give, before anything is built.

        Args:
            spec: the scenario's :class:`~mtor_abm.model.scenarios.ScenarioSpec`.
            params: the scenario parameters asked for (the scenario's defaults fill the rest).
            n_models: models the run builds at once (its arms).

        Raises:
            LimitReached: one polite line naming the limit and the flag that raises it.
        """
        from mtor_abm.model.scenarios.base import defaults

        values = {**defaults(spec.scenario_class), **params}
        if self.max_models and n_models > self.max_models:
            raise LimitReached(
                f"This shared server runs at most {self.max_models} models per session; "
                f"{n_models} were asked for. Compare fewer arms, or ask the teacher to start "
                f"the server with a larger {FLAGS['max_models']}."
            )
        if self.max_sites and "width" in values and "height" in values:
            width, height = int(values["width"]), int(values["height"])
            if width * height > self.max_sites:
                raise LimitReached(
                    f"This shared server runs tissues up to {self.max_sites:,} sites; "
                    f"{width} x {height} = {width * height:,} sites is more. Choose a smaller "
                    f"width or height, or ask the teacher to start the server with a larger "
                    f"{FLAGS['max_sites']}."
                )
        cohort = spec.replicates_param
        if self.max_organisms and cohort and int(values[cohort]) > self.max_organisms:
            raise LimitReached(
                f"This shared server runs cohorts up to {self.max_organisms:,} organisms; "
                f"{int(values[cohort]):,} is more. Choose fewer {cohort}, or ask the teacher to "
                f"start the server with a larger {FLAGS['max_organisms']}."
            )


def parse_limit(raw: str, name: str) -> int | None:
    """A limit from text: a whole number from 0 (no limit, returned as None) to 10^12.

    Raises:
        InputError: ``error``-style one line naming ``name``.
    """
    try:
        value = int(raw)
    except ValueError:
        raise InputError(
            f"{name}: {raw[:40]!r} is not a whole number; allowed: 0 (no limit) to 10^12"
        ) from None
    if not 0 <= value <= _CEILING:
        raise InputError(f"{name}: {value} is out of range; allowed: 0 (no limit) to 10^12")
    return value or None


class Seats:
    """The browser sessions (Solara virtual kernels) allowed to run models, at most a limit.

    Owned by the Solara app that serves the sessions (``dashboard.app.SEATS``, one per server:
    the sessions are a property of the server, not of any model), never by this module.
    Thread-safe (Solara starts kernels on several threads).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[str] = set()

    def take(self, session: str, limit: int | None) -> bool:
        """Give ``session`` a seat if fewer than ``limit`` are held (None: always)."""
        with self._lock:
            if session in self._held or limit is None or len(self._held) < limit:
                self._held.add(session)
                return True
            return False

    def release(self, session: str) -> None:
        """Free the seat of ``session`` (no-op if it has none)."""
        with self._lock:
            self._held.discard(session)

    def holds(self, session: str) -> bool:
        """Whether ``session`` has a seat."""
        with self._lock:
            return session in self._held

    def count(self) -> int:
        """Seats held now."""
        with self._lock:
            return len(self._held)

    def seat_session(self):
        """``solara.lab.on_kernel_start`` callback: seat the new session if a seat is free.

        Returns the cleanup Solara calls when the session's kernel shuts down (tab closed, or
        disconnected past ``SOLARA_KERNEL_CULL_TIMEOUT``), which frees the seat.
        """
        import solara

        session = solara.get_kernel_id()
        try:
            limit = Limits.from_environment().max_sessions
        except InputError:
            limit = 0  # checked at start-up by mtor-sim dashboard; a bad value seats no one
        self.take(session, limit)
        return lambda: self.release(session)

    def session_refusal(self) -> str | None:
        """The polite line for the current session if it has no seat (None: it has one)."""
        import solara

        limit = Limits.from_environment().max_sessions
        if limit is None or self.holds(solara.get_kernel_id()):
            return None
        return refusal_line(limit)


def refusal_line(limit: int) -> str:
    """The polite line for a session refused by a server full at ``limit`` sessions."""
    return (
        f"This shared server is full ({limit} {'tab' if limit == 1 else 'tabs'} running models "
        f"at once). Close unused tabs or reload this page in a few minutes (the teacher can "
        f"raise {FLAGS['max_sessions']})."
    )
