"""Open data: the network as GeoJSON, CSV and JSON, plus sitemap.xml and robots.txt.

The CSV columns are declared once, with the schema field each one comes from:
the documentation of the export (page « Données ouvertes ») takes its
descriptions from the pydantic model, so the two cannot drift.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from ..schema import Maison
from ..schema.fields import JOURS
from ..validation import field_info
from . import urls
from .model import Portal


@dataclass(frozen=True)
class Column:
    name: str
    loc: tuple[str, ...]  # the schema field it comes from (its description documents the column)
    get: Callable[[Any], Any]
    description: str = ""  # only for columns that are not schema fields

    def doc(self) -> str:
        if self.description:
            return self.description
        info = field_info(Maison, self.loc)
        return (info.description or "") if info else ""


def _join(values: list[str]) -> str:
    return " ; ".join(values)


def _path(*names: str) -> Callable[[Any], Any]:
    def get(d: Any) -> Any:
        for name in names:
            d = getattr(d, name, None) if d is not None else None
        return d
    return get


def columns() -> list[Column]:
    cols = [Column(n, (n,), _path(n)) for n in ("id", "nom", "type", "format", "groupe", "departement")]
    cols += [Column(n, ("adresse", n), _path("adresse", n))
             for n in ("voie", "complement", "code_postal", "commune", "code_insee")]
    cols += [Column("latitude", ("coordonnees", "lat"), _path("coordonnees", "lat")),
             Column("longitude", ("coordonnees", "lon"), _path("coordonnees", "lon")),
             Column("precision", ("coordonnees", "precision"), _path("coordonnees", "precision"))]
    cols += [Column(n, (n,), _path(n)) for n in ("telephone", "courriel", "site_web")]
    cols += [Column(j, ("horaires", j), lambda d, j=j: _join(getattr(d.horaires, j)) if d.horaires else None)
             for j in JOURS]
    cols += [Column("rendez_vous", ("rendez_vous", "politique"), _path("rendez_vous", "politique")),
             Column("operateurs", ("operateurs",), lambda d: _join(d.operateurs),
                    "Opérateurs accompagnés en plus du socle national (identifiants, séparés par « ; »)."),
             Column("equipements", ("equipements",), lambda d: _join(d.equipements)),
             Column("activites", ("activites",), lambda d: _join(d.activites)),
             Column("labellisation", ("labellisation",), _path("labellisation")),
             Column("verifie_le", ("verifie_le",), _path("verifie_le")),
             Column("id_fs", ("source", "id_fs"), _path("source", "id_fs"))]
    return cols


def _url(portal: Portal, fiche: Any) -> str:
    return urls.absolute(portal.site_url, urls.maison(fiche))


def write_csv(portal: Portal, target: Path) -> None:
    cols = columns()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in cols] + ["url"])
    for fiche in portal.maisons:
        row = [c.get(fiche.data) for c in cols]
        writer.writerow(["" if v is None else str(v) for v in row] + [_url(portal, fiche)])
    target.write_text(out.getvalue(), encoding="utf-8")


def record(portal: Portal, fiche: Any) -> dict[str, Any]:
    data = fiche.data.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    data["operateurs_accompagnes"] = portal.operateurs_of(fiche)
    data["url"] = _url(portal, fiche)
    return data


def write_json(portal: Portal, target: Path) -> None:
    payload = {"licence": "Licence Ouverte 2.0", "source": portal.site_url, "schema": "maison.schema.json",
               "maisons": [record(portal, f) for f in portal.maisons]}
    target.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_geojson(portal: Portal, target: Path) -> None:
    features = []
    cols = [c for c in columns() if c.name not in ("latitude", "longitude")]
    for fiche in portal.maisons:
        d = fiche.data
        if d.coordonnees is None:
            continue
        props = {c.name: c.get(d) for c in cols}
        props = {k: (str(v) if hasattr(v, "isoformat") else v) for k, v in props.items() if v not in (None, "")}
        props["url"] = _url(portal, fiche)
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [d.coordonnees.lon, d.coordonnees.lat]}})
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                                 separators=(",", ":")), encoding="utf-8")


def write_all(portal: Portal, out: Path, schemas: Path) -> list[str]:
    folder = out / urls.DONNEES
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(portal, folder / "maisons.csv")
    write_json(portal, folder / "maisons.json")
    write_geojson(portal, folder / "maisons.geojson")
    schema = schemas / "maison.schema.json"
    if schema.exists():
        (folder / "maison.schema.json").write_bytes(schema.read_bytes())
    return ["maisons.csv", "maisons.json", "maisons.geojson", "maison.schema.json"]


def write_sitemap(portal: Portal, out: Path, paths: list[str]) -> None:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"<url><loc>{escape(urls.absolute(portal.site_url, p))}</loc></url>" for p in paths]
    lines.append("</urlset>")
    (out / urls.SITEMAP).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "robots.txt").write_text(
        "User-agent: *\nDisallow: /admin/\n" + f"Sitemap: {urls.absolute(portal.site_url, urls.SITEMAP)}\n",
        encoding="utf-8")
