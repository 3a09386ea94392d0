"""No module-level mutable state: what a module holds is fixed once it is imported.

Read from the source with ``ast`` (nothing is imported), over ``model``, ``agents``,
``experiments`` and ``visualization``:

- no ``global`` statement (a function rebinding a module's name);
- no module-level name (of any of these modules, wherever it is used) is changed in place: no
  item assignment or deletion, no augmented assignment, no ``append``/``update``/``add``/... on
  it (a cache or registry filled at run time);
- ``functools.cache``/``lru_cache`` only on functions without parameters, i.e. pure functions
  of constants (a cache keyed by arguments would hold results, and models, across runs);
- every value bound at module or class level is immutable (a dict is a ``MappingProxyType``, a
  list a tuple, a set a frozenset, a numpy array read-only; no instance of a class whose state
  changes), but the one listed in :data:`SHARED_ON_PURPOSE` with its reason;
- importing a module acts on nothing outside it (no warnings filter, matplotlib setting or
  registration at import), but the statements listed in :data:`IMPORT_ACTIONS`.

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


# ------------------------------------------------------------------ immutable bindings
#: Calls whose result is fixed once built (the argument's own items are still checked).
FREEZERS = frozenset({"MappingProxyType", "frozenset", "tuple", "read_only"})
#: Calls that build a container or object changed in place.
MUTABLE_CALLS = frozenset(
    {
        "dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "Counter", "deque",
        "ChainMap", "array", "asarray", "zeros", "ones", "empty", "full", "arange", "linspace",
        "zeros_like", "ones_like", "empty_like", "full_like", "Random", "default_rng",
        "RandomState", "Generator", "Lock", "RLock", "Event", "Condition", "Semaphore", "count",
        "local", "WeakValueDictionary", "WeakKeyDictionary", "WeakSet",
    }
)  # fmt: skip
DISPLAYS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def unfrozen_classes(trees) -> set[str]:
    """Project classes whose instances change after they are built: every class but frozen
    dataclasses, ``NamedTuple``s, enums, exceptions and protocols."""
    out = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            frozen = any(
                isinstance(d, ast.Call)
                and any(k.arg == "frozen" and getattr(k.value, "value", 0) for k in d.keywords)
                for d in node.decorator_list
            )
            bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
            immutable = {"NamedTuple", "Enum", "IntEnum", "StrEnum", "Protocol"}
            if not frozen and not bases & immutable and not any("Error" in b for b in bases):
                out.add(node.name)
    return out


def mutable_parts(value: ast.expr, classes: set[str], frozen_arg: bool = False) -> list[str]:
    """What in ``value`` (an expression bound once, at import) can be changed in place later."""
    if isinstance(value, DISPLAYS):
        if not frozen_arg:
            return [
                f"a {type(value).__name__.lower()} (use a tuple, frozenset or MappingProxyType)"
            ]
        if isinstance(value, ast.Dict):
            inner = [v for v in value.values if v is not None]
        elif isinstance(value, ast.DictComp):
            inner = [value.value]
        elif isinstance(value, ast.List | ast.Set):
            inner = value.elts
        else:
            inner = [value.elt]
        return [m for v in inner for m in mutable_parts(v, classes)]
    if isinstance(value, ast.Tuple):
        return [m for v in value.elts for m in mutable_parts(v, classes)]
    if isinstance(value, ast.GeneratorExp):
        return mutable_parts(value.elt, classes) if frozen_arg else []
    if isinstance(value, ast.Call):
        name = call_name(value)
        if name == "read_only":
            return []  # model.neighbourhood.read_only: a numpy array, made read-only
        if name in FREEZERS:
            return [m for a in value.args for m in mutable_parts(a, classes, frozen_arg=True)]
        if name in MUTABLE_CALLS or name in classes:
            return [f"{name}(...) (changes in place)"]
    if isinstance(value, ast.BinOp):
        return mutable_parts(value.left, classes) + mutable_parts(value.right, classes)
    return []


def shared_bindings(tree: ast.Module):
    """(line, name, value) of every binding at module level or in a class body (class
    attributes are shared by every instance), dataclass fields' defaults included."""
    bodies = [tree.body] + [n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for body in bodies:
        for node in body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                yield node.lineno, ast.unparse(targets[0]), node.value


#: The one binding shared on purpose: the browser sessions a dashboard server seats are the
#: server's own state, held by its Solara app module (loaded once per server).
SHARED_ON_PURPOSE = frozenset({("visualization/dashboard/app.py", "SEATS")})


def mutable_bindings(paths: list[Path], allowed=frozenset()) -> list[str]:
    """``path:line: name is ...`` for every module- or class-level binding whose value can
    change in place, but the (path, name) pairs in ``allowed``."""
    trees = {p: ast.parse(p.read_text(), filename=str(p)) for p in paths}
    classes = unfrozen_classes(trees.values())
    out = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for line, name, value in shared_bindings(tree):
            if (str(where), name) not in allowed:
                out += [f"{where}:{line}: {name} is {m}" for m in mutable_parts(value, classes)]
    return out


def test_module_and_class_level_values_cannot_be_changed():
    """What a module or class holds is immutable: a dict is a MappingProxyType, a list a
    tuple, a set a frozenset, an array read-only; no object whose state changes."""
    paths = sources()
    assert len(paths) > 50, "the source folders were not found"
    assert mutable_bindings(paths, SHARED_ON_PURPOSE) == []
    unused = {f"{path}: {name}" for path, name in SHARED_ON_PURPOSE} - {
        line.split(":")[0] + ": " + line.split(": ")[1].split(" is ")[0]
        for line in mutable_bindings(paths)
    }
    assert not unused, f"allowed but no longer there (remove from SHARED_ON_PURPOSE): {unused}"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("TABLE = {'a': 1}\n", "a dict"),
        ("NAMES = ['a']\n", "a list"),
        ("SEEN = set()\n", "set(...)"),
        ("class C:\n    PARAMETERS = {}\n", "a dict"),
        ("import numpy as np\nKERNEL = np.ones(3)\n", "ones(...)"),
        ("import numpy as np\nRNG = np.random.default_rng(0)\n", "default_rng(...)"),
        ("from types import MappingProxyType\nT = MappingProxyType({'a': [1]})\n", "a list"),
        ("T = ({'a': 1},)\n", "a dict"),
        ("class Seats:\n    pass\nSEATS = Seats()\n", "Seats(...)"),
        ("__all__ = ['f']\n", "a list"),
    ],
)
def test_the_binding_checker_finds_each_kind(tmp_path, code, expected):
    path = tmp_path / "probe.py"
    path.write_text(code)
    found = mutable_bindings([path])
    assert any(expected in line for line in found), found


def test_the_binding_checker_allows_frozen_values(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text(
        "import re\nfrom dataclasses import dataclass\nfrom types import MappingProxyType\n"
        "NAMES = ('a', 'b')\n"
        "TABLE = MappingProxyType({'a': (1, 2), 'b': frozenset({3})})\n"
        "SQUARES = tuple(i * i for i in range(3))\n"
        "PATTERN = re.compile('x')\n"
        "from mtor_abm.model.neighbourhood import read_only\nimport numpy as np\n"
        "KERNEL = read_only(np.ones((3, 3)))\n"
        "@dataclass(frozen=True)\nclass P:\n    x: int = 0\n"
        "DEFAULT = P()\n"
        "def f():\n    local = {}\n    return local\n"
    )
    assert mutable_bindings([path]) == []


#: Statements a module may run at import besides binding names: Solara's kernel-start
#: callbacks of the dashboard's app module (Solara's documented way; dropped on a hot reload)
#: and the ``python -m`` entry point.
IMPORT_ACTIONS = frozenset(
    {
        ("visualization/dashboard/app.py", "solara.lab.on_kernel_start(session_log)"),
        ("visualization/dashboard/app.py", "solara.lab.on_kernel_start(SEATS.seat_session)"),
        ("experiments/__main__.py", "sys.exit(main())"),
    }
)


PASSIVE = (
    ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
    ast.AnnAssign,
)  # fmt: skip


def import_actions(path: Path) -> list[str]:
    """Top-level statements of ``path`` that act when it is imported (a warnings filter, a
    matplotlib setting, a registration), not counting imports, definitions, bindings,
    docstrings and ``if TYPE_CHECKING`` / ``if __name__ == "__main__"`` blocks."""
    out = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, PASSIVE):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.If) and any(
            key in ast.unparse(node.test) for key in ("TYPE_CHECKING", "__main__")
        ):
            continue
        out.append(ast.unparse(node).splitlines()[0])
    return out


def test_importing_a_module_changes_nothing_outside_it():
    found = {
        (str(path.relative_to(ROOT)), action)
        for path in sources()
        for action in import_actions(path)
    }
    assert found - IMPORT_ACTIONS == set()


def test_the_import_action_reader_sees_a_warnings_filter(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text(
        '"""doc"""\nimport warnings\nfrom typing import TYPE_CHECKING\n'
        "if TYPE_CHECKING:\n    import numpy\n"
        "warnings.filterwarnings('ignore')\n"
        "def f():\n    warnings.filterwarnings('ignore')\n"
    )
    assert import_actions(path) == ["warnings.filterwarnings('ignore')"]
