"""CSV exports for activity reports: one line per visit with French labels, streamed as it is read (constant
memory for a year of a Maison or a département), ready for a spreadsheet (UTF-8 with BOM, « ; », text cells that cannot be read as formulas)."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from fastapi.responses import StreamingResponse

from generator import spreadsheet

from .referentiel import Reseau

HEADER = ("numero", "maison", "nom_maison", "date", "heure", "canal", "tranche_age", "situation", "operateur",
          "theme", "niveau", "resultat", "duree_minutes", "demonstration")
LABELLED = (("canaux", "canal"), ("tranches_age", "tranche_age"), ("situations", "situation"),
            ("operateurs", "operateur"), ("themes", "theme"), ("niveaux", "niveau"), ("resultats", "resultat"))


def lines(rows: Iterable[dict], reseau: Reseau, chunk: int = 500) -> Iterator[bytes]:
    """The CSV, a few hundred lines per piece."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    out.writerow(HEADER)
    count = 0
    for row in rows:
        labels = [reseau.listes.libelle(dim, row[col]) if row[col] else "" for dim, col in LABELLED]
        out.writerow(spreadsheet.row([
            row["id"], row["maison"], reseau.noms.get(row["maison"], ""), row["quand"].date().isoformat(),
            row["quand"].strftime("%H:%M"), *labels, row["duree_minutes"] or "",
            "oui" if row["demonstration"] else "non"]))
        count += 1
        if count % chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def response(rows: Iterable[dict], reseau: Reseau, name: str) -> StreamingResponse:
    return StreamingResponse(lines(rows, reseau), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
