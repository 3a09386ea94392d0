"""Guided classroom units (predict -> run -> explain) loaded from TOML files a teacher can edit.

A lesson file (``visualization/lessons/*.toml``, and any directory in the environment variable
``MTOR_LESSONS_DIR``, separated by ``os.pathsep``) holds::

    title = "Why are rapalogs cytostatic?"
    order = 1                      # position in the menu
    scenario = "culture"           # a registered scenario
    days = 3                       # run length, days (default: the scenario's)
    colour_by = "pS6K"             # tissue colouring: "cell type", a readout or "field: <name>"
    plot = "cells"                 # the timeseries column plotted
    text = "What the class reads first."
    question = "What students answer before running?"
    choices = ["one answer", "another"]     # optional; or [[choices]] tables that say
                                            # which measured outcomes make each right
    explanation = "After the run; {rapa.cells.fold:.1f} is filled from the run."
    [params]                       # scenario parameters (validated against the scenario)
    width = 60
    [[arms]]                       # 1 to 4 arms, same seed
    key = "rapa"                   # the name used in the explanation's placeholders
    label = "sirolimus 20 nM"
    drug = "sirolimus"             # dose_mg, schedule, start_day, conc_nM are optional
    schedule = "fixed"
    conc_nM = 20

``replicates = N`` runs every arm on seeds ``seed .. seed + N - 1`` (numbers in the
explanation are then mean ± SD over them); ``[[claims]]`` tables choose the explanation's
words from the measured comparisons (``[[NAME]]`` in the text; see ``claims``).

Placeholders in ``explanation``: ``{KEY.COLUMN}`` is the arm's last value of a timeseries
column or a summary readout; ``{KEY.COLUMN.STAT}`` with STAT one of ``start end min max mean
fold`` (end / start); ``{KEY.COLUMN.at_day_N}``; each optionally ``:.Nf`` (N from 0 to 6), e.g.
``{rapa.cells.fold:.1f}``. No other form is accepted (see ``placeholders``); a missing value
reads as the readout table shows it (``not within 20.0 days`` for an event the run did not
see, ``not reached (...)`` for a lifespan quantile), so write ``rejection day: {x.rejection_day}``,
not ``on day {x.rejection_day}`` (``lesson_run.wording_faults`` lists such mismatches).
A lesson whose scenario is not installed is listed as unavailable; any other problem is a
one-line error naming the file.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtor_abm.model.domains import check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import parse_toml, read_text
from mtor_abm.model.pharmacology import DrugLibrary, load_library
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.visualization.dashboard.claims import Choice, Claim, parse_choices, parse_claims
from mtor_abm.visualization.dashboard.placeholders import fill, parse_template
from mtor_abm.visualization.dashboard.state import MAX_ARMS, MAX_REPLICATES, ArmSpec, make_regime

LESSON_DIR = Path(__file__).resolve().parent.parent / "lessons"
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOP_KEYS = frozenset({
    "title", "order", "scenario", "days", "colour_by", "plot", "text", "question",
    "choices", "explanation", "params", "arms", "seed", "replicates", "claims",
})  # fmt: skip
_ARM_KEYS = frozenset({"key", "label", "drug", "dose_mg", "schedule", "start_day", "conc_nM"})


@dataclass(frozen=True)
class Lesson:
    """One guided unit (see the module docstring for the file format)."""

    name: str
    title: str
    scenario: str
    text: str
    question: str
    explanation: str
    arms: tuple[tuple[str, ArmSpec], ...]
    params: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    days: float | None = None
    colour_by: str | None = None
    plot: str | None = None
    seed: int = 0
    order: float = 100.0
    path: Path | None = None
    replicates: int = 1
    claims: tuple[Claim, ...] = ()
    answers: tuple[Choice, ...] = ()  # ``choices`` with the outcomes that make each right

    def answer(self, text: str | None) -> Choice | None:
        """The judged choice whose text is ``text`` (None for a free-text prediction)."""
        return next((c for c in self.answers if c.text == text), None)


@dataclass
class Catalogue:
    """What the loader found: usable lessons, unavailable ones (scenario missing), errors."""

    lessons: list[Lesson] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)
    errors: list[str] = field(default_factory=list)  # one line per bad file


def lesson_dirs() -> list[Path]:
    """The packaged lesson folder and any folders in ``MTOR_LESSONS_DIR``."""
    extra = [Path(p) for p in os.environ.get("MTOR_LESSONS_DIR", "").split(os.pathsep) if p]
    return [LESSON_DIR, *extra]


def load_catalogue(dirs: list[Path] | None = None, library: DrugLibrary | None = None) -> Catalogue:
    """Load every ``*.toml`` lesson in ``dirs``, sorted by ``order`` then title."""
    library = library or load_library()
    out = Catalogue()
    for folder in dirs if dirs is not None else lesson_dirs():
        for path in sorted(Path(folder).glob("*.toml")):
            try:
                lesson = load_lesson(path, library)
            except UnavailableLesson as missing:
                out.unavailable.append((missing.title, str(missing)))
            except InputError as err:
                out.errors.append(f"{path.name}: {err}")
            else:
                out.lessons.append(lesson)
    out.lessons.sort(key=lambda le: (le.order, le.title))
    return out


class UnavailableLesson(InputError):
    """The lesson needs a scenario this installation does not have."""

    def __init__(self, title: str, message: str):
        super().__init__(message)
        self.title = title


def load_lesson(path: Path, library: DrugLibrary | None = None) -> Lesson:
    """Parse and validate one lesson file (InputError with one line if it is bad)."""
    # size, UTF-8 and TOML checked as for every input file (model.inputfiles)
    data = parse_toml(read_text(Path(path), "lesson"), f"lesson '{path}'")
    return parse_lesson(data, Path(path).stem, library or load_library(), Path(path))


def parse_lesson(data: dict, name: str, library: DrugLibrary, path: Path | None = None) -> Lesson:
    """A validated :class:`Lesson` from parsed TOML."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise InputError(f"unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_TOP_KEYS))}")
    text_fields = {}
    for key in ("title", "scenario", "text", "question", "explanation"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"'{key}' must be a non-empty string")
        text_fields[key] = value.strip()
    scenario = text_fields["scenario"]
    arms = _parse_arms(data.get("arms"), scenario, library)
    parse_template(text_fields["explanation"], {k for k, _ in arms})
    days = data.get("days")
    if days is not None and (not _is_number(days) or not 0 < days <= 3650):
        raise InputError(f"'days' must be a number of days in (0, 3650], got {days!r}")
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise InputError("'params' must be a table of scenario parameters")
    replicates = data.get("replicates", 1)
    if not isinstance(replicates, int) or isinstance(replicates, bool):
        raise InputError(f"'replicates' must be a whole number of seeds, got {replicates!r}")
    if not 1 <= replicates <= MAX_REPLICATES:
        raise InputError(f"'replicates' must be 1 to {MAX_REPLICATES} seeds, got {replicates}")
    claims = parse_claims(data.get("claims"), {k for k, _ in arms}, text_fields["explanation"])
    answers = parse_choices(data.get("choices"), {c.name for c in claims})
    seed = check_seed(data.get("seed", 0), "'seed'")  # an integer in [0, 2**63 - 1]
    order = data.get("order", 100.0)
    if not _is_number(order):
        raise InputError(f"'order' must be a number (menu position), got {order!r}")
    for key in ("colour_by", "plot"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InputError(f"'{key}' must be a readout name (a string), got {data[key]!r}")
    if scenario not in SCENARIOS:
        raise UnavailableLesson(
            text_fields["title"],
            f"needs the '{scenario}' scenario, which this installation does not have "
            f"(installed: {', '.join(SCENARIOS)})",
        )
    params = parse_overrides(SCENARIOS[scenario].scenario_class, params)
    for _, arm in arms:
        make_regime(arm, scenario, library)  # every arm's regime must be valid
    return Lesson(
        name=name,
        title=text_fields["title"],
        scenario=scenario,
        text=text_fields["text"],
        question=text_fields["question"],
        explanation=text_fields["explanation"],
        arms=tuple(arms),
        params=params,
        choices=tuple(c.text for c in answers),
        days=None if days is None else float(days),
        colour_by=data.get("colour_by"),
        plot=data.get("plot"),
        seed=seed,
        order=float(order),
        path=path,
        replicates=replicates,
        claims=claims,
        answers=answers,
    )


def _parse_arms(raw, scenario: str, library: DrugLibrary) -> list[tuple[str, ArmSpec]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ARMS:
        raise InputError(f"'arms' must list 1 to {MAX_ARMS} [[arms]] tables")
    arms, seen = [], set()
    for i, arm in enumerate(raw, 1):
        if not isinstance(arm, dict):
            raise InputError(f"arm {i} must be a table")
        unknown = sorted(set(arm) - _ARM_KEYS)
        if unknown:
            raise InputError(
                f"arm {i}: unknown key '{unknown[0]}'; allowed: {', '.join(sorted(_ARM_KEYS))}"
            )
        key = arm.get("key", f"arm{i}")
        if not isinstance(key, str) or not _KEY_RE.match(key) or key in seen:
            raise InputError(f"arm {i}: 'key' must be a unique identifier, got {key!r}")
        seen.add(key)
        drug = arm.get("drug", "none")
        if not isinstance(drug, str) or drug not in library:
            raise InputError(f"arm {i}: unknown drug '{drug}'; allowed: {', '.join(library)}")
        for num in ("dose_mg", "start_day", "conc_nM"):
            if num in arm and not (_is_number(arm[num]) and arm[num] >= 0):
                raise InputError(f"arm {i}: '{num}' must be a non-negative number")
        for text in ("schedule", "label"):
            if text in arm and not isinstance(arm[text], str):
                raise InputError(f"arm {i}: '{text}' must be a string, got {arm[text]!r}")
        spec = ArmSpec(
            label=str(arm.get("label", drug)),
            drug=drug,
            dose_mg=arm.get("dose_mg"),
            schedule=arm.get("schedule"),
            start_day=arm.get("start_day"),
            conc_nM=arm.get("conc_nM"),
        )
        if scenario not in SCENARIOS:  # the regime needs no scenario but its start day
            make_regime(spec if spec.start_day is not None else _with_start(spec), None, library)
        arms.append((key, spec))
    return arms


def _with_start(spec: ArmSpec) -> ArmSpec:
    return ArmSpec(spec.label, spec.drug, spec.dose_mg, spec.schedule, 0.0, spec.conc_nM)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fill_explanation(lesson: Lesson, series: list[dict], readouts: list[dict]) -> str:
    """The lesson's explanation with its placeholders filled from the run's arms (plain text).

    ``series`` and ``readouts`` hold one entry per arm, in the lesson's arm order (see
    :func:`mtor_abm.visualization.dashboard.placeholders.fill`).
    """
    return fill(lesson.explanation, [key for key, _ in lesson.arms], series, readouts)
