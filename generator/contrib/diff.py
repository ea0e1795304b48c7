"""What changed in the front matter of one content file, in short French lines.

The pydantic model drives everything: the fields are walked in the model's
order, nested models are followed, identifiers pointing into a reference list
(``x-reference``) are shown with their label, closed lists of values with the
label of each value (``x-libelles``). A few shapes get a reading of their own
(a week of opening hours, a pin on the map, dated exceptions, stops of a
travelling Maison); any other field, including one added to the model later,
falls back to « champ modifié : « avant » → « après » », or to the field's
description when its value is too long to show.
"""
from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..diagnostics import shown
from ..content.geo import distance_km
from ..schema.fields import JOURS, Coordonnees, Horaires
from ..content.validation import models_in, labels as choice_labels

SHORT = 60  # longer values are not shown, only the field's description

# reference list -> (noun for one item, feminine?)
REFERENCE_NOUNS = {"operateurs": ("opérateur", False), "equipements": ("équipement", False),
                   "activites": ("activité", True), "themes": ("thème", False), "maisons": ("Maison", True)}
# list of models -> (noun for one item, feminine?)
ITEM_NOUNS = {"arrets": ("arrêt", False), "exceptions": ("exception", True), "contacts": ("contact", False),
              "tranches_age": ("tranche d'âge", True), "situations": ("situation", True), **REFERENCE_NOUNS}


@dataclass
class Labels:
    """Display names of identifiers (reference lists, Maisons), read at the proposed revision."""

    refs: dict[str, dict[str, str]] = field(default_factory=dict)  # list name -> id -> label

    def of(self, target: str, ident: Any) -> str:
        return self.refs.get(target, {}).get(str(ident), str(ident))


_MD_SPECIAL = re.compile(r"([\\`\[\]<>])")


def md(value: Any) -> str:
    """A contributed value shown inline in Markdown: one line, inert (no link, image, mention, HTML)."""
    text = shown(" ".join(str(value).split()))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(^|\s)@", r"\1\\@", text)


def quote(value: Any) -> str:
    return f"« {md(value)} »"


def agree(word: str, feminine: bool, plural: bool = False) -> str:
    """« ajouté » → « ajoutée », « ajoutés »."""
    return word + ("e" if feminine else "") + ("s" if plural else "")


def french_date(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    return None


def show(value: Any, info: FieldInfo | None = None) -> str:
    """The readable form of a scalar: label of a closed value, oui/non, French date."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    date = french_date(value)
    if date:
        return date
    if info is not None and isinstance(value, str):
        return choice_labels(info).get(value, value)
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)


def slots(value: Any) -> str:
    """A day's opening slots, « fermé » when there are none."""
    if value in (None, [], ""):
        return "fermé"
    return md(", ".join(str(v) for v in value) if isinstance(value, list) else value)


def km(value: float) -> str:
    if value < 1:
        return f"{round(value * 1000):d} m"
    return f"{value:.1f} km".replace(".", ",")


def _empty(value: Any) -> Any:
    return None if value in (None, "", [], {}) else value


def shape(annotation: Any) -> tuple[str, type[BaseModel] | None]:
    """("model", M), ("list", M or None), ("dict", None) or ("scalar", None) for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return shape(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return shape(inner[0]) if len(inner) == 1 else ("scalar", None)
    if origin is list:
        models = models_in(typing.get_args(annotation)[0])
        return "list", (models[0] if models else None)
    if origin is dict:
        return "dict", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "scalar", None


def reference_target(info: FieldInfo | None) -> str | None:
    extra = info.json_schema_extra if info is not None else None
    return extra.get("x-reference") if isinstance(extra, dict) else None


def describe(info: FieldInfo | None) -> str:
    return f" ({info.description.rstrip('.')})" if info is not None and info.description else ""


def diff_model(model: type[BaseModel] | None, old: Any, new: Any, labels: Labels, prefix: str = "") -> list[str]:
    """Lines describing how a group of fields changed (``old``/``new``: dicts, maybe malformed)."""
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    known = list(model.model_fields) if model is not None else []
    names = known + sorted((set(old) | set(new)) - set(known), key=str)
    lines: list[str] = []
    for name in names:
        info = model.model_fields.get(name) if model is not None else None
        lines += diff_field(str(name), info, old.get(name), new.get(name), labels, prefix)
    return lines


def diff_field(name: str, info: FieldInfo | None, old: Any, new: Any, labels: Labels, prefix: str) -> list[str]:
    old, new = _empty(old), _empty(new)
    if old == new:
        return []
    kind, inner = shape(info.annotation) if info is not None else ("scalar", None)
    path = prefix + md(name)
    target = reference_target(info)
    if target and _all_text(old) and _all_text(new):
        return _references(target, old or [], new or [], labels, prefix)
    if inner is Horaires and _dict_or_none(old) and _dict_or_none(new):
        return _week(old, new, prefix)
    if inner is Coordonnees and _dict_or_none(old) and _dict_or_none(new):
        moved = _pin(old, new, prefix)
        if moved is not None:
            return moved
    if kind == "model" and _dict_or_none(old) and _dict_or_none(new):
        return diff_model(inner, old or {}, new or {}, labels, path + ".")
    if kind == "list" and inner is not None and _list_of_dicts(old) and _list_of_dicts(new):
        return _items(name, inner, old or [], new or [], labels, prefix)
    if (kind == "dict" or info is None) and _dict_or_none(old) and _dict_or_none(new):
        return diff_model(None, old or {}, new or {}, labels, path + ".")
    if name == "horaires" and (isinstance(old, list) or isinstance(new, list)):
        return [f"{path} : {slots(old)} → {slots(new)}"]
    if kind == "list" and isinstance(old, (list, type(None))) and isinstance(new, (list, type(None))):
        return _scalar_list(path, info, old or [], new or [])
    return [_scalar(path, info, old, new)]


def _all_text(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _dict_or_none(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _list_of_dicts(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, dict) for v in value))


def _scalar(path: str, info: FieldInfo | None, old: Any, new: Any) -> str:
    before, after = show(old, info) if old is not None else None, show(new, info) if new is not None else None
    if any(v is not None and (len(v) > SHORT or "\n" in v) for v in (before, after)):
        verb = "ajouté" if old is None else "retiré" if new is None else "modifié"
        return f"{path} {verb}{describe(info)}"
    if old is None:
        return f"{path} ajouté : {quote(after)}"
    if new is None:
        return f"{path} retiré (était {quote(before)})"
    return f"{path} modifié : {quote(before)} → {quote(after)}"


def _scalar_list(path: str, info: FieldInfo | None, old: list, new: list) -> list[str]:
    joined = [show(old, info), show(new, info)]
    if all(len(v) <= SHORT for v in joined):
        return [_scalar(path, info, joined[0] or None, joined[1] or None)]
    gone = [v for v in old if v not in new]
    came = [v for v in new if v not in old]
    lines = [_scalar(path, info, v, None) for v in gone] + [_scalar(path, info, None, v) for v in came]
    return lines or [f"{path} : ordre modifié"]


def _references(target: str, old: list[str], new: list[str], labels: Labels, prefix: str) -> list[str]:
    noun, feminine = REFERENCE_NOUNS.get(target, (target, False))
    lines = [f"{prefix}{noun} {md(labels.of(target, v))} {agree('retiré', feminine)}" for v in old if v not in new]
    lines += [f"{prefix}{noun} {md(labels.of(target, v))} {agree('ajouté', feminine)}" for v in new if v not in old]
    return lines


def _week(old: dict | None, new: dict | None, prefix: str) -> list[str]:
    if old is None or new is None:
        state = "retirés" if new is None else "ajoutés"
        days = [f"{day} {slots((old or new).get(day))}" for day in JOURS if (old or new).get(day)]
        return [f"{prefix}horaires {state}" + (f" ({' ; '.join(days)})" if days else "")]
    lines = []
    for day in JOURS:
        before, after = _empty(old.get(day)), _empty(new.get(day))
        if before != after:
            lines.append(f"{prefix}{day} : {slots(before)} → {slots(after)}")
    extra = sorted((set(old) | set(new)) - set(JOURS), key=str)
    return lines + [_scalar(f"{prefix}horaires.{k}", None, _empty(old.get(k)), _empty(new.get(k)))
                    for k in extra if _empty(old.get(k)) != _empty(new.get(k))]


def _point(value: dict | None) -> tuple[float, float] | None:
    if value is None:
        return None
    lat, lon = value.get("lat"), value.get("lon")
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon))
    return (float(lat), float(lon)) if ok else None


def _pin(old: dict | None, new: dict | None, prefix: str) -> list[str] | None:
    """« repère déplacé de 3,2 km »; None when a side is malformed (the generic reading shows it)."""
    a, b = _point(old), _point(new)
    if (old is not None and a is None) or (new is not None and b is None):
        return None
    if a is None:
        return [f"{prefix}repère ajouté ({md(b[0])}, {md(b[1])})"]
    if b is None:
        return [f"{prefix}repère retiré"]
    lines = [f"{prefix}repère déplacé de {km(distance_km(*a, *b))}"] if a != b else []
    precision = Coordonnees.model_fields["precision"]
    p_old, p_new = old.get("precision", "adresse"), new.get("precision", "adresse")
    if p_old != p_new:
        lines.append(f"{prefix}précision du repère : {md(show(p_old, precision))} → {md(show(p_new, precision))}")
    return lines


def item_key(model: type[BaseModel], item: dict) -> tuple:
    """What identifies one item of a list of models: its « id », else its required plain fields."""
    if "id" in model.model_fields:
        return (str(item.get("id")),)
    names = [n for n, i in model.model_fields.items() if i.is_required() and shape(i.annotation)[0] == "scalar"]
    return tuple(str(item.get(n)) for n in names)


def summary(name: str, model: type[BaseModel], item: dict, labels: Labels) -> str:
    """One item in a few words: an exception by its dates, a stop by its place and day."""
    if name == "exceptions":
        du, au = french_date(item.get("du")) or md(item.get("du")), french_date(item.get("au"))
        when = f"du {du} au {au}" if au else f"le {du}"
        return f"{when}, {quote(item.get('motif'))} ({slots(item.get('horaires'))})"
    if name == "arrets":
        text = f"{quote(item.get('lieu'))} ({md(item.get('commune'))}), {md(item.get('jour'))}"
        return text + (f" {slots(item.get('horaires'))}" if item.get("horaires") else "")
    if "id" in model.model_fields and isinstance(item.get("nom"), str):
        return f"{quote(item['nom'])} ({md(item.get('id'))})"
    return ", ".join(quote(show(v)) for v in item_key(model, item))


def _items(name: str, model: type[BaseModel], old: list[dict], new: list[dict], labels: Labels,
           prefix: str) -> list[str]:
    noun, feminine = ITEM_NOUNS.get(name, (f"élément de {name}", False))
    before = {item_key(model, i): i for i in old}
    after = {item_key(model, i): i for i in new}
    lines = [f"{prefix}{noun} {agree('retiré', feminine)} : {summary(name, model, i, labels)}"
             for k, i in before.items() if k not in after]
    lines += [f"{prefix}{noun} {agree('ajouté', feminine)} : {summary(name, model, i, labels)}"
              for k, i in after.items() if k not in before]
    for k, item in after.items():
        if k in before and before[k] != item:
            label = (summary(name, model, item, labels) if "id" in model.model_fields
                     else "« " + ", ".join(md(show(v)) for v in k) + " »")
            lines += diff_model(model, before[k], item, labels, f"{prefix}{noun} {label}, ")
    return lines
