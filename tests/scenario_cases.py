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
