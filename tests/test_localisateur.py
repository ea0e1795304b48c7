"""« Près de chez moi » without a browser: the commune index, the nearest places, the pages written for them,
the published points, the coverage map and the vendored map library."""
from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import pytest

from conftest import REPO
from generator.content.geo import Geo, distance_km
from generator.portal.features import localisateur


@pytest.fixture(scope="module")
def geo() -> Geo:
    return Geo(REPO / "data" / "geo")


def decode_index(text: str) -> list[tuple[str, str, list[str], float, float, int]]:
    """The commune index read back as the browser reads it (localisateur.js, lireCommunes)."""
    out, dep, name, cps, lat, lon = [], "", "", [], 0, 0
    for line in text.splitlines():
        if line.startswith("#"):
            dep, name, cps, lat, lon = line[1:].split("\t")[0], "", [], 0, 0
            continue
        shared, rest, codes, dlat, dlon, *size = line.split("\t")
        name = name[:int(shared or 0)] + rest
        if codes == "-":
            cps = []
        elif codes:
            cps = [c if len(c) == 5 else dep + c for c in codes.split(" ")]
        lat, lon = lat + int(dlat), lon + int(dlon)
        out.append((dep, name, cps, lat / 1000, lon / 1000, int(size[0], 36) if size else 0))
    return out


@pytest.mark.reseau
def test_commune_index_holds_every_commune_with_its_postcodes_and_centre_in_under_400_kb(geo):
    text = localisateur.commune_index(geo)
    assert len(gzip.compress(text.encode("utf-8"), 6)) <= 400_000
    decoded = decode_index(text)
    located = sorted((c for c in geo.communes.values() if c.lat is not None), key=lambda c: (c.departement, c.code_insee))
    assert len(decoded) == len(located) > 34_000
    for (dep, name, cps, lat, lon, size), c in zip(decoded, located):
        assert (dep, name, cps) == (c.departement, c.nom, list(c.codes_postaux))
        assert size == int(localisateur.size_class(c.population) or "0", 36)
        assert abs(lat - c.lat) <= 0.00051 and abs(lon - c.lon) <= 0.00051, c.nom
    # homonyms are told apart by their département
    assert {dep for dep, name, *_ in decode_index(text) if name == "Saint-Denis"} >= {"11", "30", "93", "974"}
    # sizes rank prefixes and homonyms: a town before a village, a bigger one before a smaller one
    sizes = {(name, dep): size for dep, name, _c, _la, _lo, size in decoded}
    assert sizes[("Brive-la-Gaillarde", "19")] > sizes[("Brives", "36")] == 0
    assert sizes[("Saint-Denis", "974")] > sizes[("Saint-Denis", "93")] > sizes[("Saint-Denis", "11")]


@pytest.mark.reseau
def test_the_index_is_cut_so_that_a_query_loads_one_small_file_holding_all_its_answers(geo):
    shards = localisateur.commune_shards(geo)
    decoded = {name: decode_index(text) for name, text in shards.items()}
    packed = {name: len(gzip.compress(text.encode("utf-8"), 6)) for name, text in shards.items()}
    assert max(packed.values()) < 60_000 and packed["ob"] < 2_000  # « sa » (every Saint-…) is the largest
    located = [c for c in geo.communes.values() if c.lat is not None]
    # every prefix a person may type (two characters or more) finds, in its one file, every commune it names
    for c in random.Random(3).sample(located, 600) + [geo.communes[code] for code in ("19153", "76351", "97411")]:
        key = localisateur.search_key(c.nom)
        bare = re.sub(r"^(le|la|les|l) ", "", key)
        typed = [k[:n].strip() for k in (key, bare) for n in range(2, len(k) + 1)]
        typed = [t for t in typed if len(t.replace(" ", "")) >= 2]  # one letter lists nothing but one-letter names
        typed += [cp[:n] for cp in c.codes_postaux for n in (2, 3, 5)]
        for text in typed:
            found = decoded.get(localisateur.shard_of(text), [])
            assert (c.departement, c.nom) in {(dep, name) for dep, name, *_ in found}, (c.nom, text)
    assert localisateur.shard_of(localisateur.search_key("St-Denis")) == "sa"
    assert localisateur.search_key("Œuilly") == "oeuilly" and localisateur.shard_of("y") == "y_"


def test_nearest_places_are_exact_against_brute_force(geo):
    random.seed(7)
    communes = [c for c in geo.communes.values() if c.lat is not None]
    places = [localisateur.Lieu(None, c.lat, c.lon) for c in random.sample(communes, 400)]
    near = localisateur.Proximite(places)
    points = [(c.lat, c.lon) for c in random.sample(communes, 300)] + [(16.25, -61.58), (-12.78, 45.22)]
    for k in (1, 4):
        for (lat, lon), found in zip(points, near.nearest(points, k)):
            brute = sorted(distance_km(lat, lon, p.lat, p.lon) for p in places)[:k]
            assert [round(km, 6) for _p, km in found] == [round(km, 6) for km in brute]


def test_equal_distances_are_ordered_by_position_whatever_the_chunks():
    """Two places at the same spot (a Maison and a bus stop): the first in the list comes first, also when only
    one of them fits in the k nearest, and whichever places a chunk compared (the browser's rule)."""
    Lieu = localisateur.Lieu
    places = ([Lieu(f"leurre {i}", 46.0 + i / 50, 2.0) for i in range(30)]
              + [Lieu("Maison", 45.5, 1.5), Lieu("arrêt", 45.5, 1.5), Lieu("loin", 44.0, 3.0)])
    near = localisateur.Proximite(places)
    points = [(45.5 + i / 100, 1.5 + i / 100) for i in range(40)]
    for k in (1, 2, 5):
        results = [near.nearest(points, k, chunk=chunk) for chunk in (1, 7, 300)]
        assert results[0] == results[1] == results[2]
    assert [p.maison for p, _km in near.nearest([(45.5, 1.5)], 1)[0]] == ["Maison"]
    assert [p.maison for p, _km in near.nearest([(45.5, 1.5)], 2)[0]] == ["Maison", "arrêt"]
    # three places at one spot, the 6th place falls among them: the first of the three left wins, as in a
    # sort of the whole list (a partial selection alone may keep any of them)
    spots = [(45.0, 1.2), (45.0, 1.3), (45.3, 1.3), (45.3, 1.1), (45.0, 1.3), (45.0, 1.3), (45.3, 1.0), (45.3, 1.2),
             (45.1, 1.0), (45.2, 1.0), (45.0, 1.0)]
    near = localisateur.Proximite([Lieu(i, lat, lon) for i, (lat, lon) in enumerate(spots)])
    assert [p.maison for p, _km in near.nearest([(45.1, 1.1)], 6)[0]] == [8, 9, 0, 10, 1, 4]


def test_places_are_maisons_then_stops_at_their_position_or_their_communes_centre(sample_site: Path):
    arrets = json.loads((sample_site / "donnees" / "arrets.geojson").read_text(encoding="utf-8"))
    thilay = next(f for f in arrets["features"] if f["properties"]["lieu"] == "Mairie de Thilay")
    assert thilay["properties"]["precision"] == "commune" and thilay["properties"]["jour"] == "mardi"
    centre = Geo(REPO / "data" / "geo").communes["08449"]
    assert thilay["geometry"]["coordinates"] == [centre.lon, centre.lat]
    maisons = json.loads((sample_site / "donnees" / "maisons.geojson").read_text(encoding="utf-8"))
    gueret = next(f for f in maisons["features"] if f["properties"]["id"] == "fs-9001")
    assert gueret["properties"]["exceptions"][0]["du"] >= "2026-11-26"  # upcoming closures, for « ouvert »


def test_commune_page_lists_the_nearest_places_with_their_distance(sample_site: Path):
    html = (sample_site / "communes" / "23096" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Maisons près de Guéret (23)</h1>" in html
    names = re.findall(r'class="msap-carte-maison__nom"><a href="[^"]+">([^<]+)</a>', html)
    kms = re.findall(r'class="msap-distance">([0-9]+,[0-9])\u00a0km</span>', html)
    assert names[:2] == ["France services de Guéret", "France services Bourganeuf"]
    centre = Geo(REPO / "data" / "geo").communes["23096"]
    lat, lon = localisateur.centre(centre)
    assert kms[1] == f"{distance_km(lat, lon, 45.9537, 1.7555):.1f}".replace(".", ",")
    assert kms == sorted(kms, key=lambda k: float(k.replace(",", ".")))


def test_departement_page_gives_every_commune_its_nearest_place_without_javascript(sample_site: Path):
    html = (sample_site / "maisons" / "23" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>\s*<td>(.*?)</td><td>(.*?)</td></tr>', html, re.S)
    creuse = [c for c in Geo(REPO / "data" / "geo").communes.values() if c.departement == "23" and c.lat]
    assert len(rows) == len(creuse)
    bourganeuf = next(r for r in rows if ">Bourganeuf<" in r[0])
    assert 'href="../../communes/23030/"' in bourganeuf[0] and "France services Bourganeuf" in bourganeuf[1]


def test_coverage_page_counts_maisons_per_departement(sample_site: Path):
    html = (sample_site / "maisons" / "couverture" / "index.html").read_text(encoding="utf-8")
    assert "<title>Creuse (23) : 2 Maisons</title>" in html and "<title>Ardennes (08) : 1 Maison</title>" in html
    assert re.search(r"Creuse \(23\)</a></th>\s*<td>2</td><td>0</td><td>1</td>", html)
    assert re.search(r"<strong>2</strong> départements couverts sur 1[01][0-9]", html)


def test_map_library_is_served_by_the_site_with_its_licence(sample_site: Path):
    for package, licence in (("leaflet", "LICENSE"), ("leaflet.markercluster", "MIT-LICENCE.txt")):
        folder = sample_site / "assets" / "vendor" / package
        version = json.loads((REPO / "node_modules" / package / "package.json").read_text())["version"]
        assert (folder / "VERSION").read_text().split()[1] == version
        assert "Permission is hereby granted" in (folder / licence).read_text() or "BSD" in (folder / licence).read_text()
    page = (sample_site / "maisons" / "carte" / "index.html").read_text(encoding="utf-8")
    assert 'src="../../assets/vendor/leaflet/leaflet.js"' in page and "cdn" not in page.lower()


def test_embeddable_page_is_a_whole_light_document_opening_links_in_the_host_page(sample_site: Path):
    html = (sample_site / "maisons" / "carte" / "integrer" / "index.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and '<html lang="fr">' in html
    assert '"cible":"_top"' in html and "md-header" not in html
    assert len(gzip.compress(html.encode())) < 10_000


def test_missing_map_library_stops_the_build_with_a_hint(tmp_path: Path):
    from conftest import make_portal_project
    from generator.config import load_config
    from generator.portal.build import BuildError, build

    root = make_portal_project(tmp_path / "projet")
    (root / "node_modules").unlink()
    with pytest.raises(BuildError, match="« leaflet » .* Indice : lancez « make setup »"):
        build(root, load_config(root), tmp_path / "site", search=False)
    assert not (tmp_path / "site").exists()


def test_the_nearest_places_are_kept_between_builds_while_nothing_moves(tmp_path: Path, monkeypatch):
    """The communes' nearest places (the département tables, the commune pages) are computed once, then taken
    again from the cache while no place and no commune moved; a Maison moved computes them again."""
    from conftest import make_portal_project
    from generator.config import load_config
    from generator.content.site import load_site
    from generator.diagnostics import Report
    from generator.portal.model import Portal

    monkeypatch.setenv("MSAP_CACHE_DIR", str(tmp_path / "cache"))
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    computed: list[int] = []
    real = localisateur.Proximite.nearest

    def counting(self, points, k, *args, **kwargs):
        computed.append(len(points))
        return real(self, points, k, *args, **kwargs)
    monkeypatch.setattr(localisateur.Proximite, "nearest", counting)

    def tables() -> dict:
        site = load_site(root, "content", Report())
        portal = Portal(site, Geo(root / "data" / "geo"), "https://portail.test/", proches=load_config(root).carte_resultats)
        return {dep: [(c.code_insee, place.maison.data.id, round(km, 6)) for c, place, km in
                      portal.voisinage.par_departement(dep)] for dep in ("23", "08", "75")}
    first = tables()
    assert len(computed) == 2 and first["23"]
    for _ in range(2):  # the second build and the third: nothing computed, the same tables
        computed.clear()
        assert tables() == first and computed == []
    fiche = root / "content/maisons/23/gueret.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("lat: 46.1713", "lat: 46.0513"), encoding="utf-8")
    moved = tables()
    assert len(computed) == 2 and moved != first
