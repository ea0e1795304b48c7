"""What reusers, feed readers, messaging apps and security researchers read: the Atom feed of novelties,
OpenGraph and Twitter-card tags on every page, the sitemap's lastmod, security.txt (RFC 9116), and the fiche's
JSON-LD breadcrumb and network."""
from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from conftest import FROZEN_TODAY

ATOM = "{http://www.w3.org/2005/Atom}"


class Head(HTMLParser):
    """The meta tags, links, JSON-LD blocks and breadcrumb of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.jsonld: list[dict] = []
        self.ariane: list[str] = []
        self._in_ld = self._in_ariane = False
        self._title = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link":
            self.links.append(a)
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_ld = True
        elif tag == "nav" and a.get("aria-label") == "Fil d'Ariane":
            self._in_ariane = True
        elif tag == "title":
            self._title = "<title>"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False
        if tag == "nav":
            self._in_ariane = False
        if tag == "title":  # the document's, the first one (an SVG chart has titles of its own)
            self.meta.setdefault("<title>", self._title.removeprefix("<title>"))
            self._title = ""

    def handle_data(self, data):
        if self._in_ld:
            self.jsonld.append(json.loads(data))
        elif self._in_ariane and data.strip():
            self.ariane.append(data.strip())
        elif self._title:
            self._title += data


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_can_be_shared(sample_site: Path):
    pages = [p for p in sample_site.rglob("index.html")
             if not p.relative_to(sample_site).as_posix().startswith(("admin/", "maisons/carte/integrer/"))]
    assert len(pages) > 50
    for page in pages:
        h = head(page)
        canonical = next(link["href"] for link in h.links if link.get("rel") == "canonical")
        assert h.meta["og:url"] == canonical, page
        assert h.meta["og:title"] and h.meta["og:title"] in h.meta["<title>"], page
        assert h.meta["og:locale"] == "fr_FR" and h.meta["twitter:card"] == "summary", page
        if "description" in h.meta:
            assert h.meta["og:description"] == h.meta["description"], page
        feed = next(link for link in h.links if link.get("type") == "application/atom+xml")
        assert (page.parent / feed["href"]).resolve() == (sample_site / "nouveautes.xml").resolve(), page


def test_the_feed_lists_the_novelties_newest_first(sample_site: Path):
    feed = ET.parse(sample_site / "nouveautes.xml").getroot()
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id").text
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "no entry"
    dates = [e.find(f"{ATOM}updated").text for e in entries]
    assert dates == sorted(dates, reverse=True) and feed.find(f"{ATOM}updated").text == dates[0]
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Guide de l'accueil en Maison" in titles
    for e in entries:  # each entry's link is a page of the site
        href = e.find(f"{ATOM}link").get("href")
        assert href.startswith("https://portail.test/")
        assert (sample_site / href.removeprefix("https://portail.test/") / "index.html").is_file()
    assert not any("réservé" in t.lower() for t in titles)  # agent-only resources stay out


def test_the_sitemap_dates_the_pages_whose_fiche_does(sample_site: Path):
    sitemap = (sample_site / "sitemap.xml").read_text(encoding="utf-8")
    assert ("<url><loc>https://portail.test/maisons/23/gueret/</loc><lastmod>2026-10-15</lastmod></url>"
            in sitemap)
    ET.fromstring(sitemap)  # well-formed


def test_security_txt_follows_rfc_9116(sample_site: Path):
    text = (sample_site / ".well-known/security.txt").read_text(encoding="utf-8")
    fields = dict(line.split(": ", 1) for line in text.strip().splitlines())
    assert set(fields) == {"Contact", "Expires", "Preferred-Languages", "Canonical"}
    assert re.fullmatch(r"(mailto:|https://)\S+", fields["Contact"])
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert expires.date() == FROZEN_TODAY + dt.timedelta(days=365)  # under a year, as the RFC recommends
    assert fields["Canonical"] == "https://portail.test/.well-known/security.txt"


def test_the_fiche_s_breadcrumb_and_network_in_json_ld(sample_site: Path):
    h = head(sample_site / "maisons/23/gueret/index.html")
    office = next(j for j in h.jsonld if j["@type"] == "GovernmentOffice")
    assert office["parentOrganization"]["name"] == "France services"
    crumbs = next(j for j in h.jsonld if j["@type"] == "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == h.ariane  # the breadcrumb the page shows
    assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))
    assert crumbs[-1]["item"] == "https://portail.test/maisons/23/gueret/"


def test_the_licences_documented_are_the_packages_own():
    from conftest import REPO

    doc = (REPO / "docs/donnees-ouvertes.md").read_text(encoding="utf-8")
    spdx = {"BSD-2-Clause": "BSD 2-Clause", "MIT": "MIT", "Apache-2.0": "Apache 2.0"}
    for package, name in (("leaflet", "Leaflet"), ("leaflet.markercluster", "Leaflet.markercluster"),
                          ("decap-cms", "Decap CMS"), ("swagger-ui-dist", "swagger-ui-dist")):
        licence = json.loads((REPO / "node_modules" / package / "package.json").read_text(encoding="utf-8"))["license"]
        row = next(line for line in doc.splitlines() if line.startswith("|") and f"| {name}" in line)
        assert row.rstrip(" |").endswith(spdx[licence]), (package, licence, row)
