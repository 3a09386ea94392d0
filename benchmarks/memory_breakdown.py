"""Where the tumor scenario's memory goes, by component (target: <= 2 KB of peak RSS per cell).

Usage::

    python benchmarks/memory_breakdown.py [--cells 250000] [--steps 2] [--no-trace]

Builds the tumor slice ``benchmarks/run.py`` measures (same sizing), runs a warm-up step and
``--steps`` more, and prints:

* resident memory (RSS, from ``/proc/self/statm``) after the imports, after building the model
  and after the steps, and the peak, each per cell;
* with tracing (the default), the Python-visible allocations still alive at the end, by
  component: each allocation is charged to the innermost frame of its traceback that names
  a component (the Mesa grid, Mesa's agent registries, the agent objects, the cell table, the
  field layers, the tumor's field solvers, ...). Native allocations (SciPy's SuperLU of the
  multigrid's coarsest level) are invisible to tracemalloc; they show up as the difference
  between RSS and the traced total.
  Tracing costs time and memory of its own: RSS figures are only meaningful with ``--no-trace``.

``--stub-solver K`` replaces the tumor's field solver by a stand-in that keeps ``K`` float64
arrays per site and field and relaxes with a few Jacobi sweeps (wrong numbers, right memory):
an estimate of the footprint of another field solver of ``K`` arrays per site.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: (component, substring of a traceback frame's file name, optional function name), first match.
COMPONENTS = (
    ("cell agents (objects)", "model/tissue.py", "add_cell"),
    ("cell agents (objects)", "model/checkpoint.py", "recreate_agents"),
    ("field solvers (tumor_fields, multigrid)", "tumor_fields.py", None),
    ("field solvers (tumor_fields, multigrid)", "model/multigrid.py", None),
    ("mesa agent registries", "mesa/model.py", "register_agent"),
    ("mesa agent registries", "mesa/agentset.py", None),
    ("cell agents (objects)", "agents/", None),
    ("mesa grid: cells and connections", "mesa/discrete_space/grid.py", None),
    ("mesa grid: cells and connections", "model/mesa_internals.py", None),
    ("mesa grid: cells and connections", "mesa/discrete_space/cell.py", None),
    ("mesa grid: property layers", "mesa/discrete_space/property_layer.py", None),
    ("field objects (scratch)", "model/field", None),  # fields.py, field_explicit.py, ...
    ("cell table", "model/celltable.py", None),
    ("tumor step / scenario arrays", "model/scenarios/tumor.py", None),
    ("engine step", "model/tissue.py", None),
    ("signalling", "model/signaling.py", None),
    ("vessels", "tumor_vessels.py", None),
    ("data collector", "mesa/datacollection.py", None),
)


class StubSteadyField:
    """Stand-in for ``tumor_fields.SteadyField`` holding ``arrays`` float64 arrays per site."""

    arrays = 12

    def __init__(self, shape, diffusion_um2_per_s, dx_um=20.0, decay_per_h=0.0, **_):
        import numpy as np

        self.shape = tuple(shape)
        self.coupling_per_h = diffusion_um2_per_s * 3600.0 / dx_um**2
        self.decay_per_h = decay_per_h
        n = self.shape[0] * self.shape[1]
        self.solution = np.zeros(n)
        self._work = [np.ones(n) for _ in range(self.arrays - 1)]  # touched, as a solver's

    def solve(self, uptake_per_h=0.0, production=0.0, sources=None, source_value=1.0):
        import numpy as np

        x = self.solution.reshape(self.shape)
        rate = np.broadcast_to(np.asarray(uptake_per_h, float), self.shape)
        prod = np.broadcast_to(np.asarray(production, float), self.shape)
        src = np.zeros(self.shape, bool) if sources is None else np.asarray(sources, bool)
        c = self.coupling_per_h
        for _ in range(4):  # a few Jacobi sweeps (no-flux edges by edge padding)
            p = np.pad(x, 1, mode="edge")
            total = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]
            x[...] = (c * total + prod) / (4 * c + rate + self.decay_per_h + 1e-9)
            x[src] = source_value
        return x

    def state(self):
        return {"solution": self.solution.copy()}, {}

    def load_state(self, arrays, meta):
        self.solution[...] = arrays["solution"]


def rss_mb() -> float:
    """Current resident set size, MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def classify(traceback) -> str:
    """The component an allocation belongs to: the innermost frame that names one."""
    frames = [(f.filename.replace(os.sep, "/"), f.lineno) for f in traceback]
    for name, lineno in reversed(frames):  # tracemalloc lists the innermost frame last
        for component, fragment, function in COMPONENTS:
            if fragment in name and (function is None or _function_at(name, lineno) == function):
                return component
    return "other: " + (frames[-1][0].rsplit("/", 2)[-1] if frames else "?")


_FUNCTIONS: dict[str, list[str]] = {}


def _function_at(filename: str, lineno: int) -> str:
    """Name of the nearest ``def`` at or above line ``lineno`` of ``filename`` (a heuristic)."""
    if filename not in _FUNCTIONS:
        try:
            _FUNCTIONS[filename] = Path(filename).read_text().splitlines()
        except OSError:
            _FUNCTIONS[filename] = []
    lines = _FUNCTIONS[filename]
    for line in reversed(lines[:lineno]):
        stripped = line.lstrip()
        if stripped.startswith("def "):
            return stripped[4:].split("(", 1)[0]
    return ""


def breakdown(snapshot, cells: int) -> list[tuple[str, float]]:
    """Bytes per cell by component, largest first."""
    totals: dict[str, int] = {}
    for stat in snapshot.statistics("traceback"):
        key = classify(stat.traceback)
        totals[key] = totals.get(key, 0) + stat.size
    return sorted(((k, v / cells) for k, v in totals.items()), key=lambda kv: -kv[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=250_000)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--no-trace", action="store_true", help="RSS only (no tracemalloc)")
    parser.add_argument("--stub-solver", type=int, metavar="K", help="stand-in field solver")
    args = parser.parse_args(argv)
    if args.stub_solver:
        import mtor_abm.model.scenarios.tumor as tumor_module

        StubSteadyField.arrays = args.stub_solver
        tumor_module.SteadyField = StubSteadyField

    from run import tumor_scenario

    from mtor_abm.model import signaling as sg
    from mtor_abm.model.pharmacology import Regime, load_library
    from mtor_abm.model.scenarios.tumor import TumorModel

    library = load_library()
    sg.reference_levels()
    gc.collect()
    base = rss_mb()
    if not args.no_trace:
        tracemalloc.start(25)
    scenario = tumor_scenario(args.cells)
    start = time.perf_counter()
    model = TumorModel(scenario, Regime("everolimus", 10.0, "daily"), library)
    build_s = time.perf_counter() - start
    gc.collect()
    built = rss_mb()
    model.step()
    for _ in range(args.steps):
        model.step()
    gc.collect()
    after = rss_mb()
    n = model.n_cells
    sites = scenario.width * scenario.height
    print(f"{n:,} cells on {sites:,} sites ({scenario.width} x {scenario.height}), ", end="")
    print(f"built in {build_s:.1f} s")
    print(f"RSS above imports, bytes per cell: built {(built - base) * 2**20 / n:,.0f}, ", end="")
    print(f"after {args.steps + 1} steps {(after - base) * 2**20 / n:,.0f}, ", end="")
    print(f"peak {(peak_rss_mb() - base) * 2**20 / n:,.0f}")
    if args.no_trace:
        return 0
    snapshot = tracemalloc.take_snapshot()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = breakdown(snapshot, n)
    print("\nlive Python allocations at the end, bytes per cell (tracemalloc; peak traced ", end="")
    print(f"{traced_peak / n:,.0f}):")
    for name, per_cell in rows:
        if per_cell >= 1.0:
            print(f"  {per_cell:>8,.0f}  {name}")
    print(f"  {sum(v for _, v in rows):>8,.0f}  total traced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
