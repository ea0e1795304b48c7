"""Shared reference lists, ``content/referentiels/*.yml``.

Fiches, resources, projects and the visit-tracking API all point into these
lists by identifier, so that the portal, the statistics and the exports speak
of the same "CAF" or the same "Wi-Fi".
"""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from .fields import CodeDepartement, Slug, Strict, Url, fail, reference
from .limits import ELEMENTS, IDENTIFIANT, NOM, PRECISIONS


class Entree(Strict):
    """Entrée d'une liste de référence."""

    id: Slug = Field(description="Identifiant court et stable, utilisé dans les fiches.")
    nom: str = Field(min_length=2, max_length=NOM, description="Nom affiché au public.")
    description: str | None = Field(None, max_length=PRECISIONS, description="Explication en une phrase.")


class Theme(Entree):
    """Thème de démarches (famille, santé, retraite…)."""


class Operateur(Entree):
    """Opérateur national dont une Maison accompagne les démarches."""

    nom_court: str = Field(min_length=2, max_length=NOM, description="Sigle ou nom court, par exemple « CAF ».")
    site_web: Url | None = Field(None, description="Site officiel de l'opérateur.")
    themes: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description="Thèmes des démarches de cet opérateur.",
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

    tranches_age: list[Entree] = Field(max_length=ELEMENTS, description="Tranches d'âge.")
    situations: list[Entree] = Field(max_length=ELEMENTS, description="Situations (emploi, retraite, étudiant…).")


# file name (without .yml) -> model of one item, or of the whole file for publics
LISTS = {"themes": Theme, "operateurs": Operateur, "equipements": Equipement, "activites": Activite}


# ------------------------------------------------------------------ reviewers (content/referentiels/relecteurs.yml)

COMPTE_RE = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def _compte(value: str) -> str:
    """« @marie-dupont » or « @organisation/equipe », kept without the « @ »."""
    if not COMPTE_RE.match(value):
        raise fail(f"« {value} » n'est pas un compte ou une équipe de la forge",
                   "« @identifiant » d'une personne ou « @organisation/equipe » d'une équipe, sans espace")
    return value.removeprefix("@")


Compte = Annotated[str, AfterValidator(_compte), Field(max_length=IDENTIFIANT, json_schema_extra={"pattern": COMPTE_RE.pattern})]


def _codes_as_text(value: Any) -> Any:
    """An unquoted « 19: » is read as a number; the département code is the same text."""
    if isinstance(value, dict):
        return {str(key) if isinstance(key, int) else key: item for key, item in value.items()}
    return value


class Relecteurs(Strict):
    """Relecteurs des fiches Maison : qui la forge appelle à relire une modification (CODEOWNERS)."""

    national: list[Compte] = Field(min_length=1, max_length=ELEMENTS, description=(
        "Relecteurs de tout le reste du dépôt (pages, ressources, projets, code) et des fiches des départements "
        "sans relecteurs, par exemple l'équipe d'animation nationale."))
    departements: Annotated[dict[CodeDepartement, Annotated[list[Compte], Field(min_length=1, max_length=ELEMENTS)]],
                            BeforeValidator(_codes_as_text)] = Field(default_factory=dict, description=(
        "Relecteurs des fiches Maison de chaque département : le code du département (« \"19\" »), puis la "
        "liste de ses relecteurs."))
