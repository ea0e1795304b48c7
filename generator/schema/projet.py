"""A project sheet: ``content/projets/<slug>.md``.

"Une Maison peut partager et valoriser une initiative locale en décrivant les
objectifs d'un projet, les cibles, les acteurs mobilisés, les actions mises en
place et le bilan" (bulletin, « Publier une fiche projet »).
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from .fields import Courriel, Slug, Strict, Telephone, choice, fail, reference
from .limits import BILAN, ELEMENT, ELEMENTS, NOM, RESUME

Element = Annotated[str, Field(max_length=ELEMENT)]
STATUTS = {"idee": "En réflexion", "en_cours": "En cours", "termine": "Terminé", "abandonne": "Abandonné"}


class Contact(Strict):
    """Personne ou service à contacter au sujet du projet."""

    nom: str = Field(min_length=2, max_length=NOM, description="Nom de la personne ou du service.")
    fonction: str | None = Field(None, max_length=NOM, description="Fonction, par exemple « adjoint au maire ».")
    courriel: Courriel | None = Field(None, description="Adresse électronique.")
    telephone: Telephone | None = Field(None, description="Numéro de téléphone.")


class Projet(Strict):
    """Initiative locale portée par une ou plusieurs Maisons."""

    titre: str = Field(min_length=3, max_length=NOM, description="Titre du projet.")
    resume: str = Field(min_length=10, max_length=RESUME, description="Résumé en une ou deux phrases, affiché dans les listes.")
    maisons: list[Slug] = Field(min_length=1, max_length=ELEMENTS, description=(
        "Maisons qui portent le projet (leur identifiant « id », par exemple « fs-1023 »)."),
        json_schema_extra=reference("maisons"))
    statut: choice(STATUTS) = Field(description="Où en est le projet.")
    date_debut: dt.date | None = Field(None, description="Date de lancement (AAAA-MM-JJ).")
    date_fin: dt.date | None = Field(None, description="Date de fin, si le projet est terminé (AAAA-MM-JJ).")
    themes: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Thèmes du projet (identifiants de content/referentiels/themes.yml)."),
        json_schema_extra=reference("themes"))
    objectifs: list[Element] = Field(default_factory=list, max_length=ELEMENTS, description="Objectifs poursuivis, un par ligne.")
    cibles: list[Element] = Field(default_factory=list, max_length=ELEMENTS, description="Publics visés, un par ligne.")
    acteurs: list[Element] = Field(default_factory=list, max_length=ELEMENTS, description="Acteurs et partenaires mobilisés, un par ligne.")
    actions: list[Element] = Field(default_factory=list, max_length=ELEMENTS, description="Actions mises en place, une par ligne.")
    chiffres: list[Element] = Field(default_factory=list, max_length=ELEMENTS, description="Chiffres clés, par exemple « 60 inscrits ».")
    bilan: str | None = Field(None, max_length=BILAN, description="Bilan : ce qui a marché, ce qui reste à faire.")
    contacts: list[Contact] = Field(default_factory=list, max_length=ELEMENTS, description="Personnes à contacter.")

    @model_validator(mode="after")
    def _dates(self) -> "Projet":
        if self.date_debut and self.date_fin and self.date_fin < self.date_debut:
            raise fail("la date de fin précède la date de début", "vérifiez « date_debut » et « date_fin »")
        return self
