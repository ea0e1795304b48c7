"""The search bundle updated for the changed copies only (generator/portal/writers/recherche_maj.py): what it
writes is what Pagefind writes when it indexes every new copy — same pages, words, locations, filters and
fragments — on real fiches of the network; and it gives up, leaving Pagefind to do it all, when it cannot."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from generator.portal.writers import pagefind_format as fmt, recherche, recherche_maj

NETWORK = sorted((REPO / "content" / "maisons").glob("*/*.md"))
TOOLBOX = sorted([*(REPO / "content" / "ressources").glob("*.md"), *(REPO / "content" / "projets").glob("*.md")])


def _read(path: Path) -> tuple[dict, str]:
    _, header, body = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(header), body


def _copy(fiche: Path) -> tuple[str, tuple[str, str]]:
    """A real fiche's search copy, shaped like theme/portail/recherche/maison.html's."""
    data, body = _read(fiche)
    adresse = data["adresse"]
    ops = "".join(f'<span data-pagefind-filter="operateur:{op}"></span>' for op in data.get("operateurs", []))
    copy = (f'<div data-pagefind-body data-pagefind-filter="type:Maison"><h1>{data["nom"]}</h1>'
            f'<p>{adresse.get("voie") or ""}, {adresse["code_postal"]} {adresse["commune"]} · '
            f'<span data-pagefind-filter="departement">{data["departement"]}</span></p>{ops}<p>{body}</p></div>')
    return f"maisons/{fiche.parent.name}/{fiche.stem}/", (data["nom"], copy)


def _resource(path: Path) -> tuple[str, tuple[str, str]]:
    data, body = _read(path)
    return (f"{path.parent.name}/{path.stem}/",
            (data["titre"], f'<div data-pagefind-body data-pagefind-filter="type:Ressource"><h1>{data["titre"]}</h1>'
                            f'<p>{body}</p></div>'))


@pytest.fixture(scope="module")
def real() -> dict[str, tuple[str, str]]:
    """Fiches from every part of the network and its toolbox's long texts (accents, apostrophes, variants of
    words, several chunks of words)."""
    fiches = [f for n, f in enumerate(NETWORK) if n % 12 == 0 or len(f.read_text(encoding="utf-8")
                                                                   .split("---", 2)[2].strip()) > 400]
    return dict([*map(_copy, fiches), *map(_resource, TOOLBOX)])


def _index(copies: dict[str, tuple[str, str]], bundle: Path) -> Path:
    recherche.index_pages([(path, *copy) for path, copy in copies.items()], bundle)
    return bundle


def canonical(bundle: Path) -> dict[str, Any]:
    """Everything a bundle says, in an order of its own (Pagefind lists filter values and words' variants in
    no fixed order): by page number, its fragment and words count; each word's pages and locations; each
    filter value's pages; each fragment's content; the chunks' bounds; Pagefind's other files."""
    found, lang, meta_file = fmt.entry(bundle)
    (version, pages, chunks, filters, sorts, fields), _ = fmt.decode(fmt.read(meta_file))
    words = {}
    for _start, _end, chunk in chunks:
        (listed,), _ = fmt.decode(fmt.read(bundle / "index" / f"{chunk}.pf_index"))
        for word, direct, variants in listed:
            words[word] = (fmt.absolute(direct), sorted((v, fmt.absolute(e)) for v, e in variants))
    values = {}
    for name, chunk in filters:
        (filter_name, by_value), _ = fmt.decode(fmt.read(bundle / "filter" / f"{chunk}.pf_filter"))
        values[filter_name] = {value: numbers for value, numbers in by_value}
    fragments = {p.stem: json.loads(fmt.read(p)) for p in (bundle / "fragment").iterdir()}
    others = {p.name: p.read_bytes() for p in bundle.iterdir() if p.is_file() and not p.name.startswith("pagefind.")
              and p.name != "pagefind-entry.json"}
    return {"version": version, "lang": lang, "count": found["languages"][lang]["page_count"], "pages": pages,
            "bounds": [c[:2] for c in chunks], "words": words, "filters": values, "sorts": sorts, "fields": fields,
            "fragments": fragments, "others": others, "include": found.get("include_characters")}


def test_pagefind_files_are_read_and_written_again_byte_for_byte(real, tmp_path: Path):
    bundle = _index(real, tmp_path / "pagefind")
    files = [*bundle.glob("index/*.pf_index"), *bundle.glob("filter/*.pf_filter")]
    assert len(files) > 3
    for path in files:
        raw = fmt.read(path)
        value, end = fmt.decode(raw)
        assert end == len(raw) and bytes(fmt.encode(value)) == raw, path.name
        assert fmt.name("fr", raw, set()) == path.stem  # the name is the hash of what the file holds
    _, _, meta = fmt.entry(bundle)
    raw = fmt.read(meta)
    assert bytes(fmt.encode(fmt.decode(raw)[0])) == raw and meta.name == f"pagefind.fr_{fmt.full_hash(raw)[:10]}.pf_meta"
    # the chunks are cut where Pagefind cuts them
    state = recherche_maj.state_of(bundle)
    other = tmp_path / "again"
    recherche_maj.write(state, bundle, {}, other)
    assert canonical(other) == canonical(bundle)
    assert sorted(p.name for p in (other / "index").iterdir()) == sorted(p.name for p in (bundle / "index").iterdir())


def _changed(real: dict, how: str) -> dict[str, tuple[str, str]]:
    after = dict(real)
    paths = list(real)
    first, second = paths[10], paths[200]
    title, copy = after[first]
    if how == "texte":  # words leave, others arrive, one the network never had
        after[first] = (title, copy[:copy.rindex("<p>")] + "<p>Permanence élargie : ateliers numériques "
                                                           "hebdomadaires, zyxquartz.</p></div>")
    elif how == "nom":
        after[first] = ("Maison France services du Plateau", copy.replace(f"<h1>{title}</h1>",
                                                                          "<h1>Maison France services du Plateau</h1>"))
    elif how == "filtres":  # an operator added, a département value no other page has
        after[first] = (title, copy.replace('<span data-pagefind-filter="departement">',
                                            '<span data-pagefind-filter="operateur:Opérateur inédit"></span>'
                                            '<span data-pagefind-filter="departement">99 '))
    elif how == "plusieurs":
        after[first] = (title, copy.replace("</h1>", " annexe</h1>"))
        t2, c2 = after[second]
        after[second] = (t2, c2.replace("<p>", "<p>Accueil sans rendez-vous. ", 1))
        t3, c3 = after[paths[-1]]
        after[paths[-1]] = (t3, "<div data-pagefind-body><h1>Fermée</h1></div>")  # few words left, no filter
    return after


@pytest.mark.parametrize("how", ["texte", "nom", "filtres", "plusieurs"])
def test_an_update_gives_what_pagefind_gives_for_the_new_copies(real, tmp_path: Path, how: str):
    previous = _index(real, tmp_path / "avant")
    after = _changed(real, how)
    assert after != real
    out = tmp_path / "maj" / "pagefind"
    out.parent.mkdir()
    count = recherche_maj.update(previous, list(real), dict(real), after, out)
    assert count == sum(1 for p in real if real[p] != after[p])
    assert canonical(out) == canonical(_index(after, tmp_path / "complet"))
    assert not [p for p in out.parent.iterdir() if p != out]  # Pagefind's small bundle is gone


def test_the_update_goes_on_from_its_own_bundle_with_the_words_it_kept(real, tmp_path: Path, monkeypatch):
    previous = _index(real, tmp_path / "avant")
    first = _changed(real, "texte")
    one = tmp_path / "un" / "pagefind"
    one.parent.mkdir()
    assert recherche_maj.update(previous, list(real), dict(real), first, one) == 1

    read = recherche_maj.state_of

    def unread(bundle: Path) -> recherche_maj.State:
        assert bundle != one, "le paquet de la mise à jour précédente est lu à nouveau"
        return read(bundle)  # Pagefind's small bundle of the changed pages
    monkeypatch.setattr(recherche_maj, "state_of", unread)  # the next update takes what this one kept
    second = _changed(first, "filtres")
    two = tmp_path / "deux" / "pagefind"
    two.parent.mkdir()
    assert recherche_maj.update(one, list(real), first, second, two) == 1
    monkeypatch.undo()
    assert canonical(two) == canonical(_index(second, tmp_path / "complet"))


def test_unchanged_copies_link_the_bundle_as_it_is(real, tmp_path: Path):
    previous = _index(real, tmp_path / "avant")
    out = tmp_path / "maj" / "pagefind"
    out.parent.mkdir()
    assert recherche_maj.update(previous, list(real), dict(real), dict(real), out) == 0
    entry = out / "pagefind-entry.json"
    assert os.stat(entry).st_ino == os.stat(previous / "pagefind-entry.json").st_ino


@pytest.mark.parametrize("why", ["page ajoutée", "ordre", "trop de pages", "fichier abîmé", "fichier imbriqué",
                                 "copie inconnue"])
def test_pagefind_indexes_everything_when_the_bundle_cannot_be_updated(real, tmp_path: Path, monkeypatch, why):
    previous = _index(real, tmp_path / "avant")
    order, before, after = list(real), dict(real), _changed(real, "plusieurs")
    if why == "page ajoutée":
        order.append("maisons/99/nouvelle/")
        after["maisons/99/nouvelle/"] = ("Nouvelle", "<div data-pagefind-body><h1>Nouvelle</h1></div>")
    elif why == "ordre":
        order = order[1:] + order[:1]
    elif why == "trop de pages":
        monkeypatch.setattr(recherche_maj, "LIMIT", 2)
    elif why == "fichier abîmé":
        chunk = next((previous / "index").iterdir())
        chunk.write_bytes(chunk.read_bytes()[:40])
    elif why == "fichier imbriqué":  # arrays in arrays, deeper than Python recurses
        import gzip
        chunk = next((previous / "index").iterdir())
        chunk.write_bytes(gzip.compress(fmt.SIGNATURE + b"\x81" * 100_000))
    else:  # the copy said to be the previous one is not what the bundle holds
        path = order[10]
        before[path] = (before[path][0], before[path][1].replace("<h1>", "<h1>Mot absent de l'index "))
    out = tmp_path / "maj" / "pagefind"
    out.parent.mkdir()
    assert recherche_maj.update(previous, order, before, after, out) is None
    assert not out.exists() and list(out.parent.iterdir()) == []


@pytest.mark.lent
@pytest.mark.reseau
def test_the_real_network_updated_three_times_has_the_index_pagefind_makes(tmp_path: Path, monkeypatch):
    """The whole real network built, then three fiches edited one after the other (text, name, address), each
    build updating the published index: the last one is the index a complete build makes, page for page."""
    from generator.config import load_config
    from generator.dev.bench import _tree
    from generator.portal.build import build

    monkeypatch.setenv("MSAP_CACHE_DIR", str(tmp_path / "cache"))
    project = _tree(REPO, tmp_path / "reel")
    site = tmp_path / "site"
    build(project, load_config(project), site)
    edits = [("maisons/23/ahun.md", lambda t: t + "\nAtelier numérique le jeudi matin, sur inscription.\n"),
             ("maisons/19/ayen.md", lambda t: t.replace("\nnom: ", "\nnom: Maison du pays d'Ayen — ", 1)),
             ("maisons/01/amberieu-en-bugey.md", lambda t: t.replace("  voie: ", "  voie: Bâtiment B, ", 1))]
    for rel, edit in edits:
        fiche = project / "content" / rel
        before = fiche.read_text(encoding="utf-8")
        assert edit(before) != before, rel
        fiche.write_text(edit(before), encoding="utf-8")
        again = build(project, load_config(project), site)
        assert again.manifest.search_update.startswith("mis à jour pour "), (rel, again.manifest.search_update)
    monkeypatch.setenv("MSAP_CACHE_DIR", str(tmp_path / "cache-complet"))
    full = build(project, load_config(project), tmp_path / "complet", complet=True)
    assert canonical(site / "pagefind") == canonical(full.site_dir / "pagefind")
