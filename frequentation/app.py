"""The HTTP API (FastAPI): routes, who may call them, and errors that say in French what is wrong and what to
do. The OpenAPI document is published at /api/v1/openapi.json, its documentation page at /docs (Swagger UI,
served by the API itself: routes/documentation.py)."""

# No « from __future__ import annotations » here: FastAPI reads the annotations of routes built at run time.

import contextlib
import weakref
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from . import dependencies, guard
from .context import ApiContext
from .db import engine_for, migrate
from .errors import ApiError, french_details
from .referentiel import Reseau
from .routes import API, documentation, exports, service, statistiques, visites
from .schemas import Erreur
from .settings import Settings

SAISIE = Path(__file__).parent / "saisie"
#: every error the API may answer, with its French description in the OpenAPI document (the body: Erreur)
ERREURS = {status: {"model": Erreur, "description": text} for status, text in {
    400: "Requête mal formée : un paramètre inattendu, un corps illisible.",
    401: "Jeton manquant, inconnu ou révoqué.",
    403: "Ce jeton ne donne pas accès à cette Maison ou à ce département.",
    404: "Maison, département, visite ou adresse inconnus.",
    409: "Conflit : cette clé d'idempotence a déjà servi pour un autre envoi.",
    413: "Corps de la requête trop gros.",
    422: "Valeur refusée : « details » dit quel champ et pourquoi.",
    429: "Trop de requêtes : réessayez après le délai de l'en-tête Retry-After.",
    503: "La requête a pris trop de temps : demandez moins, ou réessayez plus tard.",
}.items()}


def create_app(settings: Settings, reseau: Reseau | None = None, engine: Engine | None = None) -> FastAPI:
    """The API for one base: its context, its error handlers, its routers (frequentation/routes/), /saisie/."""
    reseau = reseau or Reseau.load(settings.root)
    engine = engine or engine_for(settings.url)
    migrate(engine)
    ctx = ApiContext.make(settings, reseau, engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        ctx.public_workers.close()

    app = FastAPI(title="Fréquentation des Maisons France services", version="1", lifespan=lifespan,
                  description="Les agents consignent chaque visite ; les statistiques publiques alimentent le portail.",
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None, responses=ERREURS)
    app.state.engine, app.state.reseau, app.state.settings, app.state.seats = engine, reseau, settings, ctx.seats
    app.state.public_workers = ctx.public_workers
    weakref.finalize(app, ctx.public_workers.close)
    app.add_middleware(guard.Guard, max_body=settings.corps_max, timeout=settings.delai_requete)
    install_handlers(app, settings)
    deps = dependencies.make(ctx)
    for module in (service, visites, statistiques, exports, documentation):
        app.include_router(module.router(ctx, deps))
    if SAISIE.is_dir():
        app.mount("/saisie", StaticFiles(directory=SAISIE, html=True), name="saisie")

        @app.get("/", include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse("/saisie/")
    return app


def install_handlers(app: FastAPI, settings: Settings) -> None:
    """Every error as JSON in French, with a hint: the API's own, Starlette's (404, 405, 400), validation's (422),
    a statement stopped by its time limit (503)."""
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


def allowed_methods(app: FastAPI, scope: dict) -> set[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _child = route.matches({**scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return methods
