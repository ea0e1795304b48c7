"""Typed settings of the companion API (pydantic-settings): from the environment (``MSAP_API_…``, and
``DATABASE_URL``), a ``.env`` file at the project's root, or a secrets directory (one file per setting, named
after it: ``MSAP_API_SECRETS``, else ``/run/secrets`` when it exists — Docker and systemd put them there), the
environment first.

Each option is documented by the docstring under it; docs/frequentation.md lists them.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from generator.diagnostics import CommandError


class SettingsError(CommandError):
    pass


SECRETS_ENV = "MSAP_API_SECRETS"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", use_attribute_docstrings=True, env_prefix="MSAP_API_",
                                      populate_by_name=True, env_file_encoding="utf-8")

    root: Path = Path(".")
    """Racine du projet : l'API y lit les fiches Maison et les listes de référence du contenu."""

    database_url: str = Field("", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
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
    def variables(cls) -> dict[str, str]:
        """Each setting's variable: ``MSAP_API_SEUIL``…, ``DATABASE_URL``."""
        return {"database_url": "DATABASE_URL", **{name: f"MSAP_API_{name.upper()}" for name in cls.model_fields
                                                   if name not in ("root", "database_url")}}

    @classmethod
    def from_env(cls, root: Path, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """The settings of the API of ``root``: from the environment, ``root/.env`` and the secrets directory;
        ``environ``: these variables only (nothing else read: the tests)."""
        names = cls.variables()
        try:
            if environ is not None:
                values = {key: environ[var] for key, var in names.items() if environ.get(var)}
                return _Only(root=root, **{**values, **overrides})
            env_file = root / ".env"
            secrets = Path(os.environ.get(SECRETS_ENV) or "/run/secrets")
            return cls(root=root, _env_file=env_file if env_file.is_file() else None,
                       _secrets_dir=secrets if secrets.is_dir() else None, **overrides)
        except ValidationError as exc:
            from generator.content.validation import translate

            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            message, hint = translate(Settings, first)
            raise SettingsError(f"réglage {names.get(field, field)} invalide : {message}",
                                f"{hint} ; voir docs/frequentation.md, section « Réglages »") from None


class _Only(Settings):
    """Settings from the values given only (no environment, file or secret read)."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   **_others: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)
