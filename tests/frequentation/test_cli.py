"""`msap api token …` and `msap api demo`, and the migrations against the tables they must create."""
from __future__ import annotations

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from frequentation.db import engine_for, migrate
from frequentation.tables import metadata, visite
from generator.cli import main

from .conftest import REPO

pytestmark = pytest.mark.lent  # each test runs the msap command in its own process


def test_tokens_are_shown_once_listed_without_their_value_and_revoked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite'}")
    assert main(["--root", str(REPO), "api", "token", "create", "--maison", "fs-temp-30", "--libelle", "accueil"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("msap_") and "plus jamais affiché" in out.err
    assert main(["--root", str(REPO), "api", "token", "create", "--relecteur", "--departement", "23"]) == 0
    capsys.readouterr()
    assert main(["--root", str(REPO), "api", "token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "fs-temp-30" in listed and "relecteur 23" in listed and "accueil" in listed and token not in listed
    assert main(["--root", str(REPO), "api", "token", "revoke", "1"]) == 0
    assert main(["--root", str(REPO), "api", "token", "list"]) == 0
    assert "révoqué le" in capsys.readouterr().out
    assert main(["--root", str(REPO), "api", "token", "revoke", "1"]) == 2
    assert "aucun jeton actif n° 1" in capsys.readouterr().err


def test_an_unknown_maison_or_a_bad_database_url_is_said_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite'}")
    assert main(["--root", str(REPO), "api", "token", "create", "--maison", "nulle-part"]) == 2
    assert "Maison inconnue « nulle-part »" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1:9/absente")
    assert main(["--root", str(REPO), "api", "token", "list"]) == 2
    err = capsys.readouterr().err
    assert "injoignable" in err and "Indice" in err and "Traceback" not in err


def test_demo_visits_are_marked_and_counted(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["--root", str(REPO), "api", "demo", "--visites", "3000", "--mois", "3"]) == 0
    assert "3000 visites de démonstration" in capsys.readouterr().out
    engine = engine_for(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(visite.c.demonstration.is_(True))).scalar_one() == 3000
        assert conn.execute(select(func.count(func.distinct(visite.c.maison)))).scalar_one() > 500
        assert conn.execute(select(func.count()).where(visite.c.theme.is_(None))).scalar_one() == 0


def test_the_migrations_create_exactly_the_tables_the_code_describes(database_url):
    engine = engine_for(database_url)
    migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_every_setting_is_documented_with_its_variable():
    """Meta-test: each setting of the API has its environment variable in its docstring and in the docs."""
    from frequentation.settings import Settings

    doc = (REPO / "docs" / "frequentation.md").read_text(encoding="utf-8")
    for name, info in Settings.model_fields.items():
        if name == "root":
            continue
        variable = "DATABASE_URL" if name == "database_url" else f"MSAP_API_{name.upper()}"
        assert info.description and info.description.startswith(f"`{variable}`"), name
        assert f"`{variable}`" in doc, variable
