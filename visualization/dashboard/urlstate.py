"""The page's setup in its URL: a reload or a shared link restores it.

Query keys: ``mode`` (Explore, Compare, Lessons), ``scenario``, ``seed``, ``lesson``,
``replicates`` (Compare: seeds per arm), ``params`` (scenario parameters, ``name=value``
pairs separated by ``;``) and the
arms, ``arm`` (Explore) or ``arms`` (Compare, ``;``-separated), each
``label|drug|dose_mg|schedule|start_day|conc_nM|loading_dose_mg`` with empty fields for the
defaults (an arm that sets none of dose, schedule, concentration and loading dose takes the
scenario's default regime for its drug, ``state.scenario_arm``; a link without the last
field, from before it existed, still opens). A value
that does not parse is ignored (the page starts from its default), never an error page.
"""

from __future__ import annotations

import contextlib
import math
from urllib.parse import parse_qs, urlencode

import solara

from mtor_abm.model.errors import InputError
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.visualization.dashboard.state import (
    MAX_ARMS,
    MAX_REPLICATES,
    ArmSpec,
    with_scenario_default,
)

MODES = ("Explore", "Compare", "Lessons")
_FIELDS = ("dose_mg", "schedule", "start_day", "conc_nM", "loading_dose_mg")


def arm_text(arm: ArmSpec) -> str:
    """An arm as ``label|drug|dose_mg|schedule|start_day|conc_nM|loading_dose_mg`` (empty =
    default)."""
    values = [arm.label.replace("|", "/").replace(";", ","), arm.drug]
    for name in _FIELDS:
        v = getattr(arm, name)
        values.append("" if v is None else f"{v:g}" if isinstance(v, float | int) else str(v))
    return "|".join(values)


def parse_arm(text: str) -> ArmSpec | None:
    """The arm of :func:`arm_text`, or None when it does not parse."""
    parts = text.split("|")
    if len(parts) == 6:
        parts.append("")
    if len(parts) != 7 or not parts[1]:
        return None
    label, drug, dose, schedule, start, conc, loading = parts
    try:
        numbers = [None if not v else float(v) for v in (dose, start, conc, loading)]
    except ValueError:
        return None
    if any(n is not None and (not math.isfinite(n) or n < 0) for n in numbers):
        return None
    dose_mg, start_day, conc_nM, loading_dose_mg = numbers
    return ArmSpec(
        label or drug, drug, dose_mg, schedule or None, start_day, conc_nM, loading_dose_mg
    )


def read(search: str | None) -> dict:
    """The setup in a query string (only the keys that parse)."""
    query = {k: v[-1] for k, v in parse_qs(search or "").items()}
    out: dict = {}
    if query.get("mode") in MODES:
        out["mode"] = query["mode"]
    if query.get("scenario") in SCENARIOS:
        out["scenario"] = query["scenario"]
    if query.get("seed", "").isdigit():
        out["seed"] = int(query["seed"])
    if query.get("replicates", "").isdigit() and 1 <= int(query["replicates"]) <= MAX_REPLICATES:
        out["replicates"] = int(query["replicates"])
    if "params" in query and "scenario" in out:
        pairs = [p.split("=", 1) for p in query["params"].split(";") if "=" in p]
        with contextlib.suppress(InputError):  # bad parameters: the scenario's defaults
            out["params"] = parse_overrides(SCENARIOS[out["scenario"]].scenario_class, dict(pairs))
    if "lesson" in query:
        out["lesson"] = query["lesson"]
    # an arm with no regime field of its own takes the scenario's default for its drug, as a
    # drug picked in the page does (the page's default scenario, culture, has none)
    scenario = out.get("scenario", "culture")
    arm = parse_arm(query.get("arm", ""))
    if arm is not None:
        out["arm"] = with_scenario_default(arm, scenario)
    arms = [parse_arm(t) for t in query.get("arms", "").split(";") if t]
    if 2 <= len(arms) <= MAX_ARMS and all(a is not None for a in arms):
        out["arms"] = [with_scenario_default(a, scenario) for a in arms]
    return out


def ignored(search: str | None) -> list[str]:
    """One line per key of the query string the page could not use (and so ignored, starting
    from its default): the key, the value and what is allowed; a lesson id is checked by
    :func:`unknown_lesson`. Empty when every key was taken."""
    query = {k: v[-1] for k, v in parse_qs(search or "").items()}
    taken = read(search)
    allowed = {
        "mode": ", ".join(MODES),
        "scenario": ", ".join(SCENARIOS),
        "seed": "a whole number >= 0",
        "replicates": f"1 to {MAX_REPLICATES}",
        "params": "name=value pairs separated by ';' that the scenario accepts",
        "arm": "label|drug|dose_mg|schedule|start_day|conc_nM|loading_dose_mg",
        "arms": f"2 to {MAX_ARMS} arms as in 'arm', separated by ';'",
    }
    return [
        f"{key}={query[key]!r} was ignored (allowed: {what})"
        for key, what in allowed.items()
        if key in query and key not in taken
    ]


def unknown_lesson(asked: str | None, names) -> str | None:
    """The page's line for a URL's ``lesson`` that names no lesson (None when it names one or
    none is asked): which id was asked, which lesson is shown instead, the allowed ids."""
    names = list(names)
    if not asked or asked in names:
        return None
    shown = f"; showing {names[0]}" if names else ""
    return f"No lesson '{asked}'{shown}. Lesson ids: {', '.join(names) or '(none installed)'}."


def query(mode, scenario, seed, arm, arms, lesson, replicates: int = 1, params=None) -> str:
    """The query string of a setup (the keys its mode needs)."""
    q: dict = {"mode": mode}
    if mode == "Lessons":
        q["lesson"] = lesson or ""
    else:
        q.update(scenario=scenario, seed=int(seed))
        if params:
            q["params"] = ";".join(f"{k}={v}" for k, v in sorted(params.items()))
        if mode == "Explore":
            q["arm"] = arm_text(arm)
        else:
            q["arms"] = ";".join(arm_text(a) for a in arms)
            q["replicates"] = int(replicates)
    return urlencode(q)


def write(mode, scenario, seed, arm, arms, lesson, replicates: int = 1, params=None) -> None:
    """Keep the browser's URL on the current setup once it changes (a hook: call from a
    component); the first render keeps the URL the page was opened with."""
    router = solara.use_router()
    wanted = query(mode, scenario, seed, arm, arms, lesson, replicates, params)

    first = solara.use_ref(True)

    def push():
        if first.current:  # the browser's navigator reports its own URL once it starts:
            first.current = False  # a push before that is overwritten (the page's URL stays)
            return
        if (router.search or "") != wanted:
            router.push(f"{router.path or '/'}?{wanted}")

    solara.use_effect(push, [wanted])
