"""Golden test: the sample tree (tests/golden/portail/content) builds to the expected fiche and listing HTML.

Only the generated part is compared (the article and the page's own head): the theme around it belongs to
mkdocs-material. Regenerate with MSAP_UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

EXPECTED = Path(__file__).parent / "golden" / "portail" / "attendu"
PAGES = {
    "fiche-gueret.html": "maisons/23/gueret/index.html",
    "fiche-bus.html": "maisons/08/bus-ardennes/index.html",
    "liste-departement-23.html": "maisons/23/index.html",
    "liste-anah-23.html": "demarches/anah/23/index.html",
}


def generated_part(html: str) -> str:
    head = re.search(r'<meta name="description".*?(?=<link rel="stylesheet")', html, re.S)
    article = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S)
    assert head and article, "la page n'a pas la structure attendue"
    text = head.group(0).strip() + "\n<!-- contenu -->\n" + article.group(1).strip() + "\n"
    return re.sub(r"[ \t]+\n", "\n", text)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matches_golden(sample_site: Path, name: str):
    actual = generated_part((sample_site / PAGES[name]).read_text(encoding="utf-8"))
    expected_file = EXPECTED / name
    if os.environ.get("MSAP_UPDATE_GOLDEN"):
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"{expected_file} manque : lancez MSAP_UPDATE_GOLDEN=1 pytest {__file__}"
    assert actual == expected_file.read_text(encoding="utf-8")
