"""No import cycles in the core or the built-in adapters, function-level imports included.

Every module under ``src/unified_orders`` and ``adapters/`` is read with ``ast``; each import
becomes an edge to the module it loads (``from . import x`` resolved to ``pkg.x`` when ``x`` is a
module, else to ``pkg``). Importing ``a.b.c`` also runs ``a/b/__init__.py``, so an edge goes to each
package on the way too, except the importer's own packages (already running when it runs).
``if TYPE_CHECKING:`` blocks are skipped: they never run.

An adapter's ``emulator()`` importing its own ``sandbox`` package is one edge, not a cycle, as long
as nothing in ``sandbox/`` imports back into the adapter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    "unified_orders": ROOT / "src" / "unified_orders",
    "unified_orders_adapters": ROOT / "adapters",
}


@dataclass(frozen=True)
class Module:
    """One module: its dotted name, its file, and whether it is a package ``__init__``."""

    name: str
    path: Path
    is_package: bool

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def modules() -> dict[str, Module]:
    """Every module of the core and the built-in adapters, by dotted name."""
    found: dict[str, Module] = {}
    for top, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join((top, *(parts[:-1] if is_package else parts)))
            found[name] = Module(name, path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, outside ``if TYPE_CHECKING:`` bodies."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: Module, known: set[str]) -> dict[str, int]:
    """The known modules ``module`` imports (with the line of the first import of each)."""
    targets: dict[str, int] = {}

    def add(name: str, line: int) -> None:
        # The longest known prefix: ``import a.b.c`` of a name that is no module loads ``a.b``.
        while name and name not in known:
            name = name.rpartition(".")[0]
        if not name or name == module.name:
            return
        targets.setdefault(name, line)
        # Loading ``a.b.c`` first runs ``a`` and ``a.b``, unless they are the importer's own.
        parts = name.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent in known and not (module.name + ".").startswith(parent + "."):
                targets.setdefault(parent, line)

    tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
            continue
        source = _absolute(module, node)
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            add(submodule if submodule in known else source, node.lineno)
    return targets


def import_graph() -> tuple[dict[str, dict[str, int]], dict[str, Module]]:
    """``{module: {imported module: line}}`` over every known module."""
    found = modules()
    known = set(found)
    return {name: imports_of(module, known) for name, module in found.items()}, found


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative, so a deep import chain cannot exhaust the recursion limit.
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def one_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest import loop through the component's first module (breadth-first)."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no loop through {start}")  # pragma: no cover - a component has one


def describe(graph: dict[str, dict[str, int]], found: dict[str, Module], loop: list[str]) -> str:
    """``a (a.py:3) -> b (b.py:7) -> a``: each step with the file and line of its import."""
    steps = []
    for here, there in pairwise(loop):
        where = found[here].path.relative_to(ROOT)
        steps.append(f"{here} ({where}:{graph[here][there]})")
    return " -> ".join([*steps, loop[-1]])


def test_the_graph_sees_relative_function_level_and_parent_imports() -> None:
    graph, _ = import_graph()
    assert "unified_orders.adapter" in graph["unified_orders.store"]  # from .adapter import ...
    assert "unified_orders.sync.rows" in graph["unified_orders.sync.report"]  # inside a function
    assert "unified_orders.sync" in graph["unified_orders.cli.cmd_sync"]  # ..sync.x runs sync/
    assert "unified_orders" not in graph["unified_orders.store"]  # its own package: not an edge


def test_the_cycle_finder_names_each_loop() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"e": 5}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles() -> None:
    graph, found = import_graph()
    loops = [describe(graph, found, one_cycle(graph, c)) for c in cycles(graph)]
    assert not loops, "import cycles:\n" + "\n".join(loops)
