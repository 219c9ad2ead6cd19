"""The packages are layers, and a layer only imports the layers below it.

    graph_service   the HTTP app, the GraphQL API, the CLI
    services        probe jobs and runs, rank recompute
    embed, probes   search (embedders, indexes, catalog), probes and claim verification
    ingest          reading and parsing documents, writing them to the graph
    graphdb         configuration, the Neo4j drivers, schema, every read-side query

Read from the source with `ast`, so an import inside a function counts as much as one at the top
(hiding a cycle in a function is how cycles usually survive). Packages of one layer may import each
other as long as no cycle forms.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = {"graphdb": 0, "ingest": 1, "probes": 2, "embed": 2, "services": 3, "graph_service": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports() -> dict[str, set[tuple[str, int, bool]]]:
    """{module: {(imported project module, line, inside a function or class)}}."""
    found: dict[str, set[tuple[str, int, bool]]] = defaultdict(set)
    for package in LAYERS:
        for path in sorted((REPO / package).rglob("*.py")):
            module = module_name(path)
            base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.ImportFrom):
                    target = node.module or ""
                    if node.level:
                        target = ".".join(base[: len(base) - node.level + 1] + ([target] if target else []))
                    targets = [target]
                elif isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                else:
                    continue
                for target in targets:
                    if target.split(".")[0] in LAYERS:
                        found[module].add((target, node.lineno, node.col_offset > 0))
    return found


def test_every_package_is_in_a_layer():
    packages = {path.parent.name for path in REPO.glob("*/__init__.py")}
    assert packages - {"tests", "benchmarks", "corpus", "scripts", "schema"} <= set(LAYERS)


def test_no_layer_imports_a_higher_one():
    upward = [
        f"{module}:{line} imports {target}"
        for module, targets in project_imports().items()
        for target, line, _ in targets
        if LAYERS[target.split(".")[0]] > LAYERS[module.split(".")[0]]
    ]
    assert upward == []


def test_no_function_local_imports_of_project_modules():
    local = [
        f"{module}:{line} imports {target}"
        for module, targets in project_imports().items()
        for target, line, nested in targets
        if nested
    ]
    assert local == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes, or None (depth-first search, colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _resolve(target: str, modules: set[str]) -> str:
    """`from a.b import c` names module a.b.c when it exists, else a.b."""
    while target not in modules and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def test_no_import_cycle_between_modules():
    imports = project_imports()
    modules = set(imports) | {module_name(p) for package in LAYERS for p in (REPO / package).rglob("*.py")}
    graph = {m: {_resolve(t, modules) for t, _, _ in imports.get(m, ())} - {m} for m in modules}
    # A package's __init__ importing its own submodules is not a cycle a reader trips on; edges
    # from a submodule to its own package's __init__ are.
    graph = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in graph.items()}
    assert _cycle(graph) is None


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in project_imports().items():
        for target, _, _ in targets:
            if target.split(".")[0] != module.split(".")[0]:
                graph[module.split(".")[0]].add(target.split(".")[0])
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
