"""The closed lists a visit is described with.

Channel, level of support and outcome are defined here, once: the API validates against them, the entry form
and the portal take their French labels from them. Public typology (age bracket, situation) and motif (operator,
theme) come from the content's own reference lists (``content/referentiels/``) so that the API and the portal
never drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: id -> label, in the order the form shows them
CANAUX: dict[str, str] = {
    "sur-place": "Sur place",
    "telephone": "Téléphone",
    "itinerance": "Permanence itinérante",
    "visio": "Visioconférence",
    "courriel": "Courriel",
}
NIVEAUX: dict[str, str] = {
    "information": "Information",
    "orientation": "Orientation vers le bon interlocuteur",
    "accompagnement": "Accompagnement (aide à la démarche)",
    "demarche-realisee": "Démarche réalisée avec la personne",
}
RESULTATS: dict[str, str] = {
    "resolu": "Résolu",
    "non-resolu": "Non résolu",
    "en-cours": "En cours",
    "reoriente": "Réorienté",
}

#: the value a dimension takes in aggregates when a visit left that field empty (no operator, age not asked…)
NON_PRECISE = "non-precise"
NON_PRECISE_LIBELLE = "Non précisé"

#: the dimensions an aggregate is broken down by: name in the API -> column of a visit
DIMENSIONS: dict[str, str] = {
    "canaux": "canal",
    "operateurs": "operateur",
    "themes": "theme",
    "niveaux": "niveau",
    "resultats": "resultat",
    "tranches_age": "tranche_age",
    "situations": "situation",
}


@dataclass
class Listes:
    """Every list a visit's fields are checked against: id -> French label."""

    canaux: dict[str, str] = field(default_factory=lambda: dict(CANAUX))
    niveaux: dict[str, str] = field(default_factory=lambda: dict(NIVEAUX))
    resultats: dict[str, str] = field(default_factory=lambda: dict(RESULTATS))
    operateurs: dict[str, str] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    tranches_age: dict[str, str] = field(default_factory=dict)
    situations: dict[str, str] = field(default_factory=dict)

    def of(self, dimension: str) -> dict[str, str]:
        """The list of a dimension by its API name (« operateurs », « niveaux »…)."""
        return getattr(self, dimension)

    def libelle(self, dimension: str, value: str | None) -> str:
        """The French label of a value (« CAF », « Résolu », « Non précisé »); an unknown id as itself."""
        if value is None or value == NON_PRECISE:
            return NON_PRECISE_LIBELLE
        return self.of(dimension).get(value, value)

    @classmethod
    def from_referentiels(cls, refs) -> "Listes":
        """From the content's loaded reference lists (``generator.content.site.Referentiels``)."""
        listes = cls(operateurs={i: e.nom_court for i, e in refs.ids("operateurs").items()},
                     themes={i: e.nom for i, e in refs.ids("themes").items()})
        if refs.publics is not None:
            listes.tranches_age = {e.id: e.nom for e in refs.publics.tranches_age}
            listes.situations = {e.id: e.nom for e in refs.publics.situations}
        return listes

    @classmethod
    def load(cls, root: Path, content_dir: str = "content") -> "Listes":
        from generator.content.site import load_referentiels
        from generator.diagnostics import Report

        return cls.from_referentiels(load_referentiels(root, root / content_dir / "referentiels", Report()))


@dataclass
class Reseau:
    """What the API knows of the content: the lists, and each Maison's département (its id -> code)."""

    listes: Listes
    maisons: dict[str, str]
    noms: dict[str, str] = field(default_factory=dict)  # Maison id -> name, for the form and exports
    operator_themes: dict[str, list[str]] = field(default_factory=dict)  # operator id -> its themes

    @classmethod
    def load(cls, root: Path, content_dir: str = "content") -> "Reseau":
        from generator.content.site import load_site
        from generator.diagnostics import Report

        site = load_site(root, content_dir, Report())
        return cls(Listes.from_referentiels(site.referentiels),
                   {f.data.id: f.data.departement for f in site.maisons},
                   {f.data.id: f.data.nom for f in site.maisons},
                   {i: list(e.themes) for i, e in site.referentiels.ids("operateurs").items()})
