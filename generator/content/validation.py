"""Model stage: validate front matter against the schema, in French.

Pydantic's errors are turned into problems that name the field as the
contributor wrote it (positions in lists count from 1), the line in the file,
and a hint drawn from the schema itself: the field's description, the allowed
values with their labels, the closest known field name for a typo.
"""
from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..diagnostics import Problem, shown
from ..spreadsheet import formula_like
from .reader import CONTROL_HINT, Document, control_at


def validate(model: type[BaseModel], data: dict[str, Any], path: str,
             line_of: typing.Callable[[tuple], int], found: list | None = None) -> tuple[BaseModel | None, list[Problem]]:
    """The model of ``data``, or None and every problem; a control character anywhere (a value, a key, however
    YAML wrote it: « "\\0" », « "\\x1b" ») refuses the fiche too (``found``: those of :func:`scan`, when known)."""
    found = controls(data) if found is None else found
    hidden = [Problem(path, line_of(loc), field_name(loc), f"{what} contient un caractère de contrôle "
                      f"({shown(char)})", CONTROL_HINT) for loc, what, char in found]
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        return None, hidden + [_problem(model, err, path, line_of) for err in exc.errors()]
    return (None, hidden) if hidden else (value, [])


def controls(value: Any, loc: tuple = ()) -> list[tuple[tuple, str, str]]:
    """(field path, what holds it, refused character) of every text in a YAML value, keys included (a key's
    problem is located at its mapping: the key itself is contributed text; what is under it is not looked at)."""
    hidden: list[tuple[tuple, str, str]] = []
    _walk(value, loc, hidden, [])
    return hidden


def scan(doc: Document) -> tuple[list[tuple[tuple, str, str]], list[tuple[tuple, str]]]:
    """What the checks look for in a document's header, in one walk, kept on the document (the store of
    parsed.py keeps it with the rest: an unchanged file is not walked again): the control characters
    (:func:`controls`) and the texts a spreadsheet would run as a formula (field path, text)."""
    if doc.scanned is None:
        hidden: list[tuple[tuple, str, str]] = []
        formulas: list[tuple[tuple, str]] = []
        _walk(doc.meta, (), hidden, formulas)
        doc.scanned = (hidden, formulas)
    return doc.scanned


def _walk(value: Any, loc: tuple, hidden: list | None, formulas: list) -> None:
    """:func:`controls` into ``hidden`` (None below a key already refused) and the formula-like texts."""
    if isinstance(value, str):
        if hidden is not None:
            found = control_at(value)
            if found is not None:
                hidden.append((loc, "la valeur", found[1]))
        if formula_like(value):
            formulas.append((loc, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            found = control_at(key) if hidden is not None and isinstance(key, str) else None
            if found is not None:
                hidden.append((loc, f"la clé « {shown(key)[:60]} »", found[1]))
            _walk(item, loc + (key,), None if found is not None else hidden, formulas)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, loc + (i,), hidden, formulas)


def field_name(loc: tuple) -> str:
    """('horaires', 'mardi', 0) -> 'horaires.mardi.1' (positions counted from 1)."""
    return ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in loc)


def _problem(model: type[BaseModel], err: dict, path: str, line_of) -> Problem:
    loc = tuple(err["loc"])
    message, hint = translate(model, err)
    return Problem(path, line_of(loc), field_name(loc), message, hint)


def _show(value: Any) -> str:
    text = str(value)
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


def translate(model: type[BaseModel], err: dict) -> tuple[str, str]:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    loc = tuple(err["loc"])
    if kind == "msap":
        return ctx["message"], ctx["indice"]
    if kind == "missing":
        info = field_info(model, loc)
        what = f" ({info.description.rstrip('.')})" if info and info.description else ""
        return "champ obligatoire manquant", f"ajoutez une ligne « {loc[-1]}: … »{what}"
    if kind == "extra_forbidden":
        known = list(fields_at(model, loc[:-1]))
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"champ inconnu « {loc[-1]} »", f"vouliez-vous dire « {close[0]} » ?"
        return f"champ inconnu « {loc[-1]} »", "champs possibles ici : " + ", ".join(known)
    if kind == "string_too_long":
        return (f"le texte est trop long ({len(str(value)):,} caractères ; au plus {ctx['max_length']:,})"
                .replace(",", "\u202f"), "raccourcissez-le : les limites de chaque champ sont dans docs/champs.md")
    if kind == "too_long":
        return (f"la liste est trop longue ({ctx.get('actual_length', '?')} éléments ; au plus {ctx['max_length']})",
                "gardez l'essentiel : les limites de chaque champ sont dans docs/champs.md")
    if kind == "literal_error":
        labels = choice_labels(model, loc)
        options = ", ".join(f"« {k} » ({v})" for k, v in labels.items()) or ctx.get("expected", "")
        close = difflib.get_close_matches(str(value), list(labels), n=1, cutoff=0.5)
        start = f"vouliez-vous dire « {close[0]} » ? " if close else ""
        return f"{_show(value)} n'est pas une valeur possible", f"{start}valeurs possibles : {options}"
    simple = _SIMPLE.get(kind)
    if simple:
        message, hint = simple
        return message.format(v=_show(value), **ctx), hint.format(**ctx)
    return err["msg"], "consultez la description des champs dans docs/champs.md"


_DATE = ("n'est pas une date valide", "écrivez la date sous la forme AAAA-MM-JJ, par exemple « 2026-03-14 »")
_SIMPLE = {
    "string_type": ("{v} doit être un texte", "mettez la valeur entre guillemets"),
    "int_type": ("{v} doit être un nombre entier", "écrivez un nombre sans guillemets, par exemple 2"),
    "int_parsing": ("{v} doit être un nombre entier", "écrivez un nombre sans guillemets, par exemple 2"),
    "int_from_float": ("{v} doit être un nombre entier", "retirez la partie décimale"),
    "float_type": ("{v} doit être un nombre", "utilisez un point comme séparateur décimal, par exemple 46.17"),
    "float_parsing": ("{v} doit être un nombre", "utilisez un point comme séparateur décimal, par exemple 46.17"),
    "bool_type": ("{v} doit être true (oui) ou false (non)", "écrivez true ou false, ou laissez vide si on ne sait pas"),
    "bool_parsing": ("{v} doit être true (oui) ou false (non)", "écrivez true ou false, ou laissez vide si on ne sait pas"),
    "date_type": ("{v} " + _DATE[0], _DATE[1]),
    "date_parsing": ("{v} " + _DATE[0], _DATE[1]),
    "date_from_datetime_parsing": ("{v} " + _DATE[0], _DATE[1]),
    "date_from_datetime_inexact": ("{v} " + _DATE[0], _DATE[1]),
    "list_type": ("{v} doit être une liste", "mettez une valeur par ligne, chacune précédée de « - »"),
    "model_type": ("{v} doit être un groupe de champs", "indentez les champs sous cette ligne, « champ: valeur »"),
    "model_attributes_type": ("{v} doit être un groupe de champs",
                              "indentez les champs sous cette ligne, « champ: valeur »"),
    "dict_type": ("{v} doit être un groupe de champs", "indentez les champs sous cette ligne, « champ: valeur »"),
    "string_too_short": ("le texte est trop court", "au moins {min_length} caractères"),
    "too_short": ("la liste est trop courte", "au moins {min_length} élément(s)"),
    "greater_than": ("{v} est trop petit", "la valeur doit être supérieure à {gt}"),
    "greater_than_equal": ("{v} est trop petit", "la valeur doit être au moins {ge}"),
    "less_than_equal": ("{v} est trop grand", "la valeur doit être au plus {le}"),
    "string_pattern_mismatch": ("{v} n'a pas la forme attendue", "forme attendue : {pattern}"),
}


# ------------------------------------------------------------------ schema introspection


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """BaseModel classes reachable through Optional[...], list[...], Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(models_in(arg))
    return found


def _submodel(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        inner = models_in(info.annotation)
        current = inner[0] if inner else None
    return current


def fields_at(model: type[BaseModel], loc: tuple) -> dict[str, FieldInfo]:
    sub = _submodel(model, loc)
    return dict(sub.model_fields) if sub else {}


def field_info(model: type[BaseModel], loc: tuple) -> FieldInfo | None:
    names = [p for p in loc if not isinstance(p, int)]
    if not names:
        return None
    return fields_at(model, tuple(names[:-1])).get(names[-1])


def labels(info: FieldInfo) -> dict[str, str]:
    """French labels of a closed list of values (``x-libelles``), wherever pydantic keeps them."""
    extras = [info.json_schema_extra] + [getattr(m, "json_schema_extra", None) for m in info.metadata]
    for extra in extras:
        if isinstance(extra, dict) and "x-libelles" in extra:
            return dict(extra["x-libelles"])
    return {}


def choice_labels(model: type[BaseModel], loc: tuple) -> dict[str, str]:
    info = field_info(model, loc)
    return labels(info) if info else {}
