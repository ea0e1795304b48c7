"""Pages kept between builds: a page whose inputs are those of the previous build is not rendered again.

Each page gets a key, a hash of:

- what every page depends on (:func:`global_key`): the code that renders (``generator/``, ``frequentation/``, the
  versions of the libraries it calls), the templates and assets (``theme/``), the configuration (``mkdocs.yml``
  and the typed config), the sections' shells that mkdocs made, the reference lists, the reference geography, the
  visit statistics, the build's day, its address and options, and the list of every page path (a fiche added,
  removed or renamed changes it: every page is then rendered again, links included);
- what the page itself says (its path, template, title, description, sitemap date) and the bytes of the fiches it
  shows — its ``sources`` (:class:`..pages.Page`), or, for a page showing the whole network (counts, maps,
  indexes), of every fiche.

The manifest of the previous build (in the per-user cache, :mod:`.cache`, one per site folder) says, for each page
of the folder it published, its key and the file's size and modification time as written. A page of the
new build with the same key whose file is still that file (nobody rewrote it since: ``msap serve`` writes in
place) is linked from the published folder into the new one (a hard link; a copy where links cannot be made)
instead of being rendered; its search copy comes from the previous build too. When no searchable page changed,
the search bundle is linked as it was; when a few did, the previous bundle is updated for the copies that
changed (:mod:`..writers.recherche_maj`, from the order in which its pages were indexed, kept here); otherwise
Pagefind indexes every copy again.

``tests/test_manifest.py`` checks a build that kept pages against a full build of the same tree, byte for byte.
"""
from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import cache
from ... import cachedir
from .. import urls

#: bumped when what the manifest holds changes shape
VERSION = "3"
#: the libraries whose version changes what a page holds
LIBRARIES = ("jinja2", "markupsafe", "mkdocs", "mkdocs-material", "markdown-it-py", "nh3", "pydantic", "pyyaml",
             "pagefind")


def _hash(*parts: str | bytes) -> str:
    return cache.key(parts)


def code_key() -> str:
    """The Python code of the build and of the statistics client, and the libraries' versions."""
    return cachedir.code_key(("generator", "frequentation"), LIBRARIES)


def global_key(options: Any, state: Any, shells: dict[str, Any], paths: Iterable[str]) -> str:
    """What every page of this build depends on (see the module's docstring)."""
    root, config, site, stats = options.root, options.config, state.site, state.stats
    content = site.content
    kept = []
    for path in sorted(site.files):  # regular files of the content tree only (generator/tree.py)
        rel = path.relative_to(content).as_posix()
        if rel.startswith("referentiels/"):
            kept.append(f"{rel}:{_hash(path.read_bytes())}")
        elif rel.startswith("ressources/fichiers/"):
            kept.append(f"{rel}:{path.stat().st_size}")  # a download's page shows its size
    donnees = stats.donnees.model_dump_json() if stats.donnees is not None else ""
    return _hash(VERSION, code_key(), cache.key([root / "theme"]), cache.key([root / config.geo_dir]),
                 (root / "mkdocs.yml").read_bytes() if (root / "mkdocs.yml").is_file() else b"",
                 config.model_dump_json(), *(f"{name}\0{shell.fingerprint}" for name, shell in sorted(shells.items())),
                 *kept, donnees, repr((stats.recupere_le, stats.seuil, stats.api, stats.ancien, stats.avertissement)),
                 options.today.isoformat(), options.site_url, repr((options.pro, options.search)), *paths)


def page_key(base: str, page: Any, everything: str) -> str:
    """The key of one page: ``base`` (:func:`global_key`), what the page says, its sources' bytes
    (``everything``: the digest of every fiche, for a page that shows the whole network)."""
    sources = everything if page.sources is None else ",".join(sorted(f.doc.digest for f in page.sources()))
    return _hash(base, page.path, page.template, page.title, page.description, repr(page.lastmod),
                 repr((page.section, page.searchable, page.in_sitemap)), sources)


def search_key(keys: Iterable[str]) -> str:
    """The key of the search bundle: the keys of the searchable pages, in the order they are indexed."""
    return _hash(*keys)


def everything_key(site: Any) -> str:
    return _hash(*(f.doc.digest for kind in ("maisons", "ressources", "projets") for f in site.of_kind(kind)))


@dataclass
class Entry:
    key: str
    size: int
    mtime_ns: int
    copy: tuple[str, str] | None = None  # (title, search copy) of a searchable page


def _same_time(now: int, recorded: int) -> bool:
    """The file's modification time is the one recorded — or that time cut to the second, as a CI cache
    restores it (tar keeps whole seconds)."""
    return now == recorded or now % 1_000_000_000 == 0 and now // 1_000_000_000 == recorded // 1_000_000_000


@dataclass
class Manifest:
    """The pages of the folder a build published, and how to take them again."""

    site_dir: Path
    pages: dict[str, Entry] = field(default_factory=dict)
    search: str = ""  # the key of the search bundle (every searchable page's key, in order)
    order: list[str] = field(default_factory=list)  # the pages of the search bundle, by page number

    @staticmethod
    def _file(site_dir: Path, root: Path) -> Path | None:
        """One manifest per site folder, named after its path — relative to the project when inside it
        (« _site »): a CI runner that restores the cache into another checkout path finds it all the same."""
        base = cache.private(cache.folder() / "pages")
        if base is None:
            return None
        where = site_dir.resolve()
        try:
            where = where.relative_to(root.resolve())
        except ValueError:
            pass
        return base / f"{_hash(str(where))}.pickle"

    @classmethod
    def load(cls, site_dir: Path, root: Path) -> "Manifest":
        """The manifest of ``site_dir``'s last build; empty when there is none, or it cannot be read."""
        found = cachedir.load(cls._file(site_dir, root))
        if isinstance(found, tuple) and len(found) == 4 and found[0] == VERSION:
            return cls(site_dir, found[1], found[2], found[3])
        return cls(site_dir)

    def unchanged(self, path: str, key: str) -> Entry | None:
        """The entry of page ``path`` if its key is ``key`` and its published file is still the one recorded
        (None: render it)."""
        entry = self.pages.get(path)
        if entry is None or entry.key != key:
            return None
        try:
            st = (self.site_dir / urls.output_file(path)).lstat()
        except OSError:
            return None
        if st.st_size != entry.size or not stat.S_ISREG(st.st_mode) or not _same_time(st.st_mtime_ns, entry.mtime_ns):
            return None
        return entry

    def link(self, paths: Iterable[str], out: Path) -> None:
        """Link the published files of ``paths`` into ``out`` (a copy where links cannot be made); a page
        already there was rendered meanwhile (generator/portal/render.py): it stays."""
        made: set[Path] = set()
        for path in paths:
            rel = urls.output_file(path)
            source, target = self.site_dir / rel, out / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(source, target)
            except FileExistsError:
                pass
            except OSError:  # no hard links here
                if not target.exists():
                    shutil.copy2(source, target)

    def take_search(self, key: str, out: Path) -> bool:
        """Link the previous search bundle into ``out`` when the searchable pages are those it indexed."""
        source = self.site_dir / "pagefind"
        if not self.search or key != self.search or not source.is_dir():
            return False
        try:
            shutil.copytree(source, out / "pagefind", copy_function=os.link, dirs_exist_ok=True)
        except (OSError, shutil.Error):
            shutil.rmtree(out / "pagefind", ignore_errors=True)
            return False
        return True


@dataclass
class Kept:
    """The pages of the previous build taken again (this module), and what the next one needs."""

    keys: dict[str, str] = field(default_factory=dict)  # page path -> its key in this build
    entries: dict[str, Any] = field(default_factory=dict)  # page path -> manifest entry, for the pages taken
    copies: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (title, search copy)
    indexed: list[Any] | None = None  # the searchable pages, in order
    search: str = ""  # the search bundle's key
    search_linked: bool = False
    order: list[str] = field(default_factory=list)  # the pages handed to the search, in order (this build)
    search_update: str = ""  # what became of the previous search bundle, when it was updated
    previous: Any = None  # the manifest of the folder the last build published

    def updatable(self, todo: Iterable[Any], limit: int) -> bool:
        """Whether the previous search bundle can be updated instead of made again: it exists, its pages' order
        is known, and at most ``limit`` searchable pages are rendered again."""
        previous = self.previous
        return (previous is not None and bool(previous.order) and (previous.site_dir / "pagefind").is_dir()
                and sum(1 for p in todo if p.searchable) <= limit)

    def before(self) -> dict[str, tuple[str, str] | None]:
        """The search copies of the previous build's pages."""
        return {path: entry.copy for path, entry in self.previous.pages.items()} if self.previous else {}

    def link(self, out: Path) -> None:
        """The pages taken again linked into ``out``."""
        if self.previous is not None:
            self.previous.link(self.entries, out)


def plan(options: Any, state: Any, ordered: list[Any], out: Path) -> Kept:
    """Which pages of ``ordered`` (a build's, with its options and state: generator/portal/build.py) are taken
    again from the folder ``options.published``; the search bundle linked into ``out`` when it can be."""
    kept = Kept(indexed=[p for p in ordered if p.searchable])
    base = global_key(options, state, state.shells, [p.path for p in ordered])
    everything = everything_key(state.site)
    kept.keys = {p.path: page_key(base, p, everything) for p in ordered}
    kept.search = search_key(kept.keys[p.path] for p in kept.indexed) if options.search else ""
    if options.published is None:
        return kept
    kept.previous = previous = Manifest.load(options.published, options.root)
    for page in ordered:
        entry = previous.unchanged(page.path, kept.keys[page.path])
        if entry is not None:
            kept.entries[page.path] = entry
    if options.search and all(p.path in kept.entries for p in kept.indexed):
        kept.search_linked = previous.take_search(kept.search, out)
    return kept


def save(site_dir: Path, root: Path, keys: dict[str, str], copies: dict[str, tuple[str, str]],
         search: str, order: list[str]) -> None:
    """Record the pages of ``site_dir`` (just published): each one's key, and its file's size and time."""
    path = Manifest._file(site_dir, root)
    if path is None:
        return
    pages = {}
    for page_path, key in keys.items():
        try:
            st = (site_dir / urls.output_file(page_path)).lstat()
        except OSError:
            continue
        pages[page_path] = Entry(key, st.st_size, st.st_mtime_ns, copies.get(page_path))
    cachedir.store(path, (VERSION, pages, search, order if search else []))
    cachedir.prune(path.parent, KEEP)


#: manifests kept: one per site folder, the most recently built first (a folder built once, long ago, goes)
KEEP = 8


def forget(site_dir: Path, root: Path) -> None:
    """No page of ``site_dir`` is taken again (msap build --complet)."""
    path = Manifest._file(site_dir, root)
    if path is not None:
        path.unlink(missing_ok=True)
