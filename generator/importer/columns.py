"""Which column of the national list feeds which field: derived from the schema.

Each field of the Maison model names, in ``x-colonnes``, the columns that may
carry it in any edition of the list (editions rename columns: ``format_fs``
held the site type in 2022 and the format later). Headers are compared folded
(case, accents and separators ignored), so « Code Postal » matches ``code_postal``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from ..content.geo import fold
from ..schema import Maison
from ..content.validation import models_in

#: free-text columns kept in the fiche's body, in this order (the 2020 editions: the CDC's remarks, and the
#: comment on the hours)
BODY_COLUMNS = ("commentaire", "commentaires", "informations_complementaires", "remarques_cdc",
                "commentaire_horaires")
WEEKDAY_PREFIXES = ("h_", "horaires_")


def _key(header: str) -> str:
    return fold(header).replace(" ", "_")


def schema_columns(model: type[BaseModel] = Maison, prefix: str = "") -> dict[str, list[str]]:
    """Dotted field path -> candidate column names, from ``x-colonnes`` in the model."""
    out: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "x-colonnes" in extra:
            out[path] = list(extra["x-colonnes"])
        for sub in models_in(info.annotation):
            if path != "coordonnees":  # lat/lon come in a pair, read together
                out.update(schema_columns(sub, path + "."))
    return out


@dataclass
class ColumnMap:
    """How one edition's header maps onto the schema."""

    headers: list[str]
    fields: dict[str, list[str]] = field(default_factory=dict)  # field path -> actual headers, by priority
    body_columns: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def id_column(self) -> str | None:
        found = self.fields.get("source.id_fs")
        return found[0] if found else None

    def values(self, row: dict[str, str], path: str) -> list[str]:
        """Non-empty cells feeding a field, most specific column first."""
        return [row[h].strip() for h in self.fields.get(path, []) if (row.get(h) or "").strip()]

    def first(self, row: dict[str, str], path: str) -> str:
        cells = self.values(row, path)
        return cells[0] if cells else ""


def map_columns(headers: list[str]) -> ColumnMap:
    by_key = {_key(h): h for h in headers}
    cmap = ColumnMap(list(headers))
    used: set[str] = set()
    for path, names in schema_columns().items():
        actual = [by_key[_key(n)] for n in names if _key(n) in by_key]
        if actual:
            cmap.fields[path] = actual
            used.update(actual)
    for n in BODY_COLUMNS:
        if _key(n) in by_key and by_key[_key(n)] not in cmap.body_columns:
            cmap.body_columns.append(by_key[_key(n)])
            used.add(by_key[_key(n)])
    cmap.unknown = [h for h in headers if h not in used and h.strip()]
    return cmap
