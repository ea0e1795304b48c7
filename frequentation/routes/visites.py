"""Visits: recorded one by one or in batches (offline entry synchronised), listed, read, corrected, deleted."""

# No « from __future__ import annotations »: FastAPI reads the annotations of routes built at run time.

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from .. import auth, periods, store
from ..context import ApiContext
from ..dependencies import Dependencies
from ..errors import ApiError
from ..schemas import ID_MAX, Aujourdhui
from . import API, IdempotencyKey, Jour, MaisonId, VisitId


def router(ctx: ApiContext, deps: Dependencies) -> APIRouter:
    r = APIRouter()

    @r.post(f"{API}/maisons/{{maison}}/visites", tags=["visites"], status_code=201,
              summary="Enregistrer une visite", response_model=ctx.models.Visite,
              response_description="La visite enregistrée, avec son identifiant.")
    async def record_one(maison: MaisonId, visite: ctx.models.Entree, who: Annotated[auth.Jeton, Depends(deps.writer)],
                         key: IdempotencyKey = None):
        ctx.maison_of(maison, who, write=True)

        def write() -> tuple[int, dict]:
            return _record(maison, [visite.model_dump()], who, key, lambda rows: ctx.visit_out(rows[0]))
        # SQLite takes one writer at a time and commits one visit in a fraction of a millisecond: the write is
        # done here, in the event loop, rather than handed to a thread and back, which cost more than the write
        # itself (measured: 711 → 1,420 visits/s). PostgreSQL writes concurrently: there it goes to a thread.
        status, body = write() if ctx.inline_writes else await run_in_threadpool(write)
        return JSONResponse(body, status_code=status)

    @r.post(f"{API}/maisons/{{maison}}/visites/lot", tags=["visites"], status_code=201,
              summary="Enregistrer un lot de visites (saisie hors ligne synchronisée)", response_model=ctx.models.Enregistrees,
              response_description="Les visites du lot, enregistrées dans leur ordre.")
    def record_batch(maison: MaisonId, lot: ctx.models.Lot, who: Annotated[auth.Jeton, Depends(deps.writer)],
                     key: IdempotencyKey = None):
        ctx.maison_of(maison, who, write=True)
        status, body = _record(maison, [v.model_dump() for v in lot.visites], who, key,
                               lambda rows: {"visites": [ctx.visit_out(r) for r in rows]})
        return JSONResponse(body, status_code=status)

    def _record(maison, entries, who, key, answer):
        try:
            status, body = store.record(ctx.engine, ctx.reseau, maison, entries, who.id, key,
                                        lambda rows: _jsonable(answer(rows)))
        except store.Conflit:
            raise ApiError(409, "cette clé d'idempotence a déjà servi pour une autre requête",
                           "utilisez une nouvelle clé (un identifiant aléatoire) pour chaque envoi distinct") from None
        return status, body

    @r.get(f"{API}/maisons/{{maison}}/visites", tags=["visites"], summary="Lister ses visites",
             response_model=ctx.models.Liste, response_description="Une page de visites, et où prendre la suivante.")
    def list_visits(maison: MaisonId, who: Annotated[auth.Jeton, Depends(deps.caller)], du: Jour = None, au: Jour = None,
                    apres: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
                    limite: Annotated[int, Query(ge=1, le=1000)] = 100):
        ctx.maison_of(maison, who)
        rows, following = store.page(ctx.engine, maison, *periods.days(du, au), apres, limite)
        return {"visites": [ctx.visit_out(r) for r in rows], "suivant": following}

    @r.get(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], summary="Lire une visite",
             response_model=ctx.models.Visite, response_description="La visite.")
    def read_visit(maison: MaisonId, visite_id: VisitId, who: Annotated[auth.Jeton, Depends(deps.caller)]):
        ctx.maison_of(maison, who)
        return ctx.visit_out(_found(store.get(ctx.engine, maison, visite_id), visite_id))

    @r.put(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], summary="Corriger une visite",
             response_model=ctx.models.Visite, response_description="La visite corrigée.")
    def correct_visit(maison: MaisonId, visite_id: VisitId, visite: ctx.models.Entree,
                      who: Annotated[auth.Jeton, Depends(deps.writer)]):
        ctx.maison_of(maison, who, write=True)
        return ctx.visit_out(_found(store.correct(ctx.engine, ctx.reseau, maison, visite_id, visite.model_dump()), visite_id))

    @r.delete(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], status_code=204,
                summary="Supprimer une visite saisie par erreur",
                response_description="La visite est supprimée.")
    def delete_visit(maison: MaisonId, visite_id: VisitId, who: Annotated[auth.Jeton, Depends(deps.writer)]):
        ctx.maison_of(maison, who, write=True)
        _found(store.remove(ctx.engine, ctx.reseau, maison, visite_id) or None, visite_id)
        return Response(status_code=204)

    def _found(value, visite_id: int):
        if value is None:
            raise ApiError(404, f"aucune visite n° {visite_id} dans cette Maison",
                           "la liste des visites (…/visites) donne leurs numéros")
        return value

    @r.get(f"{API}/maisons/{{maison}}/aujourdhui", tags=["visites"], summary="Visites du jour",
             response_model=Aujourdhui, response_description="Le nombre de visites de la Maison ce jour-là.")
    def today(maison: MaisonId, who: Annotated[auth.Jeton, Depends(deps.caller)], date: Jour = None):
        ctx.maison_of(maison, who)
        day = dt.date.fromisoformat(date) if date else dt.date.today()
        start = dt.datetime.combine(day, dt.time())
        return Aujourdhui(date=day, visites=store.count_between(ctx.engine, maison, start, start + dt.timedelta(days=1)))
    return r


def _jsonable(body):
    return json.loads(json.dumps(body, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
