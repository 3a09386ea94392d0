"""No module-level mutable state: what a module holds is fixed once it is imported.

Read from the source with ``ast`` (nothing is imported), over ``model``, ``agents``,
``experiments`` and ``visualization``:

- no ``global`` statement (a function rebinding a module's name);
- no module-level name (of any of these modules, wherever it is used) is changed in place: no
  item assignment or deletion, no augmented assignment, no ``append``/``update``/``add``/... on
  it (a cache or registry filled at run time);
- ``functools.cache``/``lru_cache`` only on functions without parameters, i.e. pure functions
  of constants (a cache keyed by arguments would hold results, and models, across runs).

tests/test_isolation.py checks the behaviour (two models interleaved equal each alone); this
checks the source, so a cache that happens not to change one scenario's numbers is still found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("model", "agents", "experiments", "visualization")
MUTATORS = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
        "setdefault", "add", "discard", "difference_update", "intersection_update",
        "symmetric_difference_update", "sort", "reverse", "__setitem__", "__delitem__",
    }
)  # fmt: skip
CACHES = frozenset({"cache", "lru_cache"})


def sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))


def module_names(tree: ast.Module) -> set[str]:
    """Names a module binds at its top level by assignment."""
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names of a function's parameters."""
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in params if a is not None}


def decorator_name(decorator: ast.expr) -> str:
    """``cache`` for ``@functools.cache``, ``@cache`` and ``@lru_cache(maxsize=8)`` alike."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return decorator.id if isinstance(decorator, ast.Name) else ""


def local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters and names a function binds itself (they shadow a module's names)."""
    names = parameters(function)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def changes_in_place(tree: ast.Module, shared: set[str]) -> list[tuple[int, str]]:
    """(line, what) of every in-place change of a name in ``shared`` outside its binding."""
    found = []

    def visit(node, shadowed: set[str]):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            shadowed = shadowed | local_names(node)
        target = None
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            for t in node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]:
                base = t.value if isinstance(t, ast.Subscript | ast.Attribute) else None
                if isinstance(node, ast.AugAssign) and isinstance(t, ast.Name):
                    base = t
                if isinstance(base, ast.Name):
                    target = (base.id, type(node).__name__.lower())
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and isinstance(node.func.value, ast.Name)
        ):
            target = (node.func.value.id, f".{node.func.attr}()")
        if target and target[0] in shared and target[0] not in shadowed:
            found.append((node.lineno, f"{target[0]} changed by {target[1]}"))
        for child in ast.iter_child_nodes(node):
            visit(child, shadowed)

    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            continue  # the binding itself (a table built at import) is not a change later
        visit(node, set())
    return found


def offences(paths: list[Path]) -> list[str]:
    trees = {p: ast.parse(p.read_text(), filename=str(p)) for p in paths}
    shared = set().union(*(module_names(t) for t in trees.values()))
    out = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        out += [f"{where}:{line}: {what}" for line, what in changes_in_place(tree, shared)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                out.append(f"{where}:{node.lineno}: global {', '.join(node.names)}")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                cached = any(decorator_name(d) in CACHES for d in node.decorator_list)
                if cached and parameters(node):
                    out.append(f"{where}:{node.lineno}: {node.name} caches by its arguments")
    return out


def test_no_module_level_state_is_changed_after_import():
    paths = sources()
    assert len(paths) > 50, "the source folders were not found"
    assert offences(paths) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("_CACHE = {}\ndef f(k):\n    _CACHE[k] = 1\n", "_CACHE changed by assign"),
        ("SEEN = []\ndef f(x):\n    SEEN.append(x)\n", "SEEN changed by .append()"),
        ("N = 0\ndef f():\n    global N\n    N += 1\n", "global N"),
        ("import functools\n@functools.lru_cache\ndef f(x):\n    return x\n", "by its arguments"),
        ("from functools import cache\n@cache\ndef f(x):\n    return x\n", "by its arguments"),
    ],
)
def test_the_checker_finds_each_kind(tmp_path, code, expected):
    """The checker itself: each kind of module-level state is reported."""
    path = tmp_path / "probe.py"
    path.write_text(code)
    found = offences([path])
    assert any(expected in line for line in found), found


def test_the_checker_allows_constants_locals_and_a_cache_of_constants(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text(
        "import functools\n"
        "TABLE = {'a': 1}\n"
        "TABLE['b'] = 2\n"  # built at import
        "@functools.cache\n"
        "def reference():\n"
        "    return dict(TABLE)\n"
        "def f(TABLE):\n"
        "    TABLE['c'] = 3\n"  # a parameter of the same name
        "def g():\n"
        "    out = {}\n"
        "    out.update(TABLE)\n"
        "    return out\n"
    )
    assert offences([path]) == []
