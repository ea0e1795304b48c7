"""The database tables (SQLAlchemy Core): visits, the monthly rollups that make aggregates fast, tokens and
the answers kept for retried requests. Migrations in ``migrations/`` create them; this module is their
single description."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, SmallInteger, String,
                        Table, Text)

metadata = MetaData()

#: an auto-incremented 64-bit key on PostgreSQL, SQLite's rowid on SQLite
Key = BigInteger().with_variant(Integer(), "sqlite")

visite = Table(
    "visite", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("maison", String(64), nullable=False),
    Column("quand", DateTime, nullable=False),  # the Maison's local wall-clock time
    Column("canal", String(32), nullable=False),
    Column("tranche_age", String(64)),
    Column("situation", String(64)),
    Column("operateur", String(64)),
    Column("theme", String(64), nullable=False),
    Column("niveau", String(32), nullable=False),
    Column("resultat", String(32), nullable=False),
    Column("duree_minutes", SmallInteger),
    Column("demonstration", Boolean, nullable=False, default=False),
    Column("jeton", Integer),  # the token that recorded it (None for demonstration data)
    Column("cree_le", DateTime, nullable=False),
    Index("ix_visite_maison_quand", "maison", "quand"),
)

#: visits counted per scope (« maison » or « departement »), month and dimension value; the national figures
#: are the sum of the départements'. Kept in the same transaction as every write.
cumul = Table(
    "cumul", metadata,
    Column("portee", String(12), primary_key=True),
    Column("cle", String(64), primary_key=True),
    Column("mois", String(7), primary_key=True),  # AAAA-MM
    Column("dimension", String(16), primary_key=True),  # « total », « demonstration » or an API dimension
    Column("valeur", String(64), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

jeton = Table(
    "jeton", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("empreinte", String(64), nullable=False, unique=True),  # SHA-256 of the token: never the token
    Column("role", String(12), nullable=False),  # « agent » or « relecteur »
    Column("maison", String(64)),
    Column("departement", String(3)),  # a reviewer's département; None: the whole country
    Column("libelle", String(200), nullable=False, default=""),
    Column("cree_le", DateTime, nullable=False),
    Column("revoque_le", DateTime),
)

idempotence = Table(
    "idempotence", metadata,
    Column("jeton", Integer, primary_key=True),
    Column("cle", String(200), primary_key=True),
    Column("empreinte", String(64), nullable=False),  # of the request: a reused key with another body is refused
    Column("statut", SmallInteger, nullable=False),
    Column("reponse", Text, nullable=False),
    Column("cree_le", DateTime, nullable=False),
)
