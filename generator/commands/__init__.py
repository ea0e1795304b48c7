"""One module per `msap` command that has no home of its own (MkDocs' ``commands/``): the others live beside
what they drive (``contrib/review.py``, ``geo_refresh.py``…), and ``generator/cli.py`` only parses and dispatches."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_off() -> Iterator[None]:
    """Python's garbage collector off while a command runs whose objects all live until its end (a build, a
    check): its passes over them would free nothing, and cost a fifth of the reading — and 0.3 s right after a
    build of the real network. Back as it was afterwards (a command run from a test, or from ``msap serve``)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
