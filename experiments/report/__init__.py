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

Modules: :mod:`.load` reads and checks a run or sweep directory; :mod:`.conditions` names and
colours each run's condition; one module per figure family (:mod:`.dose_response`,
:mod:`.tumor`, :mod:`.survival`, :mod:`.adverse`); :mod:`.tables` renders the Markdown text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mtor_abm.experiments.progress import phase
from mtor_abm.experiments.report.adverse import adverse_panel
from mtor_abm.experiments.report.conditions import condition_colors, conditions
from mtor_abm.experiments.report.dose_response import dose_response
from mtor_abm.experiments.report.load import load
from mtor_abm.experiments.report.survival import graft_survival, survival_km
from mtor_abm.experiments.report.tables import failed_table, header, readout_table
from mtor_abm.experiments.report.tumor import tumor_figures
from mtor_abm.model import atomic
from mtor_abm.visualization.figures import save_figure

EXIT_OK = 0


REPORT_DIR = "report"
"""The report's own folder inside a run or sweep folder (report.md and its figures)."""


def cmd_report(args) -> int:
    """Entry point of ``mtor-sim report``."""
    with phase(f"writing the report of {args.dir}"):
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
    sections = [header(root, data)]
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
        sections.append(readout_table(data))
        sections.append(failed_table(data))
        atomic.write_bytes(stage / "report.md", "\n".join(s for s in sections if s).encode())
    return [target / "report.md", *(target / name for name in names)]
