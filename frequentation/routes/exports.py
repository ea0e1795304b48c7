"""CSV exports of the visits, of a Maison or a département, streamed."""

# No « from __future__ import annotations »: FastAPI reads the annotations of routes built at run time.

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from .. import auth, export, periods, store
from ..context import ApiContext
from ..dependencies import Dependencies
from ..errors import ApiError
from . import API, DepCode, Jour, MaisonId


def router(ctx: ApiContext, deps: Dependencies) -> APIRouter:
    r = APIRouter()

    @r.get(f"{API}/maisons/{{maison}}/export.csv", tags=["exports"], summary="Export CSV des visites d'une Maison",
             response_description="Les visites de la Maison sur la période, en CSV (UTF-8).",
             response_class=StreamingResponse)
    def maison_export(maison: MaisonId, who: Annotated[auth.Jeton, Depends(deps.caller)], du: Jour = None, au: Jour = None):
        ctx.maison_of(maison, who)
        start, end = periods.days(du, au)
        return export.response(store.stream(ctx.engine, [maison], start, end), ctx.reseau, f"visites-{maison}")

    @r.get(f"{API}/departements/{{code}}/export.csv", tags=["exports"], response_class=StreamingResponse,
             summary="Export CSV des visites d'un département",
             response_description="Les visites des Maisons du département sur la période, en CSV (UTF-8).")
    def dep_export(code: DepCode, who: Annotated[auth.Jeton, Depends(deps.caller)], du: Jour = None, au: Jour = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les visites de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = periods.days(du, au)
        maisons = sorted(m for m, d in ctx.reseau.maisons.items() if d == code)
        return export.response(store.stream(ctx.engine, maisons, start, end), ctx.reseau, f"visites-{code}")
    return r
