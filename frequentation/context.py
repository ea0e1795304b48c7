"""What every route of the API shares, built once by :func:`frequentation.app.create_app`: the settings, the
network, the base, the visit models made from the content's lists, the limits — and the checks every route
makes (the Maison a token may read or write, the period asked)."""

# No « from __future__ import annotations »: the routes' annotations use ``ctx.models`` at run time.

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from . import auth, guard, periods, store, workers
from .errors import ApiError
from .referentiel import Reseau
from .schemas import Models
from .settings import Settings


@dataclass
class ApiContext:
    settings: Settings
    reseau: Reseau
    engine: Engine
    models: Models  # the visit's request and answer models, made from the content's closed lists
    limiter: guard.Buckets  # writes, per token
    anonymous_reads: guard.Buckets  # reads without a token, per client address
    failed_auth: guard.Buckets  # refused tokens, per client address
    public_cache: guard.Cache
    seats: guard.Seats  # heavy computations at once
    public_workers: workers.PublicAggregates
    inline_writes: bool  # SQLite: a write is done in the event loop (see routes/visites.py)

    @classmethod
    def make(cls, settings: Settings, reseau: Reseau, engine: Engine) -> "ApiContext":
        return cls(settings, reseau, engine, Models(reseau.listes, settings.lot_max),
                   guard.Buckets(settings.debit, settings.rafale),
                   guard.Buckets(settings.debit_anonyme, settings.rafale_anonyme),
                   guard.Buckets(0.1, settings.echecs_auth), guard.Cache(settings.cache_secondes),
                   guard.Seats(settings.calculs_simultanes),
                   workers.PublicAggregates(engine.url.render_as_string(hide_password=False),
                                            settings.calculs_simultanes, settings.delai_requete),
                   engine.dialect.name == "sqlite")

    def maison_of(self, maison: str, who: auth.Jeton, write: bool = False) -> str:
        """The Maison of a path, once the token may read it (or write to it)."""
        if maison not in self.reseau.maisons:
            raise ApiError(404, f"Maison inconnue : « {maison} »", "l'identifiant est le champ « id » de la fiche")
        if (write and who.maison != maison) or not who.reads_maison(maison, self.reseau.maisons[maison]):
            raise ApiError(403, "ce jeton ne donne pas accès à cette Maison",
                           "un jeton d'agent ne sert que pour sa propre Maison")
        return maison

    @staticmethod
    def period(query: Any, de: str | None, mois: int | None) -> tuple[str, str]:
        if "a" in query:  # the former end of a period: a client still sending it is told so
            raise ApiError(422, "le paramètre « a » n'existe plus", f"donnez le premier mois (« de ») et le nombre "
                           f"de mois (« mois », au plus {periods.MOIS_MAX})")
        return periods.period(de, mois)

    def visit_out(self, row: dict) -> dict:
        out = {k: row[k] for k in ("id", "maison", "demonstration", *store.COLUMNS)}
        out["quand"] = periods.with_offset(row["quand"], self.reseau.maisons.get(row["maison"], ""))
        return out
