"""`msap review BASE [HEAD]`: what a contribution changes, in French, readable in 30 seconds.

The two revisions are compared from where the proposed branch left the base one
(like ``git diff BASE...HEAD``: what the contribution brings, not what the base
branch gained since). Each changed fiche gets short lines (« mardi : 09:00-12:00
→ 09:00-12:30 », « repère déplacé de 3,2 km », « opérateur CAF retiré »), each new
link of a text its target, raw HTML a warning. The content of the proposed
revision is then checked in a temporary folder (the working tree is never
touched) with the project's own checks: the problems of the changed files, and
new problems the change causes elsewhere (a removed Maison still named by a
project), are listed. Exit 1 when they include an error.
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..content import yamlio
from ..content.checks import check_site
from ..content.site import Site, load_site
from ..diagnostics import Problem, Report, Severity
from ..content.geo import Geo
from ..content.reader import Document, parse
from ..schema import KINDS, LISTS, Publics
from .body import body_lines
from .diff import Labels, diff_field, diff_model, md
from .gitrev import Change, GitError, Repo
from ..tree import LINK_HINT, bad_name
from .summary import Entry, render

TITLE_FIELDS = ("nom", "titre")


@dataclass
class Review:
    base: str  # as given on the command line
    head: str
    base_id: str  # full commit ids (the base one: where the proposed branch left it)
    head_id: str
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the changed files, at the proposed revision
    elsewhere: list[Problem] = field(default_factory=list)  # new at the proposed revision, in unchanged files
    short: tuple[str, str] = ("", "")  # abbreviated ids, for the summary
    checked: bool = False  # whether the content was checked (only when the change touches it)

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems + self.elsewhere)


def cmd_review(root: Path, config, args) -> int:
    try:
        review = compare(root, config, args.base, args.head)
    except GitError as exc:
        print(f"msap review : {exc}", file=sys.stderr)
        return 2
    text = render(review)
    print(text, end="")
    if args.sortie:
        try:
            args.sortie.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"msap review : impossible d'écrire {args.sortie} ({exc.strerror}) — Indice : vérifiez que "
                  "le dossier existe et qu'il est accessible en écriture", file=sys.stderr)
            return 2
    return 1 if review.failed else 0


def compare(root: Path, config, base: str, head: str) -> Review:
    repo = Repo(root)
    review = Review(base, head, repo.resolve(base, "de départ"), repo.resolve(head, "proposée"))
    since = review.base_id = repo.merge_base(review.base_id, review.head_id)
    review.short = (repo.describe(since), repo.describe(review.head_id))
    changes = repo.changes(since, review.head_id)
    content = config.content_dir.strip("/")
    refused = _refused(repo, review.head_id, changes)
    review.problems += list(refused.values())
    if not any(classify(c.path, content) != "hors" or (c.old_path and classify(c.old_path, content) != "hors")
               for c in changes):
        review.entries = [_flagged(Entry("hors", c, title=c.path), refused) for c in changes]
        return review
    review.checked = True
    geo = Geo(root / config.geo_dir)
    if not (geo.folder / "communes.csv").is_file():
        raise GitError(f"les données géographiques sont introuvables dans {geo.folder}",
                       "lancez la commande depuis la racine du projet, ou indiquez-la avec --root")
    with tempfile.TemporaryDirectory(prefix="msap-review-") as tmp:
        head_site, head_report = _check(repo, review.head_id, Path(tmp) / "proposee", content, geo, config)
        base_site, base_report = _check(repo, since, Path(tmp) / "depart", content, geo, config)
    labels = _labels(base_site, head_site)
    texts = [c for c in changes if classify(c.path, content) in (*KINDS, "referentiels")]  # no downloads
    old = repo.read(since, [c.base_path for c in texts if c.base_path])
    new = repo.read(review.head_id, [c.head_path for c in texts if c.head_path])
    for change in _pair_by_id(changes, old, new, content):
        category = classify(change.head_path or change.base_path, content)
        before = old.get(change.base_path) if change.base_path else None
        after = new.get(change.head_path) if change.head_path else None
        entry = _flagged(Entry(category, change, title=Path(change.path).stem), refused)
        if change.path in refused:
            pass  # never read: a link's « content » is where it points
        elif category in KINDS:
            _fiche(entry, KINDS[category][0], before, after, labels)
        elif category == "referentiels":
            _referentiel(entry, before, after, labels)
        review.entries.append(entry)
    touched = {c.head_path for c in changes if c.head_path}
    known = {_key(p) for p in base_report.problems}
    for problem in head_report.sorted():
        if problem.file in refused:  # said already, from Git's own record of the file
            continue
        if problem.file in touched:
            review.problems.append(problem)
        elif _key(problem) not in known:
            review.elsewhere.append(problem)
    return review


def _refused(repo: Repo, head: str, changes: list[Change]) -> dict[str, Problem]:
    """The proposed files the portal will not read, anywhere in the repository: symbolic links (Git records
    them as such, whatever the checkout makes of them) and names holding a control character."""
    links = [c.path for c in changes if c.special == "lien symbolique"]
    targets = repo.read(head, links)
    out: dict[str, Problem] = {}
    for change in changes:
        if change.status == "D":
            continue
        if change.path in targets:
            target = (targets[change.path] or b"?").decode("utf-8", errors="replace")
            out[change.path] = Problem(change.path, 0, "", f"lien symbolique vers « {target} » : il n'est ni "
                                       "lu ni publié", LINK_HINT)
        elif bad_name(change.path):
            out[change.path] = Problem(change.path, 0, "", "le nom du fichier contient un caractère de contrôle "
                                       "(retour à la ligne, tabulation…)", "renommez-le avec des lettres, "
                                       "chiffres et tirets")
    return out


def _flagged(entry: Entry, refused: dict[str, Problem]) -> Entry:
    problem = refused.get(entry.change.path)
    if problem is not None and entry.change.status != "D":
        entry.lines.append(f"refusé : {md(problem.message)}")
    return entry


def _maison_id(raw: bytes | None) -> str | None:
    doc = parse(_text(raw) or "", "")
    ident = doc.meta.get("id") if isinstance(doc, Document) else None
    return str(ident) if ident is not None else None


def _pair_by_id(changes: list[Change], old: dict, new: dict, content: str) -> list[Change]:
    """Renames of fiches Maison by their « id », not by resemblance: fiches made from one model look alike.

    Git pairs a deleted file with a similar added one; two different Maisons often are. A pair whose ids
    differ is split back into a removal and an addition, and a removal and an addition of the same id
    (edited beyond Git's resemblance) become a rename.
    """
    out: list[Change] = []
    for change in changes:
        if change.status == "R" and classify(change.path, content) == "maisons":
            before, after = _maison_id(old.get(change.old_path)), _maison_id(new.get(change.path))
            if before and after and before != after:
                out += [Change("D", change.old_path), Change("A", change.path, mode=change.mode)]
                continue
        out.append(change)
    removed = {_maison_id(old.get(c.path)): c for c in out
               if c.status == "D" and classify(c.path, content) == "maisons"}
    removed.pop(None, None)
    matched, result = set(), []
    for change in out:
        if change.status == "A" and classify(change.path, content) == "maisons":
            gone = removed.pop(_maison_id(new.get(change.path)) or "", None)
            if gone is not None:
                matched.add(gone)
                change = Change("R", change.path, gone.path, change.mode)
        result.append(change)
    return [c for c in result if c not in matched]


def _check(repo: Repo, commit: str, dest: Path, content: str, geo: Geo, config) -> tuple[Site, Report]:
    repo.extract(commit, content, dest)
    report = Report()
    site = load_site(dest, content, report)
    check_site(site, geo, report, config.distance_max_km)
    return site, report


def _key(problem: Problem) -> tuple:
    """A problem regardless of its line (unchanged lines move when others are added above them)."""
    return problem.file, problem.field, problem.message, problem.severity


def _labels(*sites: Site) -> Labels:
    """Labels of identifiers, those of the proposed revision winning (removed ones kept from the base)."""
    labels = Labels()
    for site in sites:
        for name in LISTS:
            target = labels.refs.setdefault(name, {})
            for ident, entry in site.referentiels.ids(name).items():
                target[ident] = getattr(entry, "nom_court", None) or entry.nom
        labels.refs.setdefault("maisons", {}).update({m.data.id: m.data.nom for m in site.maisons})
    return labels


def classify(path: str, content: str) -> str:
    """maisons, ressources, projets, referentiels, fichiers (downloads), contenu (other) or hors (outside)."""
    if not path.startswith(content + "/"):
        return "hors"
    parts = path[len(content) + 1:].split("/")
    if parts[0] == "referentiels" and len(parts) == 2:
        return "referentiels"
    if parts[:2] == ["ressources", "fichiers"]:
        return "fichiers"
    for kind, (_model, folder, _nested) in KINDS.items():
        if parts[0] == folder and path.endswith(".md"):
            return kind
    return "contenu"


def _text(raw: bytes | None) -> str | None:
    try:
        return None if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _side(raw: bytes | None, path: str | None, where: str, entry: Entry) -> Document | None:
    if raw is None:
        return None
    text = _text(raw)
    if text is None:
        entry.lines.append(f"fichier illisible à la révision {where} : il n'est pas encodé en UTF-8")
        return None
    doc = parse(text, path or "")
    if isinstance(doc, Problem):
        entry.lines.append(f"en-tête illisible à la révision {where} (ligne {doc.line} : {md(doc.message)})")
        return None
    return doc


def _values(model: type[BaseModel], docs: list[Document | None]) -> list[dict[str, Any]]:
    """Validated values when every side is valid (defaults filled in, text trimmed), else the raw ones."""
    try:
        return [model.model_validate(d.meta).model_dump() if d else {} for d in docs]
    except (ValidationError, TypeError):
        return [d.meta if d else {} for d in docs]


def _fiche(entry: Entry, model: type[BaseModel], before: bytes | None, after: bytes | None, labels: Labels) -> None:
    old = _side(before, entry.change.base_path, "de départ", entry)
    new = _side(after, entry.change.head_path, "proposée", entry)
    for doc in (new, old):
        title = doc.meta.get(_title_field(model)) if doc else None
        if isinstance(title, str) and title.strip():
            entry.title = title
            break
    if entry.change.status == "D":
        return
    if entry.change.status == "A":
        entry.lines += body_lines(None, new.body, added=True) if new else []
        return
    if old is None or new is None:
        return
    old_values, new_values = _values(model, [old, new])
    entry.lines += diff_model(model, old_values, new_values, labels)
    entry.lines += body_lines(old.body, new.body)


def _title_field(model: type[BaseModel]) -> str:
    return next((f for f in TITLE_FIELDS if f in model.model_fields), "nom")


def _referentiel(entry: Entry, before: bytes | None, after: bytes | None, labels: Labels) -> None:
    name = Path(entry.change.path).stem
    model = LISTS.get(name)
    entry.title = name
    sides = []
    for raw, where in ((before, "de départ"), (after, "proposée")):
        text = _text(raw)
        try:
            sides.append(yamlio.load(text, lines=False).data if text is not None else None)
        except yamlio.YamlProblem as exc:
            entry.lines.append(f"fichier illisible à la révision {where} (ligne {exc.line + 1} : {md(exc.message)})")
            return
    if entry.change.status in "AD":
        return
    if model is not None:
        entry.lines += diff_field(name, FieldInfo.from_annotation(list[model]), *sides, labels, "")
    elif name == "publics":
        entry.lines += diff_model(Publics, *sides, labels)
    elif isinstance(sides[0], dict) and isinstance(sides[1], dict):  # a list the model does not know yet
        entry.lines += diff_model(None, *sides, labels)
    elif sides[0] != sides[1]:
        entry.lines.append("contenu modifié")
