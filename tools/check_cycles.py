"""Fail on any import cycle between our modules, naming each one.

import-linter's layers and forbidden contracts say which package may import
which; they do not see a cycle inside one package (ui.autopilot importing
ui.staff.tour importing ui.autopilot) nor one that runs through a lazy import
in a function body. grimp's graph holds every import, function-level ones
included, so a cycle here is one a reader meets when following the code.

Usage: python tools/check_cycles.py   (exit 1 and one line per cycle if any)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
# Our packages: the ones import-linter's contracts cover (one list to keep).
ROOT_PACKAGES = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                      ["tool"]["importlinter"]["root_packages"])


def import_graph(packages: list[str]) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (anywhere in its body)."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    ours = {m for m in graph.modules if m.split(".")[0] in packages}
    return {m: graph.find_modules_directly_imported_by(m) & ours for m in ours}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components, iteratively (a deep graph would hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
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
                found.append(sorted(component))
    return found


def shortest_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest chain a -> ... -> a inside a component, a being its first module."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [start, *reversed(chain[:-1]), start] if node != start else [start, start]
                if child not in seen:
                    seen.add(child)
                    previous[child] = node
                    following.append(child)
        frontier = following
    return component  # unreachable for a real component


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One named chain per cycle-bearing component (a module importing itself counts)."""
    cycles = []
    for component in strongly_connected(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            cycles.append(shortest_cycle(graph, component))
    return sorted(cycles)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    packages = list(ROOT_PACKAGES)
    graph = import_graph(packages)
    cycles = find_cycles(graph)
    for chain in cycles:
        print("import cycle: " + " -> ".join(chain))
        component = next(c for c in strongly_connected(graph) if chain[0] in c)
        if len(component) > len(chain) - 1:
            print(f"  (one of several: {len(component)} modules import each other round: "
                  + ", ".join(component) + ")")
    if cycles:
        print(f"{len(cycles)} import cycle(s) among {', '.join(packages)}")
        return 1
    print(f"no import cycles among {len(graph)} modules of {', '.join(packages)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
