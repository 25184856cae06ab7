"""The house rules of docs/architecture.md, checked: small modules, one-way imports, no cycle,
a readable engine that is NumPy alone, and numba behind one module of the speed seam."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every module of app/, by dotted name (a package by its __init__)."""
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _top_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements run on import: the module's own, and those of its top-level if/try blocks,
    except `if TYPE_CHECKING:` (type hints only, never run)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                todo.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            todo.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                todo.extend(handler.body)
        else:
            yield node


def imports(path: Path, *, everywhere: bool = False) -> set[str]:
    """The modules `path` imports: at import time, or anywhere in it (functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = ast.walk(tree) if everywhere else _top_level(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def app_imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    return {other for other in imports(path) if other in known and other != name}


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_the_limit(name: str) -> None:
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by concern"


def test_no_import_cycle() -> None:
    known = modules()
    # A package's __init__ importing its own modules is not a cycle through them.
    graph = {
        name: {
            other for other in app_imports(name, path, known) if not other.startswith(name + ".")
        }
        for name, path in known.items()
    }
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                cycle = trail[trail.index(other) :] if other in trail else trail
                pytest.fail("import cycle: " + " -> ".join([*cycle, other]))
            if other not in state:
                visit(other, [*trail, other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_readable_engine_is_numpy_alone() -> None:
    for name, path in modules().items():
        if name == "app.nn" or name.startswith("app.nn."):
            for imported in imports(path, everywhere=True):
                root = imported.split(".")[0]
                allowed = root in {"numpy", "__future__", "dataclasses", "typing", "math"}
                allowed = allowed or imported == "app.nn" or imported.startswith("app.nn.")
                allowed = allowed or root in {"collections", "abc", "functools", "enum"}
                assert allowed, f"{name} imports {imported}: app/nn/ is NumPy and the lecture"


def test_numba_is_imported_in_one_module_only() -> None:
    users = {
        name
        for name, path in modules().items()
        if any(i.split(".")[0] == "numba" for i in imports(path, everywhere=True))
    }
    assert users == {"app.accel.runtime"}


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("app.nn", "app.accel"),
        ("app.nn", "app.trainer"),
        ("app.trainer", "app.session"),
        ("app.trainer", "app.web"),
        ("app.session", "app.web"),
        ("app.accel", "app.trainer"),
        ("app.rooms", "app.web"),
    ],
)
def test_imports_flow_one_way(lower: str, higher: str) -> None:
    for name, path in modules().items():
        if name == lower or name.startswith(lower + "."):
            wrong = {
                i
                for i in imports(path, everywhere=True)
                if i == higher or i.startswith(higher + ".")
            }
            assert not wrong, f"{name} imports {sorted(wrong)}: {lower} sits below {higher}"


def test_no_file_keeps_a_merge_conflict() -> None:
    """A merge's conflict markers left in a doc or a source read as content (it happened once)."""
    markers = ("<<<<<<< ", ">>>>>>> ")
    left = []
    for folder in ("app", "static", "templates", "docs", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".md", ".js", ".css", ".html", ".json", ".toml"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.startswith(markers):
                    left.append(f"{path.relative_to(ROOT)}:{number}")
    for path in (ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "Makefile"):
        text = path.read_text(encoding="utf-8").splitlines()
        left += [f"{path.name}:{n}" for n, line in enumerate(text, 1) if line.startswith(markers)]
    assert not left, left
