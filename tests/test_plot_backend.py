"""Plotting leaves the user's matplotlib alone: importing any module of the package keeps the
backend the user chose (a notebook's inline or a desktop window), and writing a run's figures
and its report draws on matplotlib's object API (``Figure``), never through pyplot's global
figure registry (which is not thread-safe and shows stray figures in notebooks).

Checked in a fresh interpreter, since this test process may have imported the modules already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import matplotlib

    matplotlib.use("svg")  # the user's choice: any backend but Agg
    before = matplotlib.get_backend()
    names = []
    for top in ("model", "agents", "experiments", "visualization"):
        package = importlib.import_module("mtor_abm." + top)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):  # running the CLI is not importing it
                names.append(info.name)
    for name in names:
        importlib.import_module(name)
    after_import = matplotlib.get_backend()

    from mtor_abm.experiments.cli import main

    out = sys.argv[1]
    # An in-vivo run, so that the report draws (a dish has no adverse panel to draw).
    assert main(["run", "aging", "--drug", "sirolimus", "--set", "organisms=10",
                 "--days", "30", "--out", out]) == 0
    assert main(["report", out]) == 0
    print(json.dumps({
        "before": before,
        "after_import": after_import,
        "after_drawing": matplotlib.get_backend(),
        "modules": names,
        "pyplot_imported": "matplotlib.pyplot" in sys.modules,
    }))
    """
)


def test_importing_every_module_and_drawing_keeps_the_users_backend(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["before"] == "svg"
    figure_modules = {
        "mtor_abm.visualization.figures",
        "mtor_abm.visualization.tumor_figures",
        "mtor_abm.visualization.dashboard.views",
        "mtor_abm.visualization.dashboard.view_figures",
        "mtor_abm.experiments.report.survival",
    }
    assert figure_modules <= set(found["modules"])
    assert found["after_import"] == "svg"
    assert found["after_drawing"] == "svg"
    assert sorted((tmp_path / "run" / "figures").glob("*.png")), "the run wrote no figure"
    assert sorted((tmp_path / "run" / "report").glob("*.png")), "the report drew no figure"
    assert not found["pyplot_imported"], "a figure was drawn through pyplot"
