"""Reference geography: communes (COG 2026) with centre points, départements, régions.

Loaded from ``data/geo/`` (copied from the open data, see data/README.md); the
project never reads outside its own tree at run time.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ..diagnostics import CommandError


class Commune(NamedTuple):
    """A commune of the COG (a named tuple: 35,000 are made on every build, three times faster than frozen
    dataclasses)."""

    code_insee: str
    nom: str
    departement: str
    codes_postaux: tuple[str, ...]
    population: int
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Departement:
    code: str
    nom: str
    region: str


#: the time zone of each overseas département (the others live on Paris time): a Maison's hours, the « open now »
#: of its page and the times of its visits are its own wall clock
TIME_ZONES = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "975": "America/Miquelon", "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy", "978": "America/Marigot", "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti", "988": "Pacific/Noumea",
}


def time_zone(departement: str) -> str:
    return TIME_ZONES.get(departement, "Europe/Paris")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key: « Saint-Étienne » -> « saint etienne »."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    if not text.isascii():
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())  # [\W_]: what str.isalnum() refuses


#: sources of ``centres.csv`` whose point replaces the centroid (the others are reviewers' refusals and pending
#: rows; see geo_centres)
CENTRE_SOURCES_USED = frozenset({"geonames", "correction"})


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV table with a header; an absent table is an empty one."""
    return table_rows(path.read_text(encoding="utf-8")) if path.is_file() else []


def table_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of the text of a CSV table with a header."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def centre_overrides(rows: list[tuple[int, dict[str, str]]]) -> dict[str, tuple[float, float]]:
    """code INSEE -> (lat, lon) of the rows of ``centres.csv`` whose point replaces the centroid (rows that do not
    parse are left to ``msap check``)."""
    out = {}
    for _, row in rows:
        if row.get("source") in CENTRE_SOURCES_USED:
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
                out[row["code_insee"]] = (lat, lon)
    return out


RESTORE = "restaurez data/geo/ depuis Git (git checkout -- data/geo) ou refaites-le (msap geo)"


class GeoError(CommandError):
    """A reference table is missing or damaged."""


def _read(path: Path, optional: bool = False) -> bytes:
    """The bytes of a reference table (an absent optional one: none)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if optional:
            return b""
        raise GeoError(f"{path} : fichier de référence introuvable", RESTORE + " ; lancez la commande depuis la "
                       "racine du projet, ou indiquez-la avec --root") from None
    except OSError as exc:
        raise GeoError(f"{path} : illisible ({exc.strerror})", RESTORE) from None


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise GeoError(f"{path} : n'est pas en UTF-8", RESTORE) from None


def _json_rows(path: Path, keys: tuple[str, ...]) -> list[dict]:
    try:
        rows = json.loads(_read(path))
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeoError(f"{path}:{getattr(exc, 'lineno', 1)}: JSON illisible", RESTORE) from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and all(k in r for k in keys) for r in rows):
        raise GeoError(f"{path} : une liste d'entrées {{{', '.join(keys)}}} est attendue", RESTORE)
    return rows


#: kind -> (key, value): the last value of each kind this process made from the reference tables, keyed by the
#: digests of their bytes (a process reads the same tables again: msap serve's rebuilds, the tests)
_LAST: dict[str, tuple[Any, Any]] = {}


#: what is worth keeping between runs too (in the per-user cache, generator/cachedir.py): the communes table
#: read (35,000 rows) and the verdict on the centres table, functions of the two tables' bytes and of this code
KEPT = {"communes", "verdict des centres"}


def remember(kind: str, key: Any, make: Callable[[], Any]) -> Any:
    """``make()``, or the value it gave for the same ``key`` the last time (one value kept per kind); for a kind
    of :data:`KEPT`, the last value an earlier run computed for that key too."""
    known = _LAST.get(kind)
    if known is None or known[0] != key:
        value = _kept(kind, key) if kind in KEPT else None
        if value is None:
            value = make()
            if kind in KEPT:
                _keep(kind, key, value)
        known = _LAST[kind] = (key, value)
    return known[1]


def _kept_file(kind: str, key: Any) -> Path | None:
    from .. import cachedir
    base = cachedir.private(cachedir.folder() / "geo")
    if base is None:
        return None
    code = cachedir.code_key(("generator/content/geo.py", "generator/content/geo_centres.py",
                              "generator/diagnostics.py"), ())
    name = hashlib.blake2b(repr((kind, key, code)).encode(), digest_size=16).hexdigest()
    return base / f"{kind.replace(' ', '-')}-{name}.pickle"


def _kept(kind: str, key: Any) -> Any:
    from .. import cachedir
    return cachedir.load(_kept_file(kind, key))


def _keep(kind: str, key: Any, value: Any) -> None:
    from .. import cachedir
    path = _kept_file(kind, key)
    if path is not None:  # one value per kind: the older tables' goes
        cachedir.store(path, value, others=f"{kind.replace(' ', '-')}-*.pickle")


def _parse_communes(path: Path, text: str) -> dict[str, Commune]:
    out = {}
    names = ("code_insee", "nom", "code_departement", "codes_postaux", "population", "latitude", "longitude")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    missing = [name for name in names if name not in header]
    if missing:
        raise GeoError(f"{path}:1: colonnes absentes : {', '.join(missing)}", RESTORE)
    at = [header.index(name) for name in names]
    try:
        width = len(header)
        for row in rows:
            if len(row) != width:  # a cut or shifted row: its values cannot be trusted
                raise IndexError
            code, nom, dep, cps, population, lat, lon = (row[i] for i in at)
            out[code] = Commune(code, nom, dep, tuple(cps.split()), int(population or 0),
                                float(lat) if lat else None, float(lon) if lon else None)
    except (IndexError, ValueError, csv.Error):
        raise GeoError(f"{path}:{rows.line_num}: ligne tronquée ou abîmée", RESTORE) from None
    if out and not text.endswith("\n"):  # cut inside its last value: the row looks whole
        raise GeoError(f"{path}:{rows.line_num}: ligne tronquée ou abîmée (fin de fichier sans fin de ligne)", RESTORE)
    return out


class Geo:
    """The reference tables, loaded lazily from one folder; a missing or damaged table is a :class:`GeoError`."""

    def __init__(self, folder: Path):
        self.folder = folder

    @cached_property
    def communes(self) -> dict[str, Commune]:
        """The communes, with the centre of the town where ``centres.csv`` gives one (see geo_centres)."""
        def make() -> dict[str, Commune]:
            out = dict(self.centroids)
            for code, (lat, lon) in centre_overrides(self.centre_rows).items():
                if code in out:
                    out[code] = out[code]._replace(lat=lat, lon=lon)
            return out
        return dict(remember("communes", self.tables_key, make))

    @cached_property
    def centre_rows(self) -> list[tuple[int, dict[str, str]]]:
        """(line, row) of ``centres.csv``, read once for the lookups and for its checks (shared: read only)."""
        path = self.folder / "centres.csv"
        return remember("centres", self._centres_key, lambda: table_rows(_text(path, self._centres_bytes)))

    @property
    def tables_key(self) -> tuple[bytes, bytes]:
        """What identifies the communes and centres tables this object reads (digests of their bytes)."""
        return self._communes_key, self._centres_key

    @cached_property
    def _centres_bytes(self) -> bytes:
        return _read(self.folder / "centres.csv", optional=True)

    @cached_property
    def _centres_key(self) -> bytes:
        return hashlib.blake2b(self._centres_bytes, digest_size=16).digest()

    @cached_property
    def centroids(self) -> dict[str, Commune]:
        """The communes as ``communes.csv`` gives them: the centre is the centroid of the 2018 polygon. A table
        already read by this process (the same bytes) is not parsed again: ``msap serve`` rebuilds, the tests."""
        path = self.folder / "communes.csv"
        return dict(remember("centroïdes", self._communes_key,
                             lambda: _parse_communes(path, _text(path, self._communes_bytes))))

    @cached_property
    def _communes_bytes(self) -> bytes:
        return _read(self.folder / "communes.csv")

    @cached_property
    def _communes_key(self) -> bytes:
        return hashlib.blake2b(self._communes_bytes, digest_size=16).digest()

    @cached_property
    def departements(self) -> dict[str, Departement]:
        rows = _json_rows(self.folder / "departements.json", ("code", "nom", "region"))
        return {r["code"]: Departement(r["code"], r["nom"], r["region"]) for r in rows}

    @cached_property
    def regions(self) -> dict[str, str]:
        rows = _json_rows(self.folder / "regions.json", ("code", "nom"))
        return {r["code"]: r["nom"] for r in rows}

    @cached_property
    def outlines(self) -> dict[str, list[list[tuple[float, float]]]]:
        """Département code -> its rings as (lon, lat) points (departements.geojson; none when it is absent)."""
        path = self.folder / "departements.geojson"
        if not path.is_file():
            return {}
        out: dict[str, list[list[tuple[float, float]]]] = {}
        try:
            features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
        except (ValueError, AttributeError) as exc:
            raise GeoError(f"{path}:{getattr(exc, 'lineno', 1)}: GeoJSON illisible", RESTORE) from None
        for feature in features:
            geometry, code = feature.get("geometry") or {}, (feature.get("properties") or {}).get("insee_dep")
            polygons = geometry.get("coordinates", [])
            if geometry.get("type") == "Polygon":
                polygons = [polygons]
            out[code] = [[(float(x), float(y)) for x, y, *_ in ring] for polygon in polygons for ring in polygon]
        return out

    def in_departement(self, code: str, lat: float, lon: float) -> bool | None:
        """Whether a point lies inside the département's outline (even-odd rule over its rings, holes included);
        None when its outline is unknown."""
        rings = self.outlines.get(code)
        if not rings:
            return None
        inside = False
        for ring in rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
        return inside

    @cached_property
    def by_postcode(self) -> dict[str, list[Commune]]:
        out: dict[str, list[Commune]] = {}
        for c in self.communes.values():
            for cp in c.codes_postaux:
                out.setdefault(cp, []).append(c)
        return out

    @cached_property
    def located_by_departement(self) -> dict[str, list[Commune]]:
        """Communes with a centre point, per département, in code order."""
        out: dict[str, list[Commune]] = {}
        for c in sorted(self.communes.values(), key=lambda c: c.code_insee):
            if c.lat is not None:
                out.setdefault(c.departement, []).append(c)
        return out

    @cached_property
    def by_name(self) -> dict[tuple[str, str], list[Commune]]:
        """(département, folded name) -> communes."""
        out: dict[tuple[str, str], list[Commune]] = {}
        for c in self.communes.values():
            out.setdefault((c.departement, fold(c.nom)), []).append(c)
        return out

    def find_in_text(self, departement: str, text: str) -> Commune | None:
        """The commune of a département whose name appears in a text (longest name wins).

        Names are compared word by word, spaces and punctuation ignored, so that
        « Fresnes-Léguillon » finds « Fresnes-l'Éguillon ».
        """
        words = fold(text).split()
        spans = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(i + 7, len(words) + 1))}
        best: Commune | None = None
        for (dep, name), communes in self.by_name.items():
            if dep == departement and name.replace(" ", "") in spans:
                if best is None or len(name) > len(fold(best.nom)):
                    best = max(communes, key=lambda c: c.population)
        return best
