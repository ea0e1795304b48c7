"""Fixtures of the visit-tracking API: a database of each kind the API supports — an SQLite file, and a real
PostgreSQL server (Debian's package) started here for the session — and an app with its test client.

PostgreSQL refuses to run as root: as root, its files belong to the « postgres » user and its commands run
through ``runuser -u postgres``.
"""
from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from frequentation import auth
from frequentation.referentiel import Listes, Reseau
from frequentation.settings import Settings

REPO = Path(__file__).resolve().parents[2]
#: three Maisons in two départements: enough to check who may read what
MAISONS = {"fs-a": "23", "fs-b": "23", "fs-c": "08"}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """test_openapi.py makes its app when imported (schemathesis collects the operations then): not imported at
    all when the tier asked excludes its tests (all marked « lent »), so the fast tier does not pay for it."""
    if collection_path.name != "test_openapi.py":
        return None
    from _pytest.mark.expression import Expression
    markexpr = config.getoption("markexpr") or ""
    return bool(markexpr) and not Expression.compile(markexpr).evaluate(lambda name, **_: name == "lent")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL est introuvable (/usr/lib/postgresql/*/bin/initdb) — Indice : `make test` "
                    "l'installe (make system), sinon : sudo apt-get install postgresql", pytrace=False)
    return found[-1].parent


class PostgreSQL:
    """A throwaway PostgreSQL cluster on a free loopback port; ``new_database()`` gives a fresh URL."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="msap-pg-"))
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._names = itertools.count(1)

    def run(self, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, cwd=self.dir)
        if done.returncode:
            pytest.fail(f"{' '.join(args[:2])} a échoué : {done.stderr.strip() or done.stdout.strip()}",
                        pytrace=False)

    def start(self) -> "PostgreSQL":
        data = self.dir / "data"
        self.run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self.run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                        "immediate", "stop"], capture_output=True, cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgresql():
    server = PostgreSQL().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def listes() -> Listes:
    return Listes.load(REPO)


@pytest.fixture
def reseau(listes) -> Reseau:
    return Reseau(listes, dict(MAISONS), {k: f"France services {k}" for k in MAISONS},
                  {"caf": ["famille", "logement"]})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.lent)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'frequentation.sqlite'}"
    return request.getfixturevalue("postgresql").new_database()


class Api:
    """The app on a test client, with a token per Maison and reviewers (national, and for the 23)."""

    def __init__(self, url: str, reseau: Reseau, **settings):
        from fastapi.testclient import TestClient

        from frequentation.app import create_app

        self.settings = Settings.from_env(REPO, {}, database_url=url, **settings)
        self.app = create_app(self.settings, reseau=reseau)
        self.engine = self.app.state.engine
        self.client = TestClient(self.app)
        self.tokens = {m: auth.create(self.engine, "agent", maison=m)[1] for m in MAISONS}
        self.tokens["national"] = auth.create(self.engine, "relecteur")[1]
        self.tokens["relecteur-23"] = auth.create(self.engine, "relecteur", departement="23")[1]

    def close(self) -> None:
        """The base's connections and the worker processes of the public aggregates."""
        self.app.state.public_workers.close()
        self.engine.dispose()

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def post(self, maison: str, visit: dict, who: str | None = None, **headers: str):
        return self.client.post(f"/api/v1/maisons/{maison}/visites", json=visit,
                                headers=self.headers(who or maison, **headers))


@pytest.fixture
def api(database_url, reseau) -> Api:
    made = Api(database_url, reseau, rafale=1000, debit=1000)
    yield made
    made.close()


def visit(**changes) -> dict:
    """A valid visit, with some fields changed."""
    return {"quand": "2026-11-26T10:15", "canal": "sur-place", "tranche_age": "26-44", "situation": "salarie",
            "operateur": "caf", "theme": "famille", "niveau": "accompagnement", "resultat": "resolu",
            "duree_minutes": 20, **changes}
