"""The review summary in Markdown: a one-line verdict, then one section per kind of file, then the checks.

It is read in a terminal, in a GitHub job summary, in a pull-request comment or
a GitLab merge-request note: plain lists, no table, every contributed value
escaped (see :func:`generator.contrib.diff.md`) so that a fiche cannot inject
links, images or mentions into the comment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..diagnostics import Problem, Severity, plural
from .body import code
from .diff import md
from .gitrev import Change

if TYPE_CHECKING:
    from .review import Review

SECTIONS = {  # category -> (title, noun of one file when it has no title of its own, feminine?)
    "maisons": ("Fiches Maison", "fiche", True),
    "ressources": ("Ressources", "ressource", True),
    "projets": ("Projets", "fiche projet", True),
    "referentiels": ("Référentiels", "liste", True),
    "fichiers": ("Fichiers à télécharger", "fichier", False),
    "contenu": ("Autres fichiers du contenu", "fichier", False),
    "hors": ("Hors du contenu (code, modèles, configuration)", "fichier", False),
}
FICHES = ("maisons", "ressources", "projets")
STATUS = {"A": "ajouté", "D": "supprimé", "M": "modifié", "T": "modifié", "R": "renommé"}
MAX_OTHERS = 20  # files listed in a section without titles; the rest are counted
MAX_FICHES = 50  # fiches detailed in a section, problems listed: a pull-request comment holds 65 536 characters
BUDGET = 45_000  # characters of changes; the checks (at most MAX_FICHES problems) fit in the rest


@dataclass
class Entry:
    """One changed file and the lines that say how."""

    category: str
    change: Change
    title: str
    lines: list[str] = field(default_factory=list)

    def status(self, feminine: bool = True) -> str:
        word = STATUS.get(self.change.status, "modifié")
        old = self.change.old_path
        if self.change.status == "R" and old and PurePosixPath(old).name == PurePosixPath(self.change.path).name:
            word = "déplacé"
        return word + ("e" if feminine else "")


def render(review: Review) -> str:
    out = [verdict(review), ""]
    base_short, head_short = review.short
    if base_short:
        out += [f"Modifications de {code(review.head)} ({head_short}) depuis {code(review.base)} ({base_short}).", ""]
    used = 0
    for category, (title, _noun, feminine) in SECTIONS.items():
        entries = sorted((e for e in review.entries if e.category == category), key=lambda e: e.change.path)
        if not entries:
            continue
        out += [f"### {title}", ""]
        titled = category in FICHES or category == "referentiels"
        limit = MAX_FICHES if titled else MAX_OTHERS
        shown = 0
        for entry in entries[:limit]:
            lines = _entry(entry, titled, feminine)
            used += sum(len(line) + 1 for line in lines)
            if used > BUDGET:
                break
            out += lines
            shown += 1
        if len(entries) > shown:
            out.append(f"- … et {len(entries) - shown} autres (liste complète : « msap review » sur un clone)")
        out.append("")
    if review.checked:
        out += _checks(review)
    return "\n".join(out).rstrip("\n") + "\n"


def verdict(review: Review) -> str:
    """« ✅ 2 fiches modifiées, 1 ajoutée, 0 erreur, 0 avertissement »."""
    problems = review.problems + review.elsewhere
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    fiches = [e for e in review.entries if e.category in FICHES]
    counts: dict[str, int] = {}
    for entry in fiches:
        counts[entry.status()] = counts.get(entry.status(), 0) + 1
    parts = []
    for word in ("modifiée", "ajoutée", "supprimée", "renommée", "déplacée"):
        n = counts.get(word, 0)
        if n:
            noun = "" if parts else ("fiches " if n > 1 else "fiche ")
            parts.append(f"{n} {noun}{word}{'s' if n > 1 else ''}")
    others = len(review.entries) - len(fiches)
    if not parts:
        parts.append("aucune fiche modifiée" if others else "aucune modification")
    if others:
        parts.append(plural(others, "autre fichier", "autres fichiers"))
    parts += [plural(errors, "erreur"), plural(warnings, "avertissement")]
    mark = "❌" if errors else "⚠️" if warnings else "✅"
    text = ", ".join(parts)
    return f"{mark} {text[0].upper()}{text[1:]}"


def _entry(entry: Entry, titled: bool, feminine: bool) -> list[str]:
    change = entry.change
    where = code(change.path)
    status = entry.status(feminine)
    if change.status == "R":
        status += f" (avant : {code(change.old_path or '')})"
    head = f"- **{md(entry.title)}** ({where}) : {status}" if titled else f"- {where} : {status}"
    return [head] + [f"  - {line}" for line in entry.lines]


def _problem(problem: Problem) -> str:
    mark = "❌" if problem.severity is Severity.ERROR else "⚠️"
    return f"- {mark} {md(problem.text())}"


def _checks(review: Review) -> list[str]:
    out = ["### Vérifications du contenu proposé", ""]
    if review.problems:
        out += _problems(review.problems)
    else:
        out.append("Aucun problème dans les fichiers modifiés.")
    if review.elsewhere:
        out += ["", "Nouveaux problèmes dans des fichiers non modifiés (conséquences de ces modifications) :", ""]
        out += _problems(review.elsewhere)
    return out + [""]


def _problems(problems: list[Problem]) -> list[str]:
    out = [_problem(p) for p in problems[:MAX_FICHES]]
    if len(problems) > MAX_FICHES:
        out.append(f"- … et {len(problems) - MAX_FICHES} autres (liste complète : « msap check »)")
    return out
