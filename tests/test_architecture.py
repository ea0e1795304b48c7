"""The rule of dependencies (docs/architecture.md): every module belongs to a layer, imports only its own layer or
lower ones, takes part in no import cycle and uses no private name of another module."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

#: lowest first; a module is in the layer of the longest prefix listed (``generator.dev.serve`` before
#: ``generator.portal``)
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("generator", "generator.diagnostics", "generator.hours", "generator.tree", "generator.spreadsheet",
              "generator.formats", "generator.schema", "generator.parallele", "generator.cachedir",
              "generator.content.yamlio", "generator.content.geo")),  # the content package's two lowest modules
    ("contenu", ("generator.content", "generator.config", "generator.importer", "frequentation.referentiel")),
    ("contributions", ("generator.contrib", "generator.cms", "generator.cms.config")),
    ("portail", ("generator.portal",)),
    ("api", ("frequentation",)),
    ("commandes", ("generator.cli", "generator.arguments", "generator.commands", "generator.schema_export",
                   "generator.dev", "generator.cms.local", "frequentation.bench", "frequentation.cli")),
]
#: what each layer may import besides itself
ALLOWED = {
    "base": set(),
    "contenu": {"base"},
    "contributions": {"base", "contenu"},
    "portail": {"base", "contenu", "contributions"},
    "api": {"base", "contenu"},  # the visit API never imports the site renderer
    "commandes": {"base", "contenu", "contributions", "portail", "api"},
}


def modules() -> dict[str, Path]:
    out = {}
    for package in ("generator", "frequentation"):
        for path in (REPO / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


MODULES = modules()


def layer_of(module: str) -> str:
    best, found = -1, ""
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), name
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of the imports made under ``if TYPE_CHECKING:`` (no import at run time)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            lines |= {n.lineno for child in node.body for n in ast.walk(child) if hasattr(n, "lineno")}
    return lines


def imports(module: str) -> list[tuple[str, list[str], int]]:
    """(imported project module, names taken from it, line) for every import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    out.append((f"{base}.{alias.name}", [], node.lineno))
                elif base in MODULES:
                    out.append((base, [alias.name], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                while name and name not in MODULES:
                    name = name.rpartition(".")[0]
                if name:
                    out.append((name, [], node.lineno))
    return out


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if not layer_of(m)] == []


def test_no_layer_imports_a_higher_one():
    wrong = [f"{MODULES[m].relative_to(REPO)}:{line}: {m} ({layer_of(m)}) importe {target} ({layer_of(target)})"
             for m, found in GRAPH.items() for target, _, line in found
             if layer_of(target) != layer_of(m) and layer_of(target) not in ALLOWED[layer_of(m)]]
    assert wrong == []


def test_no_import_cycle():
    edges = {m: {t for t, _, _ in found if t != m and not m.startswith(t + ".")} for m, found in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_private_name_is_used_outside_its_module():
    used = [f"{MODULES[m].relative_to(REPO)}:{line}: {name} de {target}"
            for m, found in GRAPH.items() for target, names, line in found for name in names
            if name.startswith("_") and not name.startswith("__")]
    assert used == []


@pytest.mark.parametrize("wrong", [
    ("generator.content.site", "generator.portal.render"),
    ("frequentation.store", "generator.portal.features.horaires"),
])
def test_the_rule_catches_an_import_upwards(wrong):
    module, target = wrong
    assert layer_of(target) not in ALLOWED[layer_of(module)] | {layer_of(module)}


def test_the_layers_are_documented():
    text = (REPO / "docs/architecture.md").read_text(encoding="utf-8")
    for name, prefixes in LAYERS:
        assert f"**{name}**" in text
        for prefix in prefixes:
            assert f"`{prefix.replace('.', '/')}" in text or f"`{prefix}`" in text, prefix
