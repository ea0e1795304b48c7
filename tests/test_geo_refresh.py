"""``msap geo``: data/geo/ rebuilt from the pinned packages — the committed tables are exactly their output, and the
next 1 January (a commune nouvelle, a renaming, a restored commune) is applied and reported."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from generator.cli import main
from generator.content.geo_refresh import PACKAGE, default_package_dir

pytestmark = pytest.mark.lent

PREVIOUS = [  # real rows of communes.csv (Ain)
    "01001,L'Abergement-Clémenciat,commune-actuelle,01,Ain,84,01400,860,46.15359,4.92582,centroid_2018_polygon",
    "01002,L'Abergement-de-Varey,commune-actuelle,01,Ain,84,01640,270,46.00958,5.42799,centroid_2018_polygon",
    "01004,Ambérieu-en-Bugey,commune-actuelle,01,Ain,84,01500,15934,45.96105,5.37235,centroid_2018_polygon",
    "01005,Ambérieux-en-Dombes,commune-actuelle,01,Ain,84,01330,1906,45.99619,4.91194,centroid_2018_polygon",
]
HEADER = ("code_insee,nom,type,code_departement,nom_departement,code_region,codes_postaux,population,latitude,"
          "longitude,coord_source")


def commune(code: str, nom: str, population: int | None, postcodes: list[str], **extra) -> dict:
    out = {"code": code, "nom": nom, "departement": "01", "region": "84", "zone": "metro", "type": "commune-actuelle",
           "codesPostaux": postcodes, **extra}
    if population is not None:
        out["population"] = population
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose data/geo/ holds four real communes of the Ain, with the real départements and outlines."""
    geo = tmp_path / "data" / "geo"
    geo.mkdir(parents=True)
    (geo / "communes.csv").write_text("\n".join([HEADER, *PREVIOUS]) + "\n", encoding="utf-8")
    for name in ("departements.json", "regions.json", "departements.geojson"):
        shutil.copy(REPO / "data/geo" / name, geo / name)
    return tmp_path


def next_edition(root: Path, communes: list[dict], departements: list[dict] | None = None) -> Path:
    """The package's data/ folder for a COG where the four communes have changed."""
    folder = root / "decoupage" / "data"
    folder.mkdir(parents=True)
    (folder / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")
    if departements is None:
        shutil.copy(REPO / "data/geo/departements.json", folder / "departements.json")
    else:
        (folder / "departements.json").write_text(json.dumps(departements, ensure_ascii=False), encoding="utf-8")
    shutil.copy(REPO / "data/geo/regions.json", folder / "regions.json")
    (folder.parent / "package.json").write_text('{"name": "%s", "version": "7.0.0"}' % PACKAGE, encoding="utf-8")
    return folder


NEXT = [
    # 01001 and 01004 merge into a commune nouvelle with a new code: the chef-lieu is the larger one, 01004
    commune("01460", "Ambérieu-Clémenciat", 16900, ["01400", "01500"], anciensCodes=["01001", "01004"]),
    commune("01002", "L'Abergement-de-Varey-le-Haut", 280, ["01640"]),  # renamed, population changed
    commune("01005", "Ambérieux-en-Dombes", 1906, ["01330"]),  # unchanged
    commune("01470", "Saint-Rétabli", 40, ["01640"]),  # a restored commune: no point anywhere
    commune("01001", "L'Abergement-Clémenciat", None, [], type="commune-deleguee", chefLieu="01460"),
]


def rows(root: Path) -> dict[str, dict[str, str]]:
    with open(root / "data/geo/communes.csv", encoding="utf-8", newline="") as fh:
        return {row["code_insee"]: row for row in csv.DictReader(fh)}


def run(root: Path, capsys, *args: str) -> tuple[int, str]:
    """``msap geo`` on a project; GeoNames is an empty list unless a test gives one."""
    if root != REPO and "--geonames" not in args:
        (root / "aucun-lieu.json").write_text("{}", encoding="utf-8")
        args = (*args, "--geonames", str(root / "aucun-lieu.json"))
    code = main(["--root", str(root), "geo", *args])
    return code, capsys.readouterr().out


@pytest.mark.skipif(not default_package_dir(REPO).is_dir(), reason="npm ci n'a pas été lancé")
def test_the_committed_geography_is_exactly_what_the_pinned_packages_give(capsys):
    code, out = run(REPO, capsys, "--check")
    assert code == 0, out
    assert "Fichiers changés : aucun" in out
    assert "communes.csv : 35\u202f014 communes — 0 nouvelle, 0 disparue, 0 renommée" in out
    assert "centres.csv : 14\u202f123 centres de GeoNames (0 à revoir)" in out  # the geo extra is installed
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"][f"node_modules/{PACKAGE}"]["version"]
    assert json.loads((REPO / "package.json").read_text())["devDependencies"][PACKAGE] == version  # exact pin
    assert f"{PACKAGE} {version}" in out
    assert f"@etalab/decoupage-administratif {version}" in (REPO / "data/README.md").read_text(encoding="utf-8")


def test_the_next_cog_is_applied_and_every_change_reported(project, capsys):
    package = next_edition(project, NEXT)
    before = (project / "data/geo/communes.csv").read_text(encoding="utf-8")
    code, out = run(project, capsys, "--decoupage", str(package), "--check")
    assert code == 1 and "msap geo --check : data/geo/ n'est pas ce que donnent les paquets épinglés" in out
    assert (project / "data/geo/communes.csv").read_text(encoding="utf-8") == before  # --check writes nothing

    code, out = run(project, capsys, "--decoupage", str(package))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith(f"Sources : {PACKAGE} 7.0.0 (COG)")
    assert "communes.csv : 4 communes — 2 nouvelles, 2 disparues, 1 renommée, 1 population changée" in out
    assert "  nouvelle : 01460 Ambérieu-Clémenciat" in lines
    assert "  disparue : 01001 L'Abergement-Clémenciat" in lines and "  disparue : 01004 Ambérieu-en-Bugey" in lines
    assert "  renommée : 01002 L'Abergement-de-Varey → L'Abergement-de-Varey-le-Haut" in lines
    assert "1 commune sans point (ni dans la table précédente, ni dans ses anciennes communes) :" in lines
    assert "  01470 Saint-Rétabli" in lines
    assert any(line.startswith("  Indice : ajoutez pour chacune une ligne « correction »") for line in lines)
    assert lines[-1] == "Fichiers changés : centres.csv, communes.csv"  # centres.csv: its header, no place given

    table = rows(project)
    assert list(table) == ["01460", "01002", "01005", "01470"]  # the package's order, the délégué left out
    merged = table["01460"]
    assert (merged["latitude"], merged["longitude"], merged["coord_source"]) == \
        ("45.96105", "5.37235", "ancienne_commune:01004")  # the point of the larger former commune
    assert merged["codes_postaux"] == "01400 01500" and merged["population"] == "16900"
    assert merged["nom_departement"] == "Ain" and merged["code_region"] == "84"
    assert table["01002"]["nom"] == "L'Abergement-de-Varey-le-Haut" and table["01002"]["population"] == "280"
    assert table["01002"]["latitude"] == "46.00958"  # kept
    assert (table["01470"]["latitude"], table["01470"]["coord_source"]) == ("", "manquant")

    written = (project / "data/geo/communes.csv").read_text(encoding="utf-8")
    code, out = run(project, capsys, "--decoupage", str(package), "--check")
    assert code == 0 and "Fichiers changés : aucun" in out  # a second run changes nothing
    assert "0 nouvelle, 0 disparue, 0 renommée" in out
    assert (project / "data/geo/communes.csv").read_text(encoding="utf-8") == written
    assert not list((project / "data/geo").glob(".*.tmp"))


def test_the_centres_are_matched_again_against_the_new_communes(project, capsys):
    package = next_edition(project, NEXT)
    places = project / "cities500.json"
    places.write_text(json.dumps({"1": {"geonameid": 1, "name": "Ambérieux-en-Dombes", "latitude": 45.9989,
                                        "longitude": 4.9013, "countrycode": "FR", "admin1code": "84",
                                        "population": 1900}}), encoding="utf-8")
    code, out = run(project, capsys, "--decoupage", str(package), "--geonames", str(places))
    assert code == 0, out
    assert "centres.csv : 1 centre de GeoNames (0 à revoir)" in out
    centres = (project / "data/geo/centres.csv").read_text(encoding="utf-8").splitlines()
    assert centres[1].startswith("01005,Ambérieux-en-Dombes,45.99890,4.90130,geonames,geonames:1,")


def test_a_departement_without_an_outline_is_reported(project, capsys):
    deps = json.loads((REPO / "data/geo/departements.json").read_text(encoding="utf-8"))
    deps.append({"code": "2X", "region": "94", "nom": "Corse-Nouvelle", "zone": "metro"})
    package = next_edition(project, NEXT, deps)
    code, out = run(project, capsys, "--decoupage", str(package))
    assert code == 0
    assert "departements.geojson : 2X : pas de contour" in out.splitlines()
    assert "departements.json" in out.splitlines()[-1]


def test_a_missing_or_broken_package_stops_with_nothing_written(project, capsys):
    before = {p.name: p.read_bytes() for p in (project / "data/geo").iterdir()}
    code, out = run(project, capsys, "--decoupage", str(project / "absent"))
    assert code == 2
    assert out.startswith(f"msap geo : {project / 'absent' / 'communes.json'} est introuvable\n"
                          f"Indice : installez le paquet {PACKAGE} avec « npm ci »")
    package = next_edition(project, NEXT)
    (package / "communes.json").write_text('[\n{"code": "01001", "nom": "A"},\n{"code": ', encoding="utf-8")
    code, out = run(project, capsys, "--decoupage", str(package))
    assert code == 2
    assert out.startswith(f"msap geo : {package / 'communes.json'}:3: JSON invalide en colonne 10\n")
    assert "Traceback" not in out
    (package / "communes.json").write_text('{"code": "01001"}', encoding="utf-8")
    code, out = run(project, capsys, "--decoupage", str(package))
    assert code == 2 and "n'est pas une liste d'entrées {code, nom, …}" in out
    assert {p.name: p.read_bytes() for p in (project / "data/geo").iterdir()} == before
