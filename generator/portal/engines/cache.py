"""What a build computes the same way every time its inputs have not changed, kept between builds.

- Compiled templates (Jinja's bytecode cache), for the portal's templates and mkdocs' theme: Jinja stores each
  under a key made of its name and path, with a checksum of its source, so an edited template is compiled again.
- :func:`derived` and :func:`value`: files or values computed from known inputs (the theme mkdocs builds;
  the maps drawn from the département outlines), under a key that is a hash of every input, the code that
  computes them included. A changed input is a new key: never a stale result.

The folder is per user and private (generator/cachedir.py). Without a writable folder, the build computes
everything every time, as without a cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import BytecodeCache, FileSystemBytecodeCache

from ...cachedir import ENV, folder, private  # noqa: F401 - ENV: the variable, for callers

KEEP = 3  # results kept per kind: the current one and a couple of recent ones (switching branches)


def templates() -> BytecodeCache | None:
    """The compiled-template cache, or None when its folder cannot be made private and writable."""
    path = private(folder() / "jinja")
    return FileSystemBytecodeCache(str(path)) if path is not None else None


def key(inputs: Iterable[Path | str | bytes]) -> str:
    """A hash of the inputs: a file's path (relative to nothing: as given) and bytes, a folder's files
    (their paths relative to it, and bytes, in name order), a string or bytes as they are."""
    digest = hashlib.sha256()
    for item in inputs:
        if isinstance(item, Path):
            files = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
            for path in files:
                digest.update(f"\0{path.relative_to(item) if item.is_dir() else path.name}\0".encode())
                digest.update(path.read_bytes() if path.exists() else b"\0absent\0")
        else:
            digest.update(b"\0" + (item if isinstance(item, bytes) else item.encode("utf-8")))
    return digest.hexdigest()[:32]


def derived(kind: str, inputs: Iterable[Path | str | bytes], make: Callable[[Path], None],
            into: Path) -> None:
    """Put into ``into`` the files ``make(folder)`` writes, taken from the cache when the inputs are those of
    a previous build. ``make`` gets an empty folder; its exceptions go through, and nothing is kept then."""
    done = _stored(kind, inputs, make)
    if done is None:
        make(into)
        return
    try:
        shutil.copytree(done, into, dirs_exist_ok=True)
    except (OSError, shutil.Error):  # pruned meanwhile by another build (other inputs): made here instead
        make(into)


def value(kind: str, inputs: Iterable[Path | str | bytes], compute: Callable[[], Any]) -> Any:
    """What ``compute()`` returns (JSON values), taken from the cache when the inputs are those of a previous
    build."""
    def make(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / "valeur.json").write_text(json.dumps(compute()), encoding="utf-8")
    done = _stored(kind, inputs, make)
    try:
        if done is not None:
            return json.loads((done / "valeur.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pruned meanwhile, or damaged: computed here instead
        pass
    return compute()


def _stored(kind: str, inputs: Iterable[Path | str | bytes], make: Callable[[Path], None]) -> Path | None:
    """The cache's folder for these inputs, made by ``make`` if it is not there; None without a usable cache."""
    base = private(folder() / kind)
    if base is None:
        return None
    done = base / key(inputs)
    if not done.is_dir():
        work = base / f".{done.name}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            make(work)
            work.rename(done)
        except OSError:
            if not done.is_dir():  # another build made it meanwhile (it is then the same), else a real failure
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _prune(base, KEEP)
    try:
        os.utime(done)  # recently used: kept by the pruning
    except OSError:
        pass
    return done


def _prune(base: Path, keep: int) -> None:
    results = sorted((p for p in base.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in results[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
