"""Merge an imported site into its fiche without overwriting what people edited.

The import state keeps, for every fiche, a fingerprint of each value the last
import wrote. On the next import, a field whose current value still has that
fingerprint was not touched by a person and follows the list; a field that
differs was edited by hand and is kept (the report says so when the list
changed it too). Values are compared once parsed, so a file reformatted by the
web editor is not mistaken for an edit.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content import yamlio
from ..schema import Maison

BODY = "(corps)"


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


EMPTY = fingerprint(None)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"adresse": {"voie": "x"}} -> {"adresse.voie": "x"}; lists are leaves."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is None:
        node.pop(leaf, None)
    else:
        node[leaf] = value


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _prune(value)
            if not value:
                continue
        out[key] = value
    return out


def ordered(data: dict[str, Any]) -> dict[str, Any]:
    """Front matter keys in schema order, then any others as they were."""
    order = list(Maison.model_fields)
    return {k: data[k] for k in sorted(data, key=lambda k: order.index(k) if k in order else len(order))}


@dataclass
class Outcome:
    meta: dict[str, Any]
    body: str
    changed: list[str] = field(default_factory=list)  # fields the list changed
    kept: list[str] = field(default_factory=list)  # hand-edited fields the list wanted to change
    state: dict[str, Any] = field(default_factory=dict)


def merge(current: dict[str, Any], current_body: str, imported: dict[str, Any], imported_body: str,
          base: dict[str, Any] | None) -> Outcome:
    """Three-way merge of one fiche: ``base`` is the state the last import left (or None)."""
    cur, new = flatten(current), flatten(imported)
    base_fields = (base or {}).get("champs", {})
    managed = sorted(set(new) | set(base_fields))
    out = Outcome(copy.deepcopy(current), current_body)
    for path in managed:
        cur_v, new_v = cur.get(path), new.get(path)
        if fingerprint(cur_v) == fingerprint(new_v):
            continue
        was = base_fields.get(path, EMPTY)  # a field the last import did not set was empty
        untouched = base is not None and was == fingerprint(cur_v)
        if untouched or (base is None and cur_v is None):
            _set(out.meta, path, new_v)
            out.changed.append(path)
        elif base is None or was != fingerprint(new_v):
            out.kept.append(path)
    body_base = (base or {}).get("corps")
    if imported_body.strip() != current_body.strip():
        if body_base == fingerprint(current_body.strip()) or (base is None and not current_body.strip()):
            out.body = imported_body
            out.changed.append(BODY)
        elif body_base != fingerprint(imported_body.strip()):
            out.kept.append(BODY)
    out.meta = ordered(_prune(out.meta))
    out.state = imported_state(imported, imported_body)
    return out


def imported_state(imported: dict[str, Any], body: str) -> dict[str, Any]:
    """What the import state remembers of one fiche: a fingerprint per imported value, and of the body."""
    return {"champs": {p: fingerprint(v) for p, v in sorted(flatten(imported).items())},
            "corps": fingerprint(body.strip())}


def render(meta: dict[str, Any], body: str) -> str:
    text = "---\n" + yamlio.dump(meta) + "---\n"
    return text + ("\n" + body.strip("\n") + "\n" if body.strip() else "")


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file and rename: a reader never sees half a fiche."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
