"""Layers point one way: ``model`` and ``agents`` never import ``experiments`` or
``visualization``, and ``visualization`` never imports ``experiments`` (the dashboard and the
figures build on the model; the command line, runs, sweeps and reports build on both); scenario
figures are registered on the plotting side.

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
