"""Tests for the import graph of `agentcharts`: no module imports itself back through others."""

from __future__ import annotations

import ast
from pathlib import Path

import agentcharts

SRC = Path(agentcharts.__file__).parent


def module_name(path: Path) -> str:
    """The dotted name of the module at ``path``."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_type_checking(test: ast.expr) -> bool:
    """Whether ``test`` is ``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class ImportCollector(ast.NodeVisitor):
    """Every module an AST imports, at module level or in functions; for type checking if asked."""

    def __init__(self, name: str, *, is_package: bool, type_checking: bool = False) -> None:
        self.name = name
        self.is_package = is_package
        self.type_checking = type_checking
        self.imported: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node.test) and not self.type_checking:
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.imported.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.name.split(".")
            if not self.is_package:
                package.pop()
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        self.imported.add(base)
        self.imported.update(f"{base}.{alias.name}" for alias in node.names)


def import_graph(*, type_checking: bool = False) -> dict[str, set[str]]:
    """Module name → the modules of the package it imports (with ``TYPE_CHECKING`` ones if asked)."""
    paths = {module_name(path): path for path in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        collector = ImportCollector(
            name, is_package=path.name == "__init__.py", type_checking=type_checking
        )
        collector.visit(ast.parse(path.read_text(encoding="utf-8")))
        edges: set[str] = set()
        for target in collector.imported:
            parts = target.split(".")
            # importing a.b.c runs a, a.b and a.b.c; the packages that contain the importer
            # are already running, so they are not edges
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if prefix in paths and prefix != name and not name.startswith(prefix + "."):
                    edges.add(prefix)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class TestImportCycles:
    def test_no_module_imports_itself_back(self):
        """No cycle, counting imports inside functions; only ``TYPE_CHECKING`` imports are exempt."""
        assert [] == cycles(import_graph())

    def test_no_cycle_even_for_type_checking(self):
        """Modules do not depend on each other in a circle even through their annotations."""
        assert [] == cycles(import_graph(type_checking=True))

    def test_the_detector_sees_a_cycle(self):
        """The detector finds a cycle that goes through a package's ``__init__``."""
        graph = {"p": {"p.a"}, "p.a": {"q"}, "q": {"p"}, "r": set()}
        assert [["p", "p.a", "q"]] == cycles(graph)

    def test_lazy_imports_count(self):
        """An import inside a function body is an edge; a ``TYPE_CHECKING`` import is not."""
        source = (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from agentcharts.x import A\n"
            "def f():\n    from agentcharts.y import B\n"
        )
        collector = ImportCollector("agentcharts.z", is_package=False)
        collector.visit(ast.parse(source))
        assert "agentcharts.y.B" in collector.imported
        assert "agentcharts.x" not in collector.imported
