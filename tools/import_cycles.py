"""No import cycles: inside each top-level package neither between its areas (``domain.<area>``,
``graphql_schema.<area>``… taken whole) nor between its modules. Run by `make lint`; exits 1 and names
every cycle with the imports that make it.

    python tools/import_cycles.py

Imports inside functions and under TYPE_CHECKING count: a cycle hidden in a function or behind a type
is still a cycle of the design. Between the packages themselves the layers of pyproject.toml hold
(lint-imports). Left out of the graph:
- ALLOWED: imports that point up on purpose, each with its reason;
- KNOWN_AREA_IMPORTS / KNOWN_IMPORTS: cycles tolerated for a while, each with what breaks it (empty since
  issue 14 broke the last ones; keep them empty). An entry that matches no import any more is reported,
  so the lists only shrink.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable

import grimp

PACKAGES = ("domain", "web", "portal", "graphql_schema", "demo", "server")

ALLOWED: dict[tuple[str, str], str] = {
    ("domain.db", "domain.models"): "the unit of work loads every table before its first flush, so a "
    "process that imported only part of the domain still resolves every foreign key",
}
KNOWN_AREA_IMPORTS: dict[tuple[str, str], str] = {}
KNOWN_IMPORTS: dict[tuple[str, str], str] = {}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles of ``graph``: its strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def area(module: str) -> str:
    """``domain.reports.service.drafts`` -> ``domain.reports``: the part of its package a module is in."""
    return ".".join(module.split(".")[:2])


def imports(graph: grimp.ImportGraph) -> Iterable[tuple[str, str]]:
    """Every import between two modules of the same top-level package."""
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported.split(".")[0] == importer.split(".")[0]:
                yield importer, imported


def report(kind: str, graph: dict[str, set[str]], why: dict[tuple[str, str], list[str]]) -> int:
    cycles = strongly_connected(graph)
    for members in cycles:
        print(f"{kind} in a cycle: {', '.join(members)}")
        for source in members:
            for target in sorted(graph[source] & set(members)):
                through = why.get((source, target))
                print(f"    {source} -> {target}" + (f" ({'; '.join(through)})" if through else ""))
    return len(cycles)


def main() -> int:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = list(imports(graph))
    area_pairs = {(area(importer), area(imported)) for importer, imported in edges}
    stale = [f"KNOWN_AREA_IMPORTS: {a} -> {b}" for a, b in sorted(set(KNOWN_AREA_IMPORTS) - area_pairs)]
    stale += [
        f"{name}: {a} -> {b}"
        for name, listed in (("ALLOWED", ALLOWED), ("KNOWN_IMPORTS", KNOWN_IMPORTS))
        for a, b in sorted(set(listed) - set(edges))
    ]

    modules: dict[str, set[str]] = defaultdict(set)
    areas: dict[str, set[str]] = defaultdict(set)
    why: dict[tuple[str, str], list[str]] = defaultdict(list)
    for importer, imported in edges:
        if (importer, imported) in ALLOWED or (importer, imported) in KNOWN_IMPORTS:
            continue
        modules[importer].add(imported)
        source, target = area(importer), area(imported)
        if source != target and (source, target) not in KNOWN_AREA_IMPORTS:
            areas[source].add(target)
            why[(source, target)].append(f"{importer} -> {imported}")

    problems = report("areas", areas, why) + report("modules", modules, why)
    for entry in stale:
        print(f"{entry} is listed but no such import exists any more: remove it")
    if problems or stale:
        return 1
    left_out = len(ALLOWED) + len(KNOWN_AREA_IMPORTS) + len(KNOWN_IMPORTS)
    print(
        f"no import cycles in {', '.join(PACKAGES)} ({len(graph.modules)} modules; {left_out} listed imports)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
