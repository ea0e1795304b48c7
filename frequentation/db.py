"""The engine: SQLite (WAL, a writer at a time, durable once committed) or PostgreSQL; migrations applied with
Alembic at start."""
from __future__ import annotations

import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from generator.diagnostics import CommandError

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(CommandError):
    pass


# SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps (1, 2, 5… up to 100 ms)
# between tries: under concurrent writes most of the time went to sleeping (measured: 22 % of the server's
# samples in BEGIN IMMEDIATE, p99 235 ms). Writers of one process queue on a lock instead and go in as soon as
# the previous one has committed; other processes still meet SQLite's own lock.
_WRITE_LOCKS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``engine.begin()``), committed when the block ends, one at a time per SQLite base."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        with engine.begin() as conn:
            yield conn
        return
    with lock:
        with engine.begin() as conn:
            yield conn


# The longest an SQL statement of the API may run (its setting delai_requete): a statement stopped raises an
# OperationalError, answered 503. Commands (bulk loads, demonstration data, migrations) have no limit.
_deadline = threading.local()


def _progress() -> int:
    """SQLite's progress handler: non-zero stops the statement that runs past its deadline."""
    return int(time.monotonic() > getattr(_deadline, "at", float("inf")))


def engine_for(url: str, statement_seconds: float | None = None) -> Engine:
    """The engine of a database URL; ``statement_seconds``: the time limit of each statement (None: none)."""
    seconds = statement_seconds
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=8, max_overflow=8)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed (it is in the
            # WAL file); only a power cut may lose the last ones. FULL would fsync at every commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            if seconds is not None:
                dbapi_conn.set_progress_handler(_progress, 20_000)

        if seconds is not None:
            @event.listens_for(engine, "before_cursor_execute")
            def _start(_conn, _cursor, _statement, _parameters, _context, _many) -> None:
                _deadline.at = time.monotonic() + seconds

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            # A write takes the lock when it starts: two writers never deadlock upgrading a read lock.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("lecture") else "BEGIN IMMEDIATE")
        _WRITE_LOCKS[engine] = threading.Lock()
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    limit = {"options": f"-c statement_timeout={int(seconds * 1000)}"} if seconds is not None else {}
    limit["connect_timeout"] = 3
    try:
        return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, connect_args=limit)
    except Exception as exc:  # noqa: BLE001 - a bad URL or a missing driver, said plainly
        raise DatabaseError(f"DATABASE_URL inutilisable : {exc} — Indice : "
                            "postgresql+psycopg://utilisateur:motdepasse@hote/base, ou vide pour SQLite") from None


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (creates the tables on an empty base)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:  # noqa: BLE001
        raise DatabaseError(f"la base de la fréquentation est injoignable ou illisible : {exc} — Indice : "
                            "vérifiez DATABASE_URL et que le serveur PostgreSQL tourne") from None


def is_current(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()
