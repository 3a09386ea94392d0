"""Dose-response figure: Hill fits, GI50 and 95 % confidence bands per drug."""

from __future__ import annotations

import numpy as np

from mtor_abm.experiments.report.load import Results
from mtor_abm.experiments.report.tables import format_value, md_table


def dose_response(data: Results):
    """GI curves per drug (and other swept parameters), Hill fits and GI50 with 95 % CIs."""
    from matplotlib.figure import Figure

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
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    rows = []
    for i, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        name = ", ".join(
            [str(key[0]), *(f"{a}={format_value(v)}" for a, v in zip(others, key[1:], strict=True))]
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
    return [("dose_response.png", fig, md_table("Dose-response (GI50)", rows))]


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
