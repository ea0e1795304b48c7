"""Work beside the build's main line (generator/portal/background.py): forked processes, threads, values sent
to a child after it has started."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from generator.portal.background import Background, BackgroundError, InThread, Later


def test_a_value_sent_after_the_start_reaches_the_child(tmp_path: Path):
    later = Later()
    received = tmp_path / "recu"
    job = Background(lambda: received.write_text(repr(later.get()), encoding="utf-8"), what="essai", hint="aucun")
    later.send([f"page-{i}/" for i in range(20_000)])  # more than a pipe holds: the child reads as it goes
    job.join()
    assert received.read_text(encoding="utf-8") == repr([f"page-{i}/" for i in range(20_000)])


def test_sending_to_a_child_that_is_gone_neither_blocks_nor_fails():
    later = Later()
    job = Background(time.sleep, 30, what="essai", hint="aucun")
    before = threading.active_count()
    started = time.perf_counter()
    later.send(list(range(200_000)))  # fills the pipe: the writing thread waits for a reader
    job.kill()
    while threading.active_count() > before and time.perf_counter() - started < 10:
        time.sleep(0.05)  # the child gone, the write fails and the thread ends
    assert threading.active_count() <= before and time.perf_counter() - started < 10


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
