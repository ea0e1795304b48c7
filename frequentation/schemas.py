"""The shapes the API reads and answers, built from the reference lists at start: the OpenAPI document then
lists every value a field accepts, and a value outside the lists is refused with the list in the reason."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from .referentiel import Listes

#: visit ids, page sizes: bounded so that no number can overflow a 64-bit column (SQLite refuses them)
ID_MAX = 2**53
MOIS = r"^\d{4}-(0[1-9]|1[0-2])$"
JOUR_MIN = dt.datetime(2000, 1, 1)


def _choice(values: dict[str, str], optional: bool, description: str):
    ids = tuple(values) or ("-",)
    kind = Literal[ids]  # type: ignore[valid-type]
    if optional:
        return Optional[kind], Field(None, description=description)
    return kind, Field(description=description)


class Models:
    """The request and answer models for a network's lists (``Models(listes).Entree`` …)."""

    def __init__(self, listes: Listes):
        fields = {
            "quand": (dt.datetime, Field(description="Date et heure de la visite (heure locale de la Maison, "
                                                     "ou avec un décalage horaire).")),
            "canal": _choice(listes.canaux, False, "Canal : sur place, téléphone, permanence itinérante…"),
            "tranche_age": _choice(listes.tranches_age, True, "Tranche d'âge (content/referentiels/publics.yml)."),
            "situation": _choice(listes.situations, True, "Situation (content/referentiels/publics.yml)."),
            "operateur": _choice(listes.operateurs, True, "Motif : opérateur concerné, s'il y en a un."),
            "theme": _choice(listes.themes, False, "Motif : thème de la démarche."),
            "niveau": _choice(listes.niveaux, False, "Niveau d'accompagnement."),
            "resultat": _choice(listes.resultats, False, "Résultat de la demande."),
            "duree_minutes": (Optional[int], Field(None, ge=1, le=480, description="Durée, en minutes.")),
        }
        config = ConfigDict(extra="forbid", title="Visite")
        self.Entree = create_model("VisiteEntree", __config__=config, **fields)
        self.Visite = create_model(
            "Visite", __config__=ConfigDict(title="Visite enregistrée"),
            id=(int, Field(description="Identifiant de la visite.")),
            maison=(str, Field(description="Identifiant de la Maison.")),
            demonstration=(bool, Field(description="Donnée de démonstration (msap api demo).")),
            **fields)
        self.Lot = create_model("LotDeVisites", __config__=ConfigDict(extra="forbid"),
                                visites=(list[self.Entree], Field(min_length=1, description="Les visites.")))
        self.Liste = create_model("ListeDeVisites", visites=(list[self.Visite], ...),
                                  suivant=(Optional[int], Field(None, description="Pour la page suivante : apres=…")))
        self.Enregistrees = create_model("VisitesEnregistrees", visites=(list[self.Visite], ...))


class Erreur(BaseModel):
    erreur: str = Field(description="Ce qui ne va pas, en français.")
    indice: str = Field("", description="Comment y remédier.")
    details: list[dict] = Field(default_factory=list, description="Un élément par champ refusé.")


class Aujourdhui(BaseModel):
    date: dt.date
    visites: int


class Moi(BaseModel):
    role: str
    maison: Optional[str] = None
    nom: Optional[str] = None
    departement: Optional[str] = None
