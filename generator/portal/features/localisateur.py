"""« Près de chez moi »: the places a citizen can go to, the nearest ones to a point, and the data the
locator page loads in the browser (a compact commune index, light département outlines).

A place is a Maison with a position, or a stop of an itinerant Maison or bus (its own position, else its
commune's centre). Distances are great-circle distances, the same formula as the browser's
(``generator.content.geo.distance_km``), so the pages written here and the answers computed there agree.
"""
from __future__ import annotations

import math
import re
from itertools import groupby
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup

from ... import cachedir
from ...content.geo import Geo
from .minimap import rings, simplify

EARTH_KM = 6371.0088
STRIP_DEG = 0.2  # points are taken in strips of latitude this high (≈ 22 km), each from west to east
FIRST_RADIUS_KM = 12.0  # for one nearest place: the search radius of the first round (× √k for k places)
_ORDER = str.maketrans("ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇàâäéèêëîïôöùûüÿç-'’", "AAAEEEEIIOOUUUYCaaaeeeeiioouuuyc   ")  # alphabetical order


@dataclass(frozen=True)
class Lieu:
    maison: Any  # the Maison's fiche
    lat: float
    lon: float
    arret: Any = None  # the stop, for a stop of an itinerant Maison

    @property
    def nom(self) -> str:
        return self.arret.lieu if self.arret is not None else self.maison.data.nom

    @property
    def commune(self) -> str:
        return self.arret.commune if self.arret is not None else self.maison.data.adresse.commune


def lieux(maisons: list[Any], geo: Geo) -> list[Lieu]:
    """Every place, Maisons first: a stop without a position of its own stands at its commune's centre."""
    out = [Lieu(f, f.data.coordonnees.lat, f.data.coordonnees.lon) for f in maisons if f.data.coordonnees]
    for f in maisons:
        for stop in f.data.arrets:
            where = arret_position(stop, geo)
            if where is not None:
                out.append(Lieu(f, where[0], where[1], stop))
    return out


def centre(commune: Any) -> tuple[float, float]:
    """A commune's centre as the browser's commune index holds it (thousandths of a degree, ≈ 100 m), so
    that the pages written here and the answers computed in the browser give the same distances."""
    return round(commune.lat * 1000) / 1000, round(commune.lon * 1000) / 1000


def arret_position(stop: Any, geo: Geo) -> tuple[float, float] | None:
    if stop.coordonnees is not None:
        return stop.coordonnees.lat, stop.coordonnees.lon
    commune = geo.communes.get(stop.code_insee or "")
    if commune is not None and commune.lat is not None:
        return commune.lat, commune.lon
    return None


class Proximite:
    """The nearest places to points, vectorised (the whole country is a few thousand places)."""

    def __init__(self, places: list[Lieu]):
        self.places = places
        self.lat = np.radians(np.array([p.lat for p in places], dtype=float))
        self.lon = np.radians(np.array([p.lon for p in places], dtype=float))
        self.cos = np.cos(self.lat)
        self.lat_deg, self.lon_deg = np.degrees(self.lat), np.degrees(self.lon)

    def distances(self, lat: np.ndarray, lon: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Kilometres from each point (rows) to the places ``cols`` (columns); haversine, as in the browser."""
        p1, l1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
        h = np.sin((self.lat[cols][None, :] - p1) / 2) ** 2 + np.cos(p1) * self.cos[cols][None, :] * np.sin(
            (self.lon[cols][None, :] - l1) / 2) ** 2
        return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))

    def nearest(self, points: list[tuple[float, float]], k: int, chunk: int = 64,
                radius_km: float | None = None) -> list[list[tuple[Lieu, float]]]:
        """For each (lat, lon): the ``k`` nearest places with their distance in km, nearest first.

        The points go in spatial order (strips of latitude, then longitude), by chunks of neighbours, each
        compared with the places of its bounding box widened by a radius. A point whose k-th place is farther
        than that radius is not settled: it goes round again with a three times wider radius, and in the end
        with every place, so the answer is exact. The first radius (``radius_km``) grows with ``k``.
        """
        if not self.places or not points:
            return [[] for _ in points]
        k = min(k, len(self.places))
        pts = np.array(points, dtype=float).reshape(-1, 2)
        out: list[list[tuple[Lieu, float]] | None] = [None] * len(pts)
        todo = np.lexsort((pts[:, 1], np.floor(pts[:, 0] / STRIP_DEG)))
        radius = radius_km or FIRST_RADIUS_KM * k ** 0.5
        while len(todo):
            everywhere = radius >= 20_000  # farther than any two points on Earth
            left: list[int] = []
            for start in range(0, len(todo), chunk):
                rows = todo[start:start + chunk]
                cols = np.arange(len(self.places)) if everywhere else self._around(pts[rows], radius)
                if len(cols) < k:
                    left += rows.tolist()
                    continue
                for row, found in zip(rows.tolist(), self._best(pts[rows], cols, k)):
                    if everywhere or found[-1][1] <= radius:
                        out[row] = found
                    else:
                        left.append(row)
            todo, radius = np.array(left, dtype=int), radius * 3 if radius < 1_000 else 20_000
        return out  # type: ignore[return-value]  # every point was settled

    def _around(self, part: np.ndarray, radius_km: float) -> np.ndarray:
        """The places in the bounding box of ``part`` widened by ``radius_km`` (all those nearer than that)."""
        south, north = part[:, 0].min(), part[:, 0].max()
        dlat = np.degrees(radius_km / EARTH_KM)
        widest = min(89.0, max(abs(south), abs(north)) + dlat)
        dlon = min(360.0, 1.1 * dlat / np.cos(np.radians(widest)))  # 10 % to spare for rounding
        west, east = part[:, 1].min() - dlon, part[:, 1].max() + dlon
        return np.nonzero((self.lat_deg >= south - dlat) & (self.lat_deg <= north + dlat)
                          & (self.lon_deg >= west) & (self.lon_deg <= east))[0]

    def _best(self, part: np.ndarray, cols: np.ndarray, k: int) -> list[list[tuple[Lieu, float]]]:
        d = self.distances(part[:, 0], part[:, 1], cols)
        # One integer per (point, place) orders as the browser does: by distance to the millionth of a km
        # (rounded like its Math.round), then by position in the list (Maisons before stops). Every key differs,
        # so the k nearest do not depend on which places a chunk compared.
        key = np.floor(d * 1e6 + 0.5).astype(np.int64) * len(self.places) + cols
        if k == 1:
            first = key.argmin(axis=1)
            kms = d[np.arange(len(part)), first].tolist()
            return [[(self.places[int(cols[c])], km)] for c, km in zip(first.tolist(), kms)]
        idx = np.argpartition(key, k - 1, axis=1)[:, :k] if k < d.shape[1] else np.tile(np.arange(d.shape[1]),
                                                                                         (len(part), 1))
        order = np.argsort(np.take_along_axis(key, idx, axis=1), axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        picked = cols[idx].tolist()
        kms = np.take_along_axis(d, idx, axis=1).tolist()
        return [[(self.places[c], km) for c, km in zip(row, dist)] for row, dist in zip(picked, kms)]


class Voisinage:
    """What the pages need to answer « près de chez moi » without JavaScript (computed once per build). The
    nearest places of the communes are kept between builds (:class:`generator.cachedir.Memo`) under the
    positions of the places and of the communes: an edit that moves nothing does not compute them again."""

    def __init__(self, maisons: list[Any], geo: Geo, k: int):
        self.geo = geo
        self.places = lieux(maisons, geo)
        self.proximite = Proximite(self.places)
        codes = {f.data.adresse.code_insee for f in maisons} | {
            s.code_insee for f in maisons for s in f.data.arrets if s.code_insee}
        self.communes = sorted((geo.communes[c] for c in codes if c in geo.communes and geo.communes[c].lat is not None),
                               key=lambda c: c.code_insee)
        self._memo = cachedir.Memo("voisinage", cachedir.code_key(("generator/portal/features/localisateur.py",),
                                                                   ("numpy",)))
        found = self._nearest("proches", [centre(c) for c in self.communes], k)
        self.proches = {c.code_insee: near for c, near in zip(self.communes, found)}
        self._tables: dict[str, list[tuple[Any, Lieu, float]]] | None = None

    def _nearest(self, item: str, points: list[tuple[float, float]], k: int) -> list[list[tuple[Lieu, float]]]:
        """:meth:`Proximite.nearest`, kept under the places' and the points' positions."""
        p = self.proximite
        key = cachedir.digest(p.lat.tobytes(), p.lon.tobytes(), np.array(points, dtype=float).tobytes(), str(k))

        def compute() -> tuple[list[list[int]], list[list[float]]]:
            index = {id(place): n for n, place in enumerate(self.places)}
            found = p.nearest(points, k)
            return ([[index[id(place)] for place, _ in row] for row in found],
                    [[km for _, km in row] for row in found])
        numbers, kms = self._memo.get(item, key, compute)
        return [[(self.places[n], km) for n, km in zip(row, dist)] for row, dist in zip(numbers, kms)]

    def par_departement(self, code: str) -> list[tuple[Any, Lieu, float]]:
        """Every commune of a département with its nearest place: (commune, place, km), by name."""
        if self._tables is None:  # every département's at once: one computation to keep
            spans, communes = [], []
            for dep, located in self.geo.located_by_departement.items():
                ordered = sorted(located, key=lambda c: c.nom.translate(_ORDER).casefold())
                spans.append((dep, len(communes), len(communes) + len(ordered)))
                communes.extend(ordered)
            nearest = self._nearest("communes", [centre(c) for c in communes], 1)
            self._memo.save()  # once both are known: what a run did not use goes
            self._tables = {dep: [(c, near[0][0], near[0][1]) for c, near in zip(communes[start:end],
                                                                                  nearest[start:end]) if near]
                            for dep, start, end in spans}
        return self._tables.get(code, [])


def _escape(text: str) -> str:
    """Text for HTML, as markupsafe writes it, without making a Markup object of every cell (35,000 rows)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


class Proches:
    """The items of a list of nearest places (``lieux_proches`` in the templates): a place is among the nearest
    of a dozen communes, so its item (the macro ``proche`` of ``_macros.html``) is rendered once per page depth
    and the distance written in place of its ``@@KM@@``. ``macro``: gives the macro, once the templates' globals
    are all set."""

    MARK = "@@KM@@"

    def __init__(self, macro: Any):
        self._macro = macro
        self._items: dict[tuple[int, str], tuple[str, str]] = {}

    def __call__(self, link: Any, proches: list[tuple[Lieu, float]]) -> Markup:
        from ...formats import km

        out = []
        for lieu, dist in proches:
            item = self._items.get((id(lieu), link.prefix))
            if item is None:
                before, _, after = str(self._macro()(link, lieu)).partition(self.MARK)
                item = self._items[id(lieu), link.prefix] = (before, after)
            out.append(item[0] + km(dist) + item[1])  # « 3,2 km »: digits, a comma and a space, nothing to escape
        return Markup("".join(out))


def lignes_communes(link: Any, rows: list[tuple[Any, Lieu, float]], pages: Any) -> Markup:
    """The rows of a département's table of communes and their nearest place (35,000 rows over the site:
    written here, five times faster than a Jinja loop); ``pages``: the communes that have a page."""
    from .. import urls
    from ...formats import km

    out, places = [], {}  # a place is the nearest one of a dozen communes: its cell is written once
    for c, lieu, dist in rows:
        nom = _escape(c.nom)
        if c.code_insee in pages:
            nom = f'<a href="{_escape(link(urls.commune(c.code_insee)))}">{nom}</a>'
        place = places.get(id(lieu))
        if place is None:  # (its cell, and its cell for a commune of another name: with its commune's)
            badge = ' <span class="msap-badge">Permanence</span>' if lieu.arret else ""
            cell = f'<a href="{_escape(link(urls.maison(lieu.maison)))}">{_escape(lieu.nom)}</a>{badge}'
            place = places[id(lieu)] = (cell, f"{cell} ({_escape(lieu.commune)})")
        cell = place[0] if lieu.commune == c.nom else place[1]
        # « 3,2 km »: digits, a comma and a space, nothing to escape
        out.append(f'    <tr><th scope="row">{nom}</th>\n      <td>{cell}</td><td>{km(dist)}</td></tr>')
    return Markup("\n".join(out))  # the template's line break ends the last row


# ----------------------------------------------------------------------------- browser data


def commune_index(geo: Geo, communes: Any = None) -> str:
    """Communes the browser searches, as compact text (the whole country: ≈ 393 KB gzipped).

    One block per département, ``#<code>\\t<nom>``, then one line per commune:
    ``<shared prefix length>\\t<rest of the name>\\t<postcodes>\\t<Δlat>\\t<Δlon>\\t<size>``: the name shares its first
    characters with the previous one (empty: none), postcodes drop the département's digits when they start
    with them (empty: same as the previous line, ``-``: none), and the centre is in thousandths of a degree,
    as a difference from the previous commune of the block; the size is :func:`size_class` of its population.
    ``communes``: a subset (a shard) in the same order (département, then code), else every commune with a centre.
    """
    by_dep = geo.located_by_departement
    if communes is None:
        communes = [c for dep in sorted(by_dep) for c in by_dep[dep]]
    lines: list[str] = []
    for dep, block in groupby(communes, key=lambda c: c.departement):
        nom = geo.departements[dep].nom if dep in geo.departements else dep
        lines.append(f"#{dep}\t{nom}")
        prev_name, prev_cps, plat, plon = "", None, 0, 0
        for c in block:
            shared = _shared(prev_name, c.nom)
            cps = " ".join(cp[len(dep):] if cp.startswith(dep) else cp for cp in c.codes_postaux) or "-"
            lat, lon = round(c.lat * 1000), round(c.lon * 1000)
            size = size_class(c.population)
            lines.append(f"{shared or ''}\t{c.nom[shared:]}\t{'' if cps == prev_cps else cps}\t{lat - plat}\t{lon - plon}"
                         + (f"\t{size}" if size else ""))
            prev_name, prev_cps, plat, plon = c.nom, cps, lat, lon
    return "\n".join(lines) + "\n"


_NOT_KEY = re.compile(r"[^a-z0-9]+")


def search_key(name: str) -> str:
    """The key the browser compares a typed text with (communes.js ``plier``, the same steps): no accents, lower
    case, punctuation as spaces, « St »/« Ste » as « Saint »/« Sainte »."""
    text = unicodedata.normalize("NFD", name.replace("œ", "oe").replace("Œ", "OE"))
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_KEY.sub(" ", text.lower()).strip()
    text = re.sub(r"^st ", "saint ", text)
    text = re.sub(r"^ste ", "sainte ", text)
    return text.replace(" st ", " saint ").replace(" ste ", " sainte ")


def shard_of(key: str) -> str:
    """The file a key's communes are in: its first two characters, spaces left out (« ob » for Objat, « sa » for
    every Saint-…; a one-character name, « y_ »). A text typed finds its communes in the file of its own key."""
    compact = key.replace(" ", "")
    return (compact + "_")[:2] if compact else ""


def commune_shards(geo: Geo) -> dict[str, str]:
    """The commune index cut by what a person types: ``<two letters>`` for the names (a commune is also filed
    under its name without the article: « havre » finds Le Havre), ``<two digits>`` for the postcodes (the
    communes with a postcode beginning so). The browser loads the one file a query needs, about a hundredth of
    the whole index."""
    files: dict[str, list[Any]] = {}
    by_dep = geo.located_by_departement
    for commune in (c for dep in sorted(by_dep) for c in by_dep[dep]):  # the order commune_index writes
        key = search_key(commune.nom)
        names = {shard_of(key), shard_of(re.sub(r"^(le|la|les|l) ", "", key))}
        for shard in names | {cp[:2] for cp in commune.codes_postaux}:
            if shard:
                files.setdefault(shard, []).append(commune)
    return {shard: commune_index(geo, communes) for shard, communes in sorted(files.items())}


def size_class(population: int) -> str:
    """A commune's size as one base-36 digit, for the communes of 1,000 inhabitants and more (2 × log2 of the
    thousands: a step is 40 % more people; empty below, three communes in four): the browser ranks homonyms and
    prefixes by it (« Brive » → Brive-la-Gaillarde, 47,000 inhabitants, before Brives, 300) without shipping
    35,000 populations (the index grew by 1 %)."""
    if population < 1000:
        return ""
    return "0123456789abcdefghijklmnopqrstuvwxyz"[min(35, 1 + round(2 * math.log2(population / 1000)))]


def _shared(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n if n > 1 else 0


def outlines(features: dict[str, dict], names: dict[str, str], tolerance: float = 0.006) -> dict[str, Any]:
    """The départements' outlines (``MiniMaps.features``), simplified for the map (drawn when tiles fail)."""
    out = []
    for code, geometry in features.items():
        polygons = []
        for ring in rings(geometry):
            pts = simplify([(round(x, 3), round(y, 3)) for x, y in ring], tolerance)
            if len(pts) >= 4:
                polygons.append([[list(p) for p in pts]])
        out.append({"type": "Feature", "properties": {"code": code, "nom": names.get(code, code)},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return {"type": "FeatureCollection", "features": out}
