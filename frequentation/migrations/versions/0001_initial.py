"""Visits, monthly rollups, tokens, answers kept for retried requests.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "visite",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("maison", sa.String(64), nullable=False),
        sa.Column("quand", sa.DateTime, nullable=False),
        sa.Column("canal", sa.String(32), nullable=False),
        sa.Column("tranche_age", sa.String(64)),
        sa.Column("situation", sa.String(64)),
        sa.Column("operateur", sa.String(64)),
        sa.Column("theme", sa.String(64), nullable=False),
        sa.Column("niveau", sa.String(32), nullable=False),
        sa.Column("resultat", sa.String(32), nullable=False),
        sa.Column("duree_minutes", sa.SmallInteger),
        sa.Column("demonstration", sa.Boolean, nullable=False),
        sa.Column("jeton", sa.Integer),
        sa.Column("cree_le", sa.DateTime, nullable=False),
    )
    op.create_index("ix_visite_maison_quand", "visite", ["maison", "quand"])
    op.create_table(
        "cumul",
        sa.Column("portee", sa.String(12), primary_key=True),
        sa.Column("cle", sa.String(64), primary_key=True),
        sa.Column("mois", sa.String(7), primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("valeur", sa.String(64), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "jeton",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("empreinte", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("maison", sa.String(64)),
        sa.Column("departement", sa.String(3)),
        sa.Column("libelle", sa.String(200), nullable=False),
        sa.Column("cree_le", sa.DateTime, nullable=False),
        sa.Column("revoque_le", sa.DateTime),
    )
    op.create_table(
        "idempotence",
        sa.Column("jeton", sa.Integer, primary_key=True),
        sa.Column("cle", sa.String(200), primary_key=True),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("statut", sa.SmallInteger, nullable=False),
        sa.Column("reponse", sa.Text, nullable=False),
        sa.Column("cree_le", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotence", "jeton", "cumul", "visite"):
        op.drop_table(table)
