"""The Lessons tab: choose a lesson, predict, run to the lesson's end, read what happened."""

from __future__ import annotations

import solara
from solara.alias import rv

from mtor_abm.visualization.dashboard.lesson_run import (
    Replicates,
    explain,
    judge_prediction,
    lesson_hours,
    measure_claims,
)
from mtor_abm.visualization.dashboard.panels import Md
from mtor_abm.visualization.dashboard.play import FASTEST
from mtor_abm.visualization.dashboard.textfield import DraftText


@solara.component
def LessonProgress(hours: float, stop_h: float, note: str = ""):
    """How far the lesson's run is: a bar and 'day X of Y' (``note``: what it is doing)."""
    pct = max(0.0, min(100.0, 100.0 * hours / stop_h))
    solara.ProgressLinear(value=pct, color="primary")
    solara.Text(
        f"day {hours / 24:.1f} of {stop_h / 24:g} ({pct:.0f} %)" + (f": {note}" if note else ""),
        classes=["mtor-progress"],
        style={"font-size": "13px"},
    )


def result_of(lesson, run) -> tuple[dict, str]:
    """The run's measured claims and the explanation worded from them."""
    data = Replicates(lesson, run)
    outcomes = measure_claims(lesson, data)
    return outcomes, explain(lesson, run, outcomes, data)


@solara.component
def PredictionVerdict(lesson, answer: str, outcomes: dict):
    """Green with a check only when the measured outcomes make the student's answer right;
    red with a cross when they do not; neutral when the lesson does not score the answer."""
    verdict = judge_prediction(lesson, answer, outcomes)
    text = verdict.message(answer)
    if verdict.agrees:
        solara.Success(text, icon="mdi-check-circle", classes=["mtor-verdict-agrees"])
    elif verdict.agrees is False:
        solara.Error(text, icon="mdi-close-circle", classes=["mtor-verdict-disagrees"])
    else:
        solara.Info(text, icon="mdi-help-circle", classes=["mtor-verdict-open"])


@solara.component
def Explanation(lesson, run, hours: float, answer: str):
    """The verdict on the prediction and the explanation of a finished run (computed once per
    run and time)."""
    outcomes, text = solara.use_memo(lambda: result_of(lesson, run), [id(run), hours, lesson])
    PredictionVerdict(lesson, answer, outcomes)
    n = lesson.replicates
    if n > 1:
        text += (
            f"\n\n*Numbers are mean ± SD over {n} seeds per arm ({run.seed} to "
            f"{run.seed + n - 1}); the tissues show seed {run.seed}.*"
        )
    Md("### What happened\n\n" + text)


@solara.component
def LessonPanel(catalogue, lesson, lesson_name, answer, started, playing, run, stop_h, hours,
                set_option, set_plot, set_speed):  # fmt: skip
    """Predict -> run -> explain; redrawn at every model time ``hours``."""
    titles = {le.title: le.name for le in catalogue.lessons}
    if not catalogue.lessons:
        solara.Warning("No lessons are available in this installation.")
        return

    def choose(title):
        playing.set(False)
        started.set(False)
        answer.set(None)
        lesson_name.set(titles[title])

    solara.Select(
        "Lesson", values=list(titles), value=lesson.title if lesson else None, on_value=choose
    )
    for title, reason in catalogue.unavailable:
        solara.Text(
            f"Unavailable: {title} ({reason})", style={"color": "#8a6d3b", "font-size": "13px"}
        )
    for err in catalogue.errors:
        solara.Text(f"Lesson file error: {err}", style={"color": "#a94442", "font-size": "13px"})
    if lesson is None:
        return
    Md(f"## {lesson.title}\n\n{lesson.text}")
    Md(f"**Predict first:** {lesson.question}")
    if lesson.choices:
        with rv.RadioGroup(
            v_model=answer.value,
            on_v_model=answer.set,
            disabled=started.value,  # the prediction is locked once the run starts
            class_="mt-0",
        ):
            for choice in lesson.choices:
                rv.Radio(label=choice, value=choice)
    else:
        DraftText("Your prediction", value=answer.value or "", on_value=answer.set)

    def start():
        set_speed(FASTEST)
        if lesson.colour_by:
            set_option(lesson.colour_by)
        if lesson.plot:
            set_plot(lesson.plot)
        # playing first: each set re-renders at once (a click handler is not batched), and
        # the run built by 'started' must first be drawn as playing; drawn paused, its
        # adverse panel started computing in a thread and took the stepping's CPU (lesson 05:
        # 4.3 s of panel during its first 31 steps, which took 102 ms each instead of 31 ms)
        playing.set(True)
        started.set(True)

    if playing.value and (not started.value or run is None):
        # Run pressed: the bar shows at once at 0 %, while the run's models are built (lesson
        # 03: ~4 s with only Pause lit, the page otherwise unchanged)
        LessonProgress(0.0, lesson_hours(lesson), "building the run...")
        return
    if not started.value:
        solara.Button(
            "Run the experiment",
            icon_name="mdi-play",
            color="primary",
            disabled=not answer.value,
            on_click=start,
        )
        if not answer.value:
            solara.Text("Choose your prediction to unlock the run.", style={"color": "#666"})
        return
    if run is None:
        return
    LessonProgress(hours, stop_h)
    if hours < stop_h - 1e-9:
        solara.Info(f"Running... your prediction: {answer.value}")
        return
    Explanation(lesson, run, hours, answer.value)
