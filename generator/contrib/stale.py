"""`msap stale`: the fiches Maison to verify again, as Markdown a scheduled job posts as an issue.

A fiche is due when its last verification (``verifie_le``) is older than N
months, or when it was never verified (no ``verifie_le``: every fiche imported
from the national list starts so). Due fiches are grouped by département, each
with its reviewers and, per fiche, its referents to @-mention.

The first line is the title (« # … »), the rest the body. A forge issue holds at
most 65 536 characters: past :data:`LIMIT`, the never-verified fiches, then all
fiches, are counted per département instead of listed, unless ``--complet``.
"""
from __future__ import annotations

import calendar
import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.site import Fiche, load_site
from ..diagnostics import Report, plural, shown
from ..content.geo import Geo, fold

LIMIT = 60_000  # characters; a GitHub issue body holds 65 536


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day N months earlier (the last day of a shorter month): 31 March - 1 month = 28/29 February."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class Group:
    code: str
    nom: str
    relecteurs: list[str]
    old: list[Fiche] = field(default_factory=list)  # verified before the cut-off, oldest first
    never: list[Fiche] = field(default_factory=list)  # never verified, by name

    @property
    def count(self) -> int:
        return len(self.old) + len(self.never)


@dataclass
class Stale:
    today: dt.date
    months: int
    cutoff: dt.date
    total: int
    groups: list[Group]

    @property
    def old(self) -> int:
        return sum(len(g.old) for g in self.groups)

    @property
    def never(self) -> int:
        return sum(len(g.never) for g in self.groups)


def collect(maisons: list[Fiche], months: int, today: dt.date, names: dict[str, str],
            relecteurs: Any = None) -> Stale:
    cutoff = months_before(today, months)
    groups: dict[str, Group] = {}
    for fiche in maisons:
        d = fiche.data
        if d.verifie_le is not None and d.verifie_le >= cutoff:
            continue
        group = groups.get(d.departement)
        if group is None:
            reviewers = relecteurs.departements.get(d.departement, []) if relecteurs else []
            group = groups[d.departement] = Group(d.departement, names.get(d.departement, d.departement), reviewers)
        (group.never if d.verifie_le is None else group.old).append(fiche)
    for group in groups.values():
        group.old.sort(key=lambda f: (f.data.verifie_le, fold(f.data.nom), f.path))
        group.never.sort(key=lambda f: (fold(f.data.nom), f.path))
    return Stale(today, months, cutoff, len(maisons), [groups[code] for code in sorted(groups)])


def _date(value: dt.date) -> str:
    from ..formats import date_fr
    return date_fr(value)


def _at(handles: list[str]) -> str:
    return " ".join(f"@{h}" for h in dict.fromkeys(handles))


def fiche_url(config: Any, path: str) -> str:
    """Where the fiche's file is on the forge, to read and edit it; its path when the forge is unknown."""
    if config.cms_backend == "github":
        return f"https://github.com/{config.cms_depot}/blob/{config.cms_branche}/{path}"
    if config.cms_backend == "gitlab":
        return f"https://gitlab.com/{config.cms_depot}/-/blob/{config.cms_branche}/{path}"
    return path


def render(stale: Stale, config: Any, detail: int = 2) -> str:
    """Markdown; ``detail`` 2 lists every fiche, 1 counts the never-verified ones, 0 counts them all."""
    n = stale.old + stale.never
    if not n:
        title = f"# Fiches Maison à revérifier : aucune (toutes vérifiées depuis moins de {stale.months} mois)"
    else:
        title = f"# Fiches Maison à revérifier : {plural(n, 'fiche')} sur {_nombre(stale.total)}"
    out = [title, "",
           f"Relevé du {_date(stale.today)} (`msap stale --months {stale.months}`). Une fiche est à revérifier "
           f"quand sa dernière vérification (« verifie_le ») date d'avant le {_date(stale.cutoff)}, ou quand elle "
           "n'a jamais été vérifiée (pas de « verifie_le », comme les fiches importées de la liste nationale).",
           "",
           f"- vérifiées il y a plus de {stale.months} mois : {_nombre(stale.old)}",
           f"- jamais vérifiées : {_nombre(stale.never)}",
           f"- départements concernés : {_nombre(len(stale.groups))}"]
    if not n:
        return "\n".join(out) + "\n"
    out += ["", "Pour revérifier une fiche : relisez-la avec la Maison, corrigez ce qui a changé et mettez la date "
                "du jour dans « verifie_le »."]
    if detail < 2:
        out += ["", "Liste abrégée pour tenir dans un ticket : "
                    f"`msap stale --months {stale.months} --complet` donne chaque fiche."]
    for group in stale.groups:
        out += ["", f"## {group.nom} ({group.code}) : {plural(group.count, 'fiche')}", ""]
        if group.relecteurs:
            out += [f"Relecteurs du département : {_at(group.relecteurs)}", ""]
        if detail == 0 and group.old:
            out.append(f"- {plural(len(group.old), 'fiche vérifiée', 'fiches vérifiées')} il y a plus de "
                       f"{stale.months} mois (la plus ancienne le {_date(group.old[0].data.verifie_le)})"
                       + _mentions(group.old))
        else:
            out += [_line(f, config, f"vérifiée le {_date(f.data.verifie_le)}") for f in group.old]
        if detail < 2 and group.never:
            out.append(f"- {plural(len(group.never), 'fiche jamais vérifiée', 'fiches jamais vérifiées')}"
                       + _mentions(group.never))
        else:
            out += [_line(f, config, "jamais vérifiée") for f in group.never]
    return "\n".join(out) + "\n"


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _line(fiche: Fiche, config: Any, when: str) -> str:
    return f"- [{_md(fiche.data.nom)}]({fiche_url(config, fiche.path)}) : {when}" + _mentions([fiche])


def _mentions(fiches: list[Fiche]) -> str:
    handles = [h for f in fiches for h in f.data.referents]
    return f" ; référents : {_at(handles)}" if handles else ""


def _md(text: str) -> str:
    """A name as link text, on one line: brackets and the like would break the Markdown."""
    text = shown(" ".join(text.split()))
    for char in "\\[]*_`<>":
        text = text.replace(char, "\\" + char)
    return text


def fitting(stale: Stale, config: Any, limit: int = LIMIT) -> str:
    """The most detailed report that fits in an issue; cut between départements if even counts do not."""
    for detail in (2, 1, 0):
        text = render(stale, config, detail)
        if len(text) <= limit:
            return text
    note = "\n(liste coupée pour tenir dans un ticket : `msap stale --complet` donne la suite)\n"
    cut = text.rfind("\n## ", 0, limit - len(note))
    cut = cut if cut > 0 else text.rfind("\n", 0, limit - len(note))
    return text[:cut] + "\n" + note


def cmd_stale(root: Path, config: Any, args: Any) -> int:
    months = args.months
    if months < 1:
        print(f"msap stale : --months {months} n'est pas une durée possible — Indice : un nombre de mois, au moins "
              "1 (par exemple --months 12)", file=sys.stderr)
        return 2
    report = Report()
    site = load_site(root, config.content_dir, report)
    if not site.content.is_dir():
        print(f"msap stale : {report.render()}", file=sys.stderr)
        return 2
    try:
        names = {code: d.nom for code, d in Geo(root / config.geo_dir).departements.items()}
    except (OSError, ValueError):  # without the geography, départements are shown by their code
        names = {}
    stale = collect(site.maisons, months, dt.date.today(), names, site.referentiels.relecteurs)
    print(render(stale, config) if getattr(args, "complet", False) else fitting(stale, config), end="")
    refused = [f for f in site.invalid if f.kind == "maisons"]
    if refused:
        print(f"msap stale : {plural(len(refused), 'fiche')} Maison refusée(s) par le modèle, non comptée(s) — "
              "Indice : lancez « msap check » pour les corriger", file=sys.stderr)
    return 0
