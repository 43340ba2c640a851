"""The shape of the code, read from its source: nothing defined and never used."""

from __future__ import annotations

import ast

from tests.codemap import benchmarks, modules, package_of

# Found when the screener, the analysis chart and the markets strip were merged: called by their
# tests only. Left to their owners to wire in or remove; nothing may join this list.
USED_BY_TESTS_ONLY = {
    "stockdash.screener.sectors",
    "stockdash.universe.kind_of",
    "stockdash.web.chart.panes.unpacked",
    "stockdash.web.screener.figures.as_of_text",
}


def _used_in_own_module(tree: ast.Module, name: str) -> bool:
    return any(
        (isinstance(node, ast.Name) and node.id == name)
        or (isinstance(node, ast.Attribute) and node.attr == name)
        for node in ast.walk(tree)
    )


def test_every_top_level_function_and_class_is_used_by_the_code():
    """Tests do not count: code only they call is dead code the tests keep alive. (The benchmarks do.)"""
    every = modules()
    used = {pair for module in [*every.values(), *benchmarks()] for pair in module.uses}
    dead = [
        f"{module.name}.{node.name}"
        for module in every.values()
        if module.name.startswith("stockdash") and ".migrations." not in module.name  # Alembic calls those
        for node in module.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and (module.name, node.name) not in used
        and not _used_in_own_module(module.tree, node.name)
        and f"{module.name}.{node.name}" not in USED_BY_TESTS_ONLY
    ]
    assert dead == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while (top := stack.pop()) != node:
                part.append(top)
            if part:
                found.append(sorted([node, *part]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle():
    """Imports inside functions count: they only hide a cycle."""
    graph = {name: module.imports - {name} for name, module in modules().items()}
    assert _cycles(graph) == []


def _nested(one: str, other: str) -> bool:
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


def test_no_package_imports_itself_round_a_cycle():
    """Between sibling packages (e.g. live and clock); a package and its parent share modules by design."""
    graph: dict[str, set[str]] = {}
    for name, module in modules().items():
        if not name.startswith("stockdash"):
            continue
        mine = package_of(name)
        for imported in module.imports:
            theirs = package_of(imported)
            if not _nested(mine, theirs):
                graph.setdefault(mine, set()).add(theirs)
    assert _cycles(graph) == []


def _in_feature_folder(name: str) -> bool:
    """`stockdash.web.<feature>` and its modules: each repeats layout, callbacks, figures by design."""
    parts = name.split(".")
    return len(parts) >= 3 and parts[:2] == ["stockdash", "web"] and modules()[".".join(parts[:3])].is_package


def test_no_two_modules_share_a_name():
    """Nor a module and a package, nor a module and an entry point (live/clock.py beside clock/ and
    clock.py); an entry point and the package it starts (clock.py, clock/) belong together."""
    owners: dict[str, list[str]] = {}
    for name in modules():
        if ".migrations.versions." in name or _in_feature_folder(name):
            continue
        owners.setdefault(name.rpartition(".")[2], []).append(name)
    entry_points = {name for name in modules() if not name.startswith("stockdash")}
    shared = {
        leaf: names
        for leaf, names in owners.items()
        if len(names) > 1
        and not (len(names) == 2 and leaf in entry_points and modules()[f"stockdash.{leaf}"].is_package)
    }
    assert shared == {}


HTTP_LIBRARIES = ("flask", "werkzeug")


def _imported_roots(tree: ast.Module) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.partition(".")[0])
    return roots


def test_only_the_web_package_speaks_http():
    """Routes, request parsing and error answers live under stockdash/web/; the domain returns
    typed rows and never imports Flask (issue #16). Imports inside functions count."""
    speaking = sorted(
        name
        for name, module in modules().items()
        if name.startswith("stockdash")
        and not (name == "stockdash.web" or name.startswith("stockdash.web."))
        and _imported_roots(module.tree) & set(HTTP_LIBRARIES)
    )
    assert speaking == []
    assert "flask" in _imported_roots(modules()["stockdash.web.api.params"].tree)  # the check sees imports
