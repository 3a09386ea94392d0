"""Layers point one way: ``model`` and ``agents`` never import ``experiments`` or
``visualization``, and ``visualization`` never imports ``experiments`` (the dashboard and the
figures build on the model; the command line, runs, sweeps and reports build on both); scenario
figures are registered on the plotting side; and no module imports back one that imports it
(no import loops).

Imports are read from the source with ``ast`` (every ``import``/``from ... import``, at module
level or inside functions), so a lazy import inside a function is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The folders each layer must never import (its own layer and those below are allowed).
FORBIDDEN = {
    "model": ("experiments", "visualization"),
    "agents": ("experiments", "visualization"),
    "visualization": ("experiments",),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``; relative imports resolved to folder names."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.relative_to(ROOT).parts[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from ..y import z
                base = package[: len(package) - node.level + 1]
                out.append((node.lineno, ".".join([*base, node.module or ""])))
            else:
                out.append((node.lineno, node.module or ""))
    return out


def forbidden(module: str, upper: tuple[str, ...] = FORBIDDEN["model"]) -> bool:
    """Whether ``module`` lies in one of the folders ``upper`` (with or without ``mtor_abm.``)."""
    parts = module.split(".")
    if parts[0] == "mtor_abm":
        parts = parts[1:]
    return bool(parts) and parts[0] in upper


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_import_nothing_from_the_layers_above(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no sources found under {layer}/"
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if forbidden(module, FORBIDDEN[layer])
    ]
    assert offences == []


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    """The checker itself: an import inside a function and a relative one are both seen."""
    src = ROOT / "model" / "_layer_probe.py"
    monkeypatch.setattr(
        Path, "read_text", lambda self, *a, **k: "def f():\n    from ..visualization import x\n"
    )
    found = imported_modules(src)
    assert found == [(2, "visualization")]
    assert forbidden(found[0][1])
    assert forbidden("mtor_abm.experiments.runner") and not forbidden("mtor_abm.model.pk")
    plotting = FORBIDDEN["visualization"]
    assert forbidden("mtor_abm.experiments.atomic", plotting)
    assert not forbidden("mtor_abm.visualization.figures", plotting)


def test_every_registered_scenario_figure_set_belongs_to_a_scenario():
    from mtor_abm.model.scenarios import SCENARIOS
    from mtor_abm.visualization.scenario_figures import SCENARIO_FIGURES

    assert set(SCENARIO_FIGURES) <= set(SCENARIOS)
    assert {"tumor", "transplant", "aging", "neuro"} <= set(SCENARIO_FIGURES)


def module_graph() -> dict[str, set[str]]:
    """Every project module (``model.scenarios.transplant``, packages by their folder) -> the
    project modules it imports anywhere in its source (``from pkg import submodule`` counts as
    importing the submodule; importing ``a.b`` does not count as importing ``a``)."""
    files = {}
    for layer in ("model", "agents", "experiments", "visualization"):
        for path in (ROOT / layer).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    module = ".".join([*base, node.module] if node.module else base)
                else:
                    module = node.module or ""
                targets = [(module, alias.name) for alias in node.names]
            else:
                continue
            for module, member in targets:
                module = module.removeprefix("mtor_abm.")
                if member and f"{module}.{member}" in files:
                    deps.add(f"{module}.{member}")
                elif module in files:
                    deps.add(module)
        graph[name] = deps - {name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The modules of every import loop: strongly connected groups of more than one module."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    loops = {frozenset(m for m in graph if m in reach[a] and a in reach[m]) for a in graph}
    return sorted(sorted(loop) for loop in loops if len(loop) > 1)


def test_no_module_imports_back_a_module_that_imports_it():
    """No import loops (a type-checking-only import counts: it is a loop for readers and tools)."""
    graph = module_graph()
    assert "model.scenarios.transplant_tcells" in graph["model.scenarios.transplant"]
    assert import_cycles(graph) == []


def test_the_loop_finder_finds_loops():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]


def module_names(path: Path) -> tuple[set[str], set[str]]:
    """(names ``path`` defines or exports, names it only imports) at module level. Exported:
    listed in ``__all__`` or re-imported explicitly as ``import x as x`` (PEP 484)."""
    defined, imported, exported = set(), set(), set()
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            defined |= names
            if "__all__" in names:
                exported |= {e.value for e in node.value.elts}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                imported.add(alias.asname or alias.name.split(".")[0])
                if alias.asname == alias.name:
                    exported.add(alias.name)
    return defined | exported, imported - defined - exported


def test_every_import_names_the_module_that_defines_the_name():
    """After a module is split, importers name the new home (or the old module exports the
    name on purpose, in ``__all__``): a name taken from a module that merely imports it
    breaks when that module stops needing it."""
    offences = []
    for folder in ("model", "agents", "experiments", "visualization", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not (
                    isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mtor_abm.")
                ):
                    continue
                home = ROOT.joinpath(*node.module.split(".")[1:])
                source = (
                    home.with_suffix(".py")
                    if home.with_suffix(".py").exists()
                    else home / "__init__.py"
                )
                if not source.exists():
                    continue
                _, only_imported = module_names(source)
                offences += [
                    f"{path.relative_to(ROOT)}:{node.lineno} takes {alias.name} from {node.module}"
                    for alias in node.names
                    if alias.name in only_imported
                ]
    assert offences == []
