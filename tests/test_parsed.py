"""Fiches parsed by an earlier run are taken again only while their bytes are those they were parsed from
(generator/content/parsed.py); the communes table and the centres verdict likewise (generator/content/geo.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import make_portal_project
from generator.content import geo, parsed, reader
from generator.content.site import load_site
from generator.diagnostics import Report


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("MSAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _load(root: Path):
    report = Report()
    site = load_site(root, "content", report)
    return site, report


def test_an_unchanged_file_is_not_parsed_again_and_a_changed_one_is(tmp_path: Path, cache: Path, monkeypatch):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    first, _ = _load(root)
    assert list((cache / "lecture").glob("*.pickle"))
    parsed_now: list[str] = []
    real = reader.parse

    def counting(text: str, rel: str):
        parsed_now.append(rel)
        return real(text, rel)
    monkeypatch.setattr(reader, "parse", counting)
    again, _ = _load(root)
    assert parsed_now == []
    assert [f.data for f in again.maisons] == [f.data for f in first.maisons]
    assert [f.texte for f in again.maisons] == [f.texte for f in first.maisons]

    fiche = root / "content/maisons/23/gueret.md"
    text = fiche.read_text(encoding="utf-8")
    stat = fiche.stat()
    # the same size and modification time: only the bytes tell
    fiche.write_text(text.replace("France services de Guéret", "France services de Guérat"), encoding="utf-8")
    os.utime(fiche, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed, _ = _load(root)
    assert parsed_now == ["content/maisons/23/gueret.md"]
    assert any(f.data.nom == "France services de Guérat" for f in changed.maisons)


def test_a_problem_is_reported_every_time(tmp_path: Path, cache: Path):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    fiche = root / "content/maisons/23/gueret.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("nom: ", "nom: [", 1), encoding="utf-8")
    for _ in range(2):  # a file that cannot be parsed is not kept: it is read, and reported, again
        _site, report = _load(root)
        assert [p for p in report.errors if p.file == "content/maisons/23/gueret.md"]


def test_a_damaged_store_is_ignored(tmp_path: Path, cache: Path):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    first, _ = _load(root)
    for store in (cache / "lecture").glob("*.pickle"):
        store.write_bytes(b"\x80\x05damaged")
    again, report = _load(root)
    assert [f.data for f in again.maisons] == [f.data for f in first.maisons] and not report.errors


def test_another_parser_is_another_store(tmp_path: Path, cache: Path, monkeypatch):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    _load(root)
    before = {p.name for p in (cache / "lecture").glob("*.pickle")}
    monkeypatch.setattr(parsed, "_KEY", ["une-autre-version"])
    _load(root)
    after = {p.name for p in (cache / "lecture").glob("*.pickle")}
    assert after and after != before  # the other version's store is replaced, never read


def test_the_communes_kept_are_those_of_the_tables_read(tmp_path: Path, cache: Path, monkeypatch):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    monkeypatch.setattr(geo, "_LAST", {})
    communes = geo.Geo(root / "data/geo").communes
    assert list((cache / "geo").glob("*.pickle"))
    monkeypatch.setattr(geo, "_LAST", {})  # a new process: from the kept value
    monkeypatch.setattr(geo, "_parse_communes", lambda *a: pytest.fail("parsed again"))
    assert geo.Geo(root / "data/geo").communes == communes
    table = root / "data/geo/communes.csv"
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace(",Guéret,", ",Guérat,", 1), encoding="utf-8")
    monkeypatch.setattr(geo, "_LAST", {})
    monkeypatch.undo()
    monkeypatch.setenv("MSAP_CACHE_DIR", str(cache))
    monkeypatch.setattr(geo, "_LAST", {})
    assert geo.Geo(root / "data/geo").communes["23096"].nom == "Guérat"


def test_what_the_checks_find_in_a_header_is_found_again_in_a_stored_file(tmp_path: Path, cache: Path,
                                                                          monkeypatch):
    """The header's walk (control characters, formula-like texts) is kept with the stored document: a stored
    file gives the same problems without being walked again."""
    from generator.content import checks, validation
    from generator.content.geo import Geo

    root = make_portal_project(tmp_path / "projet", statistiques=False)
    fiche = root / "content/maisons/23/gueret.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace(
        "precisions: Conseiller CAF", "precisions: =HYPERLINK(\"x\") Conseiller CAF"), encoding="utf-8")
    bourganeuf = next((root / "content/maisons/23").glob("bourganeuf*.md"))
    text = bourganeuf.read_text(encoding="utf-8")
    nom = next(line for line in text.splitlines() if line.startswith("nom: "))
    bourganeuf.write_text(text.replace(nom, 'nom: "\\x1b[31mFrance services Bourganeuf"'), encoding="utf-8")

    def problems() -> list[str]:
        site, report = _load(root)
        checks.check_site(site, Geo(root / "data/geo"), report, 30)
        return sorted(p.text() for p in [*report.errors, *report.warnings]
                      if "formule" in p.message or "contrôle" in p.message)
    first = problems()
    assert any("gueret.md" in p and "formule" in p for p in first), first
    assert any("bourganeuf" in p and "contrôle" in p for p in first), first
    walked: list[str] = []
    real = validation._walk

    def counting(value, loc, *args):  # a fiche's header walked (reference lists are walked by validate itself)
        if loc == () and isinstance(value, dict) and "adresse" in value:
            walked.append(value.get("id", "?"))
        return real(value, loc, *args)
    monkeypatch.setattr(validation, "_walk", counting)
    assert problems() == first
    assert len(walked) <= 1  # only the file the store does not keep (refused by the schema) is walked again
