"""One error type for every command error (``generator.diagnostics.CommandError``: a French message and a hint),
and every one raised carries its hint.

Read from the source: each module's own kind of error (``BuildError``, ``ImportFailure``…) must derive from
``CommandError``, and each ``raise`` of one must give its hint: as the ``hint`` argument, in the message (« —
Indice : … », or a module constant ``…HINT`` that says it), or by passing on the text of a command error it
caught (``except VendorError as exc: raise BuildError(str(exc))``). A message put together elsewhere says where
its hints are in a comment on the ``raise`` line: ``# indice : …``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO
from generator.diagnostics import CommandError

PACKAGES = ("generator", "frequentation")
ROOT_ERROR = "CommandError"


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def _base_names(cls: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else b.attr for b in cls.bases if isinstance(b, (ast.Name, ast.Attribute))}


def command_errors(sources: dict[Path, str]) -> dict[str, bool]:
    """The classes derived from CommandError: name -> whether it keeps CommandError's (message, hint)."""
    classes = {node.name: node for source in sources.values() for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.ClassDef)}
    found = {ROOT_ERROR: True}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            parents = _base_names(cls) & found.keys()
            if name not in found and parents:
                own_init = any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in cls.body)
                found[name] = not own_init and all(found[p] for p in parents)
                changed = True
    return found


def _error_classes_defined(sources: dict[Path, str]) -> list[tuple[str, str]]:
    """(file:line, name) of every class named like an error (…Error, …Failure) in the code."""
    out = []
    for path, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Failure")):
                out.append((f"{path.relative_to(REPO)}:{node.lineno}", node.name))
    return out


def _hint_constants(tree: ast.Module) -> set[str]:
    """Module constants whose name says HINT and whose text carries « Indice »."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(n, ast.Constant) and "Indice" in str(n.value)
                                                for n in ast.walk(node.value)):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name) and "HINT" in t.id}
    return names


def _caught(tree: ast.Module) -> dict[ast.Raise, set[str]]:
    """For each raise inside ``except … as name`` handlers: the names bound to command errors there."""
    out: dict[ast.Raise, set[str]] = {}

    def visit(node: ast.AST, bound: dict[str, set[str]]) -> None:
        if isinstance(node, ast.ExceptHandler) and node.name:
            types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {t.id if isinstance(t, ast.Name) else t.attr for t in types
                     if isinstance(t, (ast.Name, ast.Attribute))}
            bound = {**bound, node.name: names}
        if isinstance(node, ast.Raise):
            out[node] = {name for name, types in bound.items() if types and types <= ERRORS.keys()}
        for child in ast.iter_child_nodes(node):
            visit(child, bound)
    visit(tree, {})
    return out


def _passes_on(arg: ast.expr, caught: set[str]) -> bool:
    """``exc``, ``str(exc)``, ``str(exc).removeprefix(…)`` of a caught command error."""
    while isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "removeprefix":
        arg = arg.func.value
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "str" and arg.args:
        arg = arg.args[0]
    return isinstance(arg, ast.Name) and arg.id in caught


def raises_without_hint(source: str, errors: dict[str, bool], shown: str = "<source>") -> list[str]:
    tree = ast.parse(source)
    lines = source.splitlines()
    hints = _hint_constants(tree)
    bad = []
    for raise_, caught in _caught(tree).items():
        call = raise_.exc
        if not isinstance(call, ast.Call):
            continue
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if name not in errors:
            continue
        has_hint = (any(k.arg == "hint" for k in call.keywords)
                    or (errors[name] and len(call.args) >= 2)
                    or any(isinstance(n, ast.Constant) and "Indice" in str(n.value) for n in ast.walk(call))
                    or any(isinstance(n, ast.Name) and n.id in hints for n in ast.walk(call))
                    or bool(call.args) and _passes_on(call.args[0], caught)
                    or any("# indice :" in line for line in lines[raise_.lineno - 1:raise_.end_lineno]))
        if not has_hint:
            bad.append(f"{shown}:{raise_.lineno}: {ast.unparse(call)[:120]}")
    return bad


SOURCES = _sources()
ERRORS = command_errors(SOURCES)


def test_every_error_of_the_code_is_a_command_error():
    """A kind of error that is not a CommandError would reach msap's edge as « erreur inattendue »."""
    internal = {"YamlProblem", "HoursError",  # turned into content problems (file:line, field, hint) by their callers
                "ApiError",  # the visit API's answers: a status, a reason and a hint (« indice ») in JSON, see below
                "FormatError"}  # a search bundle the update cannot read: Pagefind then indexes every page
    outside = [f"{where} {name}" for where, name in _error_classes_defined(SOURCES)
               if name not in ERRORS and name not in internal]
    assert outside == []
    assert {"BuildError", "ImportFailure", "ConfigError", "GitError", "UpdateError", "GeoSourceError", "SearchError",
            "VendorError", "DatabaseError", "SettingsError"} <= ERRORS.keys()


def test_every_command_error_raised_carries_a_hint():
    bad = [line for path, source in SOURCES.items()
           for line in raises_without_hint(source, ERRORS, str(path.relative_to(REPO)))]
    assert bad == []


@pytest.mark.parametrize("source, flagged", [
    ('raise BuildError("le site est illisible")', True),
    ('raise BuildError(f"{x} illisible — Indice : relancez")', False),
    ('raise CommandError("dossier absent", "créez-le")', False),
    ('raise CommandError("dossier absent", hint="créez-le")', False),
    ('try:\n    f()\nexcept VendorError as exc:\n    raise BuildError(str(exc)) from None', False),
    ('try:\n    f()\nexcept OSError as exc:\n    raise BuildError(str(exc)) from None', True),
    ('raise BuildError(report.render())  # indice : chaque problème du rapport a le sien', False),
    ('HINT = "Indice : relancez"\nraise SearchError(f"Pagefind absent — {HINT}")', False),
])
def test_the_check_catches_a_raise_without_hint(source: str, flagged: bool):
    errors = {"CommandError": True, "BuildError": False, "VendorError": True, "SearchError": True}
    assert bool(raises_without_hint(source, errors)) is flagged


def test_a_message_passed_on_keeps_its_hint():
    exc = CommandError("le fichier est vide — Indice : exportez-le de nouveau")
    assert (exc.message, exc.hint) == ("le fichier est vide", "exportez-le de nouveau")
    assert str(CommandError(str(exc))) == str(exc) == "le fichier est vide — Indice : exportez-le de nouveau"
    assert str(CommandError("sans indice")) == "sans indice" and CommandError("sans indice").hint == ""


def test_every_api_error_gives_a_hint():
    """The API answers 4xx with a reason and a hint (``ApiError(status, erreur, indice)``)."""
    bad = []
    for path, source in SOURCES.items():
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", None) == "ApiError"):
                indice = next((k.value for k in node.exc.keywords if k.arg == "indice"),
                              node.exc.args[2] if len(node.exc.args) > 2 else None)
                if indice is None or (isinstance(indice, ast.Constant) and not indice.value):
                    bad.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert bad == []
