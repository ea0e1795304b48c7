"""The search index: pages go to Pagefind's service through a pipe (no copy on disk); its failures are clear."""
from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest

from conftest import make_portal_project
from generator.config import load_config
from generator.portal.writers import recherche


def fragments(bundle: Path) -> list[dict]:
    """What Pagefind stored for each page (its fragments are gzip'd JSON after a signature)."""
    out = []
    for path in (bundle / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        out.append(json.loads(data[data.index(b"{"):]))
    return sorted(out, key=lambda f: f["url"])


def test_pages_are_indexed_from_their_copies_with_filters(tmp_path: Path):
    copies = [("maisons/23/gueret/", "France services Guéret",
               '<h1>France services Guéret</h1><p>Place Bonnyaud</p>'
               '<span data-pagefind-filter="departement">23 – Creuse</span>'),
              ("boite-a-outils/guide/", "Guide </title><h1>piège", "<h1>Guide de l'accueil</h1><p>Fiche réflexe</p>")]
    assert recherche.index_pages(copies, tmp_path / "pagefind") == 2
    entry = json.loads((tmp_path / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["fr"]["page_count"] == 2
    found = fragments(tmp_path / "pagefind")
    assert [f["url"] for f in found] == ["/boite-a-outils/guide/", "/maisons/23/gueret/"]
    assert "Place Bonnyaud" in found[1]["content"] and found[1]["filters"] == {"departement": ["23 – Creuse"]}
    # the result's title is the copy's h1; the <title> given, escaped, cannot add a heading of its own
    assert found[0]["meta"]["title"] == "Guide de l'accueil" and "piège" not in found[0]["content"]


def fake_pagefind(tmp_path: Path, monkeypatch, script: str) -> None:
    exe = tmp_path / "pagefind"
    exe.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(recherche, "executable", lambda: str(exe))


def test_pagefind_dying_is_reported_with_what_it_said(tmp_path: Path, monkeypatch):
    fake_pagefind(tmp_path, monkeypatch, "echo 'panique : plus de mémoire' >&2; exit 3")
    with pytest.raises(recherche.SearchError) as caught:
        recherche.index_pages([("a/", "A", "<p>a</p>")], tmp_path / "bundle")
    message = str(caught.value)
    # whether it died before reading the page (broken pipe) or before answering (end of its output)
    assert ("s'est arrêté avant la fin" in message or "ne reçoit plus les pages" in message), message
    assert "panique : plus de mémoire" in message
    assert "Indice : réinstallez" in message and not (tmp_path / "bundle").exists()


def test_an_error_answer_stops_the_index(tmp_path: Path, monkeypatch):
    # the protocol's error answer: base64 JSON followed by a comma, as Pagefind sends it
    import base64
    answer = base64.b64encode(json.dumps({"message_id": 1, "payload": {"type": "Error", "message": "index refusé"}})
                              .encode()).decode()
    fake_pagefind(tmp_path, monkeypatch, f"printf '%s,' '{answer}'; cat >/dev/null")
    with pytest.raises(recherche.SearchError, match="index refusé .*Indice"):
        recherche.SearchIndex()


def test_a_missing_pagefind_stops_the_build_with_a_hint(tmp_path: Path, monkeypatch, capsys):
    from generator.cli import main
    root = make_portal_project(tmp_path / "projet")
    load_config(root)
    monkeypatch.setattr(recherche, "executable", lambda: str(tmp_path / "absent"))
    code = main(["--root", str(root), "build", "--site-dir", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 2 and "Pagefind n'a pas pu démarrer" in err and "Indice" in err
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.tmp-*"))


def test_a_stuck_pagefind_stops_the_build_instead_of_hanging(tmp_path: Path, monkeypatch):
    fake_pagefind(tmp_path, monkeypatch, "cat >/dev/null")  # reads everything, never answers
    monkeypatch.setattr(recherche, "TIMEOUT", 0.5)
    with pytest.raises(recherche.SearchError, match="ne répond plus"):
        recherche.SearchIndex()


def test_pagefind_runs_on_one_cpu_and_the_caller_keeps_its_own(tmp_path: Path, monkeypatch):
    """On two cores Pagefind's threads mostly wait on each other: it is started on one CPU, the last one this
    process may use; the thread that started it gets its own CPUs back."""
    import os
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        pytest.skip("une seule CPU : rien à restreindre")
    seen = tmp_path / "cpus"
    # a fake Pagefind that writes the CPUs it may use, then answers nothing and ends
    fake_pagefind(tmp_path, monkeypatch, f"grep Cpus_allowed_list /proc/self/status > {seen}")
    with pytest.raises(recherche.SearchError):
        recherche.index_pages([("a/", "A", "<p>a</p>")], tmp_path / "bundle")
    assert seen.read_text().split()[-1] == str(max(allowed))
    assert os.sched_getaffinity(0) == allowed
