"""The API's documentation page at /docs: Swagger UI, served by the API itself from the npm package
swagger-ui-dist (its licence at /docs/LICENSE), never from a CDN; the page and its start-up script are ours
(frequentation/documentation/)."""

# No « from __future__ import annotations »: FastAPI reads the annotations of routes built at run time.

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from ..context import ApiContext
from ..dependencies import Dependencies
from ..errors import ApiError

OURS = Path(__file__).resolve().parent.parent / "documentation"
PACKAGE = "swagger-ui-dist"
#: what the page loads from the package, and its licence
FILES = {"swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
         "LICENSE": "text/plain; charset=utf-8", "NOTICE": "text/plain; charset=utf-8"}


def router(ctx: ApiContext, deps: Dependencies) -> APIRouter:
    r = APIRouter()
    vendored = ctx.settings.root / "node_modules" / PACKAGE

    @r.get("/docs", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(OURS / "index.html", media_type="text/html; charset=utf-8")

    @r.get("/docs/init.js", include_in_schema=False)
    def start() -> FileResponse:
        return FileResponse(OURS / "init.js", media_type="text/javascript; charset=utf-8")

    @r.get("/docs/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in FILES:
            raise ApiError(404, "fichier inconnu", "la documentation est à /docs")
        path = vendored / name
        if not path.is_file():
            raise ApiError(404, f"Swagger UI est introuvable ({PACKAGE} dans node_modules/)",
                           "installez les bibliothèques npm du projet : « make setup » (npm ci)")
        return FileResponse(path, media_type=FILES[name])
    return r
