"""Who is calling: the bearer token, the limits without a token and on writes (FastAPI dependencies)."""

# No « from __future__ import annotations »: FastAPI reads the dependencies' annotations.

from dataclasses import dataclass
from typing import Annotated, Any, Callable, Optional

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from . import auth, guard
from .context import ApiContext
from .errors import ApiError


def client_address(request: Request) -> str:
    """The client's address (behind a reverse proxy, uvicorn takes it from X-Forwarded-For when the proxy is
    trusted: FORWARDED_ALLOW_IPS, 127.0.0.1 by default)."""
    return request.client.host if request.client else "?"


@dataclass
class Dependencies:
    caller: Callable[..., Any]  # -> auth.Jeton: the token's rights (401 without a known token)
    anonymous: Callable[..., Any]  # reads without a token, rate limited per address
    writer: Callable[..., Any]  # -> auth.Jeton: the caller, within its write limit


#: the scheme the OpenAPI document declares (« jeton »); a missing or malformed header is answered by ``caller``
#: in French, not by FastAPI
BEARER = HTTPBearer(scheme_name="jeton", auto_error=False, description=(
    "Jeton d'un agent (sa Maison) ou d'un relecteur, créé par « msap api token create » : en-tête "
    "« Authorization: Bearer <jeton> »."))


def make(ctx: ApiContext) -> Dependencies:
    # async: run in the event loop (a known token is in memory); a sync dependency would cost a hop to a thread
    async def caller(request: Request,
                     credentials: Annotated[Optional[HTTPAuthorizationCredentials], Depends(BEARER)]) -> auth.Jeton:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials.strip():
            raise ApiError(401, "jeton manquant", "envoyez l'en-tête « Authorization: Bearer <jeton> » ; "
                           "un jeton se crée avec « msap api token create »", headers={"WWW-Authenticate": "Bearer"})
        token = credentials.credentials.strip()
        known = auth.cached(token)
        if known is not None:  # the common case, in memory: never slowed down by others' failures
            return known
        address = client_address(request)
        wait = ctx.failed_auth.wait(address)
        if wait:  # guesses are slowed down per address, before the base is even asked
            raise guard.too_many(wait, "trop de jetons refusés depuis cette adresse",
                                 f"réessayez dans {wait:.0f} s avec le jeton remis par votre référent")
        found = auth.lookup(ctx.engine, token)
        if found is None:
            ctx.failed_auth.take(address)
            raise ApiError(401, "jeton inconnu ou révoqué", "demandez un nouveau jeton à votre référent",
                           headers={"WWW-Authenticate": "Bearer"})
        return found

    async def anonymous(request: Request) -> None:
        """Reads without a token, rate limited per client address."""
        wait = ctx.anonymous_reads.take(client_address(request))
        if wait:
            raise guard.too_many(wait, "trop de requêtes depuis cette adresse",
                                 f"réessayez dans {wait:.1f} s ; les statistiques publiques changent peu : gardez "
                                 "la réponse (le portail les relève une fois par construction)")

    async def writer(who: Annotated[auth.Jeton, Depends(caller)]) -> auth.Jeton:
        wait = ctx.limiter.take(who.id)
        if wait:
            raise ApiError(429, "trop d'écritures en peu de temps", f"réessayez dans {wait:.1f} s, ou envoyez "
                           "les visites en un seul lot (…/visites/lot)", headers={"Retry-After": str(int(wait) + 1)})
        return who

    return Dependencies(caller, anonymous, writer)
