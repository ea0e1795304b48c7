"""Fiches parsed by an earlier run, kept by the hash of their bytes: a file unchanged since is not parsed again.

Parsing (YAML, the body's Markdown made safe HTML, what the checks say of the body) is most of reading a tree:
for the 2,722 files of the real network, 2 s of a core. The store keeps, for each file, the digest of its bytes
and its :class:`~.reader.Document` (header, body, rendered body, body problems). A file is read and hashed every
time (a few milliseconds for the network), the same way as :func:`.reader.read` reads it (a regular file, within
its size limit); only when its digest is the one stored is the stored document used instead of parsing it.

One store per version of the code that parses (generator/content/, generator/schema/ and the parsing libraries):
a changed parser is a new store, never a stale document. It lives in the per-user cache (generator/cachedir.py,
owner only): what it holds is unpickled.
"""
from __future__ import annotations

from pathlib import Path

from .. import cachedir
from .reader import Document, digest, read_bytes

#: what parses a file: a change here is a new store
PARSERS = ("generator/content", "generator/schema")
LIBRARIES = ("pyyaml", "markdown-it-py", "nh3")
VERSION = "1"
_KEY: list[str] = []


def _file() -> Path | None:
    if not _KEY:
        _KEY.append(cachedir.code_key(PARSERS, LIBRARIES))
    base = cachedir.private(cachedir.folder() / "lecture")
    return None if base is None else base / f"{VERSION}-{_KEY[0]}.pickle"


class Store:
    """The documents of the last run (path relative to the project → (digest, document))."""

    def __init__(self, entries: dict[str, tuple[str, Document]] | None = None):
        self.entries = entries or {}
        self.changed = False

    @classmethod
    def load(cls) -> "Store":
        entries = cachedir.load(_file())
        return cls(entries if isinstance(entries, dict) else None)

    def get(self, path: Path, root: Path) -> Document | None:
        """The stored document of ``path`` when its bytes are those it was parsed from."""
        rel = path.relative_to(root).as_posix()
        entry = self.entries.get(rel)
        if entry is None:
            return None
        raw = read_bytes(path, rel)
        if not isinstance(raw, bytes) or digest(raw) != entry[0]:
            return None
        return entry[1]

    def put(self, doc: Document) -> None:
        if doc.digest and doc.body_html is not None and self.entries.get(doc.path, ("",))[0] != doc.digest:
            self.entries[doc.path] = (doc.digest, doc)
            self.changed = True

    def keep_only(self, paths: set[str]) -> None:
        """Forget the files no longer in the tree (a renamed fiche leaves no stale entry behind)."""
        for rel in set(self.entries) - paths:
            del self.entries[rel]
            self.changed = True

    def save(self) -> None:
        path = _file()
        if self.changed and path is not None:
            cachedir.store(path, self.entries, others="*.pickle")  # the stores of other code versions go
