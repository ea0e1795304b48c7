"""``MSAP_JOBS=1`` runs the build's plan in one process (no fork, no thread) and writes the same bytes as the
build over several processes (generator/parallele.py)."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, REPO, make_portal_project
from generator import cli, parallele
from generator.config import load_config
from generator.portal.build import build


def digests(site: Path) -> dict[str, str]:
    """Every file of a built site, by path (the search bundle aside: Pagefind's own file names vary by run)."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file() and p.relative_to(site).parts[0] != "pagefind"}


def _watch(monkeypatch) -> dict[str, int]:
    seen = {"forks": 0, "threads": 0}
    real_fork, real_start = os.fork, threading.Thread.start

    def fork():
        seen["forks"] += 1
        return real_fork()

    def start(self):
        seen["threads"] += 1
        return real_start(self)
    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(threading.Thread, "start", start)
    return seen


@pytest.fixture
def small_thresholds(monkeypatch):
    """The golden tree is small: parse and render it over processes all the same."""
    monkeypatch.setattr("generator.portal.render.PARALLEL_FROM", 1)
    monkeypatch.setattr("generator.content.site.PARALLEL_FROM", 1)


@pytest.mark.lent
def test_one_job_forks_nothing_and_writes_the_same_site(tmp_path: Path, monkeypatch, small_thresholds):
    root = make_portal_project(tmp_path / "projet")
    config = load_config(root)
    seen = _watch(monkeypatch)
    build(root, config, tmp_path / "plusieurs", today=FROZEN_TODAY, site_url="https://portail.test/", jobs=2,
          search=False)
    assert seen["forks"] >= 3 and seen["threads"] >= 2, seen  # reading, rendering, theme, data; two threads

    seen.update(forks=0, threads=0)
    monkeypatch.setenv("MSAP_JOBS", "1")
    build(root, config, tmp_path / "un", today=FROZEN_TODAY, site_url="https://portail.test/", jobs=2,
          search=False)
    assert seen == {"forks": 0, "threads": 0}
    one, many = digests(tmp_path / "un"), digests(tmp_path / "plusieurs")
    assert len(one) > 100 and one == many


@pytest.mark.lent
@pytest.mark.reseau
def test_one_job_builds_the_real_network_byte_for_byte(tmp_path: Path, monkeypatch):
    config = load_config(REPO)
    build(REPO, config, tmp_path / "plusieurs", today=FROZEN_TODAY, search=False)
    monkeypatch.setenv("MSAP_JOBS", "1")
    build(REPO, config, tmp_path / "un", today=FROZEN_TODAY, search=False)
    one, many = digests(tmp_path / "un"), digests(tmp_path / "plusieurs")
    assert len(one) > 5000 and one == many


def test_a_failure_in_sequential_background_work_is_the_same_message(monkeypatch):
    monkeypatch.setenv("MSAP_JOBS", "1")

    def broken() -> None:
        raise OSError(28, "No space left on device")
    job = parallele.Background(broken, what="données ouvertes", hint="relancez")  # nothing runs yet
    with pytest.raises(parallele.BackgroundError) as caught:
        job.join()
    assert str(caught.value).startswith("données ouvertes : échec inattendu (OSError(28, 'No space left")
    assert caught.value.hint == "relancez"


@pytest.mark.parametrize("value", ["0", "deux", "-1", "1.5"])
def test_a_wrong_msap_jobs_is_a_french_error(value: str, monkeypatch, capsys):
    monkeypatch.setenv("MSAP_JOBS", value)
    with pytest.raises(SystemExit) as code:
        cli.run(["--root", str(REPO), "build", "--no-search", "--site-dir", "/nonexistent/never"])
    err = capsys.readouterr().err
    assert code.value.code == 2 and "Traceback" not in err
    assert f"MSAP_JOBS='{value}' n'est pas un nombre de processus — Indice : donnez un entier ≥ 1" in err


def test_jobs_default_and_override(monkeypatch):
    monkeypatch.delenv("MSAP_JOBS", raising=False)
    assert parallele.jobs(3) == 3 and 1 <= parallele.jobs() <= parallele.MAX_DEFAULT
    monkeypatch.setenv("MSAP_JOBS", "2")
    assert parallele.jobs(3) == 2 and not parallele.sequential() or os.cpu_count() == 1
