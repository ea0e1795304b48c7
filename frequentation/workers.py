"""The public aggregates computed in worker processes, never in the server's own.

The public statistics of every Maison are a few megabytes of JSON (3.5 MB for 12 months of the real network,
13.6 MB for ten years): their computation and their serialisation hold Python's global lock for up to a third
of a second at a time, during which the server answers nothing — not even its health probe. In a worker
process they hold only that process's lock: the server keeps answering (measured in
tests/frequentation/test_server.py and by ``msap api bench``).

The workers are started on first use (``spawn``: a fresh interpreter, no inherited threads or connections),
each opening its own engine on the same database. An in-memory SQLite base exists in one process only: there
the computation stays in the caller's thread.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_ENGINES: dict[str, Any] = {}


def _follow_parent(parent: int) -> None:
    """In a worker: end with the server. A thread notices within a second that the server is gone (a server
    killed with SIGKILL left its workers behind, seen in the tests). Not PR_SET_PDEATHSIG: it follows the
    thread that started the worker, and the server's threads come and go."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _public_bytes(url: str, start: str, end: str, threshold: int, seconds: float | None) -> bytes:
    """In a worker: the public aggregates as the API sends them."""
    from . import aggregates
    from .db import engine_for

    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = engine_for(url, seconds)
    body = aggregates.public(engine, start, end, threshold)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class PublicAggregates:
    """``compute(start, end, threshold)`` → the JSON bytes, over ``count`` worker processes."""

    def __init__(self, url: str, count: int, statement_seconds: float | None = None):
        self.url, self.count, self.seconds = url, count, statement_seconds
        self.local = ":memory:" in url or url.rstrip("/").endswith("sqlite:")
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def compute(self, start: str, end: str, threshold: int) -> bytes:
        if self.local:
            return _public_bytes(self.url, start, end, threshold, self.seconds)
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_follow_parent, initargs=(os.getpid(),))
            pool = self._pool
        return pool.submit(_public_bytes, self.url, start, end, threshold, self.seconds).result()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
