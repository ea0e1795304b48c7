"""Work beside the build's main line (generator/parallele.py): forked processes and threads."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from generator.parallele import Background, BackgroundError, InThread

pytestmark = pytest.mark.lent


def test_a_child_failure_comes_back_as_one_message_with_its_hint():
    def broken() -> None:
        raise OSError(28, "No space left on device")
    job = Background(broken, what="données ouvertes", hint="relancez")
    with pytest.raises(BackgroundError) as caught:
        job.join()
    assert "données ouvertes : échec inattendu" in str(caught.value) and "Indice : relancez" in str(caught.value)


def test_a_thread_gives_back_its_value_or_its_exception():
    assert InThread(lambda a, b: a + b, 2, 3).result() == 5
    with pytest.raises(ValueError, match="mauvais"):
        InThread(lambda: (_ for _ in ()).throw(ValueError("mauvais"))).result()


def test_a_build_never_forks_while_this_process_runs_threads(tmp_path: Path, monkeypatch):
    """Forking a process that runs threads may deadlock the child (a lock held by another thread is copied
    held): Python 3.12 warns of it. Every fork of a build is made while the main thread is alone."""
    import os

    from conftest import FROZEN_TODAY, make_portal_project
    from generator.config import load_config
    from generator.portal import render
    from generator.portal.build import build

    forks: list[list[str]] = []
    real_fork = os.fork
    others = set(threading.enumerate())  # the test session's own threads (servers of other tests…)

    def watched_fork():
        forks.append([t.name for t in threading.enumerate() if t not in others])
        return real_fork()
    monkeypatch.setattr(os, "fork", watched_fork)
    # the golden tree is small: parse and render over two processes all the same
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    monkeypatch.setattr("generator.content.site.PARALLEL_FROM", 1)
    root = make_portal_project(tmp_path / "projet")
    build(root, load_config(root), tmp_path / "site", today=FROZEN_TODAY, site_url="https://portail.test/", jobs=2)
    assert forks, "the build forked nothing: the check saw nothing"
    assert [names for names in forks if names] == []
