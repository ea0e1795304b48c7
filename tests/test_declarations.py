"""The accessibility statement and the legal notice say what is true: the conformity follows the configured
audit (none: « non conforme », RGAA 4.1.2), the footer of every page says the same, and the other sites named
as loaded are exactly those the pages' Content-Security-Policy lets the browser reach."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, make_portal_project
from generator.config import load_config
from generator.portal.build import build
from generator.portal.writers import headers


def built(tmp_path: Path, options: str = "", tiles: str | None = None) -> Path:
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    yml = root / "mkdocs.yml"
    text = yml.read_text(encoding="utf-8").replace("    distance_max_km: 10\n", "    distance_max_km: 10\n" + options)
    if tiles is not None:
        text = re.sub(r"    carte_tuiles: .*\n", f'    carte_tuiles: "{tiles}"\n', text)
    yml.write_text(text, encoding="utf-8")
    return build(root, load_config(root), tmp_path / "site", today=FROZEN_TODAY, search=False,
                 site_url="https://portail.test/").site_dir


def text(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def footers(site: Path) -> set[str]:
    return {m for p in site.rglob("*.html") if not p.relative_to(site).parts[0] in ("admin", "assets")
            for m in re.findall(r"Accessibilité : [a-z ]+conforme", p.read_text(encoding="utf-8"))}


@pytest.mark.lent
def test_without_an_audit_the_portal_is_declared_non_conforme(tmp_path: Path):
    site = built(tmp_path)
    page = text(site, "accessibilite")
    assert "Le portail est non conforme avec le RGAA 4.1.2" in page and "Aucun audit" in page
    assert "partiellement" not in page
    assert "schéma pluriannuel de mise en accessibilité et son plan d'action annuel ne sont pas encore publiés" in page
    assert footers(site) == {"Accessibilité : non conforme"}
    notice = text(site, "mentions-legales")
    assert "Direction de la publication : à compléter" in notice and "Hébergeur : à compléter" in notice


@pytest.mark.lent
def test_an_audit_and_a_publisher_configured_are_said(tmp_path: Path):
    site = built(tmp_path, "    audit_rgaa:\n      date: 2026-10-01\n      taux: 72.5\n      organisme: Access42\n"
                           "    schema_pluriannuel_url: https://portail.test/schema-2026.pdf\n"
                           "    directeur_publication: Camille Martin\n    hebergeur: OVH SAS, 2 rue Kellermann, "
                           "59100 Roubaix\n    contact_courriel: portail@anct.gouv.fr\n")
    page = text(site, "accessibilite")
    assert "Le portail est partiellement conforme avec le RGAA 4.1.2" in page
    assert "réalisé le 1er octobre 2026 par Access42 relève que 72,5 % des critères" in page
    assert 'href="https://portail.test/schema-2026.pdf"' in (site / "accessibilite/index.html").read_text("utf-8")
    assert footers(site) == {"Accessibilité : partiellement conforme"}
    notice = text(site, "mentions-legales")
    assert "Direction de la publication : Camille Martin" in notice and "hébergé par OVH SAS" in notice
    assert 'href="mailto:portail@anct.gouv.fr"' in (site / "mentions-legales/index.html").read_text("utf-8")


def _external(policy: str) -> set[str]:
    """The other sites a Content-Security-Policy lets a page reach (loopback aside: decap-server, locally)."""
    found = set(re.findall(r"https?://[^\s;']+", policy))
    return {o for o in found if not re.match(r"https?://(localhost|127\.0\.0\.1)(:\d+)?$", o)}


@pytest.mark.lent
@pytest.mark.parametrize("tiles", ["https://tuiles.exemple.fr/{z}/{x}/{y}.png", ""])
def test_the_sites_named_are_those_the_pages_may_reach(tmp_path: Path, tiles: str):
    site = built(tmp_path, tiles=tiles)
    config = load_config(tmp_path / "projet")
    rules = headers.parse((site / headers.FILE).read_text(encoding="utf-8"))
    reachable = set()
    for path in ("/maisons/23/gueret/", "/maisons/carte/", "/admin/"):
        reachable |= _external(headers.for_path(rules, path).get("Content-Security-Policy", ""))
    notice = (site / "mentions-legales/index.html").read_text(encoding="utf-8")
    named = set(re.findall(r"depuis <code>(https?://[^<]+)</code>", notice))
    assert named == reachable
    assert ("https://tuiles.exemple.fr" in named) is bool(tiles)
    assert config.cms_backend == "github" and "https://api.github.com" in named
