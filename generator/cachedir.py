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
from typing import Any, Iterable

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


def digest(*parts: bytes | str) -> str:
    """A hash of ``parts`` (bytes, or text), each one told apart from the next."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def zone_files(names: Iterable[str]) -> str:
    """A hash of the system's time-zone files for ``names`` (a tzdata update changes what is computed from them)."""
    import zoneinfo
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(set(names)):
        for base in zoneinfo.TZPATH:
            path = Path(base) / name
            if path.is_file():
                digest.update(f"\0{name}\0".encode() + path.read_bytes())
                break
        else:
            digest.update(f"\0{name} absent".encode())
    return digest.hexdigest()


def load(path: Path | None) -> Any:
    """What :func:`store` kept in ``path``; None when there is nothing there, or nothing readable (a damaged
    or truncated file, an object of classes that no longer exist)."""
    import pickle
    try:
        if path is not None and path.is_file():
            return pickle.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            pickle.UnpicklingError):
        pass
    return None


def store(path: Path, value: Any, others: str | None = None) -> None:
    """Keep ``value`` in ``path`` in one step (written beside, then renamed: a reader finds the old file or the
    new one, never half of one); ``others``: a pattern of the folder's files that go then (other versions')."""
    import pickle
    work = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        work.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        work.replace(path)
        for old in path.parent.glob(others) if others else ():
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a full disk, a folder gone: the next run computes it again
        work.unlink(missing_ok=True)


def prune(base: Path, keep: int) -> None:
    """Only the ``keep`` most recently written files of ``base`` are kept (a folder built once, long ago, goes)."""
    try:
        found = sorted(base.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[keep:]:
            old.unlink(missing_ok=True)
    except OSError:  # another build pruned it meanwhile
        pass


class Memo:
    """Values computed for items (a fiche's calendars…) kept between runs, each under the key of its inputs:
    :meth:`get` gives a value only for the key it was computed under. One file per ``kind`` and ``code``
    (:func:`code_key` of what computes the values): another version of the code never reads it."""

    def __init__(self, kind: str, code: str):
        self._base = private(folder() / kind)
        self._file = None if self._base is None else self._base / f"{code}.pickle"
        self._values: dict[str, tuple[str, object]] = {}
        self._used: dict[str, tuple[str, object]] = {}
        loaded = load(self._file)
        if isinstance(loaded, dict):
            self._values = loaded

    def get(self, item: str, key: str, compute):  # noqa: ANN001, ANN201 - any value
        """The value of ``item`` for ``key``: kept, or ``compute()`` (then kept)."""
        known = self._values.get(item)
        if known is not None and known[0] == key:
            self._used[item] = known
            return known[1]
        value = compute()
        self._used[item] = (key, value)
        return value

    def save(self) -> None:
        """Keep the values used by this run (the others go: a removed fiche leaves nothing behind)."""
        if self._file is None or self._used == self._values:
            return
        store(self._file, self._used, others="*.pickle")  # other versions of the code go
