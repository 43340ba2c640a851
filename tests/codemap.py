"""The package's modules and what each imports (at the top or inside functions), read from the source."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.harness import ROOT

PACKAGE = ROOT / "stockdash"
ENTRY_POINTS = ("app.py", "clock.py", "worker.py", "gunicorn.conf.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    imports: set[str] = field(default_factory=set)  # modules of the package it imports
    uses: set[tuple[str, str]] = field(default_factory=set)  # (module, name) it reads from others


@cache
def modules() -> dict[str, Module]:
    """Every module of the package and the entry points, keyed by dotted name."""
    paths = sorted(PACKAGE.rglob("*.py")) + [ROOT / name for name in ENTRY_POINTS]
    found = {}
    for path in paths:
        name = module_name(path) if path.is_relative_to(PACKAGE) else path.stem
        found[name] = Module(name, path, ast.parse(path.read_text()), path.name == "__init__.py")
    for module in found.values():
        _read_imports(module, found)
    return found


@cache
def benchmarks() -> list[Module]:
    """The scripts in bench/: they use the package too (they are not part of it)."""
    found = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        module = Module(f"bench.{path.stem}", path, ast.parse(path.read_text()), False)
        _read_imports(module, modules())
        found.append(module)
    return found


def _read_imports(module: Module, known: dict[str, Module]) -> None:
    aliases: dict[str, str] = {}  # local name -> module it stands for
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    module.imports.add(alias.name)
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in known and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                if child in known:  # `from stockdash.web import api`: the submodule
                    module.imports.add(child)
                    aliases[alias.asname or alias.name] = child
                else:
                    module.imports.add(node.module)
                    module.uses.add((node.module, alias.name))
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count(".") >= 2:
            owner, _, attr = node.value.rpartition(".")  # "stockdash.web.gunicorn_worker.FastLaneWorker"
            if owner in known:
                module.uses.add((owner, attr))
        elif (
            isinstance(node, ast.JoinedStr)
            and len(node.values) == 2
            and isinstance(node.values[0], ast.FormattedValue)
            and isinstance(node.values[0].value, ast.Name)
            and node.values[0].value.id == "__name__"
            and isinstance(node.values[1], ast.Constant)
        ):
            module.uses.add((module.name, str(node.values[1].value).lstrip(".")))  # f"{__name__}.task"
        elif (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        ):
            module.uses.add((aliases[node.value.id], node.attr))
        elif isinstance(node, ast.Attribute) and (dotted := _dotted(node.value)) in known:
            module.uses.add((dotted, node.attr))  # `stockdash.web.api.x` after `import stockdash.web.api`


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (head := _dotted(node.value)):
        return f"{head}.{node.attr}"
    return None


def package_of(name: str) -> str:
    """The package a module lives in (a package is its own)."""
    module = modules()[name]
    return name if module.is_package else name.rpartition(".")[0]
