"""Every page of the portal, as a list of :class:`Page` (the "generate" stage).

A page names its path, the section whose shell wraps it, its Jinja template in
``theme/portail/``, its context and its sources: the fiches it shows, from which
``msap serve`` knows what to rewrite after an edit (a page without sources shows
the whole network: counts, maps, indexes, and is rewritten after any edit).

Everything a template shows of one page is in its context, said here: the
templates read it, the network's read-only indexes (``P``, :class:`Portal`) and
formatting filters, and call nothing of the model (``tests/test_templates.py``).
The part of a context that costs (a fiche's hours for the browser, its JSON-LD,
the nearest places) is ``compute``, run by the render process that writes the
page, once; building the list is cheap, the work is in rendering, which
:mod:`generator.portal.render` spreads over processes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from markupsafe import Markup

from .writers import exports
from .features import calendrier, horaires, jsonld, minimap
from . import urls
from .model import Portal


@dataclass
class Page:
    path: str
    section: str | None  # the shell: "", "maisons/", …, "recherche/"; None: the template writes a whole document
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    in_sitemap: bool = True
    searchable: bool = False  # indexed by the search (its template marks the indexed part with data-pagefind-body)
    lastmod: Any = None  # the date its content last changed (sitemap.xml), when the fiche says it
    #: the fiches the page shows, asked only by msap serve; None: the whole network
    sources: Callable[[], Iterable[Any]] | None = None
    #: the rest of the context, computed by the process that renders the page (see the module's docstring)
    compute: Callable[[], dict[str, Any]] | None = None
    _computed: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def source_paths(self) -> frozenset[str] | None:
        """The files of the fiches it shows (None: every fiche)."""
        return None if self.sources is None else frozenset(str(f.doc.path) for f in self.sources())

    def full_context(self) -> dict[str, Any]:
        """The whole context: ``context`` and, computed once, what ``compute`` adds."""
        if self.compute is None:
            return self.context
        if self._computed is None:
            self._computed = {**self.context, **self.compute()}
        return self._computed


@dataclass
class Cartes:
    """What the pages draw with: the départements' mini-maps (a fiche's pin) and the coverage map's outlines
    (:func:`.couverture.geometry`, read from the cache before the pages are rendered)."""
    maps: minimap.MiniMaps
    couverture: dict[str, Any] | None = None


def _none() -> list[Any]:
    return []


def _places(found: Iterable[tuple[Any, float]]) -> list[Any]:
    """The Maisons of (place, km) pairs (a stop stands for its Maison)."""
    return [place.maison for place, _ in found]


def all_pages(portal: Portal, cartes: Cartes | None = None) -> Iterator[Page]:
    """Every page; ``cartes``: None when only the paths and sources are asked (their ``compute`` needs it)."""
    yield from home_pages(portal)
    yield from maison_pages(portal, cartes)
    yield from demarche_pages(portal)
    yield from boite_pages(portal)
    yield from projet_pages(portal)
    yield Page(urls.DONNEES, urls.DONNEES, "donnees.html", "Données ouvertes", {"export_columns": exports.columns()},
               description="Le réseau des Maisons en données ouvertes : GeoJSON, CSV et JSON, schéma documenté.")
    yield Page(urls.STATISTIQUES, urls.DONNEES, "statistiques.html", "Fréquentation des Maisons",
               description="Les visites accompagnées par les Maisons : par mois, par organisme, par niveau "
                           "d'accompagnement et par résultat ; par département.")
    if portal.forum:
        yield Page(urls.FORUM, urls.BOITE, "forum.html", "Forum du réseau", {"rubriques": portal.forum},
                   description="Les rubriques du forum où échangent les agents et responsables des Maisons.",
                   sources=_none)
    yield Page(urls.ACCESSIBILITE, urls.HOME, "accessibilite.html", "Déclaration d'accessibilité",
               portal.declarations, description="Déclaration d'accessibilité du portail des Maisons de services au "
                                                "public (RGAA 4.1.2).", sources=_none)
    yield Page(urls.MENTIONS, urls.HOME, "mentions.html", "Mentions légales", portal.declarations,
               description="Mentions légales du portail des Maisons de services au public.", sources=_none)
    yield Page(urls.RECHERCHE, urls.RECHERCHE, "recherche.html", "Recherche", in_sitemap=False,
               description="Rechercher une Maison, une ressource ou un projet.")
    if portal.pro:
        reserved = [r for r in portal.ressources if r.data.public == "agents"]
        yield Page(urls.PRO, urls.BOITE, "pro.html", "Espace professionnel", {"ressources": reserved},
                   description="Ressources réservées aux agents des Maisons.", in_sitemap=False,
                   sources=lambda: reserved)


def home_pages(portal: Portal) -> Iterator[Page]:
    yield Page(urls.HOME, urls.HOME, "accueil.html", "Accueil",
               description="Trouver une Maison de services au public près de chez soi : adresse, horaires, démarches.")


def maison_pages(portal: Portal, cartes: Cartes | None) -> Iterator[Page]:
    yield Page(urls.MAISONS, urls.MAISONS, "maisons_index.html", "Trouver une Maison",
               description="Toutes les Maisons de services au public, par région et par département.")
    yield Page(urls.CARTE, urls.MAISONS, "carte.html", "Près de chez moi : la carte des Maisons",
               description="Les Maisons les plus proches de votre commune, de votre code postal ou de votre position, "
                           "sur une carte et en liste.", sources=_none)  # the places come from the open data
    yield Page(urls.INTEGRER, None, "integrer.html", "Maisons de services au public près de chez vous",
               description="La carte des Maisons, à intégrer au site d'une commune.", in_sitemap=False,
               sources=_none)
    yield Page(urls.COUVERTURE, urls.MAISONS, "couverture.html", "Couverture du territoire",
               {"lignes": portal.couverture},
               description="Le nombre de Maisons par département : carte et tableau.",
               compute=lambda: {"carte": couverture_svg(portal, cartes)})
    for region in portal.regions:
        yield Page(urls.region(region["code"]), urls.MAISONS, "region.html", f"Maisons en {region['nom']}",
                   {"region": region}, description=f"Les Maisons de services au public de la région {region['nom']}.",
                   sources=lambda r=region: [f for code, group in portal.by_departement.items()
                                             if (portal.region_of(code) or {}).get("code") == r["code"] for f in group])
    for code, maisons in portal.by_departement.items():
        nom = portal.departement_name(code)
        yield Page(urls.departement(code), urls.MAISONS, "liste_maisons.html", f"Maisons : {nom} ({code})",
                   {"maisons": maisons, "departement": code, "group_by": "commune",
                    "region": portal.region_of(code)},
                   description=f"Les {len(maisons)} Maisons de services au public du département {nom} ({code}).",
                   searchable=True,  # « Creuse » finds the Maisons of the Creuse
                   sources=lambda m=maisons, c=code: [*m, *_table(portal, c)],
                   compute=lambda c=code: {"communes": portal.voisinage.par_departement(c),
                                           "commune_pages": portal.voisinage.proches})
    for fiche in portal.maisons:
        yield maison_page(portal, cartes, fiche)
    for fiche in portal.retirees:
        yield Page(urls.maison(fiche), urls.MAISONS, "maison_retiree.html", fiche.data.nom, {"fiche": fiche},
                   description=f"{fiche.data.nom} a quitté le réseau : les Maisons les plus proches.",
                   in_sitemap=False, sources=lambda f=fiche: [f, *_places(portal.proches_de(f))],
                   compute=lambda f=fiche: {"proches": portal.proches_de(f)})
    # after the fiches: « msap serve » writes an edited fiche before computing the nearest places
    for commune in portal.voisinage.communes:
        nom = f"{commune.nom} ({commune.departement})"
        yield Page(urls.commune(commune.code_insee), urls.MAISONS, "commune.html", f"Maisons près de {nom}",
                   {"commune": commune, "proches": portal.voisinage.proches[commune.code_insee]},
                   description=f"Les Maisons et permanences les plus proches de {nom}, "
                               "avec la distance, l'adresse et les horaires.",
                   sources=lambda c=commune: _places(portal.voisinage.proches[c.code_insee]))


def maison_page(portal: Portal, cartes: Cartes | None, fiche: Any) -> Page:
    """A Maison's page."""
    d = fiche.data
    return Page(urls.maison(fiche), urls.MAISONS, "maison.html", d.nom,
                {"fiche": fiche, "ops": portal.operateurs_of(fiche), "region": portal.region_of(d.departement),
                 "projets": portal.projets_of.get(d.id, [])},
                description=f"{d.nom}, {d.adresse.commune} : adresse, horaires, démarches accompagnées.",
                searchable=True, sources=lambda: [fiche, *portal.projets_of.get(d.id, [])],
                lastmod=d.verifie_le, compute=lambda: maison_context(portal, cartes, fiche))


def fiche_page(portal: Portal, cartes: Cartes | None, kind: str, fiche: Any) -> Page | None:
    """The page of one published fiche, made without listing the others (msap serve writes it first); None
    when the fiche has no page of its own (a Maison that left the network has another kind of page)."""
    if kind == "maisons":
        return maison_page(portal, cartes, fiche) if fiche.data.retiree_le is None else None
    if kind == "ressources":
        return ressource_page(portal, fiche) if fiche in portal.ressources else None
    return projet_page(portal, fiche) if fiche in portal.projets else None


def maison_context(portal: Portal, cartes: Cartes | None, fiche: Any) -> dict[str, Any]:
    """What a fiche's page computes: its hours for the browser and its coming closures (as of the build's day),
    its pin on the département's map, its JSON-LD."""
    d = fiche.data
    passages = []
    for index, stop in enumerate(d.arrets):
        prochain = calendrier.prochain(stop, portal.today)
        passages.append({"prochain": prochain, "ics": urls.calendrier_arret(fiche, index) if prochain else None,
                         "tz": horaires.time_zone(d.departement),
                         "regle": {"jour": stop.jour, "frequence": stop.frequence, "semaines": stop.semaines,
                                   "horaires": list(stop.horaires),
                                   "premier_passage": stop.premier_passage.isoformat() if stop.premier_passage
                                   else None}})
    has_week = d.horaires is not None and not d.horaires.is_empty()
    return {"passages": passages, "calendrier": urls.calendrier(fiche) if has_week else None,
            "horaires_navigateur": horaires.browser_data(d, portal.today),
            "exceptions": horaires.upcoming_exceptions(d, portal.today),
            "position": minimap.position(cartes.maps, d) if cartes else None,
            "jsonld": jsonld.maison(portal, fiche), "fil": jsonld.fil(portal, fiche)}


def couverture_svg(portal: Portal, cartes: Cartes | None) -> Markup:
    """The coverage map (SVG, its names escaped): the départements' outlines coloured by their count of Maisons."""
    from .features import couverture
    if cartes is None or cartes.couverture is None:
        return Markup("")
    return Markup(couverture.svg(cartes.couverture, portal.couverture, {d.code: d.nom for d in portal.departements}))


def _table(portal: Portal, departement: str) -> list[Any]:
    """The Maisons of a département list's table of communes (the nearest place may lie across the border)."""
    return [place.maison for _, place, _ in portal.voisinage.par_departement(departement)]


def demarche_pages(portal: Portal) -> Iterator[Page]:
    yield Page(urls.DEMARCHES, urls.DEMARCHES, "demarches.html", "Où faire mes démarches",
               description="Trouver une Maison qui accompagne vos démarches CAF, Assurance Maladie, retraite, impôts…")
    for op_id, op in portal.operateurs.items():
        maisons = portal.by_operateur[op_id]
        counts: dict[str, int] = {}
        for f in maisons:
            counts[f.data.departement] = counts.get(f.data.departement, 0) + 1
        yield Page(urls.operateur(op_id), urls.DEMARCHES, "operateur.html", f"Où faire mes démarches {op.nom_court}",
                   {"op_id": op_id, "op": op, "counts": counts, "total": len(maisons)},
                   description=f"Les Maisons qui accompagnent vos démarches {op.nom_court}, par département.",
                   searchable=True,  # « CAF », « impôts » find where to go
                   sources=lambda m=maisons: m)
        if op.socle:
            continue  # every Maison serves it: its page links to the département lists themselves
        by_dep: dict[str, list[Any]] = {}
        for f in maisons:
            by_dep.setdefault(f.data.departement, []).append(f)
        for code, group in by_dep.items():
            nom = portal.departement_name(code)
            yield Page(urls.operateur_departement(op_id, code), urls.DEMARCHES, "liste_maisons.html",
                       f"Démarches {op.nom_court} : {nom} ({code})",
                       {"maisons": group, "departement": code, "op_id": op_id, "group_by": "commune"},
                       description=f"Où faire vos démarches {op.nom_court} en {nom} : {len(group)} Maisons.",
                       sources=lambda m=group: m)  # (no table of communes: the département's page has it)
    yield Page(urls.ACTIVITES, urls.DEMARCHES, "activites.html", "Activités accueillies dans les Maisons",
               description="Espaces numériques, permanences, coworking : les activités accueillies dans les Maisons.")
    for act_id, act in portal.ref("activites").items():
        found = portal.by_activite.get(act_id, [])
        yield Page(urls.activite(act_id), urls.DEMARCHES, "liste_maisons.html", f"Maisons avec : {act.nom}",
                   {"maisons": found, "activite": act, "group_by": "departement"},
                   description=f"Les Maisons qui accueillent : {act.nom}.", sources=lambda m=found: m)


@dataclass
class Facette:
    """A way into the toolbox: a theme, an operator or a type, its resources and its page."""
    groupe: str  # « Thème », « Opérateur », « Type »
    nom: str  # the entry's name (« Caf » as the operators' short name on the toolbox's own list)
    court: str
    url: str
    ressources: list[Any]


def facettes(portal: Portal) -> list[Facette]:
    """The toolbox's themes, operators and types that have resources, in their lists' order."""
    from ..schema.ressource import TYPES
    out = []
    for key, t in portal.ref("themes").items():
        out.append(Facette("Thème", t.nom, t.nom, urls.boite_theme(key), portal.ressources_where("themes", key)))
    for key, o in portal.operateurs.items():
        out.append(Facette("Opérateur", o.nom, o.nom_court, urls.boite_operateur(key),
                           portal.ressources_where("operateurs", key)))
    for key, nom in TYPES.items():
        out.append(Facette("Type", nom, nom, urls.boite_type(key), portal.ressources_where("type", key)))
    return [f for f in out if f.ressources]


def boite_pages(portal: Portal) -> Iterator[Page]:
    entrees = facettes(portal)
    yield Page(urls.BOITE, urls.BOITE, "boite.html", "Boîte à outils",
               {"ressources": portal.ressources, "facettes": entrees},
               description="Documents, modèles, kits et formations partagés par le réseau des Maisons.",
               sources=lambda: portal.ressources)
    for fiche in portal.ressources:
        yield ressource_page(portal, fiche)
    for entree in entrees:
        titre = f"Boîte à outils — {entree.groupe} : {entree.nom}" if entree.groupe != "Type" \
            else f"Boîte à outils — {entree.nom}"
        yield Page(entree.url, urls.BOITE, "boite.html", titre,
                   {"ressources": entree.ressources, "filtre": entree.nom, "facettes": entrees},
                   sources=lambda r=entree.ressources: r)


def ressource_page(portal: Portal, fiche: Any) -> Page:
    """A resource's page."""
    fichiers = portal.site.content / "ressources" / "fichiers"
    return Page(urls.ressource(fiche), urls.BOITE, "ressource.html", fiche.data.titre,
                {"fiche": fiche, "fichier": fichier_info(fichiers, fiche.data.fichier) if fiche.data.fichier
                 else None},
                description=fiche.data.resume, in_sitemap=fiche.data.public == "tous", searchable=True,
                sources=lambda: [fiche], lastmod=fiche.data.date)


def fichier_info(folder: Path, name: str) -> dict[str, str]:
    """A download's name, format and size (« 1,2 Mo »)."""
    name = name.rsplit("/", 1)[-1]
    path = folder / name
    size = path.stat().st_size if path.exists() else 0
    taille = f"{size / 1_000_000:.1f} Mo" if size >= 1_000_000 else f"{max(1, round(size / 1000))} ko"
    return {"nom": name, "format": name.rsplit(".", 1)[-1].upper(), "taille": taille.replace(".", ",")}


def projet_pages(portal: Portal) -> Iterator[Page]:
    yield Page(urls.PROJETS, urls.PROJETS, "projets.html", "Projets des Maisons",
               description="Les initiatives des Maisons : objectifs, acteurs, actions et bilan.",
               sources=lambda: [x for p in portal.projets for x in (p, *_linked(portal, p))])
    for fiche in portal.projets:
        yield projet_page(portal, fiche)


def projet_page(portal: Portal, fiche: Any) -> Page:
    """A project's page."""
    return Page(urls.projet(fiche), urls.PROJETS, "projet.html", fiche.data.titre, {"fiche": fiche},
                description=fiche.data.resume, searchable=True, sources=lambda: [fiche, *_linked(portal, fiche)],
                lastmod=fiche.data.date_fin or fiche.data.date_debut)


def _linked(portal: Portal, projet: Any) -> list[Any]:
    """The Maisons a project names (shown on its page)."""
    return [portal.by_id[m] for m in projet.data.maisons if m in portal.by_id]


SECTIONS = (urls.HOME, urls.MAISONS, urls.DEMARCHES, urls.BOITE, urls.PROJETS, urls.DONNEES, urls.RECHERCHE)
