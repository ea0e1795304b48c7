"""Recognising a site whose id changed between two editions of the list.

The 2022 edition gave some sites temporary ids (``temp-3``); later editions give the same sites numbers
(``2945``). Read by id alone, such a site is a new one and its fiche a site gone: the network would publish it
twice. A row with an unknown id and a fiche whose id left the list are the same site when they are in the same
commune and at least two of these agree: the name, the street, the phone number, the e-mail address. A match
must be the only one both ways; anything else is reported as ambiguous and left as it is — never guessed.

A matched site keeps its fiche: its file, its URL, its ``id`` (the fiche's own identifier, which the visit
records and the project sheets use, never changes), its hand edits. Its ``source.id_fs`` becomes the new id of
the list, and the old one is kept in ``source.id_fs_precedents``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.geo import fold
from .rows import Converted, slug_for

#: how many of name, street, phone, e-mail must agree (besides the commune)
EVIDENCE = 2


@dataclass(frozen=True)
class Match:
    line: int
    old_id: str
    new_id: str
    path: Path
    evidence: tuple[str, ...]


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def evidence(meta: dict[str, Any], data: dict[str, Any]) -> tuple[str, ...]:
    """What a fiche and an imported row share (empty when not in the same commune)."""
    a, b = meta.get("adresse") or {}, data.get("adresse") or {}
    if not a.get("code_insee") or a.get("code_insee") != b.get("code_insee"):
        return ()
    found = []
    if fold(str(meta.get("nom", ""))) == fold(str(data.get("nom", ""))) or \
            slug_for(str(meta.get("nom", ""))) == slug_for(str(data.get("nom", ""))):
        found.append("nom")
    if a.get("voie") and fold(str(a["voie"])) == fold(str(b.get("voie", ""))):
        found.append("adresse")
    if _digits(meta.get("telephone")) and _digits(meta.get("telephone")) == _digits(data.get("telephone")):
        found.append("téléphone")
    if meta.get("courriel") and str(meta["courriel"]).lower() == str(data.get("courriel", "")).lower():
        found.append("courriel")
    return tuple(found)


def rematch(rows: list[Converted], existing: dict[str, tuple[Path, dict[str, Any], str]],
            seen_ids: set[str]) -> tuple[list[Match], list[tuple[int, str, str]]]:
    """Pairs (new row, fiche whose id left the list) that are one site; and the ambiguous cases, as
    (line, id_fs, message)."""
    gone = {i: v for i, v in existing.items() if i not in seen_ids}
    fresh = [r for r in rows if r.id_fs not in existing]
    by_commune: dict[str, list[str]] = {}
    for old_id, (_path, meta, _body) in gone.items():
        by_commune.setdefault(str((meta.get("adresse") or {}).get("code_insee", "")), []).append(old_id)
    candidates: dict[str, list[tuple[str, tuple[str, ...]]]] = {}  # new id -> [(old id, evidence)]
    claimed: dict[str, list[str]] = {}  # old id -> new ids
    for row in fresh:
        for old_id in by_commune.get(row.data["adresse"]["code_insee"], []):
            shared = evidence(gone[old_id][1], row.data)
            if len(shared) >= EVIDENCE:
                candidates.setdefault(row.id_fs, []).append((old_id, shared))
                claimed.setdefault(old_id, []).append(row.id_fs)
    matches, ambiguous = [], []
    for row in fresh:
        found = candidates.get(row.id_fs, [])
        if not found:
            continue
        if len(found) == 1 and len(claimed[found[0][0]]) == 1:
            old_id, shared = found[0]
            matches.append(Match(row.line, old_id, row.id_fs, gone[old_id][0], shared))
        else:
            olds = sorted({o for o, _ in found} | {o for o, _ in found for n in claimed[o] if n != row.id_fs})
            ambiguous.append((row.line, row.id_fs, f"ressemble à plusieurs fiches, ou une autre ligne ressemble à "
                              f"la même (anciens id_fs {', '.join(olds)}) : non rapprochée, à examiner"))
    return matches, ambiguous
