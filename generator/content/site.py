"""Load the whole content tree into a :class:`Site`, collecting every problem.

Layout (one fiche per file, file name = slug):

    content/maisons/<département>/<slug>.md
    content/ressources/<slug>.md      (+ content/ressources/fichiers/ for downloads)
    content/projets/<slug>.md
    content/referentiels/{operateurs,themes,equipements,activites,publics}.yml
    content/referentiels/relecteurs.yml  (optional: reviewers, for msap codeowners and msap stale)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from markupsafe import Markup
from pydantic import BaseModel

from .. import parallele, tree
from ..diagnostics import Problem, Report
from .reader import Document, read, read_yaml_file
from ..schema import KINDS, LISTS, Publics, Relecteurs
from ..schema.fields import SLUG_RE
from .validation import scan, validate


@dataclass
class Fiche:
    """One validated content file of any kind."""

    kind: str
    slug: str
    doc: Document
    data: Any  # the pydantic model instance

    @property
    def path(self) -> str:
        return self.doc.path

    @property
    def body(self) -> str:
        return self.doc.body

    @property
    def texte(self) -> Markup:
        """The body as the portal publishes it: Markdown made safe HTML (generator/content/sanitiser.py)."""
        if self.doc.body_html is None:
            _render_body(self.doc)
        return Markup(self.doc.body_html)

    @property
    def body_problems(self) -> list[tuple[int, str, str]]:
        """What the portal will remove from the body: (line in the body from 0, « html » or « lien », what)."""
        if self.doc.body_problems is None:
            _render_body(self.doc)
        return self.doc.body_problems or []

    def line(self, *loc: Any) -> int:
        return self.doc.line(tuple(loc))


@dataclass
class Referentiels:
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> id -> entry
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> id -> line
    publics: Publics | None = None
    relecteurs: Relecteurs | None = None  # content/referentiels/relecteurs.yml, when present

    def ids(self, name: str) -> dict[str, Any]:
        return self.lists.get(name, {})


@dataclass
class Site:
    root: Path
    content: Path  # the content folder (config: content_dir)
    maisons: list[Fiche] = field(default_factory=list)
    ressources: list[Fiche] = field(default_factory=list)
    projets: list[Fiche] = field(default_factory=list)
    referentiels: Referentiels = field(default_factory=Referentiels)
    invalid: list[Fiche] = field(default_factory=list)  # readable but refused by the schema (data is None)
    files_read: int = 0
    files: set[Path] = field(default_factory=set)  # every regular file of the content folder (tree.walk)

    def has_file(self, path: Path) -> bool:
        """Whether ``path`` is a regular file of the content tree (a link or a pipe is not, whatever it points to)."""
        return path in self.files

    def of_kind(self, kind: str) -> list[Fiche]:
        return getattr(self, kind)


def load_site(root: Path, content_dir: str, report: Report, started: Callable[[], None] | None = None) -> Site:
    """Every fiche and reference list; ``started()`` is called once the fiches are being parsed (by other
    processes for a large tree: the caller's own work can begin then, it no longer delays them).

    The content folder is walked without following links (:mod:`generator.tree`): a link, a pipe or a device
    is a problem, never read."""
    content = root / content_dir
    site = Site(root, content)
    walked = tree.walk(content, root, report)
    if not content.is_dir() or content in walked.refused:
        if content not in walked.refused:
            report.add(content_dir, 0, "", "le dossier du contenu est introuvable",
                       "lancez la commande depuis la racine du projet, ou indiquez-la avec --root")
        return site
    site.files = set(walked.files)
    site.referentiels = load_referentiels(root, content / "referentiels", report, site.files)
    todo, strays = [], []
    for path in walked.files:
        parts = path.relative_to(content).parts
        if path.suffix != ".md" or len(parts) < 2:
            continue
        for kind, (_model, folder, nested) in KINDS.items():
            if parts[0] != folder:
                continue
            if len(parts) == (3 if nested else 2):
                todo.append((kind, path))
            elif parts[1] != "fichiers" and len(parts) == (2 if nested else 3):
                strays.append((folder, nested, path))
    for (kind, path), doc in zip(todo, read_all([path for _kind, path in todo], root, started)):
        site.files_read += 1
        fiche = load_fiche(kind, KINDS[kind][0], path, root, report, doc)
        if fiche is not None:
            (site.of_kind(kind) if fiche.data is not None else site.invalid).append(fiche)
    for folder, nested, stray in strays:
        rel = stray.relative_to(root).as_posix()
        where = "un sous-dossier par département" if nested else "directement dans le dossier"
        report.add(rel, 0, "", "fichier mal rangé : il ne sera pas publié",
                   f"les fiches de content/{folder}/ vont dans {where}")
    return site


def read_all(paths: list[Path], root: Path,
             started: Callable[[], None] | None = None) -> Iterator[Document | Problem]:
    """Parse the files, over worker processes for a large tree (YAML parsing is most of a full read); a file
    whose bytes are those of an earlier run is taken from the store of :mod:`.parsed` instead.

    The children send back plain documents (dicts and strings, cheap to pickle), in order and by chunks, so
    that the caller validates the first ones while the others are parsed; pydantic models are slower to ship
    than to build. ``started()``: called once the parsing has begun.
    """
    from .parsed import Store

    store = Store.load()
    known = [store.get(path, root) for path in paths]
    todo = [path for path, doc in zip(paths, known) if doc is None]
    count = parallele.jobs()
    workers = parallele.Workers(count, len(todo), PARALLEL_FROM, before_start=started)
    with workers:
        if not workers.parallel:
            fresh: Iterator[Document | Problem] = (_render_body(read(path, root)) for path in todo)
        else:
            step = -(-len(todo) // (count * 4))
            chunks = [(todo[i:i + step], root) for i in range(0, len(todo), step)]
            fresh = (doc for part in workers.imap(_read_chunk, chunks) for doc in part)
        for index, doc in enumerate(known):
            if doc is None:
                doc = next(fresh)
                if isinstance(doc, Document):
                    store.put(doc)
            if index == len(known) - 1:  # saved before the last one: a caller zipping stops without asking more
                store.keep_only({path.relative_to(root).as_posix() for path in paths})
                store.save()
            yield doc


#: fewer files than this are parsed in this process (starting the workers would cost more than it saves)
PARALLEL_FROM = 500


def _read_chunk(chunk: tuple[list[Path], Path]) -> list[Document | Problem]:
    """Parse files, their bodies rendered too (the build needs it and the checks look at it: done here, it is
    done once, and beside the main process)."""
    paths, root = chunk
    return [_render_body(read(path, root)) for path in paths]


def _render_body(doc: Document | Problem) -> Document | Problem:
    if isinstance(doc, Document):
        from . import sanitiser as markdown

        doc.body_html, doc.body_problems = markdown.render(doc.body), markdown.problems(doc.body)
        scan(doc)
    return doc


def load_fiche(kind: str, model: type[BaseModel], path: Path, root: Path, report: Report,
               doc: Document | Problem | None = None) -> Fiche | None:
    """A valid fiche; a fiche with ``data=None`` if the schema refused it; None if unreadable."""
    doc = read(path, root) if doc is None else doc
    if isinstance(doc, Problem):
        report.extend([doc])
        return None
    slug = path.stem
    ok = True
    if not SLUG_RE.match(slug):
        report.add(doc.path, 1, "", f"le nom de fichier « {path.name} » n'est pas valide",
                   "minuscules sans accents, chiffres et tirets, terminé par « .md », par exemple « gueret.md »")
        ok = False
    data, problems = validate(model, doc.meta, doc.path, doc.line, scan(doc)[0])
    report.extend(problems)
    return Fiche(kind, slug, doc, data if ok else None)


def load_referentiels(root: Path, folder: Path, report: Report, files: set[Path] | None = None) -> Referentiels:
    """The reference lists; ``files``: the regular files of the tree (a list that is a link is left unread:
    the walk reported it)."""
    refs = Referentiels()
    present = (lambda path: path in files) if files is not None else (lambda path: path.is_file())
    for name, model in LISTS.items():
        path = folder / f"{name}.yml"
        rel = path.relative_to(root).as_posix()
        if not present(path):
            if os.path.lexists(path):
                continue
            report.add(rel, 0, "", "liste de référence manquante", f"créez {rel} (une liste d'entrées « id » et « nom »)")
            continue
        loaded = read_yaml_file(path, root)
        if isinstance(loaded, Problem):
            report.extend([loaded])
            continue
        data, lines = loaded
        if not isinstance(data, list):
            report.add(rel, 1, "", "la liste de référence doit être une liste", "chaque entrée commence par « - id: … »")
            continue
        entries, entry_lines = {}, {}
        for i, item in enumerate(data):
            entry, problems = validate(model, item if isinstance(item, dict) else {"id": item}, rel,
                                       lambda loc, i=i: lines.get((i,) + tuple(loc), lines.get((i,), 1)))
            report.extend(problems)
            if entry is None:
                continue
            if entry.id in entries:
                report.add(rel, lines.get((i,), 1), "id", f"l'identifiant « {entry.id} » est en double",
                           f"il apparaît déjà à la ligne {entry_lines[entry.id]}")
                continue
            entries[entry.id], entry_lines[entry.id] = entry, lines.get((i,), 1)
        refs.lists[name], refs.lines[name] = entries, entry_lines
    refs.publics = load_document(folder / "publics.yml", root, Publics, report, present)
    refs.relecteurs = load_document(folder / "relecteurs.yml", root, Relecteurs, report, present)
    return refs


def load_document(path: Path, root: Path, model: type[BaseModel], report: Report,
                  present: Callable[[Path], bool] = Path.is_file) -> Any:
    """A reference file holding one document (not a list): the model, or None if absent or refused."""
    if not present(path):
        return None
    loaded = read_yaml_file(path, root)
    if isinstance(loaded, Problem):
        report.extend([loaded])
        return None
    data, lines = loaded

    def line_of(loc: tuple) -> int:  # the line of the field, else of the closest enclosing one
        loc = tuple(loc)
        while loc and loc not in lines:
            loc = loc[:-1]
        return lines.get(loc, 1)

    value, problems = validate(model, data if isinstance(data, dict) else {}, path.relative_to(root).as_posix(),
                               line_of)
    report.extend(problems)
    return value
