"""The shape of the code, read from its source: nothing defined and never used."""

from __future__ import annotations

import ast

from tests.codemap import modules


def _used_in_own_module(tree: ast.Module, name: str) -> bool:
    return any(
        (isinstance(node, ast.Name) and node.id == name)
        or (isinstance(node, ast.Attribute) and node.attr == name)
        for node in ast.walk(tree)
    )


def test_every_top_level_function_and_class_is_used_by_the_code():
    """Tests do not count: code only they call is dead code the tests keep alive."""
    every = modules()
    used = {pair for module in every.values() for pair in module.uses}
    dead = [
        f"{module.name}.{node.name}"
        for module in every.values()
        if module.name.startswith("stockdash") and ".migrations." not in module.name  # Alembic calls those
        for node in module.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and (module.name, node.name) not in used
        and not _used_in_own_module(module.tree, node.name)
    ]
    assert dead == []
