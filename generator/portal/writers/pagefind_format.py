"""Pagefind's bundle, read and written (version 1.5, pinned by requirements.lock): what the search index update
(:mod:`.recherche_maj`) needs to change a bundle without indexing every page again.

A bundle (``pagefind/``) holds, besides Pagefind's scripts:

- ``pagefind-entry.json``, naming the language's meta file ``pagefind.<lang>_<10 hex>.pf_meta``;
- the meta: ``[version, pages, index chunks, filters, sorts, meta fields]``, where ``pages`` is, by page number,
  ``[fragment hash, word count]`` and an index chunk ``[from, to, hash]`` says which words it holds;
- ``index/<lang>_<7 hex>.pf_index``: ``[[word, [[page, locations, meta locations]…], variants]…]``, the words
  in byte order, a variant being ``[original word, [[page, locations, meta locations]…]]``; in each list the
  pages come in increasing order, each one given as its difference from the one before (:func:`absolute`);
  a chunk ends once its locations (one more per page entry) reach 20,000;
- ``filter/<lang>_<7 hex>.pf_filter``: ``[filter, [[value, [page…]]…]]``;
- ``fragment/<lang>_<7 hex>.pf_fragment``: a page's JSON (address, text, filters…), alone.

Every ``.pf_*`` file is gzip of ``pagefind_dcd`` followed by CBOR as the minicbor crate writes it (structures as
arrays, integers in their shortest form); a file's name is the language, then the first digits of the SHA-1 of
what it holds (each byte in hexadecimal without its leading zero, as Pagefind writes it). ``tests/test_recherche_maj.py``
decodes Pagefind's own bundles and writes them again byte for byte.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"
CHUNK_SIZE = 20_000


class FormatError(ValueError):
    """A bundle that is not what this module reads (another Pagefind version, a damaged file)."""


def decode(data: bytes, i: int = 0) -> tuple[Any, int]:
    """The CBOR value starting at ``data[i]`` and where it ends (integers, text, arrays; what Pagefind writes)."""
    try:
        first = data[i]
    except IndexError:
        raise FormatError("CBOR tronqué ou illisible") from None
    if first < 24:  # the most frequent items first: small numbers, negative ones (weights), short arrays
        return first, i + 1
    if 0x20 <= first < 0x38:
        return 31 - first, i + 1
    if 0x80 <= first < 0x98:
        items = []
        i += 1
        for _ in range(first - 0x80):
            item, i = decode(data, i)
            items.append(item)
        return items, i
    major, value, i = head(data, i)
    if major == 0:
        return value, i
    if major == 1:
        return -1 - value, i
    if major == 3:
        return data[i:i + value].decode("utf-8"), i + value
    if major == 4:
        items = []
        for _ in range(value):
            item, i = decode(data, i)
            items.append(item)
        return items, i
    raise FormatError(f"type CBOR {major} inattendu")


def head(data: bytes, i: int) -> tuple[int, int, int]:
    """An item's major type, its argument (a length, a number) and where its content starts."""
    try:
        first = data[i]
        major, low, i = first >> 5, first & 31, i + 1
        if low < 24:
            return major, low, i
        width = {24: 1, 25: 2, 26: 4, 27: 8}[low]
        return major, int.from_bytes(data[i:i + width], "big"), i + width
    except (IndexError, KeyError):
        raise FormatError("CBOR tronqué ou illisible") from None


def encode_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes((major << 5 | value,))
    for low, width, fmt in ((24, 1, ">B"), (25, 2, ">H"), (26, 4, ">I"), (27, 8, ">Q")):
        if value < 1 << (8 * width):
            return bytes((major << 5 | low,)) + struct.pack(fmt, value)
    raise FormatError("entier trop grand")


def encode(value: Any, out: bytearray | None = None) -> bytearray:
    """``value`` (integers, text, lists) in CBOR, as minicbor writes it."""
    out = bytearray() if out is None else out
    if isinstance(value, int):
        out += encode_head(0, value) if value >= 0 else encode_head(1, -1 - value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += encode_head(3, len(raw))
        out += raw
    elif isinstance(value, (list, tuple)):
        out += encode_head(4, len(value))
        for item in value:
            encode(item, out)
    else:
        raise FormatError(f"valeur {type(value).__name__} impossible à écrire")
    return out


def full_hash(data: bytes) -> str:
    """Pagefind's hash: the SHA-1's bytes in hexadecimal, each without its leading zero."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(data).digest())


def read(path: Path) -> bytes:
    """The CBOR (or JSON, for a fragment) a ``.pf_*`` file holds."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FormatError(f"{path.name} illisible ({exc})") from None
    if not data.startswith(SIGNATURE):
        raise FormatError(f"{path.name} n'est pas un fichier de Pagefind")
    return data[len(SIGNATURE):]


def write(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + data, compresslevel=6, mtime=0))


def entry(bundle: Path) -> tuple[dict[str, Any], str, Path]:
    """The bundle's entry file, its one language and that language's meta file."""
    try:
        found = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        (lang, about), = found["languages"].items()
        meta = bundle / f"pagefind.{about['hash']}.pf_meta"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise FormatError("pagefind-entry.json illisible ou à plusieurs langues") from None
    return found, lang, meta


def write_entry(bundle: Path, found: dict[str, Any]) -> None:
    (bundle / "pagefind-entry.json").write_text(json.dumps(found, ensure_ascii=False, separators=(",", ":")),
                                                encoding="utf-8")


def absolute(entries: list[list[Any]]) -> list[list[Any]]:
    """A word's page entries with their page numbers, from the differences Pagefind writes (in place)."""
    page = 0
    for entry in entries:
        page += entry[0]
        entry[0] = page
    return entries


def relative(entries: list[list[Any]]) -> list[list[Any]]:
    """The entries of distinct pages, in page order, as Pagefind writes them (new lists)."""
    out, page = [], 0
    for entry in sorted(entries, key=lambda e: e[0]):
        out.append([entry[0] - page, *entry[1:]])
        page = entry[0]
    return out


def chunk_size(word: list[Any]) -> int:
    """What a word counts towards its chunk's size: one per page entry, plus its locations."""
    return sum(len(page[1]) + 1 + len(page[2]) for page in word[1])


def prefixes(a: str, b: str) -> tuple[str, str]:
    """The shortest beginnings of two neighbouring chunks' last and first words that still tell them apart."""
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return a[:common + 1], b[:common + 1]


def name(lang: str, data: bytes, used: set[str] | dict[str, Any]) -> str:
    """A file's name (``fr_`` and 7 hex digits), longer while it is one already ``used``."""
    whole = f"{lang}_{full_hash(data)}"
    short = whole[:len(lang) + 8]
    while short in used and len(short) < len(whole):
        short = whole[:len(short) + 1]
    return short
