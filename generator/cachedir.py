"""The per-user folder where msap keeps what it can compute again, and the hash of the code that computes it.

``$XDG_CACHE_HOME/msap``, else ``~/.cache/msap``; ``MSAP_CACHE_DIR`` replaces it. Readable by its owner only:
what it holds is executed (compiled templates), unpickled (parsed fiches) or published (pages, maps). Without a
writable folder of our own, everything is computed every time, as without a cache. Below the content stage:
the reading (generator/content/parsed.py) and the portal (generator/portal/engines/) both keep things there.
"""
from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path
from typing import Iterable

ENV = "MSAP_CACHE_DIR"
_PACKAGES = Path(__file__).resolve().parent.parent  # the folder holding generator/ and frequentation/


def folder() -> Path:
    """Where msap keeps what it can compute again (per user, never inside the site)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "msap"


def private(path: Path) -> Path | None:
    """``path`` made (owner only), or None when it cannot be or belongs to somebody else."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.stat().st_uid != os.getuid() or not os.access(path, os.W_OK):
            return None  # somebody else's folder: its content is not ours to run or publish
        path.chmod(0o700)
    except OSError:
        return None
    return path


def code_key(packages: Iterable[str], libraries: Iterable[str]) -> str:
    """A hash of the Python sources of ``packages`` (« generator/content », « frequentation »…) and of the
    installed versions of ``libraries``: what is kept under it was computed by this code."""
    digest = hashlib.blake2b(digest_size=16)
    for package in packages:
        base = _PACKAGES / package
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base]:
            digest.update(f"\0{path.relative_to(_PACKAGES)}\0".encode())
            digest.update(path.read_bytes())
    for name in libraries:
        try:
            digest.update(f"\0{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{name} absent".encode())
    return digest.hexdigest()
