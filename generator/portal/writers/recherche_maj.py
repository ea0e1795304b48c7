"""The search bundle updated for the pages whose search copy changed, instead of Pagefind indexing every page again.

Pagefind 1.5 cannot update a bundle: it indexes every page it is given. When a build changes a few search copies
(a fiche edited), this module asks Pagefind to index only those pages — each one twice, as the previous build
gave it and as it is now — and changes the previous bundle accordingly (:mod:`.pagefind_format`): the words of
the old copy leave, those of the new one arrive, under the same page number; the page's fragment is replaced;
the filters, the word chunks and the meta are written again. What Pagefind finds in a page depends on that page
only (its words, positions, weights, filters), so the bundle is the one a whole indexing gives — the same pages,
words, locations, filters and fragments (``tests/test_recherche_maj.py`` compares them with Pagefind's own).

The previous bundle is read once (its words, each kept as the CBOR it was written in) and kept in the cache
under the name of its meta file, for the next build. The bundle is made again whole (:func:`update` returns
None) when the pages indexed are not the same ones in the same order, when more than :data:`LIMIT` copies
changed, or when anything is not as this module expects it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pagefind_format as fmt
from .recherche import SearchIndex, index_pages
from ... import cachedir

#: beyond this many changed copies, Pagefind indexes every page again (it is then about as fast)
LIMIT = 200
#: bundles whose words are kept in the cache (the most recent first)
KEEP = 4
#: bumped when what the cache keeps of a bundle changes shape
FORMAT = "1"
OLD = "ancien/"  # the address under which the previous copy of a page is indexed beside the new one


class Redo(Exception):
    """The bundle has to be made again by Pagefind, whole (the message says why)."""


#: what a bundle that is not as expected (damaged, nested too deep, of another version) raises while read
UNREADABLE = (fmt.FormatError, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError, RecursionError)


Entries = list  # [[page, locations, meta locations]…]


@dataclass
class State:
    """What a bundle holds, ready to be changed: its meta and each word's CBOR."""

    found: dict[str, Any]  # pagefind-entry.json
    lang: str
    version: str
    pages: list[list[Any]]  # by page number: [fragment, word count]
    words: dict[str, bytes]  # word -> its CBOR [word, pages, variants]
    sizes: dict[str, int]  # word -> what it counts towards its chunk's size
    filters: dict[str, dict[str, list[int]]]  # filter -> value -> pages
    sorts: list[Any]
    fields: list[Any]


@dataclass
class Record:
    """What Pagefind found in one page."""

    fragment: str
    word_count: int
    words: dict[str, tuple[list[tuple[Any, Any]], dict[str, list[tuple[Any, Any]]]]] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)


def _meta(bundle: Path) -> tuple[dict[str, Any], str, str, list[Any]]:
    found, lang, meta_file = fmt.entry(bundle)
    meta, _ = fmt.decode(fmt.read(meta_file))
    if not isinstance(meta, list) or len(meta) != 6:
        raise fmt.FormatError("méta de Pagefind d'une autre forme (autre version ?)")
    return found, lang, meta_file.stem.removeprefix("pagefind."), meta  # the meta's name: « fr_2a21e368e1 »


def state_of(bundle: Path) -> State:
    """Read a whole bundle."""
    found, lang, _, (version, pages, chunks, filters, sorts, fields) = _meta(bundle)
    words: dict[str, bytes] = {}
    sizes: dict[str, int] = {}
    for _start, _end, chunk in chunks:
        raw = fmt.read(bundle / "index" / f"{chunk}.pf_index")
        major, one, i = fmt.head(raw, 0)
        major2, count, i = fmt.head(raw, i)
        if (major, one, major2) != (4, 1, 4):
            raise fmt.FormatError(f"{chunk}.pf_index d'une autre forme")
        for _ in range(count):
            start = i
            word, i = fmt.decode(raw, i)
            words[word[0]] = raw[start:i]
            sizes[word[0]] = fmt.chunk_size(word)
    values: dict[str, dict[str, list[int]]] = {}
    for _name, chunk in filters:
        (name, by_value), _ = fmt.decode(fmt.read(bundle / "filter" / f"{chunk}.pf_filter"))
        values[name] = {value: pages_ for value, pages_ in by_value}
    return State(found, lang, version, pages, words, sizes, values, sorts, fields)


def records_of(bundle: Path) -> tuple[State, list[Record]]:
    """A small bundle, page by page."""
    state = state_of(bundle)
    records = [Record(fragment, count) for fragment, count in state.pages]
    for raw in state.words.values():
        (word, direct, variants), _ = fmt.decode(raw)
        for page, locs, meta_locs in fmt.absolute(direct):
            records[page].words.setdefault(word, ([], {}))[0].append((locs, meta_locs))
        for variant, entries in variants:
            for page, locs, meta_locs in fmt.absolute(entries):
                records[page].words.setdefault(word, ([], {}))[1].setdefault(variant, []).append((locs, meta_locs))
    for name, by_value in state.filters.items():
        for value, pages in by_value.items():
            for page in pages:
                records[page].filters.setdefault(name, []).append(value)
    return state, records


def _cache_file(meta_name: str) -> Path | None:
    base = cachedir.private(cachedir.folder() / "recherche")
    return None if base is None else base / f"{meta_name}-{FORMAT}.pickle"


def prepare(bundle: Path) -> None:
    """Read ``bundle`` into the cache unless it is there already (a build does it while its pages are rendered,
    in a process of its own); a bundle that cannot be read is left to :func:`update`, which says so."""
    try:
        _, _, meta_name, _ = _meta(bundle)
        path = _cache_file(meta_name)
        if path is not None and not path.is_file():
            cachedir.store(path, state_of(bundle))
    except UNREADABLE:
        pass


def _previous_state(bundle: Path) -> State:
    _, _, meta_name, _ = _meta(bundle)
    found = cachedir.load(_cache_file(meta_name))
    return found if isinstance(found, State) else state_of(bundle)


def _changed_word(state: State, word: str, changes: dict[int, tuple[Record, Record]]) -> None:
    """One word's entries without the old copies' and with the new copies' (under the same page numbers)."""
    direct: Entries = []
    variants: dict[str, Entries] = {}
    removed: list[Any] = []
    if word in state.words:
        (_, direct_, variants_), _ = fmt.decode(state.words[word])
        for entry in fmt.absolute(direct_):
            (removed if entry[0] in changes else direct).append(entry)
        for variant, entries in variants_:
            variants[variant] = [e for e in fmt.absolute(entries) if e[0] not in changes]
    expected = [[page, list(locs), list(meta)] for page, (old, _) in changes.items() if word in old.words
                for locs, meta in old.words[word][0]]
    if sorted(map(repr, removed)) != sorted(map(repr, expected)):
        raise Redo(f"le mot « {word} » n'est pas dans l'index comme dans la copie précédente")
    for page, (_, new) in changes.items():
        if word in new.words:
            found_direct, found_variants = new.words[word]
            direct.extend([page, locs, meta] for locs, meta in found_direct)
            for variant, entries in found_variants.items():
                variants.setdefault(variant, []).extend([page, locs, meta] for locs, meta in entries)
    kept_variants = [[variant, fmt.relative(entries)] for variant, entries in variants.items() if entries]
    if not direct and not kept_variants:
        state.words.pop(word, None)
        state.sizes.pop(word, None)
        return
    packed = [word, fmt.relative(direct), kept_variants]
    state.words[word] = bytes(fmt.encode(packed))
    state.sizes[word] = fmt.chunk_size(packed)


def apply(state: State, changes: dict[int, tuple[Record, Record]]) -> None:
    """``state`` changed in place: each page number of ``changes`` goes from its old record to its new one."""
    others = {fragment for page, (fragment, _) in enumerate(state.pages) if page not in changes}
    for page, (_, new) in changes.items():
        if new.fragment in others:
            raise Redo("deux pages auraient le même fragment")
        state.pages[page] = [new.fragment, new.word_count]
    touched = set()
    for old, new in changes.values():
        touched.update(old.words, new.words)
    for word in touched:
        _changed_word(state, word, changes)
    for by_value in state.filters.values():
        for value in list(by_value):
            by_value[value] = [p for p in by_value[value] if p not in changes]
    for page, (_, new) in changes.items():
        for name, values in new.filters.items():
            for value in values:
                state.filters.setdefault(name, {}).setdefault(value, []).append(page)
    for name in list(state.filters):
        by_value = {v: sorted(pages) for v, pages in state.filters[name].items() if pages}
        if by_value:
            state.filters[name] = by_value
        else:
            del state.filters[name]


def write(state: State, previous: Path, fragments: dict[str, Path], out: Path) -> str:
    """The bundle of ``state`` written into ``out``: Pagefind's scripts and the unchanged fragments linked from
    ``previous``, the new fragments (name -> file) taken, the chunks, filters and meta written; returns the
    meta's name."""
    lang = state.lang
    for folder in ("index", "filter", "fragment"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for item in previous.iterdir():
        if item.is_file() and not item.name.endswith(".pf_meta") and item.name != "pagefind-entry.json":
            _link(item, out / item.name)
    wanted = {fragment for fragment, _ in state.pages}
    for fragment in wanted:
        source = fragments.get(fragment) or previous / "fragment" / f"{fragment}.pf_fragment"
        _link(source, out / "fragment" / f"{fragment}.pf_fragment")
    ordered = sorted(state.words, key=lambda w: w.encode("utf-8"))
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for word in ordered:
        current.append(word)
        size += state.sizes[word]
        if size >= fmt.CHUNK_SIZE:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    bounds = [[chunk[0], chunk[-1], ""] for chunk in chunks]
    for before, after in zip(bounds, bounds[1:]):
        before[1], after[0] = fmt.prefixes(before[1], after[0])
    used: set[str] = set()
    for bound, chunk in zip(bounds, chunks):
        raw = fmt.encode_head(4, 1) + fmt.encode_head(4, len(chunk)) + b"".join(state.words[w] for w in chunk)
        bound[2] = fmt.name(lang, raw, used)
        used.add(bound[2])
        fmt.write(out / "index" / f"{bound[2]}.pf_index", raw)
    filters = []
    for filter_name, by_value in state.filters.items():
        raw = bytes(fmt.encode([filter_name, [[value, pages] for value, pages in by_value.items()]]))
        filters.append([filter_name, fmt.name(lang, raw, used)])
        used.add(filters[-1][1])
        fmt.write(out / "filter" / f"{filters[-1][1]}.pf_filter", raw)
    raw = bytes(fmt.encode([state.version, state.pages, bounds, filters, state.sorts, state.fields]))
    meta_name = f"{lang}_{fmt.full_hash(raw)[:10]}"
    fmt.write(out / f"pagefind.{meta_name}.pf_meta", raw)
    about = state.found["languages"][lang]
    about["hash"], about["page_count"] = meta_name, len(state.pages)
    fmt.write_entry(out, state.found)
    return meta_name


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def refresh(previous: Path, order: list[str], before: dict[str, tuple[str, str] | None],
            after: dict[str, tuple[str, str]], out: Path) -> str:
    """The bundle of :func:`update`, or Pagefind's index of every copy when it cannot be updated; says which."""
    redone = update(previous, order, before, after, out)
    if redone is None:
        index_pages(((path, *after[path]) for path in order), out)
        return "indexé à nouveau en entier"
    return f"mis à jour pour {redone} page{'s' if redone > 1 else ''}"


def update(previous: Path, order: list[str], before: dict[str, tuple[str, str] | None],
           after: dict[str, tuple[str, str]], out: Path) -> int | None:
    """The bundle for the pages ``order`` (their copies ``after``) written into ``out`` from the bundle
    ``previous``, made for the same pages with the copies ``before``; returns how many pages were indexed again,
    None when Pagefind has to index every page (nothing written then)."""
    try:
        return _update(previous, order, before, after, out)
    except (Redo, *UNREADABLE):
        shutil.rmtree(out, ignore_errors=True)
        return None


def _update(previous: Path, order: list[str], before: dict[str, tuple[str, str] | None],
            after: dict[str, tuple[str, str]], out: Path) -> int:
    state = _previous_state(previous)
    if len(state.pages) != len(order) or any(before.get(path) is None for path in order):
        raise Redo("les pages indexées ne sont plus les mêmes")
    changed = [(number, path) for number, path in enumerate(order) if before[path] != after[path]]
    if not changed:
        shutil.copytree(previous, out, copy_function=_link_copy, dirs_exist_ok=True)
        return 0
    if len(changed) > LIMIT:
        raise Redo(f"plus de {LIMIT} pages à indexer")
    small = Path(tempfile.mkdtemp(prefix="msap-recherche-", dir=out.parent))
    try:
        index = SearchIndex()
        try:
            for _, path in changed:
                index.add(OLD + path, *before[path])  # type: ignore[misc]
                index.add(path, *after[path])
            index.write(small)
            index.wait()
        finally:
            index.close()
        found, records = records_of(small)
        if (found.version, found.fields, found.sorts, found.lang) != (state.version, state.fields, state.sorts,
                                                                       state.lang) or state.sorts:
            raise Redo("index d'une autre forme")
        changes = {number: (records[2 * i], records[2 * i + 1]) for i, (number, _) in enumerate(changed)}
        apply(state, changes)
        fragments = {new.fragment: small / "fragment" / f"{new.fragment}.pf_fragment" for _, new in changes.values()}
        meta_name = write(state, previous, fragments, out)
    finally:
        shutil.rmtree(small, ignore_errors=True)
    _keep(meta_name, state)
    return len(changed)


def _link_copy(source: str, target: str) -> None:
    _link(Path(source), Path(target))


def _keep(meta_name: str, state: State) -> None:
    path = _cache_file(meta_name)
    if path is None:
        return
    cachedir.store(path, state)
    cachedir.prune(path.parent, KEEP)
