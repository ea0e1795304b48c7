"""The HTTP API (FastAPI): routes, who may call them, and errors that say in French what is wrong and what to
do. The OpenAPI document is published at /api/v1/openapi.json (no documentation page loaded from a CDN)."""

# No « from __future__ import annotations » here: FastAPI reads the annotations of routes built at run time.

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

from fastapi import Depends, FastAPI, Header, Path as PathParam, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from sqlalchemy import Engine

from . import aggregates, auth, export, store
from .db import engine_for, migrate
from .errors import ApiError, french_details
from .referentiel import Reseau
from .schemas import ID_MAX, MOIS, Aujourdhui, Erreur, Models, Moi
from .settings import Settings

API = "/api/v1"
SAISIE = Path(__file__).parent / "saisie"
MaisonId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                                    description="Identifiant de la Maison (champ « id » de sa fiche).")]
VisitId = Annotated[int, PathParam(ge=1, le=ID_MAX, description="Identifiant de la visite.")]
DepCode = Annotated[str, PathParam(pattern=r"^(\d{2}|2A|2B|97\d|98\d)$", description="Code du département.")]
Mois = Annotated[Optional[str], Query(pattern=MOIS, description="Mois AAAA-MM (défaut : les 12 derniers mois).")]
Jour = Annotated[Optional[dt.date], Query(ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1),
                                          description="Date AAAA-MM-JJ.")]
IdempotencyKey = Annotated[Optional[str], Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                                 description="Rejouer la même requête avec la même clé "
                                                             "ne l'enregistre qu'une fois.")]
ERREURS = {s: {"model": Erreur} for s in (400, 401, 403, 404, 409, 422, 429)}


def create_app(settings: Settings, reseau: Reseau | None = None, engine: Engine | None = None) -> FastAPI:
    reseau = reseau or Reseau.load(settings.root)
    engine = engine or engine_for(settings.url)
    migrate(engine)
    models = Models(reseau.listes)
    limiter = auth.RateLimiter(settings.debit, settings.rafale)
    inline_writes = engine.dialect.name == "sqlite"
    app = FastAPI(title="Fréquentation des Maisons France services", version="1",
                  description="Les agents consignent chaque visite ; les statistiques publiques alimentent le portail.",
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None, responses=ERREURS)
    app.state.engine, app.state.reseau, app.state.settings = engine, reseau, settings

    @app.exception_handler(ApiError)
    def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # one path may be served by several routes: list every method they allow
            headers["Allow"] = ", ".join(sorted(allowed_methods(app, request.scope)))
            return JSONResponse(ApiError(405, f"méthode {request.method} non permise ici",
                                         f"méthodes permises : {headers['Allow']}").body(), 405, headers)
        if exc.status_code == 404:
            return JSONResponse(ApiError(404, "adresse inconnue", f"les adresses de l'API sont décrites dans "
                                         f"{API}/openapi.json").body(), 404, headers)
        if exc.status_code == 400:
            return JSONResponse(ApiError(400, "corps de la requête illisible", "envoyez du JSON encodé en UTF-8")
                                .body(), 400, headers)
        return JSONResponse(ApiError(exc.status_code, str(exc.detail)).body(), exc.status_code, headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = french_details(exc.errors())
        first = details[0] if details else {"champ": "", "message": "requête illisible"}
        return JSONResponse(ApiError(422, f"données refusées : {first['champ']} : {first['message']}",
                                     "corrigez les champs listés dans « details » et renvoyez la requête",
                                     details=details).body(), status_code=422)

    # --- who is calling ---------------------------------------------------------------------------------
    # async: run in the event loop (a known token is in memory); a sync dependency would cost a hop to a thread
    async def caller(authorization: Annotated[Optional[str], Header()] = None) -> auth.Jeton:
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "jeton manquant", "envoyez l'en-tête « Authorization: Bearer <jeton> » ; "
                           "un jeton se crée avec « msap api token create »", headers={"WWW-Authenticate": "Bearer"})
        found = auth.lookup(engine, authorization[7:].strip())
        if found is None:
            raise ApiError(401, "jeton inconnu ou révoqué", "demandez un nouveau jeton à votre référent",
                           headers={"WWW-Authenticate": "Bearer"})
        return found

    async def writer(who: Annotated[auth.Jeton, Depends(caller)]) -> auth.Jeton:
        wait = limiter.allow(who.id)
        if wait:
            raise ApiError(429, "trop d'écritures en peu de temps", f"réessayez dans {wait:.1f} s, ou envoyez "
                           "les visites en un seul lot (…/visites/lot)", headers={"Retry-After": str(int(wait) + 1)})
        return who

    def maison_of(maison: str, who: auth.Jeton, write: bool = False) -> str:
        if maison not in reseau.maisons:
            raise ApiError(404, f"Maison inconnue : « {maison} »", "l'identifiant est le champ « id » de la fiche")
        if (write and who.maison != maison) or not who.reads_maison(maison, reseau.maisons[maison]):
            raise ApiError(403, "ce jeton ne donne pas accès à cette Maison",
                           "un jeton d'agent ne sert que pour sa propre Maison")
        return maison

    def period(de: str | None, a: str | None) -> tuple[str, str]:
        start, end = aggregates.default_period()
        start, end = de or start, a or end
        if start > end:
            raise ApiError(422, f"période vide : {start} est après {end}", "« de » doit précéder « a »")
        return start, end

    def days(du: dt.date | None, au: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
        today = dt.date.today()
        start = du or today.replace(month=1, day=1)
        end = au or today
        if start > end:
            raise ApiError(422, f"période vide : {start} est après {end}", "« du » doit précéder « au »")
        return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())

    def visit_out(row: dict) -> dict:
        return {k: row[k] for k in ("id", "maison", "demonstration", *store.COLUMNS)}

    # --- routes -------------------------------------------------------------------------------------------
    @app.get(f"{API}/sante", tags=["service"], summary="État du service")
    def sante() -> dict:
        with engine.connect().execution_options(lecture=True) as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"statut": "ok", "base": engine.dialect.name, "maisons": len(reseau.maisons)}

    @app.get(f"{API}/referentiels", tags=["service"], summary="Les listes de valeurs d'une visite, avec leurs libellés")
    def referentiels() -> dict:
        listes = reseau.listes
        return {name: [{"id": k, "nom": v} for k, v in listes.of(name).items()]
                for name in ("canaux", "operateurs", "themes", "niveaux", "resultats", "tranches_age", "situations")}

    @app.get(f"{API}/moi", tags=["service"], summary="Ce que permet le jeton", response_model=Moi)
    def moi(who: Annotated[auth.Jeton, Depends(caller)]) -> Moi:
        return Moi(role=who.role, maison=who.maison, nom=reseau.noms.get(who.maison or ""),
                   departement=who.departement or reseau.maisons.get(who.maison or ""))

    @app.post(f"{API}/maisons/{{maison}}/visites", tags=["visites"], status_code=201,
              summary="Enregistrer une visite", response_model=models.Visite)
    async def record_one(maison: MaisonId, visite: models.Entree, who: Annotated[auth.Jeton, Depends(writer)],
                         key: IdempotencyKey = None):
        maison_of(maison, who, write=True)

        def write() -> tuple[int, dict]:
            return _record(maison, [visite.model_dump()], who, key, lambda rows: visit_out(rows[0]))
        # SQLite takes one writer at a time and commits one visit in a fraction of a millisecond: the write is
        # done here, in the event loop, rather than handed to a thread and back, which cost more than the write
        # itself (measured: 711 → 1,420 visits/s). PostgreSQL writes concurrently: there it goes to a thread.
        status, body = write() if inline_writes else await run_in_threadpool(write)
        return JSONResponse(body, status_code=status)

    @app.post(f"{API}/maisons/{{maison}}/visites/lot", tags=["visites"], status_code=201,
              summary="Enregistrer un lot de visites (saisie hors ligne synchronisée)", response_model=models.Enregistrees)
    def record_batch(maison: MaisonId, lot: models.Lot, who: Annotated[auth.Jeton, Depends(writer)],
                     key: IdempotencyKey = None):
        maison_of(maison, who, write=True)
        if len(lot.visites) > settings.lot_max:
            raise ApiError(422, f"lot trop gros : {len(lot.visites)} visites (au plus {settings.lot_max})",
                           "découpez l'envoi en plusieurs lots")
        status, body = _record(maison, [v.model_dump() for v in lot.visites], who, key,
                               lambda rows: {"visites": [visit_out(r) for r in rows]})
        return JSONResponse(body, status_code=status)

    def _record(maison, entries, who, key, answer):
        try:
            status, body = store.record(engine, reseau, maison, entries, who.id, key,
                                        lambda rows: _jsonable(answer(rows)))
        except store.Conflit:
            raise ApiError(409, "cette clé d'idempotence a déjà servi pour une autre requête",
                           "utilisez une nouvelle clé (un identifiant aléatoire) pour chaque envoi distinct") from None
        return status, body

    @app.get(f"{API}/maisons/{{maison}}/visites", tags=["visites"], summary="Lister ses visites",
             response_model=models.Liste)
    def list_visits(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)], du: Jour = None, au: Jour = None,
                    apres: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
                    limite: Annotated[int, Query(ge=1, le=1000)] = 100):
        maison_of(maison, who)
        rows, following = store.page(engine, maison, *days(du, au), apres, limite)
        return {"visites": [visit_out(r) for r in rows], "suivant": following}

    @app.get(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], summary="Lire une visite",
             response_model=models.Visite)
    def read_visit(maison: MaisonId, visite_id: VisitId, who: Annotated[auth.Jeton, Depends(caller)]):
        maison_of(maison, who)
        return visit_out(_found(store.get(engine, maison, visite_id), visite_id))

    @app.put(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], summary="Corriger une visite",
             response_model=models.Visite)
    def correct_visit(maison: MaisonId, visite_id: VisitId, visite: models.Entree,
                      who: Annotated[auth.Jeton, Depends(writer)]):
        maison_of(maison, who, write=True)
        return visit_out(_found(store.correct(engine, reseau, maison, visite_id, visite.model_dump()), visite_id))

    @app.delete(f"{API}/maisons/{{maison}}/visites/{{visite_id:int}}", tags=["visites"], status_code=204,
                summary="Supprimer une visite saisie par erreur")
    def delete_visit(maison: MaisonId, visite_id: VisitId, who: Annotated[auth.Jeton, Depends(writer)]):
        maison_of(maison, who, write=True)
        _found(store.remove(engine, reseau, maison, visite_id) or None, visite_id)
        return Response(status_code=204)

    def _found(value, visite_id: int):
        if value is None:
            raise ApiError(404, f"aucune visite n° {visite_id} dans cette Maison",
                           "la liste des visites (…/visites) donne leurs numéros")
        return value

    @app.get(f"{API}/maisons/{{maison}}/aujourdhui", tags=["visites"], summary="Visites du jour",
             response_model=Aujourdhui)
    def today(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)],
              date: Annotated[Optional[dt.date], Query(ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1))] = None):
        maison_of(maison, who)
        day = date or dt.date.today()
        start = dt.datetime.combine(day, dt.time())
        return Aujourdhui(date=day, visites=store.count_between(engine, maison, start, start + dt.timedelta(days=1)))

    @app.get(f"{API}/maisons/{{maison}}/statistiques", tags=["statistiques"], summary="Agrégats d'une Maison")
    def maison_stats(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)], de: Mois = None, a: Mois = None):
        maison_of(maison, who)
        start, end = period(de, a)
        return aggregates.scope(engine, "maison", maison, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/departements/{{code}}/statistiques", tags=["statistiques"], summary="Agrégats d'un département")
    def dep_stats(code: DepCode, who: Annotated[auth.Jeton, Depends(caller)], de: Mois = None, a: Mois = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les agrégats de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = period(de, a)
        return aggregates.scope(engine, "departement", code, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/national/statistiques", tags=["statistiques"], summary="Agrégats nationaux")
    def nation_stats(who: Annotated[auth.Jeton, Depends(caller)], de: Mois = None, a: Mois = None):
        if who.role != "relecteur" or who.departement is not None:
            raise ApiError(403, "ce jeton ne lit pas les agrégats nationaux", "il faut un jeton de relecteur national")
        start, end = period(de, a)
        return aggregates.scope(engine, "departement", None, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/statistiques", tags=["statistiques"],
             summary="Statistiques publiques (petits effectifs masqués) : ce que publie le portail")
    def public_stats(de: Mois = None, a: Mois = None,
                     seuil: Annotated[Optional[int], Query(ge=2, le=100)] = None):
        start, end = period(de, a)
        return aggregates.public(engine, start, end, max(settings.seuil, seuil or settings.seuil))

    @app.get(f"{API}/maisons/{{maison}}/export.csv", tags=["exports"], summary="Export CSV des visites d'une Maison",
             response_class=StreamingResponse)
    def maison_export(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)], du: Jour = None, au: Jour = None):
        maison_of(maison, who)
        start, end = days(du, au)
        return export.response(store.stream(engine, [maison], start, end), reseau, f"visites-{maison}")

    @app.get(f"{API}/departements/{{code}}/export.csv", tags=["exports"], response_class=StreamingResponse,
             summary="Export CSV des visites d'un département")
    def dep_export(code: DepCode, who: Annotated[auth.Jeton, Depends(caller)], du: Jour = None, au: Jour = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les visites de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = days(du, au)
        maisons = sorted(m for m, d in reseau.maisons.items() if d == code)
        return export.response(store.stream(engine, maisons, start, end), reseau, f"visites-{code}")

    if SAISIE.is_dir():
        app.mount("/saisie", StaticFiles(directory=SAISIE, html=True), name="saisie")

        @app.get("/", include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse("/saisie/")
    return app


def allowed_methods(app: FastAPI, scope: dict) -> set[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _child = route.matches({**scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return methods


def _jsonable(body):
    import json

    return json.loads(json.dumps(body, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
