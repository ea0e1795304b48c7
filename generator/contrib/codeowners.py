"""`msap codeowners`: who reviews which fiche, written to CODEOWNERS for GitHub and GitLab.

Both forges read ``CODEOWNERS`` at the repository root and, for each changed
file, ask for the review of the owners on the *last* line that matches it. The
file is generated, in a fixed order, from two sources:

- ``content/referentiels/relecteurs.yml``: the national reviewers (everything)
  and the reviewers of each département (its folder of fiches);
- the ``referents`` of each fiche Maison (that fiche, with its département's
  reviewers, or the national ones when the département has none).

``--check`` compares instead of writing: the merge-request pipeline fails while
the committed file is stale.
"""
from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..content.site import load_site
from ..diagnostics import Problem, Report, plural
from ..content.geo import Geo
from ..schema.fields import Identifiant
from ..diagnostics import CommandError

CODEOWNERS = "CODEOWNERS"
RELECTEURS = "referentiels/relecteurs.yml"  # under the content folder
HINT = "lancez « msap codeowners »"


@dataclass
class Routing:
    """What CODEOWNERS says, before it is written out."""

    content_dir: str
    relecteurs: str  # path of the reviewers file, relative to the root
    national: list[str]
    departements: dict[str, list[str]]  # code -> reviewers, in code order
    fiches: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (path, département, referents)

    def owners_of(self, departement: str, referents: list[str]) -> list[str]:
        return _unique(referents + (self.departements.get(departement) or self.national))


def _unique(handles: list[str]) -> list[str]:
    return list(dict.fromkeys(handles))


def _at(handles: list[str]) -> str:
    return " ".join(f"@{h}" for h in handles)


def render(routing: Routing) -> str:
    """The CODEOWNERS text: header, everything, each département's folder, each fiche with referents."""
    maisons = f"/{routing.content_dir}/maisons"
    lines = [
        "# Qui relit quoi : la forge (GitHub, GitLab) demande la relecture des comptes listés ici.",
        "# Fichier généré par « msap codeowners » : ne le modifiez pas à la main, il serait réécrit.",
        f"# Sources : {routing.relecteurs} et le champ « referents » des fiches Maison.",
        "# Après les avoir modifiés, relancez « msap codeowners » ; « msap codeowners --check » vérifie",
        "# que ce fichier est à jour. Pour un fichier du dépôt, la dernière ligne qui lui correspond l'emporte.",
        "",
        "# Tout le dépôt, et les fiches des départements sans relecteurs : relecteurs nationaux",
        f"* {_at(routing.national)}",
        "",
        "# Fiches Maison de chaque département : relecteurs du département",
    ]
    lines += [f"{maisons}/{code}/ {_at(handles)}" for code, handles in routing.departements.items()]
    lines += ["", "# Fiches Maison qui ont des référents : les référents, puis les relecteurs du département"]
    if not routing.fiches:
        lines.append("# (aucune fiche n'a encore de référents)")
    lines += [f"/{path} {_at(routing.owners_of(dep, referents))}" for path, dep, referents in routing.fiches]
    return "\n".join(lines) + "\n"


class RoutingError(CommandError):
    """The routing could not be computed: ``problems`` in the content, else the message says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


def load_routing(root: Path, config: Any) -> Routing:
    report = Report()
    site = load_site(root, config.content_dir, report)
    relecteurs_rel = (Path(config.content_dir) / RELECTEURS).as_posix()
    if not site.content.is_dir():
        raise RoutingError(report.render())  # indice : chaque problème du rapport a le sien
    problems = [p for p in report.errors if p.file == relecteurs_rel or p.field.split(".")[0] == "referents"]
    relecteurs = site.referentiels.relecteurs
    if relecteurs is None and not problems:
        raise RoutingError(f"{relecteurs_rel} est introuvable : CODEOWNERS a besoin au moins des relecteurs "
                           "nationaux — Indice : créez-le avec une ligne « national: [\"@organisation/equipe\"] » "
                           "(voir docs/relecture-et-fraicheur.md)")
    problems += _unknown_departements(root, config, relecteurs, relecteurs_rel)
    fiches = []
    for fiche in site.maisons + [f for f in site.invalid if f.kind == "maisons"]:
        referents = _referents(fiche)
        if referents:
            fiches.append((fiche.path, Path(fiche.path).parent.name, referents))
    if problems:
        raise RoutingError(f"{plural(len(problems), 'problème')} dans les relecteurs ou les référents : CODEOWNERS "
                           "n'a pas été écrit — Indice : corrigez-les, puis " + HINT, problems)
    return Routing(Path(config.content_dir).as_posix(), relecteurs_rel, relecteurs.national,
                   dict(sorted(relecteurs.departements.items())), sorted(fiches))


def _referents(fiche: Any) -> list[str]:
    """A fiche's referents; read from the raw front matter when the schema refused another field."""
    if fiche.data is not None:
        return _unique(fiche.data.referents)
    try:
        return _unique(TypeAdapter(list[Identifiant]).validate_python(fiche.doc.meta.get("referents") or []))
    except ValidationError:  # already reported by the schema, with its line
        return []


def _unknown_departements(root: Path, config: Any, relecteurs: Any, rel: str) -> list[Problem]:
    if relecteurs is None:
        return []
    try:
        known = Geo(root / config.geo_dir).departements
    except (OSError, ValueError):  # no geography here: the codes' form is checked by the schema all the same
        return []
    return [Problem(rel, 0, f"departements.{code}", f"le département « {code} » n'existe pas",
                    "le code officiel du département, entre guillemets : « \"19\" », « \"2A\" », « \"974\" »")
            for code in sorted(relecteurs.departements) if code not in known]


def cmd_codeowners(root: Path, config: Any, args: Any) -> int:
    try:
        routing = load_routing(root, config)
    except RoutingError as exc:
        if exc.problems:
            print("\n".join(p.text() for p in sorted(exc.problems)), file=sys.stderr)
        print(f"msap codeowners : {exc}", file=sys.stderr)
        return 1 if exc.problems else 2
    text = render(routing)
    path = root / CODEOWNERS
    try:
        current = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"msap codeowners : {CODEOWNERS} illisible ({exc}) — Indice : supprimez-le, puis {HINT}",
              file=sys.stderr)
        return 2
    if getattr(args, "check", False):
        return _check(current, text)
    if current != text:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"msap codeowners : impossible d'écrire {CODEOWNERS} ({exc}) — Indice : vérifiez les droits "
                  "sur le dossier du projet", file=sys.stderr)
            return 2
    print(f"{CODEOWNERS} {'écrit' if current != text else 'déjà à jour'} : {summary(routing)}")
    return 0


def summary(routing: Routing) -> str:
    national = _at(routing.national)
    return (f"{plural(len(routing.departements), 'département')} avec relecteurs, "
            f"{plural(len(routing.fiches), 'fiche')} avec référents, le reste à {national}")


def _check(current: str | None, text: str) -> int:
    if current == text:
        print(f"{CODEOWNERS} à jour")
        return 0
    if current is None:
        print(f"msap codeowners : {CODEOWNERS} manque à la racine du projet — Indice : {HINT} et enregistrez "
              "le fichier créé", file=sys.stderr)
        return 1
    diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(), f"{CODEOWNERS} (enregistré)",
                                     f"{CODEOWNERS} (attendu)", n=0, lineterm=""))
    shown = diff[:20] + ([f"… ({len(diff) - 20} lignes de plus)"] if len(diff) > 20 else [])
    print("\n".join(shown), file=sys.stderr)
    print(f"msap codeowners : {CODEOWNERS} n'est pas à jour : les référents des fiches ou les relecteurs ont "
          f"changé depuis — Indice : {HINT} et enregistrez {CODEOWNERS} avec vos modifications", file=sys.stderr)
    return 1
