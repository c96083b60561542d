"""The import graph of the coach package: no cycles, and no arrow from a lower layer up.

Every import counts: at module level, inside functions, and under ``TYPE_CHECKING``,
since a cycle through any of them is a knot the next reader has to untie.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coach"

LAYERS = {
    "coach.audio": ("coach.rubrics", "coach.sessions", "coach.cli", "coach.answers"),
    "coach.rubrics": ("coach.sessions", "coach.cli", "coach.answers"),
    "coach.sessions": ("coach.cli", "coach.answers"),
}
"""What each package must not import: the layers of docs/architecture.md."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, name: str) -> Iterator[str]:
    """Every module of ``coach`` that the file imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {t for t in imported(path, name) if t in modules and t != name}
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_a_cycle_is_found_where_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_imports_inside_functions_count() -> None:
    # html_review imports review only inside the function that needs it
    assert "coach.sessions.review" in import_graph()["coach.sessions.html_review"]


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_arrow_runs_up_from(package: str) -> None:
    upward = {
        (name, target)
        for name, targets in import_graph().items()
        if name == package or name.startswith(package + ".")
        for target in targets
        if target.startswith(LAYERS[package])
    }
    assert upward == set()
