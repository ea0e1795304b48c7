"""Aggregates: of a Maison, a département, the nation (with a token), and the public statistics (small counts hidden)."""

# No « from __future__ import annotations »: FastAPI reads the annotations of routes built at run time.

from concurrent.futures.process import BrokenProcessPool
from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from .. import aggregates, auth
from ..context import ApiContext
from ..dependencies import Dependencies
from ..errors import ApiError
from . import API, DepCode, MaisonId, Mois, NbMois


def router(ctx: ApiContext, deps: Dependencies) -> APIRouter:
    r = APIRouter()

    @r.get(f"{API}/maisons/{{maison}}/statistiques", tags=["statistiques"], summary="Agrégats d'une Maison",
             response_description="Les visites de la Maison par mois, organisme, thème, niveau et résultat.")
    def maison_stats(request: Request, maison: MaisonId, who: Annotated[auth.Jeton, Depends(deps.caller)],
                     de: Mois = None, mois: NbMois = None):
        ctx.maison_of(maison, who)
        start, end = ctx.period(request.query_params, de, mois)
        return aggregates.scope(ctx.engine, "maison", maison, start, end).as_dict(aggregates.months(start, end))

    @r.get(f"{API}/departements/{{code}}/statistiques", tags=["statistiques"], summary="Agrégats d'un département",
             response_description="Les visites du département, et de chacune de ses Maisons.")
    def dep_stats(request: Request, code: DepCode, who: Annotated[auth.Jeton, Depends(deps.caller)], de: Mois = None,
                  mois: NbMois = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les agrégats de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = ctx.period(request.query_params, de, mois)
        return aggregates.scope(ctx.engine, "departement", code, start, end).as_dict(aggregates.months(start, end))

    @r.get(f"{API}/national/statistiques", tags=["statistiques"], summary="Agrégats nationaux",
             response_description="Les visites de tout le réseau, et de chaque département.")
    def nation_stats(request: Request, who: Annotated[auth.Jeton, Depends(deps.caller)], de: Mois = None,
                     mois: NbMois = None):
        if who.role != "relecteur" or who.departement is not None:
            raise ApiError(403, "ce jeton ne lit pas les agrégats nationaux", "il faut un jeton de relecteur national")
        start, end = ctx.period(request.query_params, de, mois)
        return aggregates.scope(ctx.engine, "departement", None, start, end).as_dict(aggregates.months(start, end))

    @r.get(f"{API}/statistiques", tags=["statistiques"], dependencies=[Depends(deps.anonymous)],
             summary="Statistiques publiques (petits effectifs masqués) : ce que publie le portail",
             response_description="Les statistiques publiques : chaque effectif sous le seuil est masqué (null).",
             description=f"Sans jeton, limitées par adresse de client ({ctx.settings.rafale_anonyme:g} d'un coup, "
                         f"{ctx.settings.debit_anonyme:g} par seconde ensuite : 429 au-delà, avec Retry-After). Une "
                         f"même réponse sert pendant {ctx.settings.cache_secondes:g} s.")
    def public_stats(request: Request, de: Mois = None, mois: NbMois = None,
                     seuil: Annotated[Optional[int], Query(ge=2, le=100)] = None):
        start, end = ctx.period(request.query_params, de, mois)
        threshold = max(ctx.settings.seuil, seuil or ctx.settings.seuil)

        def compute() -> bytes:
            with ctx.seats:  # in a worker process: this one keeps answering meanwhile (frequentation/workers.py)
                try:
                    return ctx.public_workers.compute(start, end, threshold)
                except BrokenProcessPool:
                    ctx.public_workers.close()
                    raise ApiError(503, "le calcul des statistiques a été interrompu", "réessayez",
                                   headers={"Retry-After": "1"}) from None
        body = ctx.public_cache.get_or_make((start, end, threshold), compute) if ctx.settings.cache_secondes else compute()
        return Response(body, media_type="application/json",
                        headers={"Cache-Control": f"public, max-age={int(ctx.settings.cache_secondes)}"})
    return r
