"""The service: health, the lists of values of a visit, what a token allows."""

# No « from __future__ import annotations »: FastAPI reads the annotations of routes built at run time.

from typing import Annotated

from fastapi import APIRouter, Depends

from .. import auth
from ..context import ApiContext
from ..dependencies import Dependencies
from ..schemas import Moi, Referentiels, Sante
from . import API


def router(ctx: ApiContext, deps: Dependencies) -> APIRouter:
    r = APIRouter()

    def ping() -> None:
        with ctx.engine.connect().execution_options(lecture=True) as conn:
            conn.exec_driver_sql("SELECT 1")

    @r.get(f"{API}/sante", tags=["service"], summary="État du service", response_model=Sante,
           response_description="Le service répond, et sa base aussi.")
    async def sante() -> Sante:
        # In the event loop (a pooled « SELECT 1 » takes a fraction of a millisecond; PostgreSQL's connections give
        # up after 3 s), never behind threads busy with other requests: handed to a thread under load, the probe's
        # p99 went from 16-45 ms to 186 ms.
        ping()
        return Sante(statut="ok", base=ctx.engine.dialect.name, maisons=len(ctx.reseau.maisons))

    @r.get(f"{API}/referentiels", tags=["service"], summary="Les listes de valeurs d'une visite, avec leurs libellés",
             dependencies=[Depends(deps.anonymous)], response_model=Referentiels,
             response_description="Chaque liste : ses identifiants et leurs libellés.")
    def referentiels() -> dict:
        listes = ctx.reseau.listes
        return {name: [{"id": k, "nom": v} for k, v in listes.of(name).items()]
                for name in ("canaux", "operateurs", "themes", "niveaux", "resultats", "tranches_age", "situations")}

    @r.get(f"{API}/moi", tags=["service"], summary="Ce que permet le jeton", response_model=Moi,
           response_description="Le rôle du jeton, sa Maison ou son département.")
    def moi(who: Annotated[auth.Jeton, Depends(deps.caller)]) -> Moi:
        return Moi(role=who.role, maison=who.maison, nom=ctx.reseau.noms.get(who.maison or ""),
                   departement=who.departement or ctx.reseau.maisons.get(who.maison or ""))
    return r
