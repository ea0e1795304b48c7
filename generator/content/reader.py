"""Read stage: a Markdown file with YAML front matter becomes a :class:`Document`.

Nothing here raises on bad content: an unreadable file yields a problem, so the
checker can report every file in one run.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import tree
from . import yamlio
from ..diagnostics import Problem, shown
from ..schema.limits import FICHE_OCTETS, REFERENTIEL_OCTETS, TEXTE_CARACTERES, taille

FENCE = "---"


@dataclass
class Document:
    path: str  # relative to the project root, with forward slashes
    meta: dict[str, Any]
    body: str
    body_line: int  # 1-based line where the body starts
    front: str = ""  # the front matter: the lines of its keys are read again only when a problem needs one
    first: int = 2  # its first line in the file
    _key_lines: dict[tuple, int] | None = field(default=None, repr=False)
    # The body as the portal publishes it and what the checks say of it, when the process that parsed the file
    # worked them out too (generator/content/site.py): else they are computed when first asked for.
    body_html: str | None = field(default=None, repr=False)
    body_problems: list[tuple[int, str, str]] | None = field(default=None, repr=False)
    #: a hash of the file's bytes: what the build's page manifest (generator/portal/engines/manifest.py) keys on
    digest: str = field(default="", repr=False)
    #: what the checks look for in the header's texts, found in one walk (generator/content/validation.py)
    scanned: tuple[list, list] | None = field(default=None, repr=False)

    @property
    def key_lines(self) -> dict[tuple, int]:
        """1-based file line of each key / item."""
        if self._key_lines is None:
            parsed = yamlio.load(self.front, self.first)
            self._key_lines = {loc: self.first + line for loc, line in parsed.lines.items()}
        return self._key_lines

    def line(self, loc: tuple = ()) -> int:
        """The file line of a field path, falling back to its closest parent, then line 1."""
        loc = tuple(loc)
        while loc:
            if loc in self.key_lines:
                return self.key_lines[loc]
            loc = loc[:-1]
        return 1


def split(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, line of the first front-matter line) or None without a fence."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in (FENCE, "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), 2
    return None


def parse(text: str, rel: str) -> Document | Problem:
    """Parse the text of one content file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    parts = split(text)
    if parts is None:
        if text.startswith(FENCE):
            return Problem(rel, 1, "", "l'en-tête YAML n'est jamais refermé",
                           "ajoutez une ligne « --- » seule après le dernier champ de l'en-tête")
        return Problem(rel, 1, "", "le fichier ne commence pas par un en-tête YAML",
                       "la première ligne doit être « --- », suivie des champs puis d'une autre ligne « --- »")
    front, body, first = parts
    try:
        parsed = yamlio.load(front, first, lines=False)
    except yamlio.YamlProblem as exc:
        return Problem(rel, min(first + exc.line, first + front.count("\n")), "", exc.message, exc.hint)
    if not isinstance(parsed.data, dict):
        return Problem(rel, first, "", "l'en-tête YAML doit être une liste de champs « nom: valeur »",
                       "chaque ligne de l'en-tête a la forme « champ: valeur »")
    body_line = first + front.count("\n") + 2 + len(body) - len(body.lstrip("\n"))  # blank lines are dropped
    return Document(rel, parsed.data, body.strip("\n") + "\n" if body.strip() else "", body_line, front, first)


def _raw(path: Path, rel: str, limit: int) -> bytes | Problem:
    """A regular file's bytes, at most ``limit`` (a link, a pipe or a larger file is a problem, never read)."""
    try:
        size = path.lstat().st_size
        if size > limit:
            return Problem(rel, 0, "", f"fichier trop gros ({taille(size)} ; au plus {taille(limit)})",
                           "une fiche tient en quelques kilo-octets : retirez ce qui n'y a pas sa place (un "
                           "document se dépose dans content/ressources/fichiers/)")
        raw = tree.open_regular(path)
    except OSError as exc:
        return Problem(rel, 0, "", f"fichier illisible ({exc.strerror or exc})",
                       "vérifiez les droits de lecture du fichier ; un lien symbolique n'est jamais lu")
    if len(raw) > limit:  # grew since
        return Problem(rel, 0, "", f"fichier trop gros (au plus {taille(limit)})", "raccourcissez-le")
    return raw


def digest(raw: bytes) -> str:
    """A file's bytes hashed: what the parsed store (generator/content/parsed.py) and the page manifest key on."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def read_bytes(path: Path, rel: str) -> bytes | Problem:
    """A content file's bytes as :func:`read` takes them (a regular file, at most the size of a fiche)."""
    return _raw(path, rel, FICHE_OCTETS)


def read(path: Path, root: Path) -> Document | Problem:
    """Read one file from disk: undecodable or unreadable files are problems too."""
    rel = path.relative_to(root).as_posix()
    raw = _raw(path, rel, FICHE_OCTETS)
    if isinstance(raw, Problem):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(rel, line, "", "le fichier n'est pas encodé en UTF-8",
                       "enregistrez-le en UTF-8 (c'est le choix par défaut de l'éditeur en ligne)")
    if "\x00" in text:
        return Problem(rel, 1, "", "le fichier contient des caractères binaires",
                       "ce fichier n'est pas un texte Markdown : déplacez-le ou remplacez-le")
    doc = parse(text, rel)
    if isinstance(doc, Document):
        doc.digest = digest(raw)
        bad = control_at(doc.body)
        if bad is not None:
            offset, char = bad
            return Problem(rel, doc.body_line + doc.body.count("\n", 0, offset), "texte",
                           f"le texte contient un caractère de contrôle ({shown(char)})", CONTROL_HINT)
        if len(doc.body) > TEXTE_CARACTERES:
            return Problem(rel, doc.body_line, "texte", f"le texte est trop long ({len(doc.body):,} caractères ; "
                           f"au plus {TEXTE_CARACTERES:,})".replace(",", "\u202f"),
                           "gardez l'essentiel sur la fiche ; un document long se dépose dans "
                           "content/ressources/fichiers/ et la fiche y renvoie")
    return doc


#: characters refused in a text (fields and body), however written: C0 and C1 controls but tab and line break,
#: lone surrogates, Unicode line separators, bidirectional overrides, non-characters
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff\ufffe\uffff]")
CONTROL_HINT = ("retirez ce caractère invisible (souvent collé depuis un autre logiciel) ; écrit « \\0 » ou "
                "« \\x1b » entre guillemets dans l'en-tête, il est refusé aussi")


def control_at(text: str) -> tuple[int, str] | None:
    """The first refused character of a text and its position, or None (a carriage return is allowed in the
    body only as part of a Windows line end, already folded by :func:`parse`)."""
    found = CONTROL_CHARS.search(text)
    return (found.start(), found.group()) if found else None


def read_yaml_file(path: Path, root: Path) -> tuple[Any, dict[tuple, int]] | Problem:
    """Read a whole YAML file (reference lists): data and 1-based lines."""
    rel = path.relative_to(root).as_posix()
    raw = _raw(path, rel, REFERENTIEL_OCTETS)
    if isinstance(raw, Problem):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(rel, raw[: exc.start].count(b"\n") + 1, "", "le fichier n'est pas encodé en UTF-8",
                       "enregistrez-le en UTF-8")
    try:
        parsed = yamlio.load(text)
    except yamlio.YamlProblem as exc:
        return Problem(rel, exc.line + 1, "", exc.message, exc.hint)
    return parsed.data, {loc: line + 1 for loc, line in parsed.lines.items()}
