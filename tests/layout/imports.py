"""The import graph of the product, read from the source with `ast` (nothing is imported or run).

Every import that runs counts, also one inside a function: a late import hides a dependency from start-up, not
from the design. Imports under `if TYPE_CHECKING:` never run and only name a type for the checker, so they are
left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The product: what `pip install .` ships, plus the entry point beside it.
PRODUCT_ROOTS = ("crawler", "spiders", "storage")
PRODUCT_FILES = ("scheduler.py",)


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted name as written (a module, or a module's attribute)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files() -> Iterator[Path]:
    for root in PRODUCT_ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    for name in PRODUCT_FILES:
        yield REPO / name


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the nodes inside `if TYPE_CHECKING:` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, (ast.Name, ast.Attribute)):
            test = node.test.id if isinstance(node.test, ast.Name) else node.test.attr
            if test == "TYPE_CHECKING":
                inside.update(id(child) for statement in node.body for child in ast.walk(statement))
    return inside


def imports_of(path: Path) -> Iterator[Import]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                yield Import(name, f"{base}.{alias.name}" if base else alias.name, node.lineno)


def resolve(dotted: str, modules: set[str]) -> str | None:
    """The product module a dotted import name lands in (the longest known prefix), or None if third-party."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def product_graph() -> tuple[dict[str, set[str]], list[Import]]:
    """Module -> product modules it imports, and every import (product and third-party) with its line."""
    files = list(product_files())
    modules = {module_name(path) for path in files}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    every: list[Import] = []
    for path in files:
        for found in imports_of(path):
            every.append(found)
            target = resolve(found.imported, modules)
            if target is not None and target != found.importer:
                graph[found.importer].add(target)
    return graph, every


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
