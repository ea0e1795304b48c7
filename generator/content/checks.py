"""Cross-file checks: what one file cannot know about itself.

References between fiches and to the reference lists, identifiers, communes,
postcodes and pins against the official geography, dates against today.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
from typing import Any, Iterable

from pydantic import BaseModel

from .site import Fiche, Site
from ..diagnostics import Report
from .geo import Geo, distance_km, fold
from .geo_centres import check_table
from ..schema import KINDS, LISTS
from ..schema.fields import PHONE_RE
from ..schema.limits import FICHIER_OCTETS, taille
from .validation import field_name, scan


def check_site(site: Site, geo: Geo, report: Report, distance_max_km: float,
               today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    table = geo.folder / "centres.csv"
    check_table(geo, report, table.relative_to(site.root).as_posix() if table.is_relative_to(site.root)
                else table.as_posix())
    refs = site.referentiels
    for name, model in LISTS.items():  # reference lists pointing into each other (operator -> themes)
        for field_, target in reference_fields(model).items():
            known = refs.ids(target)
            for entry_id, entry in refs.ids(name).items():
                for value in getattr(entry, field_):
                    if value not in known:
                        where = _rel(site, f"referentiels/{target}.yml")
                        report.add(_rel(site, f"referentiels/{name}.yml"), refs.lines[name][entry_id],
                                   f"{entry_id}.{field_}", f"« {value} » est inconnu", _closest(value, known, where))
    targets = {"maisons": _check_maison_ids(site.maisons, report), **refs.lists}
    for fiche in site.maisons + site.ressources + site.projets + site.invalid:
        _check_references(fiche, targets, report)
        _check_body(fiche, report)
        _check_formulas(fiche, report)
    for fiche in site.maisons:
        _check_maison(fiche, site, geo, report, distance_max_km, today)
    for fiche in site.ressources:
        if fiche.data.fichier:
            target = site.content / "ressources" / "fichiers" / fiche.data.fichier
            if not site.has_file(target):
                report.add(fiche.path, fiche.line("fichier"), "fichier",
                           f"le fichier « {fiche.data.fichier} » est introuvable" +
                           (" (ce n'est pas un fichier ordinaire)" if os.path.lexists(target) else ""),
                           "déposez-le dans content/ressources/fichiers/ ou corrigez son nom")
            elif target.stat().st_size > FICHIER_OCTETS:
                report.add(fiche.path, fiche.line("fichier"), "fichier",
                           f"le fichier « {fiche.data.fichier} » est trop gros ({taille(target.stat().st_size)} ; "
                           f"au plus {taille(FICHIER_OCTETS)})",
                           "allégez-le (images compressées, PDF optimisé) ou publiez-le ailleurs et donnez son "
                           "adresse dans « lien »")
        if not (fiche.data.fichier or fiche.data.lien or fiche.body.strip()):
            report.warn(fiche.path, 1, "", "cette ressource n'a ni fichier, ni lien, ni texte",
                        "ajoutez « fichier », « lien » ou un texte sous l'en-tête")


@functools.cache
def reference_fields(model: type[BaseModel]) -> dict[str, str]:
    """Fields holding identifiers of other content, from ``x-reference`` in the schema."""
    return {name: info.json_schema_extra["x-reference"] for name, info in model.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and "x-reference" in info.json_schema_extra}


def _check_references(fiche: Fiche, targets: dict[str, dict[str, Any]], report: Report) -> None:
    """Valid fiches, and raw lists of fiches the schema refused: one run reports everything."""
    for name, target in reference_fields(KINDS[fiche.kind][0]).items():
        values = getattr(fiche.data, name) if fiche.data is not None else fiche.doc.meta.get(name)
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            _refs(fiche, name, values, targets.get(target, {}), report, target)


def _check_body(fiche: Fiche, report: Report) -> None:
    """Raw HTML and links the portal will not publish (see generator/content/sanitiser.py): warnings."""
    seen: set[tuple[int, str, str]] = set()
    for offset, kind, what in fiche.body_problems:
        line = fiche.doc.body_line + offset
        shown = _shown(what)
        if kind == "html" and (line, kind, "") not in seen:
            seen.add((line, kind, ""))
            report.warn(fiche.path, line, "texte", f"le HTML « {shown} » sera retiré du texte publié",
                        "écrivez en Markdown : **gras**, *italique*, [texte du lien](https://…), listes « - » ; "
                        "seules quelques balises simples sans attribut sont gardées (<br>, <sup>, <sub>, <b>, <i>…)")
        elif kind == "lien" and (line, kind, what) not in seen:
            seen.add((line, kind, what))
            report.warn(fiche.path, line, "texte", f"le lien « {shown} » ne sera pas publié (il restera du texte)",
                        "une adresse complète qui commence par « https:// » (ou « http:// »), « mailto: » ou "
                        "« tel: », ou un lien relatif vers une page du portail")


def _check_formulas(fiche: Fiche, report: Report) -> None:
    """Texts a spreadsheet would run as a formula in the open-data CSV (see generator/spreadsheet.py): warnings.
    An international phone number (« +33 … ») is what it looks like, not a formula."""
    for loc, text in scan(fiche.doc)[1]:
        if not PHONE_RE.match(text.strip()):
            report.warn(fiche.path, fiche.line(*loc), field_name(loc),
                        f"« {_shown(text)} » commence par « {TRIGGER_NAMES.get(text[0], text[0])} » : un tableur le "
                        "lirait comme une formule (les exports CSV le font précéder d'une apostrophe)",
                        "commencez ce texte par une lettre ou un chiffre")


#: addresses that receive nothing (« noreply@… », « ne-pas-repondre@… »): published, they are a dead end
NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|ne[-_.]?pas[-_.]?repondre|nepasrepondre)\b", re.I)
TRIGGER_NAMES = {"\t": "tabulation", "\r": "retour chariot"}


def _shown(text: str, size: int = 60) -> str:
    """A contributor's text quoted in a message: one line, no control character, not too long."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _rel(site: Site, path: str) -> str:
    return (site.content / path).relative_to(site.root).as_posix()


def _check_maison_ids(maisons: list[Fiche], report: Report) -> dict[str, Fiche]:
    seen: dict[str, Fiche] = {}
    for fiche in maisons:
        first = seen.get(fiche.data.id)
        if first is not None:
            report.add(fiche.path, fiche.line("id"), "id", f"l'identifiant « {fiche.data.id} » est déjà pris",
                       f"il est utilisé par {first.path} ; donnez un identifiant unique à cette fiche")
        else:
            seen[fiche.data.id] = fiche
    return seen


def _check_maison(fiche: Fiche, site: Site, geo: Geo, report: Report, max_km: float, today: dt.date) -> None:
    m, path = fiche.data, fiche.path
    folder = fiche.doc.path.split("/")[-2]
    if folder != m.departement:
        report.add(path, fiche.line("departement"), "departement",
                   f"la fiche est rangée dans le dossier « {folder} » mais indique le département « {m.departement} »",
                   f"déplacez-la dans content/maisons/{m.departement}/ ou corrigez le département")
    if m.departement not in geo.departements:
        report.add(path, fiche.line("departement"), "departement", f"département « {m.departement} » inconnu",
                   "le code du département, par exemple « 23 », « 2A » ou « 974 »")
    commune = _check_commune(fiche, ("adresse",), m.adresse.code_insee, m.adresse.commune, m.departement, geo, report)
    if commune is not None:
        if m.adresse.code_postal not in commune.codes_postaux:
            report.warn(path, fiche.line("adresse", "code_postal"), "adresse.code_postal",
                        f"le code postal {m.adresse.code_postal} n'est pas un code de {commune.nom}",
                        f"codes postaux de {commune.nom} : {', '.join(commune.codes_postaux)} "
                        "(un code CEDEX est normal ; sinon corrigez)")
        if fold(m.adresse.commune) != fold(commune.nom):
            report.warn(path, fiche.line("adresse", "commune"), "adresse.commune",
                        f"« {m.adresse.commune} » n'est pas le nom officiel de la commune {commune.code_insee}",
                        f"écrivez « {commune.nom} »")
    if m.courriel and NOREPLY.match(m.courriel):
        report.warn(path, fiche.line("courriel"), "courriel",
                    f"« {m.courriel} » est une adresse qui ne reçoit pas de courriel : un usager qui y écrit n'aura "
                    "jamais de réponse", "donnez l'adresse de l'accueil de la Maison, ou retirez la ligne")
    if m.coordonnees is None:
        report.warn(path, 1, "coordonnees", "la fiche n'a pas de repère : la Maison n'apparaîtra pas sur la carte",
                    "ajoutez « coordonnees » avec « lat » et « lon » (le point de l'entrée sur une carte)")
    elif commune is not None and commune.lat is not None:
        km = distance_km(m.coordonnees.lat, m.coordonnees.lon, commune.lat, commune.lon)
        if km > max_km:
            report.warn(path, fiche.line("coordonnees"), "coordonnees",
                        f"le repère est à {km:.1f} km du centre de {commune.nom}".replace(".", ","),
                        "vérifiez la latitude et la longitude (inversées ? mauvaise commune ?)")
    for i, stop in enumerate(m.arrets):
        if stop.code_insee:
            _check_commune(fiche, ("arrets", i), stop.code_insee, stop.commune, None, geo, report)
    if m.verifie_le and m.verifie_le > today:
        report.add(path, fiche.line("verifie_le"), "verifie_le",
                   f"la date de vérification {m.verifie_le:%d/%m/%Y} est dans le futur",
                   f"indiquez la date du jour où la fiche a été vérifiée (au plus tard le {today:%d/%m/%Y})")


def _check_commune(fiche: Fiche, loc: tuple, code: str, name: str, departement: str | None,
                   geo: Geo, report: Report):
    field = ".".join(str(p + 1) if isinstance(p, int) else p for p in loc + ("code_insee",))
    commune = geo.communes.get(code)
    if commune is None:
        guesses = geo.by_name.get((departement or code[:2], fold(name)), [])
        hint = (f"le code de {guesses[0].nom} est « {guesses[0].code_insee} »" if guesses else
                "le code commune INSEE (et non le code postal) : voir le code officiel géographique")
        report.add(fiche.path, fiche.line(*loc, "code_insee"), field,
                   f"le code commune « {code} » n'existe pas (ou plus)", hint)
        return None
    if departement and commune.departement != departement:
        report.add(fiche.path, fiche.line(*loc, "code_insee"), field,
                   f"la commune {commune.nom} ({code}) est dans le département {commune.departement}, "
                   f"pas dans le {departement}", "corrigez le code commune ou le département")
    return commune


def _refs(fiche: Fiche, field: str, values: Iterable[str], known: dict[str, Any], report: Report, target: str) -> None:
    where = {"maisons": "les fiches Maison (champ « id »)"}.get(target, f"content/referentiels/{target}.yml")
    for i, value in enumerate(values):
        if value not in known:
            report.add(fiche.path, fiche.line(field, i), f"{field}.{i + 1}", f"« {value} » est inconnu",
                       _closest(value, known, where))


def _closest(value: str, known: dict[str, Any], where: str) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    if close:
        return f"vouliez-vous dire « {close[0]} » ?"
    if len(known) <= 15:
        return f"valeurs possibles : {', '.join(sorted(known))}"
    return f"choisissez un identifiant qui existe dans {where}"
