"""A toolbox resource: ``content/ressources/<slug>.md``.

"Chacun des opérateurs nationaux a fourni les documents nécessaires à la bonne
compréhension de leur offre de services […] Côté communication, tous les supports
et fichiers personnalisables sont téléchargeables" (bulletin, « La boîte à outils »).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, Field

from .fields import Slug, Strict, Url, choice, fail, reference
from .limits import ELEMENTS, IDENTIFIANT, NOM, RESUME

TYPES = {
    "document": "Document",
    "video": "Vidéo",
    "article": "Article",
    "convention": "Convention",
    "kit_communication": "Kit de communication",
    "fiche_technique": "Fiche technique",
    "fiche_offre": "Fiche offre de services",
    "formation": "Formation",
    "modele": "Modèle à personnaliser",
    "questions_reponses": "Questions-réponses",
}
PUBLICS = {"tous": "Tout public", "agents": "Réservée aux agents (espace professionnel)"}

FICHIER_EXTENSIONS = ("pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "csv", "txt", "png", "jpg", "zip")
FICHIER_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9]+)+$")


def _fichier(value: str) -> str:
    name = value.rsplit("/", 1)[-1]
    if "/" in value or not FICHIER_RE.match(value):
        raise fail(f"« {value} » n'est pas un nom de fichier accepté",
                   "le nom seul d'un fichier déposé dans content/ressources/fichiers/, en minuscules, "
                   "sans espace ni accent, par exemple « kit-communication-2016.pdf »")
    if name.rsplit(".", 1)[-1] not in FICHIER_EXTENSIONS:
        raise fail(f"le type de fichier de « {value} » n'est pas accepté",
                   "formats acceptés : " + ", ".join(FICHIER_EXTENSIONS))
    return value


Fichier = Annotated[str, AfterValidator(_fichier), Field(max_length=IDENTIFIANT)]


class Ressource(Strict):
    """Document, vidéo, article ou kit partagé dans la boîte à outils."""

    titre: str = Field(min_length=3, max_length=NOM, description="Titre de la ressource.")
    type: choice(TYPES) = Field(description="Nature de la ressource.")
    resume: str = Field(min_length=10, max_length=RESUME, description="Résumé en une ou deux phrases, affiché dans les listes.")
    date: dt.date = Field(description="Date de publication ou de dernière mise à jour (AAAA-MM-JJ).")
    public: choice(PUBLICS) = Field("tous", description=(
        "Qui peut la consulter : tout le monde, ou seulement les agents dans l'espace professionnel."))
    operateurs: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Opérateurs concernés (identifiants de content/referentiels/operateurs.yml)."),
        json_schema_extra=reference("operateurs"))
    themes: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Thèmes concernés (identifiants de content/referentiels/themes.yml)."),
        json_schema_extra=reference("themes"))
    fichier: Fichier | None = Field(None, description=(
        "Fichier à télécharger, déposé dans content/ressources/fichiers/ (nom du fichier seul)."))
    lien: Url | None = Field(None, description="Lien vers la ressource si elle est en ligne ailleurs (https://…).")
    auteur: str | None = Field(None, max_length=NOM, description="Auteur ou organisme qui a produit la ressource.")
