"""The portal's view of the content: indexes every page needs, computed once.

Built from the loaded :class:`~generator.content.site.Site` (already checked); nothing
here knows about HTML or about mkdocs.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..content.site import Fiche, Site
from ..content.geo import Geo, fold


ARRONDISSEMENTS = ("751", "6938", "132")  # Paris, Lyon, Marseille: their communes already count them


@dataclass
class Portal:
    site: Site
    geo: Geo
    site_url: str
    pro: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    proches: int = 10  # places listed by « près de chez moi » (config: carte_resultats)
    forum: list[dict[str, str]] = field(default_factory=list)  # rubrics: titre, description, url (config)
    declarations: dict[str, Any] = field(default_factory=dict)  # what the statements say (features/declarations)

    # --- reference lists -------------------------------------------------------------------------
    def ref(self, name: str) -> dict[str, Any]:
        return self.site.referentiels.ids(name)

    @property
    def listes(self) -> dict[str, dict[str, Any]]:
        """Every reference list, by name (``P.listes.themes`` in the templates)."""
        return self.site.referentiels.lists

    @cached_property
    def operateurs(self) -> dict[str, Any]:
        return self.ref("operateurs")

    @cached_property
    def socle(self) -> list[str]:
        return [op_id for op_id, op in self.operateurs.items() if op.socle]

    @cached_property
    def noms_courts(self) -> dict[str, str]:
        return {op_id: op.nom_court for op_id, op in self.operateurs.items()}

    def operateurs_of(self, maison: Fiche) -> list[str]:
        """Operators a Maison serves: the national core shared by all, then its own, in list order."""
        own = self._socle.union(maison.data.operateurs)
        return [op for op in self.operateurs if op in own]

    @cached_property
    def _socle(self) -> frozenset[str]:
        return frozenset(self.socle)

    # --- Maisons ---------------------------------------------------------------------------------
    @cached_property
    def maisons(self) -> list[Fiche]:
        """The Maisons open to the public: those withdrawn from the list (``retiree_le``) are neither listed,
        mapped, exported, searched nor counted."""
        return sorted((f for f in self.site.maisons if f.data.retiree_le is None),
                      key=lambda f: (f.data.departement, fold(f.data.adresse.commune), fold(f.data.nom)))

    @cached_property
    def retirees(self) -> list[Fiche]:
        """The Maisons that left the network: their page stays (links and bookmarks lead somewhere) and says so."""
        return [f for f in self.site.maisons if f.data.retiree_le is not None]

    def proches_de(self, fiche: Fiche) -> list[Any]:
        """The open places nearest a withdrawn Maison (its pin, else its commune's centre): [(place, km)]."""
        d = fiche.data
        point = (d.coordonnees.lat, d.coordonnees.lon) if d.coordonnees else None
        commune = self.geo.communes.get(d.adresse.code_insee)
        if point is None and commune is not None and commune.lat is not None:
            point = (commune.lat, commune.lon)
        return self.voisinage.proximite.nearest([point], self.proches)[0] if point else []

    @cached_property
    def by_id(self) -> dict[str, Fiche]:
        return {f.data.id: f for f in self.site.maisons}

    @cached_property
    def by_departement(self) -> dict[str, list[Fiche]]:
        out: dict[str, list[Fiche]] = defaultdict(list)
        for f in self.maisons:
            out[f.data.departement].append(f)
        return dict(out)

    @cached_property
    def departements(self) -> list[Any]:
        """Every département of the reference list, in code order (those without a Maison included)."""
        return sorted(self.geo.departements.values(), key=lambda d: d.code)

    def departement_name(self, code: str) -> str:
        dep = self.geo.departements.get(code)
        return dep.nom if dep else code

    @cached_property
    def regions(self) -> list[dict[str, Any]]:
        """[{code, nom, departements: [Departement]}] sorted by name."""
        groups: dict[str, list[Any]] = defaultdict(list)
        for dep in self.departements:
            groups[dep.region].append(dep)
        return sorted(({"code": code, "nom": self.geo.regions.get(code, code), "departements": deps}
                       for code, deps in groups.items()), key=lambda r: fold(r["nom"]))

    def region_of(self, departement: str) -> dict[str, Any] | None:
        dep = self.geo.departements.get(departement)
        return next((r for r in self.regions if dep and r["code"] == dep.region), None)

    @cached_property
    def by_operateur(self) -> dict[str, list[Fiche]]:
        out: dict[str, list[Fiche]] = {op: [] for op in self.operateurs}
        for f in self.maisons:
            for op in self.operateurs_of(f):
                out[op].append(f)
        return out

    @cached_property
    def by_activite(self) -> dict[str, list[Fiche]]:
        out: dict[str, list[Fiche]] = {a: [] for a in self.ref("activites")}
        for f in self.maisons:
            for a in f.data.activites:
                out.setdefault(a, []).append(f)
        return out

    @cached_property
    def voisinage(self) -> Any:
        """The places and the nearest ones to each commune (see :mod:`generator.portal.features.localisateur`)."""
        from .features.localisateur import Voisinage
        return Voisinage(self.maisons, self.geo, self.proches)

    @cached_property
    def couverture(self) -> dict[str, dict[str, int]]:
        """Per département: Maisons, itinerant ones, projects, inhabitants (for the coverage map)."""
        out = {d.code: {"maisons": 0, "itinerantes": 0, "projets": 0, "habitants": 0} for d in self.departements}
        for c in self.geo.communes.values():
            if c.departement in out and not c.code_insee.startswith(ARRONDISSEMENTS):
                out[c.departement]["habitants"] += c.population
        for f in self.maisons:  # a fiche's département is checked against the same list
            row = out[f.data.departement]
            row["maisons"] += 1
            row["itinerantes"] += f.data.format != "fixe"
        for p in self.projets:
            for dep in {self.by_id[m].data.departement for m in p.data.maisons if m in self.by_id}:
                out[dep]["projets"] += 1
        return out

    # --- toolbox and projects --------------------------------------------------------------------
    @cached_property
    def ressources(self) -> list[Fiche]:
        """Published resources, newest first; agent-only ones only in the professional build."""
        shown = [f for f in self.site.ressources if self.pro or f.data.public == "tous"]
        return sorted(shown, key=lambda f: (-f.data.date.toordinal(), fold(f.data.titre)))

    def ressources_where(self, attr: str, value: str) -> list[Fiche]:
        return [f for f in self.ressources
                if (value in getattr(f.data, attr) if attr in ("operateurs", "themes") else getattr(f.data, attr) == value)]

    @cached_property
    def projets(self) -> list[Fiche]:
        order = {"en_cours": 0, "termine": 1, "idee": 2, "abandonne": 3}
        return sorted(self.site.projets, key=lambda f: (order.get(f.data.statut, 9), fold(f.data.titre)))

    @cached_property
    def projets_of(self) -> dict[str, list[Fiche]]:
        out: dict[str, list[Fiche]] = defaultdict(list)
        for p in self.projets:
            for maison_id in p.data.maisons:
                out[maison_id].append(p)
        return dict(out)

    # --- key figures -----------------------------------------------------------------------------
    @cached_property
    def chiffres(self) -> dict[str, int]:
        return {
            "maisons": len(self.maisons),
            "departements": len(self.by_departement),
            "itinerantes": sum(1 for f in self.maisons if f.data.format != "fixe"),
            "projets": len(self.site.projets),
            "ressources": len(self.ressources),
        }
