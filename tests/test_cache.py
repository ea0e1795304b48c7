"""What builds keep between them (generator/portal/engines/cache.py): results reused only for the same inputs."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, make_portal_project
from generator.portal.engines import cache


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_result_is_made_once_for_the_same_inputs_and_again_when_one_changes(tmp_path: Path, own_cache: Path):
    source = tmp_path / "source.txt"
    source.write_text("un", encoding="utf-8")
    made = []

    def make(folder: Path) -> None:
        made.append(source.read_text(encoding="utf-8"))
        (folder / "sous").mkdir(parents=True)
        (folder / "sous" / "resultat.txt").write_text(made[-1].upper(), encoding="utf-8")

    for n in range(2):
        cache.derived("essai", [source, "option"], make, tmp_path / f"site{n}")
    assert made == ["un"]
    assert (tmp_path / "site1" / "sous" / "resultat.txt").read_text(encoding="utf-8") == "UN"
    source.write_text("deux", encoding="utf-8")
    cache.derived("essai", [source, "option"], make, tmp_path / "site2")
    cache.derived("essai", [source, "autre option"], make, tmp_path / "site3")
    assert made == ["un", "deux", "deux"]
    assert (tmp_path / "site2" / "sous" / "resultat.txt").read_text(encoding="utf-8") == "DEUX"
    assert len(list((own_cache / "essai").iterdir())) == cache.KEEP  # the oldest is pruned


def test_a_failed_result_is_not_kept(tmp_path: Path, own_cache: Path):
    def broken(folder: Path) -> None:
        folder.mkdir()
        (folder / "moitie.txt").write_text("à moitié", encoding="utf-8")
        raise RuntimeError("panne")

    with pytest.raises(RuntimeError):
        cache.derived("essai", ["x"], broken, tmp_path / "site")
    assert list((own_cache / "essai").iterdir()) == [] and not (tmp_path / "site").exists()


def test_without_a_usable_cache_folder_everything_is_made_every_time(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "fichier"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))  # under a file: cannot be made
    made = []
    for n in range(2):
        cache.derived("essai", ["x"], lambda folder: (made.append(1), folder.mkdir(parents=True)), tmp_path / f"s{n}")
    assert len(made) == 2 and cache.templates() is None


@pytest.mark.lent
def test_an_edited_editorial_page_or_theme_file_reaches_the_next_build(tmp_path: Path, own_cache: Path):
    """The theme mkdocs builds is reused while mkdocs.yml, pages/ and theme/ stay the same."""
    from generator.config import load_config
    from generator.portal.build import build
    root = make_portal_project(tmp_path / "projet")
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir
    assert "Trois lignes ajoutées" not in (site / "a-propos" / "index.html").read_text(encoding="utf-8")
    page = root / "pages" / "a-propos.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nTrois lignes ajoutées.\n", encoding="utf-8")
    css = root / "theme" / "assets" / "msap" / "msap.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.essai-cache { color: red; }\n", encoding="utf-8")
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir
    assert "Trois lignes ajoutées" in (site / "a-propos" / "index.html").read_text(encoding="utf-8")
    assert ".essai-cache" in (site / "assets" / "msap" / "msap.css").read_text(encoding="utf-8")
    assert len(list((own_cache / "habillage").iterdir())) == 2


def test_a_value_is_computed_once_for_the_same_inputs(tmp_path: Path, own_cache: Path, monkeypatch):
    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"d": "M0 0L1 1Z", "hauteur": 12.5}

    assert cache.value("essai", ["a"], compute) == cache.value("essai", ["a"], compute) == compute()
    assert len(calls) == 2  # once through the cache, once called directly above
    cache.value("essai", ["b"], compute)
    assert len(calls) == 3
    monkeypatch.setenv(cache.ENV, str(tmp_path / "fichier-bloquant" / "x"))
    (tmp_path / "fichier-bloquant").write_text("", encoding="utf-8")
    assert cache.value("essai", ["a"], compute)["hauteur"] == 12.5 and len(calls) == 4
