"""The search of a portal whose bundle was updated for an edited fiche (generator/portal/writers/recherche_maj.py),
in Chromium with Pagefind's own script: the new words are found, the old ones no longer lead to the fiche, the
filters still hold."""
from __future__ import annotations


import pytest

from conftest import FROZEN_TODAY, make_portal_project
from generator.config import load_config
from generator.portal.build import build


@pytest.fixture(scope="module")
def base(tmp_path_factory, serve_dir) -> str:
    root = make_portal_project(tmp_path_factory.mktemp("maj") / "projet")
    site = root.parent / "site"
    build(root, load_config(root), site, today=FROZEN_TODAY, site_url="https://portail.test/")
    fiche = root / "content/maisons/23/gueret.md"
    text = fiche.read_text(encoding="utf-8")
    assert "entrée par la cour" in text
    fiche.write_text(text.replace("nom: France services de Guéret", "nom: France services du Pays de Guéret")
                     .replace("entrée par la cour", "entrée par le jardin Zéphyrin"), encoding="utf-8")
    again = build(root, load_config(root), site, today=FROZEN_TODAY, site_url="https://portail.test/")
    assert again.manifest.search_update.startswith("mis à jour pour ")
    return serve_dir(site)


def _search(page, base: str, query: str) -> list[str]:
    page.goto(base + "recherche/")
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.locator("#msap-etat").filter(has_text="résultat").wait_for()
    return page.locator(".msap-resultat__titre").all_inner_texts()


def test_the_edited_fiche_is_found_by_its_new_words_only(page, base):
    assert _search(page, base, "Zéphyrin") == ["France services du Pays de Guéret"]
    assert "France services du Pays de Guéret" in _search(page, base, "Pays de Guéret")
    assert "France services du Pays de Guéret" not in _search(page, base, "cour")
    assert page.msap_errors == []


def test_the_filters_of_an_updated_bundle(page, base):
    _search(page, base, "France services")
    page.select_option("#f-departement", "23 – Creuse")
    page.locator("#msap-etat").filter(has_text="résultat").wait_for()
    assert set(page.locator(".msap-resultat__titre").all_inner_texts()) >= {"France services du Pays de Guéret",
                                                                             "France services Bourganeuf"}
    _search(page, base, "Zéphyrin")
    page.locator(".msap-resultat__titre a").first.click()
    page.wait_for_url("**/maisons/23/gueret/")
    assert page.locator("h1").inner_text() == "France services du Pays de Guéret"
    assert page.msap_errors == []
