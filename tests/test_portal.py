"""The portal build: shells, safe Markdown, hours, exports, atomic writes, the professional space."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, REPO, build_sample, make_portal_project
from generator.cli import main
from generator.content import sanitiser as markdown
from generator.portal.features import horaires
from generator.portal import urls
from generator.portal.engines.shell import Shell, ShellError

SHELL = ('<html><head><link rel="icon" href="../assets/images/favicon.svg">@@MSAP_META@@<title>@@MSAP_TITRE@@</title>'
         '<script>__md_scope=new URL("..",location)</script></head><body><a href="..">logo</a>'
         '<a href="./">section</a><a href="../boite-a-outils/">outils</a><a href="https://exemple.fr/">ext</a>'
         '<a href="#contenu">saut</a>@@MSAP_CONTENU@@<script id="__config">{"base": "..", "search": '
         '"../assets/w.js"}</script>@@MSAP_SCRIPTS@@</body></html>')


def test_shell_rebases_links_for_any_depth():
    shell = Shell(SHELL, "maisons/")
    deep = shell.fill("maisons/23/gueret/", "Guéret & co", "<p>x</p>")
    assert 'href="../../../assets/images/favicon.svg"' in deep
    assert '<a href="../../../">logo</a>' in deep and '<a href="../../../maisons/">section</a>' in deep
    assert 'href="../../../boite-a-outils/"' in deep and 'href="https://exemple.fr/"' in deep
    assert 'href="#contenu"' in deep and 'new URL("../../../",location)' in deep
    assert '"base": "../../../"' in deep and '"search": "../../../assets/w.js"' in deep
    assert "<title>Guéret &amp; co</title>" in deep and "<p>x</p>" in deep
    top = shell.fill("", "Accueil", "")
    assert '<a href="./">logo</a>' in top and 'href="assets/images/favicon.svg"' in top
    assert '<a href="maisons/">section</a>' in top


def test_shell_without_markers_is_refused_with_a_hint():
    with pytest.raises(ShellError, match="gabarit.html"):
        Shell("<html><body>rien</body></html>", "projets/")


def test_links_are_relative_to_the_page():
    assert urls.Link("maisons/23/gueret/")(urls.BOITE) == "../../../boite-a-outils/"
    assert urls.Link("")(urls.HOME) == "./"
    assert urls.output_file("maisons/") == "maisons/index.html" and urls.output_file("sitemap.xml") == "sitemap.xml"


@pytest.mark.parametrize("body, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "<img"),
    ("[clic](javascript:alert(1))", 'href="javascript'),
    ("[clic](JaVaScRiPt&#58;alert(1))", 'href="javascript'),
    ("[clic](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
    ("![pixel](https://traqueur.example/p.gif)", "<img"),
])
def test_markdown_bodies_cannot_inject_markup(body, forbidden):
    assert forbidden not in markdown.render(body).lower()


def test_markdown_keeps_safe_links_and_shifts_headings():
    html = markdown.render("# Titre\n\n[CAF](https://www.caf.fr) [appel](tel:0555) [écrire](mailto:a@b.fr)")
    assert html.startswith("<h2>Titre</h2>")
    assert 'href="https://www.caf.fr"' in html and 'href="tel:0555"' in html and 'href="mailto:a@b.fr"' in html


def test_hours_labels_time_zone_and_schema_org():
    from generator.schema import Maison
    maison = Maison.model_validate({
        "id": "fs-1", "nom": "France services Saint-Denis", "departement": "974",
        "adresse": {"code_postal": "97400", "commune": "Saint-Denis", "code_insee": "97411"},
        "horaires": {"lundi": ["08:00-12:00", "13:00-16:00"]},
        "exceptions": [{"du": "2026-12-24", "motif": "Veille de Noël", "horaires": ["08:00-11:00"]},
                       {"du": "2025-01-01", "motif": "Passé"}]})
    rows = horaires.week(maison)
    assert rows[0]["label"] == "08:00 – 12:00, 13:00 – 16:00" and rows[1]["label"] == "Fermé"
    data = horaires.browser_data(maison, FROZEN_TODAY)
    assert data["tz"] == "Indian/Reunion"
    assert data["semaine"][0] == [[480, 720], [780, 960]]
    assert [e["motif"] for e in data["exceptions"]] == ["Veille de Noël"]
    spec = horaires.opening_hours_specification(maison, FROZEN_TODAY)
    assert spec[0] == {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
                       "opens": "08:00", "closes": "12:00"}
    assert spec[-1]["validFrom"] == "2026-12-24" and spec[-1]["opens"] == "08:00"


def test_sample_site_has_every_kind_of_page(sample_site: Path):
    for rel in ("index.html", "maisons/index.html", "maisons/23/index.html", "maisons/region-75/index.html",
                "maisons/23/gueret/index.html", "demarches/index.html", "demarches/caf/index.html",
                "demarches/anah/23/index.html", "activites/epn/index.html", "boite-a-outils/index.html",
                "boite-a-outils/guide-accueil/index.html", "boite-a-outils/theme/famille/index.html",
                "projets/index.html", "projets/atelier-numerique-gueret/index.html", "donnees/index.html",
                "recherche/index.html", "a-propos/index.html", "accessibilite/index.html",
                "mentions-legales/index.html", "assets/msap/cartes/23.svg", "pagefind/pagefind.js",
                "boite-a-outils/fichiers/guide-accueil.pdf", "assets/images/favicon.svg"):
        assert (sample_site / rel).is_file(), rel
    home = (sample_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<strong>3</strong> Maisons", home) and re.search(r"<strong>2</strong> départements", home)
    projet = (sample_site / "projets/atelier-numerique-gueret/index.html").read_text(encoding="utf-8")
    assert 'href="../../maisons/23/gueret/"' in projet  # project → Maison (and the golden fiche links back)


def test_public_site_leaves_out_agent_resources(sample_site: Path, tmp_path: Path):
    assert not (sample_site / "boite-a-outils/procedure-interne").exists()
    assert not (sample_site / "pro").exists()
    assert "procedure-interne" not in (sample_site / "boite-a-outils/index.html").read_text(encoding="utf-8")
    pro = build_sample(tmp_path / "projet", tmp_path / "pro", pro=True, search=False).site_dir
    assert (pro / "boite-a-outils/procedure-interne/index.html").exists()
    assert "procedure-interne" in (pro / "pro/index.html").read_text(encoding="utf-8")


def test_nothing_is_loaded_from_another_host(sample_site: Path):
    loads = re.compile(r'<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"')
    for page in sample_site.rglob("*.html"):
        for match in loads.finditer(page.read_text(encoding="utf-8")):
            url = match.group(1) or match.group(2)
            is_canonical = 'rel="canonical"' in match.group(0)
            assert is_canonical or not re.match(r"(https?:)?//", url), f"{page}: {url}"
    css = "".join(p.read_text(encoding="utf-8") for p in sample_site.rglob("*.css"))
    assert not re.search(r"@import\s+url\(\s*['\"]?https?:|fonts\.googleapis", css)


def test_open_data_exports(sample_site: Path):
    rows = list(csv.DictReader((sample_site / "donnees/maisons.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["fs-9003", "fs-9002", "fs-9001"]  # by département, then commune
    gueret = rows[2]
    assert gueret["lundi"] == "09:00-12:00 ; 13:30-17:00" and gueret["url"] == "https://portail.test/maisons/23/gueret/"
    geo = json.loads((sample_site / "donnees/maisons.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == 3 and geo["features"][2]["geometry"]["coordinates"] == [1.8719, 46.1713]
    full = json.loads((sample_site / "donnees/maisons.json").read_text(encoding="utf-8"))
    assert full["maisons"][0]["arrets"][1]["semaines"] == [1, 3]
    assert "caf" in full["maisons"][2]["operateurs_accompagnes"]
    assert (sample_site / "donnees/maison.schema.json").exists()
    sitemap = (sample_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://portail.test/maisons/23/gueret/</loc>" in sitemap and "recherche" not in sitemap
    assert "Sitemap: https://portail.test/sitemap.xml" in (sample_site / "robots.txt").read_text(encoding="utf-8")


def test_every_published_geojson_is_valid_geojson(sample_site: Path):
    """Each GeoJSON file of the open data, read by the geojson library: valid geometries, points in lon/lat."""
    import geojson
    files = sorted((sample_site / "donnees").glob("*.geojson"))
    assert {f.name for f in files} >= {"maisons.geojson", "arrets.geojson", "projets.geojson"}
    for path in files:
        collection = geojson.loads(path.read_text(encoding="utf-8"))
        assert isinstance(collection, geojson.FeatureCollection) and collection.is_valid, (path.name, collection.errors())
        for feature in collection["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and feature["properties"]
    broken = geojson.loads('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                           '{"type": "Point", "coordinates": [1.0]}, "properties": {}}]}')
    assert not broken.is_valid  # the check can fail


def test_every_export_column_is_documented(sample_site: Path):
    page = (sample_site / "donnees/index.html").read_text(encoding="utf-8")
    header = (sample_site / "donnees/maisons.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for name in header:
        match = re.search(rf"<td><code>{name}</code></td><td>([^<]*)</td>", page)
        assert match and len(match.group(1)) > 10, f"colonne {name} sans description"


def test_content_errors_abort_and_keep_the_published_site(tmp_path: Path, capsys):
    root = make_portal_project(tmp_path / "projet")
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 0
    published = (site / "maisons/23/gueret/index.html").read_text(encoding="utf-8")
    fiche = root / "content/maisons/23/gueret.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace('mardi: ["09:00-12:00", "13:30-17:00"]',
                                                               'mardi: ["9h-12h"]'), encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 1
    out, err = capsys.readouterr()
    assert "content/maisons/23/gueret.md:" in out and "horaires.mardi.1" in out and "Indice" in out
    assert "rien n'a été publié" in err and "Traceback" not in out + err
    assert (site / "maisons/23/gueret/index.html").read_text(encoding="utf-8") == published
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_front_matter_fields_cannot_inject_markup(tmp_path: Path):
    root = make_portal_project(tmp_path / "projet")
    fiche = root / "content/maisons/23/gueret.md"
    text = fiche.read_text(encoding="utf-8")
    for field in ("nom: France services de Guéret", "voie: 1 place Bonnyaud", "motif: Fêtes de fin d'année",
                  "precisions: Conseiller CAF le mardi après-midi, sur rendez-vous."):
        key = field.split(":")[0]
        text = text.replace(field, f"{key}: {json.dumps('Guéret ' + XSS)}")
    fiche.write_text(text + "\n" + XSS + "\n[x](javascript:alert(3))\n", encoding="utf-8")
    from generator.config import load_config
    from generator.portal.build import build
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert not re.search(r'href="\s*javascript', html, re.I), page


def test_build_command_reports_what_it_did(tmp_path: Path, capsys):
    root = make_portal_project(tmp_path / "projet")
    assert main(["--root", str(root), "build", "--site-dir", str(tmp_path / "site")]) == 0
    out = capsys.readouterr().out
    assert "Portail construit" in out and "pages" in out and "Pagefind" in out


def test_a_failure_beside_the_pages_aborts_and_keeps_the_published_site(tmp_path: Path, monkeypatch, capsys):
    """The open data are written by another process while the pages render: its failure stops the build too."""
    from generator.portal.writers import exports
    root = make_portal_project(tmp_path / "projet")
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 0
    published = sorted(p.relative_to(site) for p in site.rglob("*"))

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "write_all", broken)
    capsys.readouterr()
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 2
    err = capsys.readouterr().err
    assert "données ouvertes et cartes : échec inattendu" in err and "No space left" in err and "Indice" in err
    assert "Traceback" not in err and sorted(p.relative_to(site) for p in site.rglob("*")) == published
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_broken_template_is_reported_with_its_file_and_line(tmp_path: Path, capsys):
    root = make_portal_project(tmp_path / "projet")
    theme = root / "theme"  # the project's own copy of the repository's
    template = theme / "portail" / "projet.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    template.write_text("\n".join(lines[:2] + ["{% if fiche.data.titre %}<p>sans fin"] + lines[2:]) + "\n",
                        encoding="utf-8")
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 2
    err = capsys.readouterr().err
    assert "theme/portail/projet.html:" in err and "modèle illisible" in err and "Indice" in err, err
    assert "Traceback" not in err and not site.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_edited_template_is_used_by_the_next_build(tmp_path: Path):
    """Compiled templates are kept between builds (generator/portal/engines/cache.py): a changed one is compiled again."""
    from generator.config import load_config
    from generator.portal.build import build
    root = make_portal_project(tmp_path / "projet")
    build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY)
    template = root / "theme" / "portail" / "projet.html"
    template.write_text(template.read_text(encoding="utf-8") + "<p>Ajout du modèle</p>\n", encoding="utf-8")
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir
    page = next((site / "projets").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<p>Ajout du modèle</p>" in page


def test_a_broken_link_of_an_editorial_page_stops_the_build_with_its_file_and_line(tmp_path: Path, capsys):
    root = make_portal_project(tmp_path / "projet")
    page = root / "pages" / "a-propos.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nVoir [la liste](../maisons/index.md).\n", encoding="utf-8")
    line = page.read_text(encoding="utf-8").count("\n")
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 2
    err = capsys.readouterr().err
    assert f"pages/a-propos.md:{line}: lien « ../maisons/index.md » vers une page qui n'existe pas — Indice :" in err
    assert "Traceback" not in err and not site.exists()


def test_the_not_found_page_is_french_and_leads_somewhere(sample_site: Path):
    page = (sample_site / "404.html").read_text(encoding="utf-8")
    assert "<h1>Page introuvable</h1>" in page and "Not found" not in page
    assert 'action="/recherche/"' in page and 'href="/maisons/carte/"' in page


def test_no_internal_link_of_the_sample_site_is_broken(sample_site: Path):
    """A crawl of every page: each relative link leads to a file of the site."""
    import posixpath
    import re as re_
    broken = []
    for html in sample_site.rglob("*.html"):
        rel = html.relative_to(sample_site).as_posix()
        if rel == "404.html":  # served at any address: its links start from the root
            continue
        for href in re_.findall(r'\bhref="([^"#?:]*)(?:[#?][^"]*)?"', html.read_text(encoding="utf-8")):
            if not href or href.startswith("/"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), href))
            path = sample_site / target
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.append(f"{rel} → {href}")
    assert broken == []


def test_a_region_of_one_departement_is_not_repeated_in_the_breadcrumbs(tmp_path: Path):
    """Guyane, Martinique, La Réunion…: « Guyane › Guyane » said the same place twice."""
    from generator.config import load_config
    from generator.portal.build import build
    root = make_portal_project(tmp_path / "projet")
    fiche = (REPO / "content/maisons/973/apatou.md").read_text(encoding="utf-8")
    (root / "content/maisons/973").mkdir(parents=True)
    (root / "content/maisons/973/apatou.md").write_text(fiche, encoding="utf-8")
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir

    def crumbs(rel: str) -> list[str]:
        html = (site / rel / "index.html").read_text(encoding="utf-8")
        nav = html.split('class="msap-ariane"', 1)[1].split("</nav>", 1)[0]
        return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]
    assert crumbs("maisons/973/apatou") == ["Accueil", "Trouver une Maison", "Guyane", "France services d’Apatou"]
    assert crumbs("maisons/23/gueret")[2:4] == ["Nouvelle-Aquitaine", "Creuse"]
    assert crumbs("maisons/973") == ["Accueil", "Trouver une Maison", "Guyane"]
    # overseas, the hours say whose clock they are
    assert "Heures locales (Guyane), et non celles de Paris." in (site / "maisons/973/apatou/index.html").read_text(
        encoding="utf-8")
    assert "Heures locales" not in (site / "maisons/23/gueret/index.html").read_text(encoding="utf-8")


def test_a_withdrawn_maison_is_neither_listed_mapped_exported_searched_nor_counted(tmp_path: Path):
    """A site gone from the national list (``retiree_le``, written by the import): its page stays and says so,
    with the nearest open places; nothing else publishes it as open."""
    from generator.config import load_config
    from generator.portal.build import build
    root = make_portal_project(tmp_path / "projet")
    fiche = root / "content" / "maisons" / "23" / "bourganeuf.md"
    text = fiche.read_text(encoding="utf-8")
    fiche.write_text(text.replace("\nid: ", "\nretiree_le: 2026-11-01\nid: ", 1), encoding="utf-8")
    site = build(root, load_config(root), tmp_path / "site", today=FROZEN_TODAY, site_url="https://portail.test/").site_dir
    page = (site / "maisons" / "23" / "bourganeuf" / "index.html").read_text(encoding="utf-8")
    assert "Ce lieu a quitté le réseau" in page and "depuis le 01/11/2026" in page
    assert "France services de Guéret" in page  # the nearest open Maison, linked
    assert "data-pagefind-body" not in page  # not searchable
    listing = (site / "maisons" / "23" / "index.html").read_text(encoding="utf-8")
    assert "bourganeuf/" not in listing.split('id="contenu"')[1].split("msap-table-defile")[0]
    assert "Bourganeuf" not in (site / "donnees" / "maisons.csv").read_text(encoding="utf-8")
    geojson = json.loads((site / "donnees" / "maisons.geojson").read_text(encoding="utf-8"))
    assert "Bourganeuf" not in {f["properties"]["nom"].split()[-1] for f in geojson["features"]}
    assert "bourganeuf" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<li><strong>2</strong> Maisons</li>" in home  # 3 fiches, one withdrawn
