"""The committed real network: it checks clean, and it is exactly what the importer makes of the 2022 list."""
from __future__ import annotations

import pytest

import re

from conftest import REPO, Project
from generator.cli import main

pytestmark = pytest.mark.reseau

LIST_2022 = REPO / "data" / "sources" / "liste-fs-20221201.csv"


def list_rows() -> int:
    """The sites of the committed edition (its data rows), counted by a CSV reader."""
    import csv
    with open(LIST_2022, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_committed_content_checks_clean(capsys):
    code = main(["--root", str(REPO), "check"])
    out, _ = capsys.readouterr()
    assert code == 0, out[-2000:]
    summary = out.splitlines()[-1]
    fiches = int(re.search(r"\((\S+) fiches Maison", summary.replace("\u202f", ""))[1])
    assert fiches == list_rows() == len(list((REPO / "content/maisons").glob("*/*.md")))
    assert re.search(r"(\d+) ressources", summary) and int(re.search(r"(\d+) ressources", summary)[1]) >= 20
    assert int(re.search(r"(\d+) projets", summary)[1]) >= 10


def test_committed_network_is_the_import_of_the_2022_list(capsys):
    """Re-importing the list into the repository would write nothing: the content is what the importer makes."""
    code = main(["--root", str(REPO), "import", str(LIST_2022), "--dry-run"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "0 fichier seraient écrits" in out, out[-1500:]


def test_importing_2022_from_scratch(tmp_path, capsys):
    project = Project(tmp_path / "p")
    code = main(["--root", str(project.root), "import", str(LIST_2022)])
    out, _ = capsys.readouterr()
    assert code == 0
    summary = out.replace("\u202f", "")
    rows, fiches, rejected = map(int, re.search(r"(\d+) lignes lue\(s\) = (\d+) fiches \+ (\d+) ligne", summary).groups())
    written = len(list((project.root / "content" / "maisons").glob("*/*.md")))
    assert rows == list_rows() and rows == fiches + rejected and fiches == written
    read, cells = map(int, re.search(r"Horaires lus : (\d+) cellules sur (\d+)", summary).groups())
    assert read / cells >= 0.99
    before = {p: p.read_bytes() for p in (project.root / "content").rglob("*.md")}
    code = main(["--root", str(project.root), "import", str(LIST_2022)])
    out, _ = capsys.readouterr()
    assert {p: p.read_bytes() for p in (project.root / "content").rglob("*.md")} == before
    assert "0 fichier écrit(s)" in out
