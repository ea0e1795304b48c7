"""Typed settings of the companion API, read from the environment (a service is configured that way).

Each option is documented by the docstring under it; docs/frequentation.md lists them.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(Exception):
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

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.root / 'data' / 'frequentation' / 'frequentation.sqlite').resolve()}"

    @classmethod
    def from_env(cls, root: Path, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        names = {"database_url": "DATABASE_URL", "seuil": "MSAP_API_SEUIL", "debit": "MSAP_API_DEBIT",
                 "rafale": "MSAP_API_RAFALE", "lot_max": "MSAP_API_LOT_MAX"}
        values = {key: env[var] for key, var in names.items() if env.get(var)}
        try:
            return cls(root=root, **{**values, **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            raise SettingsError(f"réglage {names.get(field, field)} invalide : {first['msg']} — Indice : "
                                "voir docs/frequentation.md, section « Réglages »") from None
