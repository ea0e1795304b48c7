"""Recording, correcting and deleting visits, with their monthly rollups kept in the same transaction, and the
answers kept for retried requests (Idempotency-Key). A visit is acknowledged only once its transaction is
committed: an acknowledged visit is never lost, a retried request never counts twice."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from generator.content.geo import time_zone

from .db import writing
from .referentiel import DIMENSIONS, NON_PRECISE, Reseau
from .tables import cumul, idempotence, visite

COLUMNS = ("quand", "canal", "tranche_age", "situation", "operateur", "theme", "niveau", "resultat",
           "duree_minutes")


class Conflit(Exception):
    """An Idempotency-Key reused with another request."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local_time(quand: dt.datetime, departement: str) -> dt.datetime:
    """A visit's time as the Maison's wall clock (an offset-aware time is converted, then the offset dropped)."""
    if quand.tzinfo is None:
        return quand.replace(microsecond=0)
    return quand.astimezone(ZoneInfo(time_zone(departement))).replace(tzinfo=None, microsecond=0)


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --- rollups -------------------------------------------------------------------------------------------------

def deltas(rows: Iterable[dict], departement_of: dict[str, str], sign: int = 1) -> Counter:
    """What rows add to (sign 1) or take from (-1) the rollups: (scope, key, month, dimension, value) -> n."""
    out: Counter = Counter()
    for row in rows:
        month = row["quand"].strftime("%Y-%m")
        scopes = (("maison", row["maison"]), ("departement", departement_of.get(row["maison"], "")))
        values = [("total", "")] + [(dim, row[col] or NON_PRECISE) for dim, col in DIMENSIONS.items()]
        if row.get("demonstration"):
            values.append(("demonstration", ""))
        for scope, key in scopes:
            for dimension, value in values:
                out[(scope, key, month, dimension, value)] += sign
    return out


UPSERT = ("INSERT INTO cumul (portee, cle, mois, dimension, valeur, n) VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
          "ON CONFLICT (portee, cle, mois, dimension, valeur) DO UPDATE SET n = cumul.n + excluded.n")


def apply_deltas(conn, counts: Counter) -> None:
    """Add the deltas to the rollups (plain SQL understood by SQLite and PostgreSQL alike: this is the hot path
    of every write and of bulk loads, where building statements per row would cost more than the database)."""
    rows = [(*key, n) for key, n in sorted(counts.items()) if n]
    if rows:
        conn.exec_driver_sql(UPSERT.format(p="%s" if conn.dialect.name == "postgresql" else "?"), rows)


# --- writes --------------------------------------------------------------------------------------------------

def as_rows(reseau: Reseau, maison: str, entries: list[dict], jeton: int | None, demo: bool = False) -> list[dict]:
    departement = reseau.maisons.get(maison, "")
    created = now()
    return [{**{c: e.get(c) for c in COLUMNS}, "quand": local_time(e["quand"], departement), "maison": maison,
             "demonstration": demo, "jeton": jeton, "cree_le": created} for e in entries]


def record(engine: Engine, reseau: Reseau, maison: str, entries: list[dict], jeton: int | None,
           key: str | None = None, answer=None) -> tuple[int, Any]:
    """Store visits; returns (HTTP status, answer body). ``answer(rows_with_ids)`` builds the body; with a key,
    the same (status, body) is returned to every retry of the same request."""
    rows = as_rows(reseau, maison, entries, jeton)
    request_print = fingerprint({"maison": maison, "visites": entries})
    while True:
        try:
            with writing(engine) as conn:
                if key is not None:
                    kept = conn.execute(_KEPT, {"jeton": jeton, "cle": key}).first()
                    if kept is not None:
                        if kept.empreinte != request_print:
                            raise Conflit(key)
                        return kept.statut, json.loads(kept.reponse)
                ids = insert_rows(conn, rows, reseau.maisons)
                body = answer([{**row, "id": i} for row, i in zip(rows, ids)])
                if key is not None:
                    conn.execute(_KEEP, {"jeton": jeton, "cle": key, "empreinte": request_print, "statut": 201,
                                         "reponse": json.dumps(body, default=str), "cree_le": now()})
                return 201, body
        except IntegrityError:
            if key is None:
                raise
            # another request with the same key committed first: loop to answer what it answered


# Statements built once: building them again at every request was a tenth of a write's time.
_KEPT = (select(idempotence.c.empreinte, idempotence.c.statut, idempotence.c.reponse)
         .where(and_(idempotence.c.jeton == bindparam("jeton"), idempotence.c.cle == bindparam("cle"))))
_KEEP = insert(idempotence)
_INSERT_ONE = insert(visite).returning(visite.c.id)
_INSERT_MANY = insert(visite).returning(visite.c.id, sort_by_parameter_order=True)


def insert_rows(conn, rows: list[dict], departement_of: dict[str, str], rollups: bool = True) -> list[int]:
    if len(rows) == 1:  # not an « executemany »: SQLAlchemy's path for one row is the shorter one
        ids = [conn.execute(_INSERT_ONE, rows[0]).scalar_one()]
    else:
        ids = [r.id for r in conn.execute(_INSERT_MANY, rows)]
    if rollups:
        apply_deltas(conn, deltas(rows, departement_of))
    return ids


def rebuild_rollups(engine: Engine, departement_of: dict[str, str]) -> None:
    """Recount every rollup from the visits (after a bulk load; also how a test checks the running counts)."""
    month = (func.to_char(visite.c.quand, "YYYY-MM") if engine.dialect.name == "postgresql"
             else func.strftime("%Y-%m", visite.c.quand))
    counts: Counter = Counter()
    with writing(engine) as conn:
        conn.execute(delete(cumul))
        columns = [("total", None), ("demonstration", None)] + list(DIMENSIONS.items())
        for dimension, column in columns:
            value = visite.c[column] if column else visite.c.maison
            query = select(visite.c.maison, month, value, func.count()).group_by(visite.c.maison, month, value)
            if dimension == "demonstration":
                query = query.where(visite.c.demonstration.is_(True))
            for maison, mois, val, n in conn.execute(query):
                val = "" if column is None else (val or NON_PRECISE)
                counts[("maison", maison, mois, dimension, val)] += n
                counts[("departement", departement_of.get(maison, ""), mois, dimension, val)] += n
        apply_deltas(conn, counts)


def get(engine: Engine, maison: str, visit_id: int) -> dict | None:
    with engine.connect().execution_options(lecture=True) as conn:
        row = conn.execute(select(visite).where(and_(visite.c.id == visit_id, visite.c.maison == maison))).first()
    return dict(row._mapping) if row else None


def correct(engine: Engine, reseau: Reseau, maison: str, visit_id: int, entry: dict) -> dict | None:
    """Replace a visit's fields; None when the Maison has no such visit."""
    with writing(engine) as conn:
        old = conn.execute(select(visite).where(and_(visite.c.id == visit_id, visite.c.maison == maison))).first()
        if old is None:
            return None
        old = dict(old._mapping)
        new = {**old, **{c: entry.get(c) for c in COLUMNS},
               "quand": local_time(entry["quand"], reseau.maisons.get(maison, ""))}
        conn.execute(update(visite).where(visite.c.id == visit_id).values({c: new[c] for c in COLUMNS}))
        counts = deltas([old], reseau.maisons, -1)
        counts.update(deltas([new], reseau.maisons))
        apply_deltas(conn, counts)
        return new


def remove(engine: Engine, reseau: Reseau, maison: str, visit_id: int) -> bool:
    with writing(engine) as conn:
        old = conn.execute(select(visite).where(and_(visite.c.id == visit_id, visite.c.maison == maison))).first()
        if old is None:
            return False
        conn.execute(delete(visite).where(visite.c.id == visit_id))
        apply_deltas(conn, deltas([dict(old._mapping)], reseau.maisons, -1))
        return True


# --- reads ---------------------------------------------------------------------------------------------------

def page(engine: Engine, maison: str, start: dt.datetime, end: dt.datetime, after: int, limit: int
         ) -> tuple[list[dict], int | None]:
    """A Maison's visits between two times, by id, ``limit`` at a time after the id ``after``."""
    query = (select(visite).where(and_(visite.c.maison == maison, visite.c.quand >= start, visite.c.quand < end,
                                       visite.c.id > after)).order_by(visite.c.id).limit(limit + 1))
    with engine.connect().execution_options(lecture=True) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more else None)


def count_between(engine: Engine, maison: str, start: dt.datetime, end: dt.datetime) -> int:
    query = select(func.count()).select_from(visite).where(
        and_(visite.c.maison == maison, visite.c.quand >= start, visite.c.quand < end))
    with engine.connect().execution_options(lecture=True) as conn:
        return conn.execute(query).scalar_one()


def stream(engine: Engine, maisons: list[str] | None, start: dt.datetime, end: dt.datetime, chunk: int = 500):
    """Visits of some Maisons (None: all) between two times, in time order, fetched ``chunk`` at a time by
    keyset pages: constant memory whatever the period, and no transaction held open while a client reads."""
    last: tuple[dt.datetime, int] | None = None
    while True:
        query = select(visite).where(and_(visite.c.quand >= start, visite.c.quand < end))
        if maisons is not None:
            query = query.where(visite.c.maison.in_(maisons))
        if last is not None:
            query = query.where(tuple_(visite.c.quand, visite.c.id) > tuple_(*last))
        with engine.connect().execution_options(lecture=True) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.order_by(visite.c.quand, visite.c.id).limit(chunk))]
        yield from rows
        if len(rows) < chunk:
            return
        last = (rows[-1]["quand"], rows[-1]["id"])
