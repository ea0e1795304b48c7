"""Shared reference lists, ``content/referentiels/*.yml``.

Fiches, resources, projects and the visit-tracking API all point into these
lists by identifier, so that the portal, the statistics and the exports speak
of the same "CAF" or the same "Wi-Fi".
"""
from __future__ import annotations

from pydantic import Field

from .fields import Slug, Strict, Url, reference


class Entree(Strict):
    """Entrée d'une liste de référence."""

    id: Slug = Field(description="Identifiant court et stable, utilisé dans les fiches.")
    nom: str = Field(min_length=2, description="Nom affiché au public.")
    description: str | None = Field(None, description="Explication en une phrase.")


class Theme(Entree):
    """Thème de démarches (famille, santé, retraite…)."""


class Operateur(Entree):
    """Opérateur national dont une Maison accompagne les démarches."""

    nom_court: str = Field(min_length=2, description="Sigle ou nom court, par exemple « CAF ».")
    site_web: Url | None = Field(None, description="Site officiel de l'opérateur.")
    themes: list[Slug] = Field(default_factory=list, description="Thèmes des démarches de cet opérateur.",
                               json_schema_extra=reference("themes"))
    socle: bool = Field(False, description=(
        "Partenaire du socle national : ses démarches sont accompagnées dans toute France services, "
        "sans qu'une fiche ait à le citer (une fiche ne liste que ses partenaires en plus)."))


class Equipement(Entree):
    """Équipement à la disposition du public (Wi-Fi, ordinateurs…)."""


class Activite(Entree):
    """Activité hébergée dans la Maison (espace public numérique, coworking…)."""


class Publics(Strict):
    """Typologie des publics, partagée avec le suivi de la fréquentation : jamais rien de personnel."""

    tranches_age: list[Entree] = Field(description="Tranches d'âge.")
    situations: list[Entree] = Field(description="Situations (emploi, retraite, étudiant…).")


# file name (without .yml) -> model of one item, or of the whole file for publics
LISTS = {"themes": Theme, "operateurs": Operateur, "equipements": Equipement, "activites": Activite}
