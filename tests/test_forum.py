"""The forum of the network: rubrics configured in mkdocs.yml, one page of links to the forge's discussions."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import REPO
from generator.config import Config, ConfigError, RubriqueForum, load_config
from generator.portal import urls


def test_rubric_addresses_come_from_the_repository_or_their_own_url():
    config = Config(cms_depot="reseau/portail")
    rubrique = RubriqueForum(titre="Vie du réseau", description="Rencontres.", categorie="vie-du-reseau")
    assert urls.forum_rubrique(config, rubrique) == (
        "https://github.com/reseau/portail/discussions/categories/vie-du-reseau")
    own = RubriqueForum(titre="Emploi", description="Offres.", url="https://forum.example/c/emploi")
    assert urls.forum_rubrique(config, own) == "https://forum.example/c/emploi"
    gitlab = Config(forum_url="https://forum.example/c/{categorie}")
    assert urls.forum_rubrique(gitlab, rubrique) == "https://forum.example/c/vie-du-reseau"


def test_the_default_rubrics_are_the_ten_of_the_former_portal():
    assert [r.titre for r in Config().forum_rubriques] == [
        "Offre de services", "Accueil et relation usagers", "Animation du territoire", "Gestion du lieu",
        "Création et financement d'une Maison", "Schémas d'accessibilité des services au public",
        "Bourse à l'emploi", "Vie du réseau", "Veille juridique et sectorielle", "Libre discussion"]
    mkdocs = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*forum_rubriques:", mkdocs, re.M)  # the defaults are said once, in config.py
    assert load_config(REPO).forum_rubriques == Config().forum_rubriques


@pytest.mark.parametrize("option, message", [
    ("forum_rubriques: [{titre: Emploi, description: Offres d'emploi.}]",
     "mkdocs.yml: extra.msap.forum_rubriques[1]: la rubrique « Emploi » n'a pas d'adresse — Indice : donnez "
     "l'identifiant de sa catégorie de discussions (« categorie: vie-du-reseau », lettres, chiffres et tirets) "
     "ou son adresse complète (« url: https://… ») (options décrites dans docs/configuration.md)"),
    ("forum_url: https://forum.example/",
     "mkdocs.yml: extra.msap.forum_url: « https://forum.example/ » n'est pas un modèle d'adresse de rubrique "
     "— Indice : une adresse complète (https://…) qui contient « {categorie} », par exemple "
     "« https://github.com/{depot}/discussions/categories/{categorie} » "
     "(options décrites dans docs/configuration.md)"),
])
def test_bad_forum_settings_are_explained(tmp_path: Path, option: str, message: str):
    (tmp_path / "mkdocs.yml").write_text(f"extra:\n  msap:\n    {option}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert str(exc.value) == message


def test_forum_page_lists_every_configured_rubric_with_its_link(sample_site: Path):
    config = load_config(REPO)
    html = (sample_site / "forum" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Forum du réseau</h1>" in html and "<title>Forum du réseau" in html
    items = re.findall(r'<h2 class="msap-forum__titre"><a href="([^"]+)">([^<]+)</a></h2>\s*<p>([^<]+)</p>', html)
    assert items == [(str(escape(urls.forum_rubrique(config, r))), str(escape(r.titre)), str(escape(r.description)))
                     for r in config.forum_rubriques]
    assert len(items) == 10
    assert ('<a href="https://github.com/maisons-services/portail/discussions/categories/vie-du-reseau">'
            "Vie du réseau</a>") in html
    assert '<a href="../boite-a-outils/">Boîte à outils</a>' in html  # breadcrumb


def test_forum_is_reachable_from_the_toolbox_and_the_sitemap(sample_site: Path):
    boite = (sample_site / "boite-a-outils" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../forum/">Échangez avec le réseau sur le forum</a>' in boite
    assert "<loc>https://portail.test/forum/</loc>" in (sample_site / "sitemap.xml").read_text(encoding="utf-8")
