"""The shapes the API reads and answers, built from the reference lists at start: the OpenAPI document then
lists every value a field accepts, and a value outside the lists is refused with the list in the reason."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

from .periods import QUAND, parse_quand
from .referentiel import Listes

#: visit ids, page sizes: bounded so that no number can overflow a 64-bit column (SQLite refuses them)
ID_MAX = 2**53


def _choice(values: dict[str, str], optional: bool, description: str):
    ids = tuple(values) or ("-",)
    kind = Literal[ids]  # type: ignore[valid-type]
    if optional:
        return Optional[kind], Field(None, description=description)
    return kind, Field(description=description)


_QUAND = re.compile(QUAND)


def _quand(value: object) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40 or not _QUAND.match(value):
        raise PydanticCustomError("quand_format", "date et heure illisibles")
    return parse_quand(value)


#: a visit's time as sent: a string of the form the document gives, read after its form is checked (a number,
#: « -1 » or a year 999 are refused, never read as a time)
QuandEntree = Annotated[dt.datetime, PlainValidator(_quand),
                        WithJsonSchema({"type": "string", "pattern": QUAND, "maxLength": 40})]
def _number(value: object) -> object:
    """A JSON number only: « "15" » and « true » are refused (a lax integer would read them), « 15.0 » is the
    integer JSON Schema says it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("int_type", "un nombre entier est attendu")
    return value


Minutes = Annotated[int, Field(ge=1, le=480), BeforeValidator(_number)]


class Models:
    """The request and answer models for a network's lists (``Models(listes).Entree`` …); ``lot_max``: the most
    visits a batch holds (in the document too)."""

    def __init__(self, listes: Listes, lot_max: int = 500):
        fields = {
            "quand": (QuandEntree, Field(description=(
                "Date et heure de la visite, de 2000 à 2099 : l'heure locale de la Maison (« 2026-11-26T10:15 »), "
                "ou avec un décalage horaire (« 2026-11-26T09:15Z », « …+01:00 »), alors ramenée à l'heure "
                "locale de la Maison."))),
            "canal": _choice(listes.canaux, False, "Canal : sur place, téléphone, permanence itinérante…"),
            "tranche_age": _choice(listes.tranches_age, True, "Tranche d'âge (content/referentiels/publics.yml)."),
            "situation": _choice(listes.situations, True, "Situation (content/referentiels/publics.yml)."),
            "operateur": _choice(listes.operateurs, True, "Motif : opérateur concerné, s'il y en a un."),
            "theme": _choice(listes.themes, False, "Motif : thème de la démarche."),
            "niveau": _choice(listes.niveaux, False, "Niveau d'accompagnement."),
            "resultat": _choice(listes.resultats, False, "Résultat de la demande."),
            "duree_minutes": (Optional[Minutes], Field(None, description="Durée, en minutes, de 1 à 480 "
                                                                                    "(un nombre entier).")),
        }
        config = ConfigDict(extra="forbid", title="Visite")
        self.Entree = create_model("VisiteEntree", __config__=config, **fields)
        answered = {**fields, "quand": (dt.datetime, Field(description=(
            "Date et heure de la visite, à l'heure locale de la Maison, avec son décalage horaire (RFC 3339).")))}
        self.Visite = create_model(
            "Visite", __config__=ConfigDict(title="Visite enregistrée"),
            id=(int, Field(description="Identifiant de la visite.")),
            maison=(str, Field(description="Identifiant de la Maison.")),
            demonstration=(bool, Field(description="Donnée de démonstration (msap api demo).")),
            **answered)
        self.Lot = create_model("LotDeVisites", __config__=ConfigDict(extra="forbid"),
                                visites=(list[self.Entree], Field(min_length=1, max_length=lot_max, description=(
                                    f"Les visites (au plus {lot_max} ; au-delà, en plusieurs lots)."))))
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


class Sante(BaseModel):
    """L'état du service."""
    statut: str = Field(description="« ok » quand la base répond.")
    base: str = Field(description="Le moteur de la base : sqlite ou postgresql.")
    maisons: int = Field(description="Les Maisons connues du service (celles du contenu).")


class Libelle(BaseModel):
    id: str = Field(description="L'identifiant à envoyer.")
    nom: str = Field(description="Le libellé à montrer.")


class Referentiels(BaseModel):
    """Les listes de valeurs d'une visite, chacune dans l'ordre où la montrer."""
    canaux: list[Libelle]
    operateurs: list[Libelle]
    themes: list[Libelle]
    niveaux: list[Libelle]
    resultats: list[Libelle]
    tranches_age: list[Libelle]
    situations: list[Libelle]


class Moi(BaseModel):
    role: str
    maison: Optional[str] = None
    nom: Optional[str] = None
    departement: Optional[str] = None
