"""``mtor-sim report DIR``: paper figures and report.md from a sweep or a single run.

Everything goes into the folder ``DIR/report/`` (report.md beside its figures), never over a
run's own ``figures/``.

Each figure is drawn when the results have what it needs, whatever the scenario:

==================  ===================================================================
dose_response.png   ``growth_inhibition`` with >= 3 concentrations of a drug: Hill fits,
                    GI50 (where inhibition reaches 0.5) and 95 % confidence bands
tumor_growth.png    time series ``tumor_cells``: median and interquartile band per regime
waterfall.png       best response per virtual tumor: volume-equivalent change (model.recist)
                    from ``tumor_cells`` or ``relative_size``
spider.png          change from treatment start per tumor over time
survival_km.png     ``lifespans_days``: Kaplan-Meier curves, 95 % bands, median marks
graft_survival.png  time series ``graft_cells`` (and ``rejection_day``): graft fraction and
                    rejection-free survival
adverse_panel.png   the adverse-effect indices of every regime (1 = untreated)
==================  ===================================================================
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mtor_abm.experiments.store import (
    MANIFEST,
    REGIME_COLUMNS,
    RESULTS,
    SUMMARY_FIELDS,
    TIMESERIES,
    results_frame,
)
from mtor_abm.model import atomic
from mtor_abm.model.errors import InputError
from mtor_abm.model.inputfiles import read_json_object, require
from mtor_abm.model.pharmacology import Regime
from mtor_abm.model.recist import PD_VOLUME, PR_VOLUME, is_partial_response, relative_volume
from mtor_abm.model.scenarios import SCENARIOS, get_scenario
from mtor_abm.model.scenarios.base import parse_overrides
from mtor_abm.model.survival import kaplan_meier, right_censored
from mtor_abm.visualization.figures import save_figure

EXIT_OK = 0
# RECIST thresholds (model.recist) as changes of the volume-equivalent from baseline.
PR_VOLUME_CHANGE, PD_VOLUME_CHANGE = PR_VOLUME - 1.0, PD_VOLUME - 1.0
MAX_SPIDER_LINES = 300
ASSESSMENT_DAYS = 7.0
"""Days between tumor assessments for the best response (weekly scans, assumed)."""


@dataclass
class Results:
    """What a run or sweep directory holds, as tables."""

    results: pd.DataFrame
    series: pd.DataFrame
    kind: str
    manifest: dict[str, Any]
    axes: list[str] = field(default_factory=list)
    colors: dict[str, Any] = field(default_factory=dict)


REPORT_DIR = "report"
"""The report's own folder inside a run or sweep folder (report.md and its figures)."""


def cmd_report(args) -> int:
    """Entry point of ``mtor-sim report``."""
    written = write_report(args.dir)
    print(
        f"report: {Path(args.dir) / REPORT_DIR / 'report.md'} and {len(written) - 1} figures",
        file=sys.stderr,
    )
    return EXIT_OK


def write_report(root: Path) -> list[Path]:
    """Write report.md and the figures that apply as folder ``root/report``; returns its files.

    The report has its own folder, so a run's own figures (``root/figures``) are never
    overwritten; the folder is replaced as a whole (``model.atomic.staged_dir``), so an
    earlier report never mixes with a new one.
    """
    root = Path(root)
    data = load(root)
    data.results["condition"] = conditions(data)
    data.colors = condition_colors(data.results["condition"])
    sections = [_header(root, data)]
    names = []
    target = root / REPORT_DIR
    with atomic.staged_dir(target) as stage:
        for make in (
            dose_response,
            tumor_figures,
            survival_km,
            graft_survival,
            adverse_panel,
        ):
            for name, fig, table in make(data):
                if fig is not None:
                    save_figure(fig, stage / name)
                    names.append(name)
                    sections.append(f"![{name}]({name})\n")
                if table:
                    sections.append(table)
        sections.append(_readout_table(data))
        sections.append(_failed_table(data))
        atomic.write_bytes(stage / "report.md", "\n".join(s for s in sections if s).encode())
    return [target / "report.md", *(target / name for name in names)]


# ------------------------------------------------------------------------------ loading
def load(root: Path) -> Results:
    """The results of a sweep directory or of a run directory (``mtor-sim run --out``).

    Every file is checked as a whole (UTF-8 JSON objects with their fields, readable Parquet
    tables with their columns); a damaged one is one InputError line naming it.
    """
    if (root / MANIFEST).is_file() and (root / RESULTS).is_file():
        manifest = read_json_object(root / MANIFEST, "sweep manifest")
        axes = manifest.get("axes", [])
        if not (isinstance(axes, list) and all(isinstance(a, str) for a in axes)):
            raise InputError(f"sweep manifest '{root / MANIFEST}': 'axes' must be a list of names")
        spec = manifest.get("spec", {})
        if not isinstance(spec, dict) or not isinstance(spec.get("set", {}), dict):
            raise InputError(
                f"sweep manifest '{root / MANIFEST}': 'spec' must be a table whose 'set' is a "
                "table of parameter values (a damaged manifest)"
            )
        results = _read_table(root / RESULTS, ("run_id", "status", "scenario", "days", "drug"))
        _check_results(results, root / RESULTS)
        series = _read_table(root / TIMESERIES, ("run_id",))
        return Results(results, series, "sweep", manifest, list(axes))
    if (root / MANIFEST).is_file() and (root / "runs").is_dir():
        raise InputError(
            f"the sweep in '{root}' is not complete ({RESULTS} is missing); "
            "finish it with 'mtor-sim sweep SPEC --out DIR --resume'"
        )
    if (root / "summary.json").is_file():
        summary = read_json_object(root / "summary.json", "run summary")
        where = f"run summary '{root / 'summary.json'}'"
        for key, kinds in SUMMARY_FIELDS.items():
            require(summary, key, kinds, where)
        if not all(
            isinstance(v, int | float | str | bool | list | dict | None)
            for v in summary["readouts"].values()
        ):
            raise InputError(f"{where}: 'readouts' must hold numbers, text, lists or tables")
        get_scenario(summary["scenario"])
        record = {
            "run_id": 0,
            "status": "ok",
            "seed": summary["seed"],
            "replicate": 0,
            "overrides": summary["params"],
            "regime": summary.get("regime") or {"drug": summary["drug"]},
            "summary": summary,
        }
        try:  # the regime and parameters must be those of a run
            Regime(**require(record, "regime", dict, where))
        except TypeError as err:
            raise InputError(f"{where}: 'regime' is damaged ({err})") from None
        parse_overrides(get_scenario(summary["scenario"]).scenario_class, summary["params"])
        results = results_frame([record], summary["scenario"], summary["days"])
        series = pd.DataFrame({"run_id": pd.Series([], dtype="int64")})
        if (root / TIMESERIES).is_file():
            series = _read_table(root / TIMESERIES, ("time_h",))
            series.insert(0, "run_id", 0)
        return Results(results, series, "run", {"scenario": summary["scenario"]})
    raise InputError(
        f"'{root}' is neither a sweep directory ({MANIFEST} + {RESULTS}) "
        "nor a run directory (summary.json)"
    )


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A Parquet table with at least ``columns``; InputError naming the file if damaged."""
    import pyarrow as pa

    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as err:
        message = " ".join(str(err).split())[:200]
        raise InputError(f"'{path}' is not a readable Parquet table ({message})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"'{path}' lacks column '{missing[0]}' (a damaged or foreign table)")
    if path.name == TIMESERIES:
        for name in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[name]):
                raise InputError(f"'{path}': column '{name}' must be numeric (a damaged table)")
    return frame


#: Columns of results.parquet the report computes with, that must be numbers (or all null).
NUMERIC_RESULT_COLUMNS = (
    "run_id", "seed", "replicate", "days", "dose_mg", "conc_nM", "start_day", "stop_day",
    "loading_dose_mg", "growth_inhibition", "rejection_day",
)  # fmt: skip
TEXT_RESULT_COLUMNS = ("status", "scenario", "drug", "schedule")


def _check_results(frame: pd.DataFrame, path: Path) -> None:
    """The columns of a sweep's results table have the types the store writes."""
    for name in frame.columns:
        column = frame[name]
        numeric = name in NUMERIC_RESULT_COLUMNS or name.startswith("adverse_")
        if numeric and not (pd.api.types.is_numeric_dtype(column) or column.isna().all()):
            raise InputError(f"'{path}': column '{name}' must be numeric (a damaged table)")
        if name in TEXT_RESULT_COLUMNS and not column.map(lambda v: isinstance(v, str)).all():
            raise InputError(f"'{path}': column '{name}' must be text (a damaged table)")
    if not frame["status"].isin(["ok", "failed"]).all():
        raise InputError(f"'{path}': column 'status' must be ok or failed (a damaged table)")


def regime_label(row: pd.Series, show_start: bool) -> str:
    """A short name of a run's regime, e.g. 'sirolimus 10 nM' or 'everolimus 10 mg daily'.

    Every regime field a sweep can vary shows when it matters: the loading dose when one is
    given, the start day when starts differ (``show_start``), the stop day when set.
    """
    if row["drug"] == "none":
        return "untreated"
    if row["schedule"] == "fixed":
        label = f"{row['drug']} {_num(row['conc_nM'])} nM"
    else:
        label = f"{row['drug']} {_num(row['dose_mg'])} mg {row['schedule']}"
    loading = row.get("loading_dose_mg")
    if loading is not None and pd.notna(loading):
        label += f" (loading {_num(loading)} mg)"
    if show_start:
        label += f" from day {row['start_day']:g}"
    if row.get("stop_day") is not None and pd.notna(row.get("stop_day")):
        label += f" to day {row['stop_day']:g}"
    return label


def conditions(data: Results) -> pd.Series:
    """The condition of every run: its regime and swept parameters (replicates pooled)."""
    res = data.results
    treated = res[res["drug"] != "none"]
    show_start = treated["start_day"].nunique() > 1
    axes = [a for a in data.axes if a in res.columns and res[a].nunique() > 1]

    def label(row):
        parts = [regime_label(row, show_start)]
        parts += [f"{a}={_value(row[a])}" for a in axes]
        return ", ".join(parts)

    return res.apply(label, axis=1)


def condition_colors(condition: pd.Series) -> dict[str, Any]:
    """One colour per condition, the same in every figure (in order of first run)."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(condition))
    if len(names) <= 10:
        return {n: f"C{i}" for i, n in enumerate(names)}
    cmap = plt.get_cmap("tab20")
    return {n: cmap(i % 20) for i, n in enumerate(names)}


# ------------------------------------------------------------------------------ figures
def dose_response(data: Results):
    """GI curves per drug (and other swept parameters), Hill fits and GI50 with 95 % CIs."""
    import matplotlib.pyplot as plt

    res = data.results
    if "growth_inhibition" not in res or "conc_nM" not in res:
        return []
    ok = res[(res["status"] == "ok") & (res["conc_nM"] > 0) & res["growth_inhibition"].notna()]
    others = [a for a in data.axes if a in res.columns and res[a].nunique() > 1]
    groups = [
        (key, g)
        for key, g in ok.groupby(["drug", *others], sort=False)
        if g["conc_nM"].nunique() >= 3
    ]
    if not groups:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    rows = []
    for i, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        name = ", ".join(
            [str(key[0]), *(f"{a}={_value(v)}" for a, v in zip(others, key[1:], strict=True))]
        )
        color = f"C{i % 10}"
        conc, gi = g["conc_nM"].to_numpy(float), g["growth_inhibition"].to_numpy(float)
        stats = g.groupby("conc_nM")["growth_inhibition"].agg(["mean", "std"])
        ax.errorbar(
            stats.index,
            stats["mean"],
            yerr=stats["std"],  # NaN (no bar) with one replicate: no spread measured
            fmt="o",
            color=color,
            capsize=2,
            ms=4,
        )
        fit = fit_hill(conc, gi)
        row = {"group": name, "n": len(g), "conc_range_nM": f"{conc.min():g}-{conc.max():g}"}
        if fit["params"] is not None:
            grid = np.geomspace(conc.min(), conc.max(), 200)
            ax.plot(grid, hill(grid, *fit["params"]), color=color, label=name)
            if fit["band"] is not None:
                lo, hi = fit["band"](grid)
                ax.fill_between(grid, lo, hi, color=color, alpha=0.18, lw=0)
            if fit["gi50"] is not None:
                ax.plot([fit["gi50"]], [0.5], marker="v", color=color, ms=8)
        else:
            ax.plot([], [], "o", color=color, label=f"{name} (no fit)")
        row.update(_fit_row(fit))
        rows.append(row)
    ax.axhline(0.5, color="gray", lw=0.6, ls="--")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("drug concentration (nM)")
    ax.set_ylabel("growth inhibition (0 = untreated, 1 = no net growth)")
    ax.set_title("Dose-response: Hill fits, 95 % bands, GI50 (triangles)")
    ax.legend(frameon=False, fontsize=8)
    return [("dose_response.png", fig, _md_table("Dose-response (GI50)", rows))]


def hill(conc, top, log10_ec50, slope):
    """Inhibition ``top / (1 + (EC50 / c)^slope)`` (0 without drug)."""
    return top / (1.0 + (10.0**log10_ec50 / np.asarray(conc, float)) ** slope)


def gi50_of(top: float, log10_ec50: float, slope: float) -> float | None:
    """Concentration at which the Hill curve reaches 0.5 (None if its top stays below)."""
    if top <= 0.5:
        return None
    return 10.0**log10_ec50 / (2.0 * top - 1.0) ** (1.0 / slope)


MIN_HILL_CONCENTRATIONS = 4
"""Distinct concentrations a 3-parameter Hill fit needs to leave one degree of freedom."""


def fit_hill(conc: np.ndarray, gi: np.ndarray, n_draws: int = 2000) -> dict:
    """Least-squares Hill fit with GI50, its 95 % interval and a 95 % band (parameter draws).

    Args:
        conc: drug concentration of each observation, nM (> 0), shape (n,).
        gi: growth inhibition of each observation (0 = untreated, 1 = no net growth), shape (n,).

    Returns:
        ``params`` (top, log10 EC50 / nM, slope; None when no fit was made), ``gi50`` (nM) or
        None, ``reason`` (why ``gi50`` is None, else None), ``gi50_ci`` (2.5 and 97.5 %
        quantiles, inf where draws never reach 0.5) or None, ``band`` (grid -> lower, upper) or
        None.

    The GI50 is reported only where the data determine it: at least
    :data:`MIN_HILL_CONCENTRATIONS` distinct concentrations, inhibition that varies with
    concentration, mean inhibition below 0.5 at some tested concentration and above it at
    another, and a fitted curve that reaches 0.5 inside the tested range. Anything else is an
    extrapolation or an artefact of the starting guess, and ``reason`` says which.

    Raises:
        ValueError: ``conc`` and ``gi`` differ in shape, or hold non-finite values or
            concentrations <= 0.
    """
    from scipy.optimize import curve_fit

    conc, gi = np.asarray(conc, dtype=float), np.asarray(gi, dtype=float)
    if conc.shape != gi.shape or conc.ndim != 1:
        raise ValueError(f"conc and gi must be 1-d of one length, got {conc.shape}, {gi.shape}")
    if not (np.all(np.isfinite(conc)) and np.all(np.isfinite(gi)) and np.all(conc > 0)):
        raise ValueError("conc must be finite and > 0 nM and gi finite")
    fit = {"params": None, "gi50": None, "reason": None, "gi50_ci": None, "band": None}
    levels, where = np.unique(conc, return_inverse=True)
    means = np.bincount(where, weights=gi) / np.bincount(where)
    if levels.size < MIN_HILL_CONCENTRATIONS:
        fit["reason"] = (
            f"{levels.size} distinct concentration(s); a 3-parameter Hill fit needs at least "
            f"{MIN_HILL_CONCENTRATIONS}"
        )
        return fit
    if np.ptp(means) <= 1e-9 * max(1.0, float(np.max(np.abs(means)))):
        fit["reason"] = f"inhibition is {means[0]:.3g} at every concentration (no dose dependence)"
        return fit
    lc = np.log10(conc)
    p0 = (max(float(np.max(gi)), 0.1), float(np.median(lc)), 1.0)
    bounds = ([0.0, lc.min() - 3, 0.2], [2.0, lc.max() + 3, 8.0])
    try:
        params, cov = curve_fit(hill, conc, gi, p0=p0, bounds=bounds, maxfev=20000)
    except (RuntimeError, ValueError) as err:
        fit["reason"] = f"least-squares fit failed ({err})"
        return fit
    fit["params"] = params
    if np.max(means) < 0.5:
        fit["reason"] = (
            f"inhibition stays below 0.5 (at most {np.max(means):.2f}): GI50 above the tested range"
        )
    elif np.min(means) > 0.5:
        fit["reason"] = (
            f"inhibition above 0.5 at every concentration (at least {np.min(means):.2f}): "
            "GI50 below the tested range"
        )
    else:
        gi50 = gi50_of(*params)
        if gi50 is None or not levels[0] <= gi50 <= levels[-1]:
            fit["reason"] = "the fitted curve does not reach 0.5 inside the tested range"
        else:
            fit["gi50"] = gi50
    if np.all(np.isfinite(cov)):
        rng = np.random.default_rng(0)
        draws = rng.multivariate_normal(params, cov, size=n_draws, check_valid="ignore")
        draws[:, 2] = np.clip(draws[:, 2], 0.05, None)

        def band(grid):
            curves = np.array([hill(grid, *d) for d in draws])
            return np.percentile(curves, 2.5, axis=0), np.percentile(curves, 97.5, axis=0)

        fit["band"] = band
        if fit["gi50"] is not None:
            gi50s = np.array([gi50_of(*d) or np.inf for d in draws])
            fit["gi50_ci"] = tuple(np.quantile(gi50s, [0.025, 0.975], method="inverted_cdf"))
    return fit


def _fit_row(fit: dict) -> dict:
    """Table cells of a Hill fit; a GI50 the data do not determine gives its reason."""
    out = {}
    if fit["params"] is not None:
        top, log10_ec50, slope = fit["params"]
        out.update(
            max_inhibition=f"{top:.2f}", EC50_nM=f"{10**log10_ec50:.3g}", hill_slope=f"{slope:.2f}"
        )
    if fit["gi50"] is None:
        out["gi50_nM"] = f"not determinable: {fit['reason']}"
        return out
    out["gi50_nM"] = f"{fit['gi50']:.3g}"
    if fit["gi50_ci"] is not None:
        lo, hi = fit["gi50_ci"]
        text = [f"{v:.3g}" if np.isfinite(v) else "not reached" for v in (lo, hi)]
        out["gi50_95ci_nM"] = "not reached" if not np.isfinite(lo) else " - ".join(text)
    else:
        out["gi50_95ci_nM"] = "not determinable: parameter covariance not finite"
    return out


def _tumor_relative(data: Results) -> pd.DataFrame | None:
    """Per run and time: days since treatment start, tumor cells relative to it
    (``relative``) and the volume-equivalent relative to it (``volume``, model.recist)."""
    s, res = data.series, data.results
    if "tumor_cells" not in s or "time_h" not in s or s.empty:
        return None
    start = _treatment_start(res)
    out = []
    for run_id, g in s.groupby("run_id"):
        days = g["time_h"].to_numpy(float) / 24.0
        cells = g["tumor_cells"].to_numpy(float)
        base = cells[np.searchsorted(days, start[run_id] - 1e-9).clip(0, len(days) - 1)]
        if base <= 0:
            continue
        out.append(
            pd.DataFrame(
                {
                    "run_id": run_id,
                    "day": days - start[run_id],
                    "relative": cells / base,
                    "volume": relative_volume(cells, base),
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else None


def _treatment_start(res: pd.DataFrame) -> dict[int, float]:
    """Day treatment starts per run; untreated runs take the treated runs' (or scenario's)."""
    treated = res.loc[res["drug"] != "none", "start_day"]
    scenario = SCENARIOS.get(res["scenario"].iloc[0])
    default = (
        float(treated.median())
        if len(treated)
        else (scenario.default_start_day if scenario else 0.0)
    )
    return {
        int(r.run_id): float(r.start_day) if r.drug != "none" else default for r in res.itertuples()
    }


def tumor_figures(data: Results):
    """Tumor growth curves (median, IQR), waterfall of best response, spider plot."""
    import matplotlib.pyplot as plt

    res = data.results
    rel = _tumor_relative(data)
    out = []
    cond = res.set_index("run_id")["condition"]
    if rel is not None:
        rel["condition"] = rel["run_id"].map(cond)
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for name, g in rel.groupby("condition", sort=False):
            color = data.colors[name]
            q = g.groupby("day")["relative"].quantile([0.25, 0.5, 0.75]).unstack()
            ax.plot(q.index, q[0.5], color=color, label=f"{name} (n={g.run_id.nunique()})")
            ax.fill_between(q.index, q[0.25], q[0.75], color=color, alpha=0.2, lw=0)
        ax.axvline(0, color="k", lw=0.6, ls=":")
        _log_y(ax)
        ax.set_xlabel("days since treatment start")
        ax.set_ylabel("tumor cells / at treatment start")
        ax.set_title("Tumor growth: median and interquartile range")
        ax.legend(frameon=False, fontsize=8)
        out.append(("tumor_growth.png", fig, ""))
        best = _best_response(rel)
        what = f"best response at {ASSESSMENT_DAYS:g}-day assessments"
    elif "relative_size" in res:
        sizes = res.set_index("run_id")["relative_size"].dropna()
        best = pd.Series(relative_volume(sizes, 1.0) - 1.0, index=sizes.index)
        what = "final volume-equivalent relative to treatment start"
    else:
        return out
    if best.empty:
        return out
    table = _response_table(best, cond, res)
    out.append(("waterfall.png", _waterfall(best, cond, what, data.colors), table))
    if rel is not None:
        out.append(("spider.png", _spider(rel, data.colors), ""))
    return out


def _best_response(rel: pd.DataFrame) -> pd.Series:
    """Per run: the smallest change of the volume-equivalent from treatment start (RECIST's
    best response, model.recist) at the assessments ("scans")
    every ASSESSMENT_DAYS after it (the last time point when the run ends before one)."""
    best = {}
    for run_id, g in rel[rel["day"] > 0].groupby("run_id"):
        days, values = g["day"].to_numpy(), g["volume"].to_numpy()
        scans = np.arange(ASSESSMENT_DAYS, days[-1] + 1e-9, ASSESSMENT_DAYS)
        idx = np.searchsorted(days, scans - 1e-9).clip(0, len(days) - 1) if scans.size else [-1]
        best[run_id] = float(np.min(values[idx])) - 1.0
    return pd.Series(best, dtype=float)


def _log_y(ax) -> None:
    """A log y axis with plain-number labels (minor ticks labelled within one decade)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    ax.yaxis.set_minor_formatter(plain if high / low < 12 else NullFormatter())
    ax.tick_params(axis="y", which="minor", labelsize=7)


def _waterfall(best: pd.Series, cond: pd.Series, what: str, colors: dict):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    order = best.sort_values(ascending=False)
    names = [n for n in colors if n in set(cond[order.index])]
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    ax.bar(
        range(len(order)),
        100 * order.to_numpy(),
        color=[colors[cond[i]] for i in order.index],
        width=0.85,
    )
    for y, text in ((100 * PD_VOLUME_CHANGE, "PD"), (100 * PR_VOLUME_CHANGE, "PR")):
        ax.axhline(y, color="gray", ls="--", lw=0.7)
        ax.text(len(order) - 0.5, y, f" {text}", va="center", fontsize=8, color="gray")
    ax.axhline(0, color="k", lw=0.6)
    handles = [Patch(color=colors[n], label=n) for n in names]
    ax.set_xticks([])
    ax.set_xlabel("virtual tumors, ordered")
    ax.set_ylabel("change in volume-equivalent (%)")
    ax.set_title(f"Waterfall: {what}\n(RECIST -30 %/+20 % diameter as volume)")
    ax.legend(handles=handles, frameon=False, fontsize=8)
    return fig


def _spider(rel: pd.DataFrame, colors: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    shown = rel[rel["run_id"].isin(rel["run_id"].unique()[:MAX_SPIDER_LINES]) & (rel["day"] >= 0)]
    for _, g in shown.groupby("run_id", sort=False):
        color = colors[g["condition"].iloc[0]]
        ax.plot(g["day"], 100 * (g["volume"] - 1), color=color, lw=0.7, alpha=0.6)
    for n in [n for n in colors if n in set(shown["condition"])]:
        ax.plot([], [], color=colors[n], label=n)
    ax.axhline(0, color="k", lw=0.6)
    ax.axhline(100 * PR_VOLUME_CHANGE, color="gray", ls="--", lw=0.7)
    ax.set_xlabel("days since treatment start")
    ax.set_ylabel("change in volume-equivalent from treatment start (%)")
    ax.set_title("Spider plot: every virtual tumor")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _response_table(best: pd.Series, cond: pd.Series, res: pd.DataFrame) -> str:
    """Median best change and RECIST-like counts (the scenario's ``response`` when it has one)."""
    responses = res.set_index("run_id")["response"] if "response" in res else None
    rows = []
    for name, values in best.groupby(cond[best.index], sort=False):
        row = {
            "condition": name,
            "n": len(values),
            "median_best_change_%": f"{100 * values.median():.1f}",
            "best_PR_or_better": int(is_partial_response(values.to_numpy() + 1.0).sum()),
        }
        if responses is not None:
            counts = responses[values.index].value_counts()
            row.update({f"final_{k}": int(counts.get(k, 0)) for k in ("CR", "PR", "SD", "PD")})
        rows.append(row)
    return _md_table("Best response per condition", rows)


def _survival_curves(ax, groups: dict[str, tuple[np.ndarray, np.ndarray]], xlabel: str, colors):
    """Kaplan-Meier curves with 95 % bands and median marks; returns the table rows.

    Curves, bands, medians and their intervals come from :mod:`model.survival` (the model's
    readouts use the same); the log-rank test is lifelines'.
    """
    from lifelines.statistics import logrank_test

    rows, reference = [], groups.get("untreated")
    for name, (durations, events) in groups.items():
        color = colors[name]
        km = kaplan_meier(durations, events)
        ax.step(km.times, km.survival, where="post", color=color, label=name)
        ax.fill_between(km.times, km.lower, km.upper, step="post", color=color, alpha=0.2, lw=0)
        median = km.median
        row = {"condition": name, "n": km.subjects, "events": km.events}
        if median is not None:
            ax.plot([median], [0.5], marker="o", color=color, ms=6)
            ax.vlines(median, 0, 0.5, color=color, lw=0.7, ls=":")
            lo, hi = km.median_interval()
            bounds = f"{_num_or(lo, '-inf')}-{_num_or(hi, 'inf')}"
            row["median"] = f"{median:.1f} ({bounds})"
        else:
            row["median"] = "not reached"
        if reference is not None and name != "untreated":
            if not (np.any(reference[1]) or np.any(events)):
                # lifelines returns p = 1 here: no events means no evidence, not "no difference"
                row["logrank_p_vs_untreated"] = "not determinable: no events in either group"
            else:
                test = logrank_test(reference[0], durations, reference[1], events)
                row["logrank_p_vs_untreated"] = f"{test.p_value:.3g}"
        rows.append(row)
    ax.axhline(0.5, color="gray", lw=0.5, ls="--")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, fontsize=8)
    return rows


def _num_or(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.1f}"


def survival_km(data: Results):
    """Kaplan-Meier lifespans per condition (an organism alive at the end is censored)."""
    import matplotlib.pyplot as plt

    res = data.results
    if "lifespans_days" not in res:
        return []
    groups = {}
    for name, g in res[res["status"] == "ok"].groupby("condition", sort=False):
        durations, events = [], []
        for lifespans, days in zip(g["lifespans_days"], g["days"], strict=True):
            if lifespans is not None and len(lifespans):
                run_durations, run_events = right_censored(lifespans, days)
                durations.append(run_durations)
                events.append(run_events)
        if durations:
            groups[name] = (np.concatenate(durations), np.concatenate(events))
    if not groups:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    groups = dict(sorted(groups.items(), key=lambda kv: kv[0] != "untreated"))
    rows = _survival_curves(ax, groups, "age (days)", data.colors)
    ax.set_ylabel("fraction of the cohort alive")
    ax.set_title("Kaplan-Meier survival (95 % bands; dots: medians)")
    return [("survival_km.png", fig, _md_table("Lifespan (Kaplan-Meier; median, 95 % CI)", rows))]


def graft_survival(data: Results):
    """Surviving graft fraction over time and rejection-free graft survival (Kaplan-Meier)."""
    import matplotlib.pyplot as plt

    s, res = data.series, data.results
    if "graft_cells" not in s or s.empty:
        return []
    has_km = "rejection_day" in res
    fig, axes = plt.subplots(1, 2 if has_km else 1, figsize=(11 if has_km else 6.4, 4.2))
    axes = np.atleast_1d(axes)
    cond = res.set_index("run_id")["condition"]
    frac = s[["run_id", "time_h", "graft_cells"]].copy()
    first = frac.groupby("run_id")["graft_cells"].transform("first").replace(0, np.nan)
    frac["fraction"] = frac["graft_cells"] / first
    frac["condition"] = frac["run_id"].map(cond)
    for name, g in frac.groupby("condition", sort=False):
        q = g.groupby("time_h")["fraction"].quantile([0.25, 0.5, 0.75]).unstack()
        days = q.index.to_numpy(float) / 24.0
        axes[0].plot(days, q[0.5], color=data.colors[name], label=name)
        axes[0].fill_between(days, q[0.25], q[0.75], color=data.colors[name], alpha=0.2, lw=0)
    axes[0].set_xlabel("days after transplant")
    axes[0].set_ylabel("graft cells / at transplant")
    axes[0].set_title("Graft: median and interquartile range")
    axes[0].legend(frameon=False, fontsize=8)
    table = ""
    if has_km:
        groups = {}
        for name, g in res[res["status"] == "ok"].groupby("condition", sort=False):
            groups[name] = right_censored(g["rejection_day"].to_numpy(float), g["days"])
        groups = dict(sorted(groups.items(), key=lambda kv: kv[0] != "untreated"))
        rows = _survival_curves(axes[1], groups, "days after transplant", data.colors)
        axes[1].set_ylabel("grafts not rejected")
        axes[1].set_title("Rejection-free graft survival (Kaplan-Meier)")
        table = _md_table("Graft survival (rejection; median, 95 % CI)", rows)
    fig.tight_layout()
    return [("graft_survival.png", fig, table)]


def adverse_panel(data: Results):
    """The four adverse-effect indices of each regime (mean over its runs)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    res = data.results[data.results["status"] == "ok"]
    columns = [c for c in res.columns if c.startswith("adverse_")]
    if not columns or res.empty:
        return []
    show_start = res.loc[res["drug"] != "none", "start_day"].nunique() > 1
    labels = res.apply(regime_label, axis=1, show_start=show_start)
    means = res[columns].groupby(labels, sort=False).mean()
    fig, axes = plt.subplots(
        1, len(columns), figsize=(3.0 * len(columns), 0.35 * len(means) + 2.2), sharey=True
    )
    axes = np.atleast_1d(axes)
    y = np.arange(len(means))
    low = min(0.5, float(means.min().min()) * 0.8)
    high = max(2.0, float(means.max().max()) * 1.25)
    for ax, col in zip(axes, columns, strict=True):
        values = means[col].to_numpy(float)
        colors = ["tab:red" if v > 1 else "tab:blue" for v in values]
        ax.barh(y, values - 1.0, left=1.0, color=colors)  # bars from 1 = untreated
        ax.axvline(1.0, color="k", lw=0.7)
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_xticks([t for t in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(col.removeprefix("adverse_").replace("_", " "), fontsize=9)
    axes[0].set_yticks(y, means.index, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("Adverse-effect indices by regime (1 = untreated, higher is worse)", fontsize=10)
    fig.tight_layout()
    rows = [
        {"regime": k, **{c.removeprefix("adverse_"): f"{v:.2f}" for c, v in r.items()}}
        for k, r in means.iterrows()
    ]
    return [("adverse_panel.png", fig, _md_table("Adverse-effect indices (1 = untreated)", rows))]


# ------------------------------------------------------------------------------ tables
def _header(root: Path, data: Results) -> str:
    res, m = data.results, data.manifest
    n_ok = int((res["status"] == "ok").sum())
    lines = [
        f"# Report: {root.name}",
        "",
        f"- {data.kind} of scenario **{res['scenario'].iloc[0]}**, {res['days'].iloc[0]:g} days",
        f"- runs: {len(res)} ({n_ok} ok, {len(res) - n_ok} failed)",
    ]
    if data.axes:
        lines.append(f"- swept parameters: {', '.join(data.axes)}")
    for key in ("spec_hash", "git_revision", "package_version"):
        if m.get(key):
            lines.append(f"- {key.replace('_', ' ')}: `{m[key]}`")
    return "\n".join(lines) + "\n"


def _readout_table(data: Results) -> str:
    res = data.results[data.results["status"] == "ok"]
    known = {
        "run_id",
        "status",
        "error",
        "seed",
        "replicate",
        "scenario",
        "days",
        "condition",
        *REGIME_COLUMNS,
    }
    params = set(data.manifest.get("spec", {}).get("set", {})) | set(data.axes)
    scenario = SCENARIOS.get(res["scenario"].iloc[0]) if len(res) else None
    if scenario is not None:
        params |= set(scenario.scenario_class.PARAMETERS)
    readouts = [
        c
        for c in res.columns
        if c not in known | params
        and not c.startswith("adverse_")
        and pd.api.types.is_numeric_dtype(res[c])
    ]
    if not readouts:
        return ""
    rows = []
    for name, g in res.groupby("condition", sort=False):
        row = {"condition": name, "n": len(g)}
        for c in readouts:
            row[c] = _summary_cell(g[c])
        rows.append(row)
    return _md_table("Readouts by condition (median [interquartile range])", rows)


def _summary_cell(values: pd.Series) -> str:
    """Median [interquartile range] of a readout (n when some runs have none); yes/no: fraction."""
    if values.dtype == bool:
        return f"{values.mean():.2f} yes"
    present = values.dropna()
    if present.empty:
        return "-"
    q = present.quantile([0.25, 0.5, 0.75])
    text = f"{q[0.5]:.3g}" if len(present) == 1 else f"{q[0.5]:.3g} [{q[0.25]:.3g}, {q[0.75]:.3g}]"
    return text if len(present) == len(values) else f"{text} (n={len(present)})"


def _failed_table(data: Results) -> str:
    failed = data.results[data.results["status"] != "ok"]
    rows = [
        {"run_id": int(r.run_id), "condition": r.condition, "error": r.error}
        for r in failed.itertuples()
    ]
    return _md_table("Failed runs", rows) if rows else ""


def _md_table(title: str, rows: list[dict]) -> str:
    """A Markdown table under a heading (columns: the union of the rows' keys)."""
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r))
    lines = [f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        cells = [str(r.get(c, "")).replace("|", "/") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    """A number for a label: 3 significant digits, whole numbers in full."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _value(value: Any) -> str:
    """A parameter value for a label."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_):
        return _num(float(value))
    return str(value)
