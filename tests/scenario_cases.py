"""Small, fast settings per scenario for tests that must cover every registered scenario.

``SMALL[name] = (extra command-line options, first days, more days)``; every scenario in the
registry must appear here (tests check it), so a new scenario gets restart and
reproducibility tests as soon as it is registered.
"""

SMALL: dict[str, tuple[list[str], float, float]] = {
    "culture": (["--set", "width=16", "--set", "height=16", "--set", "initial_cells=30"], 1, 1),
    "tumor": (["--set", "width=30", "--set", "height=30", "--set", "seed_radius_sites=5"], 3, 2),
    "transplant": (["--set", "width=30", "--set", "height=30"], 3, 2),
    "aging": (["--replicates", "4"], 100, 100),
    "neuro": (["--replicates", "4"], 100, 100),
}

#: A treated regime per scenario (default: sirolimus at its clinical dose from day 0).
DRUG: dict[str, list[str]] = {"culture": ["--drug", "sirolimus", "--conc", "10"]}


def treated(name: str) -> list[str]:
    """Command-line options of the treated regime used for ``name``."""
    return DRUG.get(name, ["--drug", "sirolimus", "--start-day", "0"])


def build_small(name: str, seed: int, with_drug: bool, extra: dict[str, str] | None = None):
    """(model, steps): scenario ``name`` built from :data:`SMALL` on ``seed``, under the regime
    of :func:`treated` (or untreated), and the number of steps of its first days; ``extra``:
    more scenario parameters, as ``--set`` gives them (e.g. ``{"wound": "true"}``)."""
    from mtor_abm.model.pharmacology import UNTREATED, load_library
    from mtor_abm.model.regimes import build_regime
    from mtor_abm.model.scenarios import SCENARIOS
    from mtor_abm.model.scenarios.base import parse_overrides

    spec = SCENARIOS[name]
    options, days, _ = SMALL[name]
    sets = dict(o.split("=", 1) for o in options[1::2] if "=" in o) | dict(extra or {})
    if "--replicates" in options:
        sets[spec.replicates_param] = options[options.index("--replicates") + 1]
    params = parse_overrides(spec.scenario_class, sets)
    library = load_library()
    regime = UNTREATED
    if with_drug:
        opts = dict(zip(treated(name)[::2], treated(name)[1::2], strict=True))
        regime = build_regime(
            library,
            opts["--drug"],
            conc_nM=float(opts["--conc"]) if "--conc" in opts else None,
            start_day=float(opts.get("--start-day", 0)),
        )
    model = spec.model_class(spec.scenario_class(rng=seed, **params), regime, library)
    return model, round(days * 24 / model.dt_h)
