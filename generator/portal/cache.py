"""Compiled templates kept between builds: Jinja's bytecode cache, for the portal's templates and mkdocs' theme.

Compiling the templates is the same work on every build (a fifth of a second for mkdocs-material's, a tenth
for the portal's) as long as they do not change. Jinja stores each compiled template under a key made of its
name and path, with a checksum of its source: a template edited since is compiled again, never served stale.

The folder is per user (``$XDG_CACHE_HOME/msap/jinja``, else ``~/.cache/msap/jinja``; ``MSAP_CACHE_DIR``
replaces ``…/msap``), readable by its owner only: what it holds is executed. Without a writable folder, the
build compiles every time, as without a cache.
"""
from __future__ import annotations

import os
from pathlib import Path

from jinja2 import BytecodeCache, FileSystemBytecodeCache

ENV = "MSAP_CACHE_DIR"


def folder() -> Path:
    """Where msap keeps what it can compute again (per user, never inside the site)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "msap"


def templates() -> BytecodeCache | None:
    """The compiled-template cache, or None when its folder cannot be made private and writable."""
    path = folder() / "jinja"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.stat().st_uid != os.getuid() or not os.access(path, os.W_OK):
            return None  # somebody else's folder: its compiled code is not ours to run
        path.chmod(0o700)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(path))
