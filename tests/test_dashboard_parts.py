"""Dashboard parts without a browser: charts, play clock, replicate summaries, claims, URL."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import replace

import numpy as np
import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.visualization.dashboard import charts, claims, play, plots, summary, urlstate
from mtor_abm.visualization.dashboard.lesson_run import (
    Replicates,
    judge_prediction,
    measure_claims,
    run_to_end,
)
from mtor_abm.visualization.dashboard.lessons import LESSON_DIR, load_lesson
from mtor_abm.visualization.dashboard.state import ArmSpec, Run

SMALL = {"width": 20, "height": 20, "initial_cells": 40}


# ------------------------------------------------------------------------------ charts
def test_nice_ticks_are_round_and_cover_the_range():
    assert charts.nice_ticks(0, 10) == [0, 2.5, 5, 7.5, 10]
    assert charts.nice_ticks(0, 1500, 5) == [0, 500, 1000, 1500]
    assert charts.nice_top(17.26) == 20
    # A series at a round maximum (a held 10 nM medium) stays inside the frame, not on it.
    assert charts.nice_top(10.0) == 12.5
    assert charts.nice_top(1.0) > 1.0


def test_polyline_maps_data_to_the_plot_area():
    x, y = np.array([0.0, 5.0, 10.0]), np.array([0.0, 5.0, 10.0])
    svg = charts.line_chart_svg([charts.Line(x, y, "#123456", "a")], (0, 10), "t", "v", (0, 10))
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    left, top = charts.MARGIN["left"], charts.MARGIN["top"]
    w = charts.WIDTH - left - charts.MARGIN["right"]
    h = charts.HEIGHT - top - charts.MARGIN["bottom"]
    expected = [(left, top + h), (left + w / 2, top + h / 2), (left + w, top)]
    got = [tuple(float(v) for v in p.split(",")) for p in points]
    assert got == [pytest.approx(e, abs=0.06) for e in expected]


def test_envelope_keeps_every_peak_of_a_fine_curve():
    """A daily oral-like peak train sampled every 0.25 h over 200 days (19,200 points) drawn
    in 600 bins: every peak's maximum survives, the point count is bounded."""
    t = np.arange(0, 200 * 24, 0.25)
    c = np.exp(-(((t % 24) - 1.5) ** 2))  # peak 1 at 1.5 h after each dose
    c[t > 4000] *= 0.5
    ex, ey = charts.envelope(t, c, bins=600)
    assert len(ex) <= 1200 and np.all(np.diff(ex) >= 0)
    for day in range(0, 200, 17):
        in_day = (ex >= day * 24) & (ex < day * 24 + 24)
        assert ey[in_day].max() == pytest.approx(c[(t >= day * 24) & (t < day * 24 + 24)].max())


def test_pk_chart_marks_every_dose_and_reaches_the_peak():
    run = Run("tumor", [ArmSpec("e", "everolimus", 10.0, "daily", 0.0)], {"width": 20})
    curves = plots.pk_curves([run.arms[0].regime], 10.0, run.library)
    svg = plots.pk_svg([run.arms[0].regime], ["e"], curves, 240.0)
    assert svg.count("<path d=") == 10  # one ▲ per daily dose over 10 days
    # sampled finely: the curve's highest point is the daily Cmax, not a trough
    assert curves[0][1].max() > 3 * curves[0][1][curves[0][0] % 24 == 0][1:].max()


def test_in_vitro_pk_is_the_held_medium_concentration_in_nM():
    run = Run("culture", [ArmSpec("s", "sirolimus", schedule="fixed", conc_nM=20)], SMALL)
    curves = plots.pk_curves([run.arms[0].regime], 3.0, run.library, in_vitro=True)
    assert np.allclose(curves[0][1], 20.0)
    assert "medium concentration (nM)" in plots.pk_svg(
        [run.arms[0].regime], ["s"], curves, 72, True
    )


def test_now_line_sits_at_the_fraction_of_the_axis():
    svg = charts.now_line_svg(25.0, (0.0, 100.0))
    x = float(re.search(r'x1="([\d.]+)"', svg).group(1))
    left = charts.MARGIN["left"]
    w = charts.WIDTH - left - charts.MARGIN["right"]
    assert x == pytest.approx(left + 0.25 * w, abs=0.06)


# ------------------------------------------------------------------------------ play clock
class FakeTime:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_rate_speed_owes_steps_for_the_time_that_passed():
    now = FakeTime()
    clock = play.PlayClock(now=now)
    assert clock.owed(6.0) == 1  # first frame
    clock.steps_done = 1
    now.t = 1.0  # a slow frame: one second later, 6 steps are due in total
    assert clock.owed(6.0) == 5
    clock.steps_done = 6
    now.t = 60.0  # a long stall: no burst beyond MAX_OWED_S of steps
    assert clock.owed(6.0) == round(6.0 * play.MAX_OWED_S)


def test_play_stops_at_the_lesson_end():
    run = Run("culture", [ArmSpec("a")], SMALL)
    fast = play.SPEEDS["fast (6 hours per frame)"]
    clock = play.PlayClock()
    assert play.play_frame(run, fast, clock, stop_h=8.0) and run.hours == 6.0
    assert play.play_frame(run, fast, clock, stop_h=8.0) and run.hours == 8.0
    assert not play.play_frame(run, fast, clock, stop_h=8.0) and run.hours == 8.0
    assert play.play_frame(run, play.SPEEDS[play.FASTEST], clock, stop_h=12.0)
    assert run.hours <= 12.0


def test_week_per_frame_steps_a_cohort_seven_days():
    run = Run("neuro", [ArmSpec("a")], {"organisms": 2})
    play.play_frame(run, play.SPEEDS["1 week per frame (cohorts)"], play.PlayClock(), None)
    assert run.hours == 168.0


# ------------------------------------------------------------------------------ replicates
def test_summary_is_mean_and_sample_sd():
    s = summary.summarise([1.0, 2.0, 4.0], "x")
    assert s.mean == pytest.approx(7 / 3) and s.sd == pytest.approx(statistics.stdev([1, 2, 4]))
    assert s.text(2) == "2.33 ± 1.53"
    assert summary.summarise([3.5, None], "rejection_day").text(1) == "3.5 (never in 1 of 2)"
    assert summary.summarise([True, False, True]).text() == "2 of 3"
    assert summary.summarise([[1, 2]]) is None


def test_replicates_are_paired_seeds_and_differ():
    run = Run("culture", [ArmSpec("u"), ArmSpec("s", "sirolimus")], SMALL, seed=4, replicates=2)
    first = Run("culture", [ArmSpec("u")], SMALL, seed=5)
    run.step(3)
    first.step(3)
    reps = run.replicate_timeseries()
    assert reps[0][1]["cells"] == first.timeseries()[0]["cells"]  # replicate 1 = seed + 1
    a, b = run.arms[0].replicates
    assert not np.array_equal(a.category_layer()[0], b.category_layer()[0])
    assert np.array_equal(run.arms[1].replicates[1].category_layer()[0], b.category_layer()[0])
    with pytest.raises(InputError, match="replicates"):
        Run("culture", [ArmSpec("u")], SMALL, replicates=0)


# ------------------------------------------------------------------------------ claims
def test_outcome_needs_a_difference_beyond_tolerance_and_noise():
    assert claims.outcome_of([2.0, 2.1, 1.9], [1.0, 1.1, 0.9], 0.05, "a.x") == "higher"
    assert claims.outcome_of([1.0, 1.1, 0.9], [2.0, 2.1, 1.9], 0.05, "a.x") == "lower"
    assert claims.outcome_of([1.02, 1.0], [1.0, 1.01], 0.05, "a.x") == "same"
    # noisy: mean difference 0.33 but pairwise differences +3, -1, -1 (SE 1.33): same
    assert claims.outcome_of([4.0, 0.0, 0.0], [1.0, 1.0, 1.0], 0.05, "a.x") == "same"
    # an event that never came is later than any day
    assert claims.outcome_of([None, None], [10.0, 12.0], 0.05, "a.rejection_day") == "higher"


def test_wording_follows_the_measurement():
    table = {
        "name": "g", "measure": "a.x", "against": "b.x", "expect": "higher",
        "higher": "grew more", "lower": "grew less", "same": "grew as much",
    }  # fmt: skip
    (claim,) = claims.parse_claims([table], {"a", "b"}, "It [[g]].")
    outcome = claims.Outcome(claim, "lower", (1.0,), (2.0,))
    assert claims.apply_wording("It [[g]].", {"g": outcome}) == "It grew less."
    assert not outcome.holds
    with pytest.raises(InputError, match=r"\[\[h\]\]"):
        claims.parse_claims([table], {"a", "b"}, "It [[h]].")
    with pytest.raises(InputError, match="measure"):
        claims.parse_claims([{**table, "measure": "z.x"}], {"a", "b"}, "")
    (both,) = claims.parse_claims([{**table, "expect": ["higher", "same"]}], {"a", "b"}, "")
    assert claims.Outcome(both, "same", (1.0,), (1.0,)).holds
    assert not claims.Outcome(both, "lower", (1.0,), (2.0,)).holds
    with pytest.raises(InputError, match="expect"):
        claims.parse_claims([{**table, "expect": ["up"]}], {"a", "b"}, "")
    with pytest.raises(InputError, match="braces"):
        claims.parse_claims([{**table, "same": "{a.x}"}], {"a", "b"}, "")


def _lesson_outcomes(lesson, **measured):
    by_name = {c.name: c for c in lesson.claims}
    return {k: claims.Outcome(by_name[k], v, (1.0,), (1.0,)) for k, v in measured.items()}


def test_prediction_verdict_follows_the_measured_outcome_not_the_answer():
    """Lesson 1 (a new-user trial saw the wrong answer 'as fast as untreated' in green)."""
    lesson = load_lesson(LESSON_DIR / "01_rapalogs_cytostatic.toml")
    fast, slower, stop, die = lesson.choices
    # sirolimus dish grew more slowly than untreated and ended above its start: "slower"
    out = _lesson_outcomes(lesson, slower="lower", cytostatic="higher", fourebp="higher",
                           torin="same")  # fmt: skip
    assert judge_prediction(lesson, slower, out).agrees is True
    for wrong in (fast, stop, die):
        verdict = judge_prediction(lesson, wrong, out)
        assert verdict.agrees is False and verdict.supported == (slower,)
        assert "does not agree" in verdict.message(wrong) and slower in verdict.message(wrong)
    # the same answers against a run that stalled: now "stop" is the right one
    out = _lesson_outcomes(lesson, slower="lower", cytostatic="same", fourebp="higher",
                           torin="same")  # fmt: skip
    assert judge_prediction(lesson, stop, out).agrees is True
    assert judge_prediction(lesson, slower, out).agrees is False


def test_an_answer_the_lesson_does_not_score_gets_no_verdict():
    lesson = load_lesson(LESSON_DIR / "03_transplant_tradeoff.toml")
    _, usual, high = lesson.choices
    out = _lesson_outcomes(lesson, graft="higher", army="lower", wound="higher",
                           infection="higher")  # fmt: skip
    verdict = judge_prediction(lesson, usual, out)
    assert verdict.agrees is None and "does not score" in verdict.message(usual)
    assert judge_prediction(lesson, high, out).agrees is True
    assert judge_prediction(lesson, "typed freely", out).agrees is None


def test_an_answer_whose_claim_had_no_data_is_not_scored():
    """A short aging run where no organism died: median lifespans are n/a on every seed, so
    'late vs untreated' compared nothing (it read 'same') and must not make "No, it is too
    late" right; a missing *_day event (never came) still counts as data."""
    lesson = load_lesson(LESSON_DIR / "04_aging_autophagy.toml")
    by_name = {c.name: c for c in lesson.claims}
    empty = {k: claims.Outcome(by_name[k], "same", (None, None), (None, None))
             for k in ("mid", "late", "keep")}  # fmt: skip
    empty["damage"] = claims.Outcome(by_name["damage"], "lower", (1.0, 1.1), (1.2, 1.3))
    for answer in lesson.choices:
        verdict = judge_prediction(lesson, answer, empty)
        assert verdict.agrees is None and verdict.unmeasured and verdict.supported == ()
        assert "did not measure" in verdict.message(answer)
    day = claims.parse_claims(
        [{"name": "d", "measure": "a.rejection_day", "against": "b.rejection_day",
          "expect": "higher", "higher": "later", "lower": "earlier", "same": "as"}],
        {"a", "b"}, "",
    )[0]  # fmt: skip
    assert claims.Outcome(day, "higher", (None,), (12.0,)).measured
    text = claims.apply_wording("It [[late]].", {"late": empty["late"]})
    assert text == f"It {claims.NOT_MEASURED}."  # not "no longer changed it"


def test_every_packaged_choice_is_judged_only_on_claims_the_lesson_measures():
    for path in sorted(LESSON_DIR.glob("*.toml")):
        lesson = load_lesson(path)
        names = {c.name for c in lesson.claims}
        assert sum(1 for c in lesson.answers if c.when) >= 2, path.name
        for choice in lesson.answers:
            assert {name for name, _ in choice.when} <= names


def test_bad_choices_are_one_line_errors():
    names = {"g"}
    assert claims.parse_choices(["a", {"text": "b", "when": {"g": "lower"}}], names)[1].when == (
        ("g", ("lower",)),
    )
    for raw, match in (
        ([{"text": "a", "when": {"h": "lower"}}], "no \\[\\[claims\\]\\] table names"),
        ([{"text": "a", "when": {"g": "down"}}], "when.g"),
        ([{"text": "a", "why": 1}], "unknown key 'why'"),
        (["a", "a"], "unique"),
        ([3], "string or a table"),
    ):
        with pytest.raises(InputError, match=match):
            claims.parse_choices(raw, names)


def test_a_real_run_judges_the_wrong_answer_wrong():
    """Lesson 1 on a small dish: the verdict on 'as fast as untreated' follows the fold
    changes computed here from the run's own cell counts."""
    lesson = replace(
        load_lesson(LESSON_DIR / "01_rapalogs_cytostatic.toml"),
        params={"width": 30, "height": 30, "initial_cells": 60},
        replicates=2,
    )
    run = run_to_end(lesson)
    outcomes = measure_claims(lesson, Replicates(lesson, run))
    folds = [
        [rep["cells"][-1] / rep["cells"][0] for rep in arm] for arm in run.replicate_timeseries()
    ]
    ctrl, rapa = folds[0], folds[1]
    assert all(r < c for r, c in zip(rapa, ctrl, strict=True))  # sirolimus slowed every seed
    assert outcomes["slower"].outcome == "lower"
    fast = lesson.choices[0]
    assert judge_prediction(lesson, fast, outcomes).agrees is False


# ------------------------------------------------------------------------------ URL
def test_url_round_trips_the_setup():
    arms = [
        ArmSpec("daily", "sirolimus", 2.0, "daily", 0.0),
        ArmSpec("weekly", "sirolimus", 14.0, "weekly"),
    ]
    q = urlstate.query("Compare", "tumor", 7, ArmSpec("x"), arms, None, 3)
    back = urlstate.read(q)
    assert back == {
        "mode": "Compare",
        "scenario": "tumor",
        "seed": 7,
        "arms": arms,
        "replicates": 3,
    }
    assert urlstate.read("scenario=moon&seed=-1&arms=x") == {}
    said = urlstate.ignored("scenario=moon&seed=-1&arms=x&mode=Compare")
    assert [line.split("=")[0] for line in said] == ["scenario", "seed", "arms"]  # not mode
    assert "scenario='moon' was ignored" in said[0] and "tumor" in said[0]
    assert urlstate.ignored(q) == []
    q = urlstate.query("Explore", "culture", 0, arms[0], [], None, 1, {"width": 100, "height": 90})
    assert urlstate.read(q)["params"] == {"height": 90, "width": 100}
    assert "params" not in urlstate.read("scenario=culture&params=width=-5")
    assert math.isclose(
        urlstate.read(urlstate.query("Explore", "culture", 0, arms[0], [], None))["arm"].dose_mg,
        2.0,
    )


SIROLIMUS_G_PER_MOL = 914.2  # C51H79NO13
MOUSE_DIET_NM = 4.0 / SIROLIMUS_G_PER_MOL * 1e3
"""Blood sirolimus of mice fed 14 ppm encapsulated rapamycin, ~4 ng/mL (Harrison 2009 Nature
460:392; Miller 2011 J Gerontol A 66:191), in nM: 4.38."""


@pytest.mark.parametrize("scenario", ["aging", "neuro"])
def test_every_sirolimus_pick_in_a_mouse_scenario_is_the_mouse_diet(scenario):
    """A sirolimus arm made without a regime of its own (a drug picked in a menu, an added
    arm, the Compare view's first arms, a link's 'label|sirolimus||||') is held at the
    mouse-diet blood level in aging and neuro, never the human 2 mg daily dose; an arm that
    sets its own dose keeps it; the tumor keeps the clinical default."""
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.visualization.dashboard.state import (
        compare_default,
        make_regime,
        scenario_arm,
        with_scenario_default,
    )

    lib = load_library()
    picked = [
        scenario_arm("s", "sirolimus", scenario, start_day=5.0),
        next(a for a in compare_default(scenario) if a.drug == "sirolimus"),
        with_scenario_default(ArmSpec("s", "sirolimus"), scenario),
        urlstate.read(f"scenario={scenario}&arm=s|sirolimus||||")["arm"],
        *urlstate.read(f"scenario={scenario}&arms=a|none||||;b|sirolimus||||")["arms"][1:],
    ]
    for arm in picked:
        regime = make_regime(arm, scenario, lib)
        assert regime.conc_nM == pytest.approx(MOUSE_DIET_NM, abs=0.05), arm
        assert regime.dose_mg is None or regime.conc_nM is not None
    assert make_regime(picked[0], scenario, lib).start_h == 5.0 * 24
    own = with_scenario_default(ArmSpec("s", "sirolimus", 2.0, "daily"), scenario)
    assert make_regime(own, scenario, lib).conc_nM is None  # its own dose, kept
    tumor = make_regime(scenario_arm("s", "sirolimus", "tumor"), "tumor", lib)
    assert tumor.conc_nM is None and tumor.dose_mg == lib.drug("sirolimus").default_dose_mg


@pytest.mark.parametrize(
    ("drug", "kw"),
    [("sirolimus", {}), ("everolimus", {"schedule": "5on_2off", "start_day": 3.3}),
     ("temsirolimus", {})],
)  # fmt: skip
def test_long_pk_curves_superpose_to_the_direct_simulation(drug, kw, monkeypatch):
    """Long dosed runs are drawn as one dose's response summed over the doses; on a horizon
    both methods cover, the result equals model.pk.simulate sample by sample."""
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.pk import simulate
    from mtor_abm.model.regimes import build_regime

    library = load_library()
    regime = build_regime(library, drug, **kw)
    monkeypatch.setattr(plots, "PK_DIRECT_SAMPLES", 10)
    times, conc = plots._parent_curve(regime, 60.0, library)
    t_ref, ref = simulate(regime, 60.0, dt_h=plots.PK_DT_H, library=library)
    assert np.array_equal(times, t_ref)
    assert np.max(np.abs(conc - ref[drug])) <= 1e-4 * ref[drug].max()


def test_growth_inhibition_without_an_untreated_arm_uses_a_hidden_twin():
    """Compare of two treated arms: growth inhibition is still against untreated growth on
    the same seed (a hidden twin), equal to what a run with the untreated arm reports."""
    torin = ArmSpec("t", "torin1")
    alone = Run("culture", [torin, ArmSpec("s", "sirolimus")], SMALL, seed=2)
    paired = Run("culture", [ArmSpec("u"), torin], SMALL, seed=2)
    alone.step(24)
    paired.step(24)
    gi = alone.readouts()[0]["growth_inhibition"]
    assert gi == pytest.approx(paired.readouts()[1]["growth_inhibition"])
    # Torin1 stops G1 progress, but the ~46 % of an asynchronous culture already past G1
    # divide in the first day (model.fates.asynchronous_cycle): well above 0, below 1.
    assert 0.3 < gi < 0.9


def test_untreated_tumor_is_measured_from_the_compared_arms_start():
    """Compare untreated with everolimus from day 3: the untreated arm's baseline was day 14
    whatever the treated start (here past the run's end: relative size 1.0, 'SD'). Both arms
    are now measured from day 3; values by hand from the untreated arm's own cell counts."""
    from mtor_abm.model.recist import recist

    params = {"width": 30, "height": 30, "seed_radius_sites": 6}
    arms = [ArmSpec("untreated"), ArmSpec("evero", "everolimus", 10.0, "daily", 3.0)]
    run = Run("tumor", arms, params, seed=0)
    run.step(6 * 24)
    assert run.untreated_baseline_h == 72.0
    series = run.timeseries()[0]
    hours, cells = np.asarray(series["time_h"]), np.asarray(series["tumor_cells"], dtype=float)
    at_start = cells[int(np.flatnonzero(hours == 72.0)[0])]
    untreated, treated = run.readouts()
    assert untreated["tumor_cells_at_start"] == at_start
    assert untreated["relative_size"] == pytest.approx(cells[-1] / at_start)
    assert untreated["relative_size"] != pytest.approx(1.0)  # the old day-14 baseline's value
    assert untreated["response"] == recist(hours, cells, 72.0)[0]
    evero = run.timeseries()[1]
    assert (
        treated["tumor_cells_at_start"] == evero["tumor_cells"][list(evero["time_h"]).index(72.0)]
    )


# ------------------------------------------------------------------------------ adverse panel
def test_compare_adverse_table_is_the_cli_panel_of_each_regime_computed_once(monkeypatch):
    """The Compare table's adverse cells are model.adverse.adverse_panel of each arm's regime
    over the run's length (regimes built here directly, not taken from the run), and a second
    read (every frame of playback) does not compute them again."""
    from html import unescape

    from mtor_abm.model.adverse import ADVERSE_KEYS, adverse_panel
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.regimes import build_regime
    from mtor_abm.visualization.dashboard import panels
    from mtor_abm.visualization.dashboard import state as state_module

    lib = load_library()
    arms = [
        ArmSpec("daily 2 mg", "sirolimus", 2.0, "daily", 0.0),
        ArmSpec("weekly 14 mg", "sirolimus", 14.0, "weekly", 0.0),
    ]
    run = Run("tumor", arms, {"width": 20}, seed=0, replicates=2)  # in vivo: a dish has none
    calls = []
    monkeypatch.setattr(
        state_module, "adverse_panel", lambda *a, **k: calls.append(a) or adverse_panel(*a, **k)
    )
    html = panels.adverse_table(run, run.adverse_panels(3.0))
    assert run.adverse_panels(3.0) and len(calls) == 2  # once per regime, not per frame/seed
    cells = re.findall(r'data-adverse="(\w+)" data-arm="([^"]+)" data-value="([^"]+)"', html)
    got = {(unescape(arm), key): float(v) for key, arm, v in cells}
    for label, dose, schedule in (("daily 2 mg", 2.0, "daily"), ("weekly 14 mg", 14.0, "weekly")):
        regime = build_regime(lib, "sirolimus", dose_mg=dose, schedule=schedule, start_day=0.0)
        direct = adverse_panel(regime, 3.0, lib)
        for key in ADVERSE_KEYS:
            assert got[(label, key)] == direct[key]


def test_an_adverse_index_at_its_limit_reads_as_a_bound_not_a_value(monkeypatch):
    """Torin1 250 nM: a trial saw infection risk and wound-healing delay 'capped at 20'. The
    uncapped indices (limit lifted here) are far above 20, so the page must say '≥ 20'; an
    index below the limit (glucose intolerance) is the uncapped value, unchanged."""
    from mtor_abm.model import adverse
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.regimes import build_regime
    from mtor_abm.visualization.dashboard import panels

    lib = load_library()
    regime = build_regime(lib, "torin1", conc_nM=250.0, start_day=0.0)
    shown = adverse.adverse_panel(regime, 3.0, lib)
    with monkeypatch.context() as m:
        m.setattr(adverse, "MAX_DELAY_INDEX", math.inf)
        raw = adverse.adverse_panel(regime, 3.0, lib)
    # Infection risk is far above the limit (~220); wound-healing delay is near it (~19 since
    # Torin1's mTORC1 potency was set for the graded S6K readout): each reads as a bound
    # exactly when its uncapped value passes the limit.
    assert raw["infection_risk"] > 1.5 * adverse.MAX_DELAY_INDEX
    at_limit = [k for k in ("infection_risk", "wound_healing_delay") if raw[k] > 20]
    for key in ("infection_risk", "wound_healing_delay"):
        if key in at_limit:
            assert shown[key] == adverse.MAX_DELAY_INDEX
            assert panels.adverse_text(key, shown[key]) == "≥ 20"
        else:
            assert shown[key] == raw[key]
            assert panels.adverse_text(key, shown[key]) != "≥ 20"
    assert shown["glucose_intolerance"] == raw["glucose_intolerance"] < 20
    assert panels.adverse_text("glucose_intolerance", shown["glucose_intolerance"]) == (
        f"{shown['glucose_intolerance']:.1f}"
    )
    run = Run("tumor", [ArmSpec("torin", "torin1", conc_nM=250.0)], {"width": 20}, seed=0)
    html = panels.adverse_table(run, [shown])
    assert html.count(">≥ 20</td>") == len(at_limit)


def test_csv_download_shows_a_formula_like_arm_label_as_text():
    """A lesson's arm label is untrusted text: in the CSV a spreadsheet must not read it as a
    formula (OWASP CSV injection), so a leading = + - @ gets a quote; plain labels are kept."""
    from mtor_abm.visualization.dashboard.state import spreadsheet_text

    assert spreadsheet_text('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert spreadsheet_text("+1") == "'+1"
    assert spreadsheet_text("-2") == "'-2"
    assert spreadsheet_text("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_text("sirolimus 2 mg") == "sirolimus 2 mg"


def test_adverse_panels_of_another_run_are_not_drawn_after_a_tab_switch():
    """Switching Explore <-> Compare builds a new run with another number of arms while the
    panel thread still holds the previous run's result: that result must read as 'still
    computing', never be zipped against the new arms (it crashed the page with a ValueError)."""
    from types import SimpleNamespace

    import solara

    from mtor_abm.visualization.dashboard import panels

    one = Run("tumor", [ArmSpec("untreated", "none")], {"width": 20}, seed=0)
    two = Run(
        "tumor",
        [ArmSpec("untreated", "none"), ArmSpec("sirolimus", "sirolimus", 2.0, "daily", 0.0)],
        {"width": 20},
        seed=0,
    )
    finished = solara.ResultState.FINISHED
    stale = SimpleNamespace(state=finished, value=(one, 3.0, [{"x": 1.0}]))
    assert not panels.current_panels(stale, two, 3.0)  # another run's result
    mine = SimpleNamespace(state=finished, value=(two, 3.0, [{"x": 1.0}, {"x": 2.0}]))
    assert panels.current_panels(mine, two, 3.0)
    assert not panels.current_panels(mine, two, 5.0)  # another length
    running = SimpleNamespace(state=solara.ResultState.RUNNING, value=None)
    assert not panels.current_panels(running, two, 3.0)


def test_adverse_heading_says_it_scores_the_whole_planned_run():
    """The trial read "Readouts at 4 h" directly above "Adverse-effect panel over the run's 30
    days": the panel is from the regime over the planned run, and now says so."""
    from mtor_abm.visualization.dashboard.panels import adverse_heading

    early = adverse_heading(30.0, 4.0)
    assert early.startswith(
        "#### Adverse-effect panel for the whole planned run (30 days), not only the 4 h run so far"
    )
    assert "known before the run" in early
    assert "not only" not in adverse_heading(30.0, 720.0)  # at the end: the two agree
    assert "not only the 2.5 days run so far" in adverse_heading(30.0, 60.0)
