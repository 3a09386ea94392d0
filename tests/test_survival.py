"""Kaplan-Meier statistics (model.survival): one rule for the model's readouts and the report.

Right values: product-limit survival computed by hand, and lifelines' KaplanMeierFitter on
the same durations and events (Davidson-Pilon 2019 JOSS 4:1317).
"""

import json
import math
import warnings

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from mtor_abm.experiments.cli import main
from mtor_abm.model.errors import InputError
from mtor_abm.model.survival import cohort_survival, kaplan_meier, km_quantile, right_censored

NAN = math.nan


def lifelines_fit(durations, events) -> KaplanMeierFitter:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KaplanMeierFitter().fit(durations, events)


COHORTS = {
    # ties, a death on the last day (20), survivors censored at 20
    "ties_and_last_day": ([3, 3, 5, 8, 8, 8, 12, 20, 20, NAN, NAN], 20.0),
    # every organism dies, the last ones on the last day
    "all_die": ([1, 2, 2, 4, 6, 6], 6.0),
    # nobody dies
    "none_die": ([NAN, NAN, NAN], 30.0),
}


@pytest.mark.parametrize("name", sorted(COHORTS))
def test_curve_and_band_are_lifelines_on_the_same_data(name):
    deaths, end = COHORTS[name]
    durations, events = right_censored(deaths, end)
    ours = cohort_survival(deaths, end)
    theirs = lifelines_fit(durations, events)
    assert np.array_equal(ours.times, theirs.survival_function_.index.to_numpy(float))
    assert np.allclose(ours.survival, theirs.survival_function_.iloc[:, 0], rtol=0, atol=1e-15)
    band = theirs.confidence_interval_.to_numpy()
    assert np.allclose(ours.lower, band[:, 0], equal_nan=True)
    assert np.allclose(ours.upper, band[:, 1], equal_nan=True)
    assert ours.events == int(np.isfinite(deaths).sum())


def test_a_death_on_the_last_day_is_an_event():
    """Deaths on day 2 and on the last day (5) of 4 organisms: S(2) = 3/4, S(5) = 3/4 * 1/3."""
    durations, events = right_censored([2.0, 5.0, 5.0, None], 5.0)
    assert durations.tolist() == [2.0, 5.0, 5.0, 5.0]
    assert events.tolist() == [True, True, True, False]
    km = kaplan_meier(durations, events)
    assert km.survival.tolist() == pytest.approx([1.0, 0.75, 0.25])
    assert km.median == 5.0  # reached on the last day, not "not reached"
    with pytest.raises(InputError, match="after the end"):
        right_censored([6.0], 5.0)


def test_ties_by_hand():
    """11 organisms (COHORTS["ties_and_last_day"]): S = 9/11 at 3, x 8/9 at 5, x 5/8 at 8
    (three tied deaths among 8 at risk), x 4/5 at 12, x 2/4 at 20 (two deaths on the last day
    among 4); median: the first day with S <= 0.5 -> 8 (S = 5/11)."""
    deaths, end = COHORTS["ties_and_last_day"]
    km = cohort_survival(deaths, end)
    s3, s5 = 9 / 11, 9 / 11 * 8 / 9
    s8 = s5 * 5 / 8
    s12 = s8 * 4 / 5
    assert km.survival.tolist() == pytest.approx([1.0, s3, s5, s8, s12, s12 * 2 / 4])
    assert km.median == 8.0
    assert km_quantile(deaths, end, 0.25) == 5.0  # S(5) = 0.727 <= 0.75
    assert km_quantile(deaths, end, 0.9) is None  # S never <= 0.1


def test_a_curve_exactly_at_one_half_has_that_day_as_median():
    """6 organisms, deaths on days 4, 9, 16: S(16) = 5/6 * 4/5 * 3/4 = 1/2 exactly, so the
    median is 16. lifelines' own median reads its round-off (0.5000000000000001) as "not
    reached"; the shared quantile does not."""
    deaths = [4, 9, 16, NAN, NAN, NAN]
    assert cohort_survival(deaths, 20.0).median == 16.0
    assert math.isinf(lifelines_fit(*right_censored(deaths, 20.0)).median_survival_time_)
    # the same at the 0.5 boundary reached by a tie on the last day
    assert km_quantile([1, 1, 10, 10, NAN, NAN, NAN, NAN], 10.0, 0.5) == 10.0


def test_aging_summary_and_report_agree(tmp_path):
    """A reported reproduction: 30 organisms, frequent acute stresses, 17 days, seed 5. The
    run's own median and death count and the report's Kaplan-Meier table are one statistic
    (deaths on day 17 used to be censored by the report)."""
    out = tmp_path / "aging"
    args = ["run", "aging", "--days", "17", "--seed", "5", "--set", "organisms=30"]
    args += ["--set", "stress_rate_per_day=0.3", "--set", "stress_severity=0.25"]
    assert main([*args, "--out", str(out)]) == 0
    readouts = json.loads((out / "summary.json").read_text())["readouts"]
    deaths = [d for d in readouts["lifespans_days"] if d is not None]
    assert 17.0 in deaths  # the case in question: deaths on the last day
    assert main(["report", str(out)]) == 0
    report = (out / "report" / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| untreated | 30 |"))
    cells = [c.strip() for c in row.strip(" |").split("|")]
    assert int(cells[2]) == len(deaths)
    median = readouts["median_lifespan_days"]
    assert median is not None and cells[3].startswith(f"{median:.1f} (")


def test_run_figure_draws_the_kaplan_meier_curve_of_lifelines():
    """The run figure's survival curve is the product-limit estimate with censoring (not the
    recorded alive fraction): its step line is lifelines' curve, its band lifelines' band."""
    from mtor_abm.visualization.aging_figures import survival_figure

    end = 20.0
    # censoring before the end as well: two organisms lost to follow-up on days 6 and 10
    durations = np.array([3, 3, 5, 6, 8, 8, 8, 10, 12, 20, 20, 20, 20], dtype=float)
    events = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0], dtype=bool)
    theirs = lifelines_fit(durations, events)
    death_days = np.where(events, durations, NAN)
    ends = np.where(events, end, durations)  # censored subjects end at their own day
    fig = survival_figure({"cohort": (death_days, ends)})
    line = fig.axes[0].lines[0]
    assert line.get_drawstyle() == "steps-post"
    assert np.array_equal(line.get_xdata(), theirs.survival_function_.index.to_numpy(float))
    assert np.allclose(line.get_ydata(), theirs.survival_function_.iloc[:, 0], atol=1e-15)
    drawn = np.unique(np.round(fig.axes[0].collections[0].get_paths()[0].vertices[:, 1], 12))
    band = theirs.confidence_interval_.to_numpy()
    assert np.isin(np.round(band[np.isfinite(band)], 12), drawn).all()


def test_a_curve_leaves_numpy_error_handling_and_warning_filters_as_they_were(monkeypatch):
    """Runs are stepped in threads (the dashboard): the statistics must not switch warnings off
    for the process. lifelines' fit sets numpy's error state (np.seterr) and never restores it;
    a warnings filter set around it would hold, meanwhile, for every thread."""
    seen = {}
    fit = KaplanMeierFitter.fit

    def watched(self, *args, **kwargs):
        seen["filters"] = list(warnings.filters)  # the process-wide list, during the fit
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(KaplanMeierFitter, "fit", watched)
    filters = list(warnings.filters)
    with np.errstate(divide="warn", invalid="warn"):  # numpy's defaults (a direct lifelines
        state = np.geterr()  # fit elsewhere in this thread may have changed them)
        km = kaplan_meier([2.0, 4.0, 4.0, 7.0], [True, True, False, True])  # reaches 0: log(0)
        assert km.survival[-1] == 0.0
        assert seen["filters"] == filters
        assert list(warnings.filters) == filters
        assert np.geterr() == state
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            np.log(np.zeros(1))  # the caller's numpy still warns


@pytest.mark.parametrize("seed", range(40))
def test_km_quantile_is_the_quantile_of_lifelines_curve(seed):
    """The numpy product-limit quantile (the model's readouts) equals the quantile read off
    lifelines' curve on the same cohort: ties (whole days), deaths on the last day, survivors
    censored at the end, cohorts of 1 to 600, every decile."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 600))
    end = float(rng.integers(5, 1200))
    deaths = np.floor(rng.uniform(0, end * rng.uniform(0.5, 1.6), n))  # many ties
    deaths[deaths > end] = np.nan  # alive at the end
    deaths[rng.random(n) < 0.1] = end  # died on the last day
    durations, events = right_censored(deaths, end)
    curve = lifelines_fit(durations, events).survival_function_.iloc[:, 0]
    for fraction in np.arange(0.1, 1.0, 0.1):
        hit = np.flatnonzero(curve.to_numpy() <= 1.0 - fraction + 1e-9)
        expected = float(curve.index[hit[0]]) if hit.size else None
        assert km_quantile(deaths, end, fraction) == expected


def test_km_quantile_rejects_what_the_curve_rejects():
    with pytest.raises(InputError, match="one duration"):
        km_quantile([], 10.0, 0.5)
    with pytest.raises(InputError, match="after the end"):
        km_quantile([12.0], 10.0, 0.5)
    with pytest.raises(InputError, match="fraction"):
        km_quantile([3.0], 10.0, 1.0)
