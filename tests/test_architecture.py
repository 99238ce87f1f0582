"""The layout of README.md ("How the code is laid out") held by the code: every import of escodegen's own modules
(also the ones inside functions, and the `"module:attribute"` tables the CLI and emit import
from by name) goes down the floors, never up or sideways into a later stage, and no two
packages import each other, directly or in a circle."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "escodegen"

FLOORS: dict[str, int] = {
    # text helpers over plain values: import nothing of escodegen's
    "escodegen": 0,  # the package's own __init__ (its version)
    "printable": 0,
    "pytext": 0,
    "canonical": 0,
    # errors as values (written with `printable`), packaged data
    "diagnostics": 1,
    "resources": 1,
    # pure data
    "model": 2,
    # every input; the one way to write SQL text
    "sources": 3,
    "sqltext": 3,
    # upcast operations, complete units
    "upcast": 4,
    # declarations -> model
    "check": 5,
    # pure functions over models
    "analyse": 6,
    # outputs: generated files, report formats
    "emit": 7,
    "report": 7,
    # runs against a database
    "db": 8,
    # the command line
    "commands": 9,
    # the entry point: finds each command by name
    "cli": 10,
    # `python -m escodegen`
    "__main__": 11,
}
"""Each top-level module or package of escodegen and its floor: an import goes to a lower
floor or stays inside its own package (two packages of one floor do not import each other)."""

ALLOWED_UPWARD: frozenset[tuple[str, str]] = frozenset()
"""Package edges allowed to break the floors while they are being removed: keep it empty."""

TABLE_ENTRY = re.compile(r"^(escodegen(?:\.\w+)+):\w+$")
"""`"escodegen.commands.check:check"`: a module imported by name (cli.COMMANDS, emit.TARGETS)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def resolve(name: str) -> str | None:
    """The escodegen module `name` is in (`escodegen.model.Project` -> `escodegen.model`)."""
    while name not in MODULES:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def imported(module: str) -> Iterator[tuple[str, int]]:
    """(escodegen module, line) for every import of `module`, at any depth of its code."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join([*here[:len(here) - node.level + 1], *filter(None, [base])])
            # `from escodegen.db import runner` imports the module escodegen.db.runner
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = TABLE_ENTRY.match(node.value)
            names = [match.group(1)] if match else []
        for name in names:
            target = resolve(name) if name.startswith("escodegen") else None
            if target is not None:
                yield target, getattr(node, "lineno", 0)


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> where, for imports between packages."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module in MODULES:
        for target, line in imported(module):
            edge = (package_of(module), package_of(target))
            if edge[0] != edge[1]:
                where = f"{module}:{line} imports {target}"
                if where not in edges.setdefault(edge, []):
                    edges[edge].append(where)
    return edges


EDGES = package_edges()


def test_every_package_has_a_floor() -> None:
    assert {package_of(m) for m in MODULES} == set(FLOORS)


def test_no_stage_imports_a_later_one() -> None:
    upward = {edge: where for edge, where in EDGES.items()
              if FLOORS[edge[1]] >= FLOORS[edge[0]] and edge not in ALLOWED_UPWARD}
    assert not upward, "\n".join(
        f"{a} (floor {FLOORS[a]}) -> {b} (floor {FLOORS[b]}): {'; '.join(where)}"
        for (a, b), where in sorted(upward.items()))


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for (a, b) in EDGES:
        if (a, b) not in ALLOWED_UPWARD:
            graph.setdefault(a, set()).add(b)
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(node):], node]))
        if node in done:
            return
        for successor in sorted(graph.get(node, ())):
            visit(successor, (*path, node))
        done.add(node)

    for package in sorted(graph):
        visit(package, ())


def test_the_allowed_exceptions_are_still_needed() -> None:
    """An exception that no import needs any more is removed, so it cannot hide a new one."""
    assert ALLOWED_UPWARD <= set(EDGES)


def test_the_graph_sees_lazy_imports_and_import_tables() -> None:
    """The three kinds of import this test must see, each at a place that has one today."""
    # commands/check.py imports compile_project inside its function
    assert ("commands", "check") in EDGES
    # emit.TARGETS names its renderers as "escodegen.emit.python:render"
    assert "escodegen.emit.python" in {t for t, _ in imported("escodegen.emit")}
    # cli.COMMANDS names every command module
    assert "escodegen.commands.generate" in {t for t, _ in imported("escodegen.cli")}
