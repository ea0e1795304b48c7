"""The API's routes, one module per tag of the OpenAPI document (service, visites, statistiques, exports); each
module's ``router(ctx, deps)`` makes its routes for one app. Here: the parameters they share."""

# No « from __future__ import annotations »: FastAPI reads these annotations.

from typing import Annotated, Optional

from fastapi import Header, Path as PathParam, Query

from .. import periods
from ..schemas import ID_MAX

API = "/api/v1"
MaisonId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                                    description="Identifiant de la Maison (champ « id » de sa fiche).")]
VisitId = Annotated[int, PathParam(ge=1, le=ID_MAX, description="Identifiant de la visite.")]
DepCode = Annotated[str, PathParam(pattern=r"^(\d{2}|2A|2B|97\d|98\d)$", description="Code du département.")]
Mois = Annotated[Optional[str], Query(pattern=periods.MOIS, description=(
    "Premier mois de la période, AAAA-MM, de 2000-01 à 2099-12 (défaut : la période finit avec le mois en cours)."))]
NbMois = Annotated[Optional[int], Query(ge=1, le=periods.MOIS_MAX, description=(
    f"Nombre de mois de la période, de 1 à {periods.MOIS_MAX} (dix ans ; défaut : {periods.MOIS_DEFAUT}). Une "
    "période qui dépasserait 2099-12 s'arrête là."))]
Jour = Annotated[Optional[str], Query(pattern=periods.JOUR, description=(
    "Date AAAA-MM-JJ, du 2000-01-01 au 2099-12-31. Une fin avant le début donne une période vide."))]
IdempotencyKey = Annotated[Optional[str], Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                                 description="Rejouer la même requête avec la même clé "
                                                             "ne l'enregistre qu'une fois.")]
