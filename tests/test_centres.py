"""Commune centres in the town (data/geo/centres.csv): matching GeoNames, the review workflow, the checks, and the
committed table's effect on the real network."""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from generator.cli import main
from generator.diagnostics import Report
from generator.content.geo import Geo
from generator.content.geo_centres import check_table, match, read_table

# Real rows of communes.csv: Cayenne (centroid 21 km from the town) with its neighbours Macouria and
# Rémire-Montjoly; Fontannes, whose GeoNames point lies 1.6 km from the centroid of Jullianges and 26 km from its
# own (an 875-inhabitant commune); Landos (nothing to fix); the two Saint-Denis a name alone cannot tell apart.
CODES = ("97302", "97305", "97309", "97301", "43096", "43108", "43111", "43001", "93066", "97411")


def place(gid: int, name: str, lat: float, lon: float, cc: str = "FR", admin1: str = "", population: int = 1000):
    return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "admin1code": admin1, "population": population}


CAYENNE = place(3382160, "Cayenne", 4.9381, -52.33455, "GF", "GF", 61550)
FONTANNES = place(3017967, "Fontannes", 45.30149, 3.76366, admin1="84", population=1308)
LANDOS = place(3007000, "Landos", 44.8420, 3.8330, admin1="84", population=900)
ELSEWHERE = place(1, "Cayenne", 49.55858, 1.62803, admin1="28")  # a hamlet of Seine-Maritime: other région


@pytest.fixture
def geo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "geo"
    folder.mkdir(parents=True)
    with open(REPO / "data/geo/communes.csv", encoding="utf-8", newline="") as src:
        rows = list(csv.reader(src))
    with open(folder / "communes.csv", "w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if r[0] in CODES])
    for name in ("departements.json", "regions.json"):
        shutil.copy(REPO / "data/geo" / name, folder / name)
    return folder


def table(folder: Path) -> dict[str, dict[str, str]]:
    return {row["code_insee"]: row for _, row in read_table(folder / "centres.csv")}


def run_centres(root: Path, places: list[dict], capsys) -> tuple[int, str]:
    source = root / "cities500.json"
    source.write_text(json.dumps({str(p["geonameid"]): p for p in places}), encoding="utf-8")
    code = main(["--root", str(root), "centres", str(source)])
    return code, capsys.readouterr().out


def test_a_near_point_is_taken_a_far_one_waits_for_review_and_the_review_is_kept(geo_dir, capsys):
    root = geo_dir.parent.parent
    code, out = run_centres(root, [CAYENNE, FONTANNES, LANDOS, ELSEWHERE], capsys)
    assert code == 0, out
    rows = table(geo_dir)
    assert rows["43111"]["source"] == "geonames" and rows["43111"]["reference"] == "geonames:3007000"
    # Cayenne's point is 21 km from its centroid and nearer Macouria's: it waits, and so does Fontannes'.
    assert rows["97302"]["source"] == "a_revoir" and float(rows["97302"]["ecart_km"]) == pytest.approx(21.5, abs=0.1)
    assert rows["43096"]["source"] == "a_revoir"
    assert "à revoir : 97302 Cayenne, 21,5 km" in out
    assert Geo(geo_dir).communes["97302"].lat == Geo(geo_dir).centroids["97302"].lat  # not used yet
    assert Geo(geo_dir).communes["43111"].lat == pytest.approx(44.842)

    # A reviewer accepts Cayenne and refuses Fontannes; a new run keeps both decisions.
    text = (geo_dir / "centres.csv").read_text(encoding="utf-8")
    text = re.sub(r"^(97302,.*),a_revoir,", r"\1,geonames,", text, flags=re.M)
    text = re.sub(r"^(43096,.*),a_revoir,", r"\1,refus,", text, flags=re.M)
    (geo_dir / "centres.csv").write_text(text, encoding="utf-8")
    code, out = run_centres(root, [CAYENNE, FONTANNES, LANDOS], capsys)
    assert code == 0 and "à revoir" not in out
    rows = table(geo_dir)
    assert (rows["97302"]["source"], rows["43096"]["source"]) == ("geonames", "refus")
    geo = Geo(geo_dir)
    assert (geo.communes["97302"].lat, geo.communes["97302"].lon) == (4.9381, -52.33455)
    assert geo.communes["43096"] == geo.centroids["43096"]  # refused: the centroid stays


def test_homonyms_of_one_region_and_places_of_another_are_not_matched(geo_dir):
    geo = Geo(geo_dir)
    # « Saint-Denis » of La Réunion (région 04) and of Seine-Saint-Denis (11): each point matches its own.
    reunion = place(935264, "Saint-Denis", -20.88231, 55.4504, "RE", "RE", 154765)
    paris = place(2980916, "Saint-Denis", 48.93564, 2.35387, admin1="11", population=110000)
    centres = {c.code_insee: c for c in match(geo, [reunion, paris, ELSEWHERE], {})}
    assert centres["97411"].reference == "geonames:935264"
    assert centres["93066"].reference == "geonames:2980916"
    assert "97302" not in centres  # the Seine-Maritime Cayenne is not the Guyane one


def test_the_table_is_checked_row_by_row_with_its_line(geo_dir):
    (geo_dir / "centres.csv").write_text(
        "code_insee,nom,latitude,longitude,source,reference,ecart_km\n"
        "97302,Cayenne,4.93810,-52.33455,geonames,geonames:3382160,21.5\n"
        "99999,Nulle part,1,1,geonames,x,0\n"
        "97305,Kourou,4.9,-52.3,correction,mairie,1\n"
        "97301,Régina,3.9,-52.5,peut-etre,x,1\n"
        "43111,Landos,48.85,2.35,correction,x,1\n"
        "43001,Agnat,quarante-cinq,3.88,correction,x,1\n"
        "97302,Cayenne,4.93810,-52.33455,geonames,geonames:3382160,21.5\n"
        "43096,Fontannes,45.30149,3.76366,a_revoir,geonames:3017967,26.1\n", encoding="utf-8")
    geo, report = Geo(geo_dir), Report()
    check_table(geo, report, "data/geo/centres.csv")
    got = {(p.line, p.field, p.severity.name) for p in report.problems}
    assert got == {(3, "code_insee", "ERROR"), (4, "nom", "ERROR"), (5, "source", "ERROR"),
                   (6, "latitude", "ERROR"), (7, "latitude", "ERROR"), (8, "code_insee", "ERROR"),
                   (9, "source", "WARNING")}, report.render()
    text = report.render()
    assert "data/geo/centres.csv:4: nom: « Kourou » n'est pas le nom de la commune 97305 — Indice : écrivez « Macouria »" in text
    assert "data/geo/centres.csv:6: latitude: le point est à" in text and "Landos" in text
    # A row that does not parse never moves a commune; the valid rows do.
    assert geo.communes["43001"] == geo.centroids["43001"]
    assert geo.communes["43111"].lat == 48.85  # the checks refuse it; the lookup does not second-guess them


def test_an_unreadable_geonames_file_is_a_french_error(geo_dir, capsys):
    root = geo_dir.parent.parent
    (root / "bad.json").write_text("{pas du json", encoding="utf-8")
    assert main(["--root", str(root), "centres", str(root / "bad.json")]) == 2
    out = capsys.readouterr().out
    assert "n'est pas un fichier cities500.json lisible" in out and "Indice :" in out
    assert not (geo_dir / "centres.csv").exists()
    code, out = run_centres(root, [place(9, "Roma", 41.9, 12.5, "IT")], capsys)
    assert code == 2 and "aucun lieu de France" in out


@pytest.mark.reseau
def test_the_committed_table_checks_clean_and_puts_cayenne_in_the_town():
    geo, report = Geo(REPO / "data/geo"), Report()
    check_table(geo, report, "data/geo/centres.csv")
    assert report.problems == [], report.render()
    rows = table(REPO / "data/geo")
    assert rows["97302"]["source"] == "geonames"
    cayenne = geo.communes["97302"]
    from generator.content.geo import distance_km
    assert distance_km(cayenne.lat, cayenne.lon, 4.9372, -52.3260) < 2  # the town, not the sea 21 km away


@pytest.mark.reseau
def test_on_the_real_network_cayenne_and_laruns_pins_are_no_longer_called_wrong(capsys):
    code = main(["--root", str(REPO), "check"])
    out, _ = capsys.readouterr()
    assert code == 0
    far = [line for line in out.splitlines() if "km du centre de" in line]
    for fiche in ("973/cayenne.md", "973/kourou.md", "64/vallee-d-ossau.md", "65/haute-bigorre.md"):
        assert not any(fiche in line for line in far), fiche
    assert len(far) <= 13, "\n".join(far)  # 22 with the centroids (docs/communes.md)
