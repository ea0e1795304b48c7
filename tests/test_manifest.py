"""Pages kept between builds (generator/portal/engines/manifest.py): a build that took pages from the previous
one writes, byte for byte, what a full build of the same tree writes; what changed is rendered, what did not is
linked."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, make_portal_project
from test_recherche_maj import canonical
from generator.config import load_config
from generator.portal.build import build

URL = "https://portail.test/"


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file of a built site but the search bundle (Pagefind's file names vary between identical runs)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("pagefind/")}


def _build(root: Path, site: Path, search: bool = False, complet: bool = False, copies: dict | None = None):
    return build(root, load_config(root), site, today=FROZEN_TODAY, site_url=URL, search=search, complet=complet,
                 keep_search_copies=copies)


def _fresh_build(root: Path, site: Path, **options):
    """A full build with a cache of its own, empty: nothing kept by the builds before can reach it."""
    saved = os.environ.get("MSAP_CACHE_DIR")
    os.environ["MSAP_CACHE_DIR"] = str(site.parent / f"cache-{site.name}")
    try:
        return _build(root, site, complet=True, **options)
    finally:
        os.environ["MSAP_CACHE_DIR"] = saved if saved is not None else ""


def _same_as_full(root: Path, site: Path, tmp_path: Path) -> None:
    full = _tree(_fresh_build(root, tmp_path / "complet").site_dir)
    kept = _tree(site)
    assert sorted(set(kept) ^ set(full)) == []
    assert [name for name in full if kept[name] != full[name]] == []


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_portal_project(tmp_path / "projet", statistiques=False)


def test_an_unchanged_tree_renders_nothing_and_links_every_page(project: Path, tmp_path: Path):
    site = tmp_path / "site"
    first = _build(project, site)
    assert first.kept == 0 and first.rendered == first.pages
    page = site / "maisons/23/gueret/index.html"
    inode = page.stat().st_ino
    again = _build(project, site)
    assert again.rendered == 0 and again.kept == again.pages
    assert page.stat().st_ino == inode  # the same file, linked into the new folder
    _same_as_full(project, site, tmp_path)


def test_an_edited_fiche_renders_only_the_pages_that_show_it(project: Path, tmp_path: Path):
    """Guéret renamed and moved to the next commune: its page, the lists that show it, the commune pages whose
    nearest places change are rendered; the rest is linked, and the whole is a full build."""
    site = tmp_path / "site"
    first = _build(project, site)
    other = (site / "maisons/23/bourganeuf/index.html").stat().st_ino if (site / "maisons/23/bourganeuf/index.html").exists() \
        else None
    fiche = project / "content/maisons/23/gueret.md"
    _edit(fiche, "nom: France services de Guéret", "nom: France services du Pays de Guéret")
    _edit(fiche, "  lat: 46.1713\n  lon: 1.8719", "  lat: 46.1571\n  lon: 1.9131")
    again = _build(project, site)
    assert 0 < again.rendered < first.pages / 2 and again.kept + again.rendered == again.pages
    assert "France services du Pays de Guéret" in (site / "maisons/23/gueret/index.html").read_text(encoding="utf-8")
    if other is not None:
        assert (site / "maisons/23/bourganeuf/index.html").stat().st_ino == other
    _same_as_full(project, site, tmp_path)


@pytest.mark.parametrize("change", ["template", "referentiel", "fiche ajoutée", "configuration", "page réécrite"])
def test_what_every_page_depends_on_renders_them_again(project: Path, tmp_path: Path, change: str):
    site = tmp_path / "site"
    first = _build(project, site)
    if change == "template":
        _edit(project / "theme/portail/maison.html", "<h2", "<h2 data-essai=\"1\"")
    elif change == "referentiel":
        path = next((project / "content/referentiels").glob("operateurs.yml"))
        _edit(path, "nom:", "nom:  ")  # the same YAML, other bytes: taken as a change all the same
    elif change == "fiche ajoutée":
        gueret = project / "content/maisons/23/gueret.md"
        text = gueret.read_text(encoding="utf-8")
        (gueret.parent / "gueret-bis.md").write_text(
            text.replace("nom: France services de Guéret", "nom: France services de Guéret (annexe)")
                .replace("id: ", "id: bis-", 1), encoding="utf-8")
    elif change == "configuration":
        _edit(project / "mkdocs.yml", "site_name:", "site_name: Essai —")
    else:  # somebody rewrote a published page by hand: it is not the file the manifest recorded
        page = site / "maisons/23/gueret/index.html"
        page.write_bytes(page.read_bytes().replace(b"</main>", b"<p>ajout</p></main>"))
    again = _build(project, site)
    if change == "page réécrite":
        assert again.rendered == 1
    else:
        assert again.kept == 0 and again.rendered == again.pages >= first.pages
    _same_as_full(project, site, tmp_path)


def test_the_search_bundle_is_updated_for_the_changed_copies(project: Path, tmp_path: Path):
    site = tmp_path / "site"
    _build(project, site, search=True)
    bundle = {p.name: p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()}
    unchanged: dict = {}
    _build(project, site, search=True, copies=unchanged)
    assert {p.name: p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()} == bundle  # linked
    _edit(project / "content/maisons/23/gueret.md", "nom: France services de Guéret",
          "nom: France services du Pays de Guéret")
    kept: dict = {}
    again = _build(project, site, search=True, copies=kept)
    full: dict = {}
    complet = _fresh_build(project, tmp_path / "complet", search=True, copies=full).site_dir
    assert kept == full and "Pays de Guéret" in kept["maisons/23/gueret/"][1]
    assert set(unchanged) == set(full)
    # the fiche and the project it carries show the name: their two copies are indexed again, no other
    assert sorted(p for p in full if unchanged[p] != full[p]) == ["maisons/23/gueret/",
                                                                 "projets/atelier-numerique-gueret/"]
    assert again.kept > 0 and again.manifest.search_update == "mis à jour pour 2 pages"
    entry = (site / "pagefind" / "pagefind-entry.json")
    assert entry.is_file() and os.stat(entry).st_ino not in bundle.values()  # written again
    assert canonical(site / "pagefind") == canonical(complet / "pagefind")  # what Pagefind makes of every copy
    # only the hours changed: the search copies are the same, the bundle is linked as it is
    _edit(project / "content/maisons/23/gueret.md", 'samedi: ["09:00-12:00"]', 'samedi: ["09:00-11:00"]')
    before = {p.name: p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()}
    assert _build(project, site, search=True).manifest.search_update == "mis à jour pour 0 page"
    assert {p.name: p.stat().st_ino for p in (site / "pagefind").rglob("*") if p.is_file()} == before
    # a fiche added: other pages, other page numbers: Pagefind indexes every copy
    text = (project / "content/maisons/23/gueret.md").read_text(encoding="utf-8")
    (project / "content/maisons/23/gueret-bis.md").write_text(
        text.replace("nom: France services du Pays de Guéret", "nom: France services de Guéret (annexe)")
            .replace("id: ", "id: bis-", 1), encoding="utf-8")
    assert _build(project, site, search=True).manifest.search_update == "indexé à nouveau en entier"
    complet = _fresh_build(project, tmp_path / "complet-2", search=True).site_dir
    assert canonical(site / "pagefind") == canonical(complet / "pagefind")


def test_complet_renders_every_page(project: Path, tmp_path: Path):
    site = tmp_path / "site"
    _build(project, site)
    assert _build(project, site, complet=True).kept == 0


def test_a_site_restored_by_a_ci_cache_keeps_its_pages(project: Path, tmp_path: Path):
    """A CI cache restores the site folder with new inodes and times cut to the second (tar): its pages are
    still taken again; a page whose bytes changed on the way is not (its size tells)."""
    import shutil
    site = tmp_path / "site"
    first = _build(project, site)
    saved = tmp_path / "sauvegarde"
    shutil.copytree(site, saved)
    shutil.rmtree(site)
    shutil.copytree(saved, site, copy_function=shutil.copyfile)  # new inodes, new times…
    for path, kept in zip(sorted(site.rglob("*")), sorted(saved.rglob("*"))):
        st = kept.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns // 1_000_000_000 * 1_000_000_000))  # …as tar restores
    page = site / "maisons/23/bourganeuf/index.html"
    page.write_bytes(page.read_bytes() + b"\n")
    again = _build(project, site)
    assert again.rendered == 1 and again.kept == first.pages - 1
    _same_as_full(project, site, tmp_path)


def test_the_command_says_what_it_rendered_and_what_it_kept(project: Path, tmp_path: Path, capsys, monkeypatch):
    from generator import cli
    monkeypatch.chdir(project)
    assert cli.main(["build", "--site-dir", str(tmp_path / "site"), "--no-search"]) == 0
    assert "reprise" not in capsys.readouterr().out
    assert cli.main(["build", "--site-dir", str(tmp_path / "site"), "--no-search"]) == 0
    out = capsys.readouterr().out
    assert "0 page rendue" in out and "pages reprises de la construction précédente" in out
    assert cli.main(["build", "--site-dir", str(tmp_path / "site"), "--no-search", "--complet"]) == 0
    assert "reprise" not in capsys.readouterr().out


def test_only_the_most_recent_manifests_are_kept(project: Path, tmp_path: Path, monkeypatch):
    from generator.portal.engines import manifest
    monkeypatch.setattr(manifest, "KEEP", 2)
    for n in range(3):
        _build(project, tmp_path / f"site-{n}")
        time.sleep(0.01)
    found = list((Path(os.environ["MSAP_CACHE_DIR"]) / "pages").glob("*.pickle"))
    assert len(found) == 2
    assert _build(project, tmp_path / "site-2").rendered == 0  # the last one built is among them


def test_a_page_rendered_over_a_linked_one_leaves_the_published_file_alone(tmp_path: Path):
    """The published site's pages are linked into the new one while the changed pages are rendered: a page
    rendered over its link replaces the link, never writes into the published file; a link that comes after
    the rendered page leaves it as it is."""
    from generator.portal import render, urls
    from generator.portal.engines.manifest import Entry, Manifest

    published = tmp_path / "publie"
    (published / "maisons/23/gueret").mkdir(parents=True)
    (published / "maisons/23/gueret/index.html").write_bytes(b"ancienne page")
    (published / "maisons/23/ahun").mkdir(parents=True)
    (published / "maisons/23/ahun/index.html").write_bytes(b"page d'Ahun")
    out = tmp_path / "nouveau"
    previous = Manifest(published, {p: Entry("k", 0, 0) for p in ("maisons/23/gueret/", "maisons/23/ahun/")})
    previous.link(["maisons/23/gueret/"], out)
    target = out / urls.output_file("maisons/23/gueret/")
    assert target.stat().st_ino == (published / "maisons/23/gueret/index.html").stat().st_ino
    render._write(target, b"nouvelle page")
    assert (published / "maisons/23/gueret/index.html").read_bytes() == b"ancienne page"
    assert target.read_bytes() == b"nouvelle page"
    render._write(out / urls.output_file("maisons/23/ahun/"), b"Ahun rendue")  # rendered before its link
    previous.link(["maisons/23/gueret/", "maisons/23/ahun/"], out)
    assert target.read_bytes() == b"nouvelle page"
    assert (out / urls.output_file("maisons/23/ahun/")).read_bytes() == b"Ahun rendue"
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["index.html", "index.html"]  # no leftover


def test_where_links_cannot_be_made_the_kept_pages_are_copied(tmp_path: Path, monkeypatch):
    from generator.portal.engines import manifest as module
    from generator.portal.engines.manifest import Entry, Manifest

    published = tmp_path / "publie"
    (published / "maisons/23/gueret").mkdir(parents=True)
    (published / "maisons/23/gueret/index.html").write_bytes(b"page publiee")

    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(module.os, "link", no_links)
    out = tmp_path / "nouveau"
    Manifest(published, {"maisons/23/gueret/": Entry("k", 0, 0)}).link(["maisons/23/gueret/"], out)
    assert (out / "maisons/23/gueret/index.html").read_bytes() == b"page publiee"
