"""Reading an edition of the national list, in any form it has been published in.

- CSV (comma, semicolon or tab) in UTF-8 with or without BOM, UTF-16 with a BOM (Excel's « Texte Unicode »)
  or Windows-1252 (a byte that code page leaves undefined stops the import with its line and column);
- GeoJSON (the 2020 edition: one Point feature per site, the properties as columns, the point as coordinates).

Rows are checked as rows: one with more or fewer cells than the header (a line cut short, a quote left open that
swallowed the next lines) is not a site to import. It comes back as a ``Malformed`` row, with its lines, so that
the importer rejects it and leaves its existing fiche untouched. An empty file, or a header without rows, is
refused: importing it would report every site as gone.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from ..diagnostics import CommandError

#: the bytes Windows-1252 leaves undefined (Python's decoder refuses them)
UNDEFINED_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


class SourceError(CommandError):
    """The file cannot be read as an edition; the message ends with a hint."""


@dataclass(frozen=True)
class Malformed:
    """A row that is not a row: its first line, its last line, what is wrong, and the cells read."""

    line: int
    last_line: int
    reason: str
    cells: tuple[str, ...] = ()

    def cell(self, headers: list[str], column: str | None) -> str:
        """The cell of a column, when the row got that far (the id, to keep its fiche)."""
        if column is None or column not in headers:
            return ""
        at = headers.index(column)
        return self.cells[at].strip() if at < len(self.cells) else ""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str] | Malformed]]
    note: str = ""
    kind: str = "CSV"


def read_source(path: Path) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path.name}: fichier illisible ({exc.strerror}) — Indice : vérifiez le chemin du fichier") from None
    text, note = decode(raw, path.name)
    if not text.strip():
        raise SourceError(f"{path.name}: le fichier est vide — Indice : téléchargez de nouveau l'édition "
                          "(le téléchargement a pu être interrompu)")
    if text.lstrip().startswith(("{", "[")):
        table = _geojson(text, path.name)
    else:
        table = _csv(text)
    table.note = note
    if not table.rows:
        raise SourceError(f"{path.name}: aucune ligne de données après l'en-tête — Indice : le fichier est "
                          "tronqué ou n'est qu'un modèle ; rien n'a été écrit, téléchargez l'édition complète")
    return table


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """The text of a file, and a note when it was not UTF-8."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "fichier en UTF-16 (« Texte Unicode » d'Excel) : converti"
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: UTF-16 illisible à l'octet {exc.start} — Indice : enregistrez le fichier "
                              "en « CSV UTF-8 »") from None
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    for at, byte in enumerate(raw):
        if byte in UNDEFINED_1252:
            line = raw.count(b"\n", 0, at) + 1
            column = at - (raw.rfind(b"\n", 0, at) + 1) + 1
            raise SourceError(f"{name}:{line}: octet 0x{byte:02X} en colonne {column} : ni UTF-8 ni Windows-1252 "
                              "— Indice : ouvrez le fichier dans un tableur et enregistrez-le en « CSV UTF-8 »")
    return raw.decode("cp1252"), "fichier en Windows-1252 (et non UTF-8) : converti"


def _csv(text: str) -> Table:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [h.strip() for h in next(reader, [])]
    rows: list[tuple[int, dict[str, str] | Malformed]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a NUL byte, a field beyond the size limit
            rows.append((start, Malformed(start, reader.line_num, f"ligne illisible ({exc})")))
            start = reader.line_num + 1
            continue
        end = reader.line_num
        if not any(c.strip() for c in cells):
            start = end + 1
            continue  # a blank line
        if len(cells) != len(headers):
            rows.append((start, Malformed(start, end, _shape(len(cells), len(headers), start, end, cells),
                                          tuple(cells))))
        else:
            rows.append((start, dict(zip(headers, (c or "" for c in cells)))))
        start = end + 1
    return Table(headers, rows)


def _shape(found: int, expected: int, start: int, end: int, cells: list[str]) -> str:
    spans = f" (lignes {start} à {end} lues comme une seule)" if end > start else ""
    if end > start or any(c.count('"') for c in cells):
        why = "un guillemet non fermé a avalé la suite"
    elif found < expected:
        why = "ligne coupée"
    else:
        why = "un séparateur de trop dans une valeur"
    return f"{found} valeurs au lieu de {expected}{spans} : {why} ; ligne non importée, sa fiche reste telle quelle"


def _geojson(text: str, name: str) -> Table:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"{name}: ni CSV ni GeoJSON lisible ({exc}) — Indice : l'édition GeoJSON est une "
                          "« FeatureCollection » de points") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise SourceError(f"{name}: JSON sans « features » — Indice : l'édition GeoJSON est une "
                          "« FeatureCollection » de points, une entité par site")
    headers: list[str] = []
    rows: list[tuple[int, dict[str, str] | Malformed]] = []
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            rows.append((n, Malformed(n, n, "entité sans propriétés : non importée")))
            continue
        row = {str(k): "" if v is None else str(v) for k, v in props.items()}
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            # one spelling for every feature (« LATITUDE » in some, none in others): the properties' values
            # when given, else the point's
            for axis, value in (("latitude", coords[1]), ("longitude", coords[0])):
                given = [row.pop(k) for k in [k for k in row if k.lower() == axis]]
                row[axis] = next((v for v in given if v.strip()), str(value))
        for key in row:
            if key not in headers:
                headers.append(key)
        rows.append((n, row))
    for _, row in rows:
        if isinstance(row, dict):
            for key in headers:
                row.setdefault(key, "")
    return Table(headers, rows, kind="GeoJSON")
