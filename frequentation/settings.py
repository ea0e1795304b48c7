"""Typed settings of the companion API, read from the environment (a service is configured that way).

Each option is documented by the docstring under it; docs/frequentation.md lists them.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from generator.diagnostics import CommandError


class SettingsError(CommandError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    root: Path = Path(".")
    """Racine du projet : l'API y lit les fiches Maison et les listes de référence du contenu."""

    database_url: str = ""
    """`DATABASE_URL` : la base. Vide : la base SQLite intégrée `data/frequentation/frequentation.sqlite`.
    PostgreSQL : `postgresql+psycopg://utilisateur:motdepasse@hote/base`."""

    seuil: int = Field(5, ge=2, le=100)
    """`MSAP_API_SEUIL` : dans les statistiques publiques, un effectif de 1 à seuil - 1 est masqué."""

    debit: float = Field(5.0, gt=0)
    """`MSAP_API_DEBIT` : écritures par seconde permises à un jeton, en moyenne (un lot compte pour une)."""

    rafale: int = Field(30, ge=1)
    """`MSAP_API_RAFALE` : écritures qu'un jeton peut enchaîner d'un coup avant d'être ralenti."""

    lot_max: int = Field(500, ge=1, le=5000)
    """`MSAP_API_LOT_MAX` : nombre maximal de visites dans un envoi groupé."""

    debit_anonyme: float = Field(2.0, gt=0)
    """`MSAP_API_DEBIT_ANONYME` : lectures sans jeton (statistiques publiques, référentiels) permises par
    seconde à une même adresse de client, en moyenne."""

    rafale_anonyme: int = Field(20, ge=1)
    """`MSAP_API_RAFALE_ANONYME` : lectures sans jeton qu'une même adresse peut enchaîner d'un coup."""

    echecs_auth: int = Field(10, ge=1)
    """`MSAP_API_ECHECS_AUTH` : jetons refusés permis d'un coup à une même adresse ; ensuite un essai toutes les
    10 secondes (une réponse 429 avant même de chercher le jeton)."""

    cache_secondes: float = Field(60.0, ge=0)
    """`MSAP_API_CACHE_SECONDES` : durée pendant laquelle une réponse des statistiques publiques est réutilisée
    telle quelle (0 : jamais)."""

    calculs_simultanes: int = Field(2, ge=1, le=64)
    """`MSAP_API_CALCULS_SIMULTANES` : statistiques publiques calculées en même temps, au plus ; au-delà, la
    requête reçoit une réponse 429 (à refaire une seconde plus tard) au lieu d'attendre."""

    delai_requete: float = Field(10.0, gt=0, le=600)
    """`MSAP_API_DELAI_REQUETE` : secondes au bout desquelles une requête qui n'a pas commencé à répondre reçoit
    une réponse 503 ; c'est aussi la durée maximale d'une requête SQL."""

    corps_max: int = Field(2_000_000, ge=10_000, le=100_000_000)
    """`MSAP_API_CORPS_MAX` : taille maximale du corps d'une requête, en octets (413 au-delà)."""

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.root / 'data' / 'frequentation' / 'frequentation.sqlite').resolve()}"

    @classmethod
    def from_env(cls, root: Path, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        names = {"database_url": "DATABASE_URL", **{name: f"MSAP_API_{name.upper()}" for name in cls.model_fields
                                                     if name not in ("root", "database_url")}}
        values = {key: env[var] for key, var in names.items() if env.get(var)}
        try:
            return cls(root=root, **{**values, **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            raise SettingsError(f"réglage {names.get(field, field)} invalide : {first['msg']} — Indice : "
                                "voir docs/frequentation.md, section « Réglages »") from None
