"""Tokens: one per Maison for its agents, reviewer tokens for a département or the nation. Only a token's
SHA-256 is stored (tokens are 256 random bits: a slow hash would add nothing); a token is shown once, at
creation. Writes are rate limited per token (guard.Buckets, in the app)."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from .db import writing
from .store import now
from .tables import jeton

PREFIX = "msap_"


@dataclass(frozen=True)
class Jeton:
    id: int
    role: str  # « agent » or « relecteur »
    maison: str | None
    departement: str | None  # a reviewer's scope; None with role « relecteur »: the whole country

    def reads_maison(self, maison: str, departement: str) -> bool:
        if self.role == "agent":
            return self.maison == maison
        return self.departement is None or self.departement == departement

    def reads_departement(self, departement: str) -> bool:
        return self.role == "relecteur" and self.departement in (None, departement)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(engine: Engine, role: str, maison: str | None = None, departement: str | None = None,
           libelle: str = "") -> tuple[int, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as conn:
        new_id = conn.execute(insert(jeton).values(
            empreinte=digest(token), role=role, maison=maison, departement=departement, libelle=libelle,
            cree_le=now())).inserted_primary_key[0]
    return new_id, token


def revoke(engine: Engine, token_id: int) -> bool:
    with writing(engine) as conn:
        done = conn.execute(update(jeton).where(jeton.c.id == token_id, jeton.c.revoque_le.is_(None))
                            .values(revoque_le=now()))
    forget_all()
    return done.rowcount == 1


def every(engine: Engine) -> list[dict]:
    with engine.connect().execution_options(lecture=True) as conn:
        return [dict(r._mapping) for r in conn.execute(select(jeton).order_by(jeton.c.id))]


# Known tokens, kept a few seconds: reading the token table was a fifth of the work of recording one visit.
# A revocation in this process applies at once (revoke() empties the cache); one made by `msap api token revoke`
# (another process) applies within CACHE_SECONDS. Unknown tokens are never kept (no memory for guesses).
CACHE_SECONDS = 5.0
CACHE_MAX = 20_000
_cache: dict[str, tuple[Jeton, float]] = {}
_cache_lock = threading.Lock()


def forget_all() -> None:
    with _cache_lock:
        _cache.clear()


def cached(token: str) -> Jeton | None:
    """A token known a moment ago, without asking the base (None: ask :func:`lookup`)."""
    kept = _cache.get(digest(token)) if token.startswith(PREFIX) and len(token) <= 200 else None
    return kept[0] if kept is not None and kept[1] > time.monotonic() else None


def lookup(engine: Engine, token: str) -> Jeton | None:
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    key = digest(token)
    clock = time.monotonic()
    kept = _cache.get(key)
    if kept is not None and kept[1] > clock:
        return kept[0]
    with engine.connect().execution_options(lecture=True) as conn:
        row = conn.execute(select(jeton).where(jeton.c.empreinte == key, jeton.c.revoque_le.is_(None))).first()
    if row is None:
        return None
    found = Jeton(row.id, row.role, row.maison, row.departement)
    with _cache_lock:
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[key] = (found, clock + CACHE_SECONDS)
    return found
