"""Open data: the network as GeoJSON, CSV and JSON, plus sitemap.xml and robots.txt.

The CSV columns are declared once, with the schema field each one comes from:
the documentation of the export (page « Données ouvertes ») takes its
descriptions from the pydantic model, so the two cannot drift.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from ... import spreadsheet
from ...schema import Maison
from ...schema.fields import JOURS
from ...content.validation import field_info
from .. import urls
from ..features import osm_horaires
from . import calendriers, flux
from ..model import Portal


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


def columns(today: dt.date | None = None) -> list[Column]:
    """The CSV's columns (``today``: the build's day, from which the dated exceptions still count)."""
    since = today or dt.date.min
    cols = [Column(n, (n,), _path(n)) for n in ("id", "nom", "type", "format", "groupe", "departement")]
    cols += [Column(n, ("adresse", n), _path("adresse", n))
             for n in ("voie", "complement", "code_postal", "commune", "code_insee")]
    cols += [Column("latitude", ("coordonnees", "lat"), _path("coordonnees", "lat")),
             Column("longitude", ("coordonnees", "lon"), _path("coordonnees", "lon")),
             Column("precision", ("coordonnees", "precision"), _path("coordonnees", "precision"))]
    cols += [Column(n, (n,), _path(n)) for n in ("telephone", "courriel", "site_web")]
    cols += [Column(j, ("horaires", j), lambda d, j=j: _join(getattr(d.horaires, j)) if d.horaires else None)
             for j in JOURS]
    cols += [Column("opening_hours", ("horaires",), lambda d: osm_horaires.maison(d, since),
                    "Les horaires au format opening_hours d'OpenStreetMap : la semaine ordinaire, puis les fermetures "
                    "et horaires exceptionnels datés à venir (ils remplacent la semaine ces jours-là).")]
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


Table = tuple[list[Column], list[tuple[Any, list[Any]]]]  # the columns; each Maison with its values in them


def table(portal: Portal) -> Table:
    """The columns, and each Maison with its values in them: computed once for the CSV and the GeoJSON."""
    cols = columns(portal.today)
    return cols, [(fiche, [c.get(fiche.data) for c in cols]) for fiche in portal.maisons]


def write_csv(portal: Portal, target: Path, rows: Table) -> None:
    cols, values = rows
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in cols] + ["url"])
    for fiche, row in values:
        writer.writerow([("" if v is None else str(v)) if not isinstance(v, str) else spreadsheet.cell(v)
                         for v in row] + [_url(portal, fiche)])
    target.write_text(out.getvalue(), encoding="utf-8")


def record(portal: Portal, fiche: Any) -> dict[str, Any]:
    data = fiche.data.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    data["operateurs_accompagnes"] = portal.operateurs_of(fiche)
    if (hours := osm_horaires.maison(fiche.data, portal.today)) is not None:
        data["opening_hours"] = hours
    for stop, out in zip(fiche.data.arrets, data.get("arrets", [])):
        if (hours := osm_horaires.arret(stop, portal.today)) is not None:
            out["opening_hours"] = hours
    data["url"] = _url(portal, fiche)
    return data


def write_json(portal: Portal, target: Path) -> None:
    payload = {"licence": "Licence Ouverte 2.0", "source": portal.site_url, "schema": "maisons-json.schema.json",
               "maisons": [record(portal, f) for f in portal.maisons]}
    target.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_geojson(portal: Portal, target: Path, rows: Table) -> None:
    features = []
    cols, values = rows
    names = [(i, c.name) for i, c in enumerate(cols) if c.name not in ("latitude", "longitude")]
    for fiche, row in values:
        d = fiche.data
        if d.coordonnees is None:
            continue
        props = {name: (str(v) if hasattr(v, "isoformat") else v) for i, name in names
                 if (v := row[i]) not in (None, "")}
        props["url"] = _url(portal, fiche)
        exceptions = [{"du": e.du.isoformat(), "au": (e.au or e.du).isoformat(), "motif": e.motif,
                       "horaires": list(e.horaires)} for e in d.exceptions if (e.au or e.du) >= portal.today]
        if exceptions:
            props["exceptions"] = exceptions  # upcoming closures and special hours (the locator's « ouvert »)
        features.append(_point(props, d.coordonnees.lat, d.coordonnees.lon))
    _write_collection(target, features)


def _point(props: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _write_collection(target: Path, features: list[dict[str, Any]]) -> None:
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                                 separators=(",", ":")), encoding="utf-8")


def write_arrets(portal: Portal, target: Path) -> None:
    """The stops of the itinerant Maisons and buses: where and when they come (at the commune's centre
    when the stop has no position of its own)."""
    from ..features.localisateur import arret_position

    features = []
    for fiche in portal.maisons:
        for stop in fiche.data.arrets:
            where = arret_position(stop, portal.geo)
            if where is None:
                continue
            props = {"maison": fiche.data.id, "nom_maison": fiche.data.nom, "departement": fiche.data.departement,
                     "lieu": stop.lieu, "commune": stop.commune, "code_insee": stop.code_insee, "jour": stop.jour,
                     "frequence": stop.frequence, "semaines": stop.semaines,
                     "premier_passage": stop.premier_passage.isoformat() if stop.premier_passage else None,
                     "horaires": list(stop.horaires), "opening_hours": osm_horaires.arret(stop, portal.today),
                     "precision": "lieu" if stop.coordonnees else "commune", "url": _url(portal, fiche)}
            features.append(_point({k: v for k, v in props.items() if v not in (None, "", [])}, *where))
    _write_collection(target, features)


def write_projets(portal: Portal, target: Path) -> None:
    """The projects, one point per Maison that carries them."""
    features = []
    for projet in portal.projets:
        for maison_id in projet.data.maisons:
            fiche = portal.by_id.get(maison_id)
            if fiche is None or fiche.data.coordonnees is None:
                continue
            props = {"titre": projet.data.titre, "statut": projet.data.statut, "resume": projet.data.resume,
                     "maison": maison_id, "nom_maison": fiche.data.nom,
                     "url": urls.absolute(portal.site_url, urls.projet(projet))}
            features.append(_point(props, fiche.data.coordonnees.lat, fiche.data.coordonnees.lon))
    _write_collection(target, features)


def write_all(portal: Portal, out: Path, schemas: Path) -> list[str]:
    folder = out / urls.DONNEES
    folder.mkdir(parents=True, exist_ok=True)
    rows = table(portal)
    write_csv(portal, folder / "maisons.csv", rows)
    write_json(portal, folder / "maisons.json")
    write_geojson(portal, folder / "maisons.geojson", rows)
    write_arrets(portal, folder / "arrets.geojson")
    write_projets(portal, folder / "projets.geojson")
    calendriers.write_all(portal, out)
    (out / urls.FLUX).write_text(flux.atom(portal), encoding="utf-8")  # the novelties: open data too
    published = ["maison.schema.json", "maisons-json.schema.json", "maisons.tableschema.json"]  # by msap schema
    for name in published:
        if (schemas / name).exists():
            (folder / name).write_bytes((schemas / name).read_bytes())
    return ["maisons.csv", "maisons.json", "maisons.geojson", "arrets.geojson", "projets.geojson", *published]


def write_sitemap(portal: Portal, out: Path, paths: list[tuple[str, Any]]) -> None:
    """sitemap.xml (each page with its ``lastmod`` when its fiche dates it: checked, published, ended) and
    robots.txt."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in paths:
        date = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        lines.append(f"<url><loc>{escape(urls.absolute(portal.site_url, path))}</loc>{date}</url>")
    lines.append("</urlset>")
    (out / urls.SITEMAP).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "robots.txt").write_text(
        "User-agent: *\nDisallow: /admin/\n" + f"Sitemap: {urls.absolute(portal.site_url, urls.SITEMAP)}\n",
        encoding="utf-8")
