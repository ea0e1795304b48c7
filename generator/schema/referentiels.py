"""Shared reference lists, ``content/referentiels/*.yml``.

Fiches, resources, projects and the visit-tracking API all point into these
lists by identifier, so that the portal, the statistics and the exports speak
of the same "CAF" or the same "Wi-Fi".
"""
from __future__ import annotations

from pydantic import Field

from .fields import Slug, Strict, Url


class Entree(Strict):
    """One item of a reference list."""

    id: Slug = Field(description="Identifiant court et stable, utilisé dans les fiches.")
    nom: str = Field(min_length=2, description="Nom affiché au public.")
    description: str | None = Field(None, description="Explication en une phrase.")


class Theme(Entree):
    """A theme of démarches (famille, santé, retraite…)."""


class Operateur(Entree):
    """A national operator whose services a Maison provides."""

    nom_court: str = Field(min_length=2, description="Sigle ou nom court, par exemple « CAF ».")
    site_web: Url | None = Field(None, description="Site officiel de l'opérateur.")
    themes: list[Slug] = Field(default_factory=list, description="Thèmes des démarches de cet opérateur.")


class Equipement(Entree):
    """Equipment available to the public (Wi-Fi, computers…)."""


class Activite(Entree):
    """An activity hosted alongside the Maison (espace public numérique, coworking…)."""


class Publics(Strict):
    """Typology of the public, shared with visit tracking: never anything personal."""

    tranches_age: list[Entree] = Field(description="Tranches d'âge.")
    situations: list[Entree] = Field(description="Situations (emploi, retraite, étudiant…).")


# file name (without .yml) -> model of one item, or of the whole file for publics
LISTS = {"themes": Theme, "operateurs": Operateur, "equipements": Equipement, "activites": Activite}
