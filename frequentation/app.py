"""The HTTP API (FastAPI): routes, who may call them, and errors that say in French what is wrong and what to
do. The OpenAPI document is published at /api/v1/openapi.json (no documentation page loaded from a CDN)."""

# No « from __future__ import annotations » here: FastAPI reads the annotations of routes built at run time.

import contextlib
import json
import datetime as dt
import weakref
from concurrent.futures.process import BrokenProcessPool
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

from sqlalchemy.exc import OperationalError

from . import aggregates, auth, export, guard, periods, store, workers
from .db import engine_for, migrate
from .errors import ApiError, french_details
from .referentiel import Reseau
from .schemas import ID_MAX, Aujourdhui, Erreur, Models, Moi
from .settings import Settings

API = "/api/v1"
SAISIE = Path(__file__).parent / "saisie"
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
ERREURS = {s: {"model": Erreur} for s in (400, 401, 403, 404, 409, 422, 429)}


def create_app(settings: Settings, reseau: Reseau | None = None, engine: Engine | None = None) -> FastAPI:
    reseau = reseau or Reseau.load(settings.root)
    engine = engine or engine_for(settings.url)
    migrate(engine)
    models = Models(reseau.listes, settings.lot_max)
    limiter = guard.Buckets(settings.debit, settings.rafale)  # writes, per token
    anonymous_reads = guard.Buckets(settings.debit_anonyme, settings.rafale_anonyme)
    failed_auth = guard.Buckets(0.1, settings.echecs_auth)
    public_cache = guard.Cache(settings.cache_secondes)
    seats = guard.Seats(settings.calculs_simultanes)
    public_workers = workers.PublicAggregates(engine.url.render_as_string(hide_password=False),
                                              settings.calculs_simultanes, settings.delai_requete)
    inline_writes = engine.dialect.name == "sqlite"
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        public_workers.close()

    app = FastAPI(title="Fréquentation des Maisons France services", version="1", lifespan=lifespan,
                  description="Les agents consignent chaque visite ; les statistiques publiques alimentent le portail.",
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None, responses=ERREURS)
    app.state.engine, app.state.reseau, app.state.settings, app.state.seats = engine, reseau, settings, seats
    app.state.public_workers = public_workers
    weakref.finalize(app, public_workers.close)
    app.add_middleware(guard.Guard, max_body=settings.corps_max, timeout=settings.delai_requete)

    @app.exception_handler(OperationalError)
    def _slow(_request: Request, exc: OperationalError) -> JSONResponse:
        if "interrupted" in str(exc) or "statement timeout" in str(exc) or "canceling statement" in str(exc):
            return JSONResponse(ApiError(503, "la requête a pris trop de temps",
                                         f"au plus {settings.delai_requete:g} s : demandez moins, ou réessayez plus "
                                         "tard").body(), 503, {"Retry-After": "5"})
        raise exc

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
    async def caller(request: Request, authorization: Annotated[Optional[str], Header()] = None) -> auth.Jeton:
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "jeton manquant", "envoyez l'en-tête « Authorization: Bearer <jeton> » ; "
                           "un jeton se crée avec « msap api token create »", headers={"WWW-Authenticate": "Bearer"})
        known = auth.cached(authorization[7:].strip())
        if known is not None:  # the common case, in memory: never slowed down by others' failures
            return known
        address = client_address(request)
        wait = failed_auth.wait(address)
        if wait:  # guesses are slowed down per address, before the base is even asked
            raise guard.too_many(wait, "trop de jetons refusés depuis cette adresse",
                                 f"réessayez dans {wait:.0f} s avec le jeton remis par votre référent")
        found = auth.lookup(engine, authorization[7:].strip())
        if found is None:
            failed_auth.take(address)
            raise ApiError(401, "jeton inconnu ou révoqué", "demandez un nouveau jeton à votre référent",
                           headers={"WWW-Authenticate": "Bearer"})
        return found

    async def anonymous(request: Request) -> None:
        """Reads without a token, rate limited per client address."""
        wait = anonymous_reads.take(client_address(request))
        if wait:
            raise guard.too_many(wait, "trop de requêtes depuis cette adresse",
                                 f"réessayez dans {wait:.1f} s ; les statistiques publiques changent peu : gardez "
                                 "la réponse (le portail les relève une fois par construction)")

    async def writer(who: Annotated[auth.Jeton, Depends(caller)]) -> auth.Jeton:
        wait = limiter.take(who.id)
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

    def period(request: Request, de: str | None, mois: int | None) -> tuple[str, str]:
        if "a" in request.query_params:  # the former end of a period: a client still sending it is told so
            raise ApiError(422, "le paramètre « a » n'existe plus", f"donnez le premier mois (« de ») et le nombre "
                           f"de mois (« mois », au plus {periods.MOIS_MAX})")
        return periods.period(de, mois)

    def visit_out(row: dict) -> dict:
        out = {k: row[k] for k in ("id", "maison", "demonstration", *store.COLUMNS)}
        out["quand"] = periods.with_offset(row["quand"], reseau.maisons.get(row["maison"], ""))
        return out

    # --- routes -------------------------------------------------------------------------------------------
    def ping() -> None:
        with engine.connect().execution_options(lecture=True) as conn:
            conn.exec_driver_sql("SELECT 1")

    @app.get(f"{API}/sante", tags=["service"], summary="État du service")
    async def sante() -> dict:
        # In the event loop (a pooled « SELECT 1 » takes a fraction of a millisecond; PostgreSQL's connections give
        # up after 3 s), never behind threads busy with other requests: handed to a thread under load, the probe's
        # p99 went from 16-45 ms to 186 ms.
        ping()
        return {"statut": "ok", "base": engine.dialect.name, "maisons": len(reseau.maisons)}

    @app.get(f"{API}/referentiels", tags=["service"], summary="Les listes de valeurs d'une visite, avec leurs libellés",
             dependencies=[Depends(anonymous)])
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
        rows, following = store.page(engine, maison, *periods.days(du, au), apres, limite)
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
    def today(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)], date: Jour = None):
        maison_of(maison, who)
        day = dt.date.fromisoformat(date) if date else dt.date.today()
        start = dt.datetime.combine(day, dt.time())
        return Aujourdhui(date=day, visites=store.count_between(engine, maison, start, start + dt.timedelta(days=1)))

    @app.get(f"{API}/maisons/{{maison}}/statistiques", tags=["statistiques"], summary="Agrégats d'une Maison")
    def maison_stats(request: Request, maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)],
                     de: Mois = None, mois: NbMois = None):
        maison_of(maison, who)
        start, end = period(request, de, mois)
        return aggregates.scope(engine, "maison", maison, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/departements/{{code}}/statistiques", tags=["statistiques"], summary="Agrégats d'un département")
    def dep_stats(request: Request, code: DepCode, who: Annotated[auth.Jeton, Depends(caller)], de: Mois = None,
                  mois: NbMois = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les agrégats de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = period(request, de, mois)
        return aggregates.scope(engine, "departement", code, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/national/statistiques", tags=["statistiques"], summary="Agrégats nationaux")
    def nation_stats(request: Request, who: Annotated[auth.Jeton, Depends(caller)], de: Mois = None,
                     mois: NbMois = None):
        if who.role != "relecteur" or who.departement is not None:
            raise ApiError(403, "ce jeton ne lit pas les agrégats nationaux", "il faut un jeton de relecteur national")
        start, end = period(request, de, mois)
        return aggregates.scope(engine, "departement", None, start, end).as_dict(aggregates.months(start, end))

    @app.get(f"{API}/statistiques", tags=["statistiques"], dependencies=[Depends(anonymous)],
             summary="Statistiques publiques (petits effectifs masqués) : ce que publie le portail",
             description=f"Sans jeton, limitées par adresse de client ({settings.rafale_anonyme:g} d'un coup, "
                         f"{settings.debit_anonyme:g} par seconde ensuite : 429 au-delà, avec Retry-After). Une "
                         f"même réponse sert pendant {settings.cache_secondes:g} s.")
    def public_stats(request: Request, de: Mois = None, mois: NbMois = None,
                     seuil: Annotated[Optional[int], Query(ge=2, le=100)] = None):
        start, end = period(request, de, mois)
        threshold = max(settings.seuil, seuil or settings.seuil)

        def compute() -> bytes:
            with seats:  # in a worker process: this one keeps answering meanwhile (frequentation/workers.py)
                try:
                    return public_workers.compute(start, end, threshold)
                except BrokenProcessPool:
                    public_workers.close()
                    raise ApiError(503, "le calcul des statistiques a été interrompu", "réessayez",
                                   headers={"Retry-After": "1"}) from None
        body = public_cache.get_or_make((start, end, threshold), compute) if settings.cache_secondes else compute()
        return Response(body, media_type="application/json",
                        headers={"Cache-Control": f"public, max-age={int(settings.cache_secondes)}"})

    @app.get(f"{API}/maisons/{{maison}}/export.csv", tags=["exports"], summary="Export CSV des visites d'une Maison",
             response_class=StreamingResponse)
    def maison_export(maison: MaisonId, who: Annotated[auth.Jeton, Depends(caller)], du: Jour = None, au: Jour = None):
        maison_of(maison, who)
        start, end = periods.days(du, au)
        return export.response(store.stream(engine, [maison], start, end), reseau, f"visites-{maison}")

    @app.get(f"{API}/departements/{{code}}/export.csv", tags=["exports"], response_class=StreamingResponse,
             summary="Export CSV des visites d'un département")
    def dep_export(code: DepCode, who: Annotated[auth.Jeton, Depends(caller)], du: Jour = None, au: Jour = None):
        if not who.reads_departement(code):
            raise ApiError(403, "ce jeton ne lit pas les visites de ce département",
                           "il faut un jeton de relecteur du département ou national")
        start, end = periods.days(du, au)
        maisons = sorted(m for m, d in reseau.maisons.items() if d == code)
        return export.response(store.stream(engine, maisons, start, end), reseau, f"visites-{code}")

    if SAISIE.is_dir():
        app.mount("/saisie", StaticFiles(directory=SAISIE, html=True), name="saisie")

        @app.get("/", include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse("/saisie/")
    return app


def client_address(request: Request) -> str:
    """The client's address (behind a reverse proxy, uvicorn takes it from X-Forwarded-For when the proxy is
    trusted: FORWARDED_ALLOW_IPS, 127.0.0.1 by default)."""
    return request.client.host if request.client else "?"


def allowed_methods(app: FastAPI, scope: dict) -> set[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _child = route.matches({**scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return methods


def _jsonable(body):
    return json.loads(json.dumps(body, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
