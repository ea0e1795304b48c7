"""Typed settings of the project, read from the ``extra.msap`` section of mkdocs.yml.

Each option is documented by the docstring under it; ``docs/configuration.md``
is generated from them.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    content_dir: str = "content"
    """Dossier du contenu (fiches Maison, ressources, projets, référentiels), relatif à la racine du projet."""

    data_dir: str = "data"
    """Dossier des données de référence (communes, départements) et des sources importées."""

    distance_max_km: float = Field(10.0, gt=0.1)
    """Distance maximale, en kilomètres, entre le repère d'une Maison et le centre de sa commune
    au-delà de laquelle `msap check` avertit (un repère mal placé envoie les usagers au mauvais endroit)."""

    import_state: str = "data/import/etat.json"
    """Fichier où `msap import` garde l'empreinte des valeurs importées, pour reconnaître les
    modifications faites à la main et ne jamais les écraser."""

    editeur_url: str = "admin/#/collections/{collection}/entries/{chemin}"
    """Adresse du lien « Modifier cette fiche » vers l'éditeur en ligne. `{collection}` devient « maisons »,
    `{chemin}` le chemin de la fiche dans sa collection (« 19/ayen »), `{id}` son identifiant. Relative
    (au portail) ou complète (https://…)."""

    carte_tuiles: str = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                         "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
                         "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png")
    """Adresse des tuiles du fond de carte de la carte des Maisons (modèle Leaflet avec `{z}`, `{x}`, `{y}`).
    Par défaut le Plan IGN de la Géoplateforme. Vide : pas de fond de carte, seulement les contours des
    départements et les repères (ce que la carte montre aussi quand les tuiles ne se chargent pas)."""

    carte_attribution: str = "Fond de carte : Plan IGN (Géoplateforme)"
    """Mention de la source du fond de carte, affichée sur la carte."""

    carte_resultats: int = Field(10, ge=1, le=50)
    """Nombre de lieux les plus proches listés par « Près de chez moi » et par les pages de commune."""

    statistiques_url: str = ""
    """Adresse de l'API de fréquentation (`msap api serve`, par exemple « https://frequentation.example/ ») d'où
    `msap build` récupère les statistiques publiques (`api/v1/statistiques`). Vide : pas d'API, le portail montre
    le dernier relevé gardé dans `.cache/statistiques.json` s'il existe. La variable d'environnement
    `MSAP_STATISTIQUES_URL` la remplace."""

    statistiques_seuil: int = Field(5, ge=2)
    """Seuil de confidentialité des chiffres publiés : un effectif de 1 à `seuil - 1` n'est jamais affiché
    (« moins de 5 »), même si l'API l'a donné. Au moins 2."""

    statistiques_mois: int = Field(12, ge=1, le=60)
    """Période des statistiques publiées, en mois : les N derniers mois, mois en cours compris."""

    @property
    def geo_dir(self) -> Path:
        return Path(self.data_dir) / "geo"


class _Lenient(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !!python/name: that only mkdocs resolves."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
_Lenient.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


class ConfigError(Exception):
    pass


def read_mkdocs_yml(root: Path) -> dict:
    """mkdocs.yml as data, without running mkdocs (its !!python tags are ignored); {} when absent."""
    path = root / "mkdocs.yml"
    if not path.exists():
        return {}
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Lenient) or {}


def load_config(root: Path) -> Config:
    if not (root / "mkdocs.yml").exists():
        return Config()
    try:
        doc = read_mkdocs_yml(root)
        section = ((doc.get("extra") or {}).get("msap")) or {}
        return Config.model_validate(section)
    except yaml.YAMLError as exc:
        raise ConfigError(f"mkdocs.yml illisible : {exc} — Indice : vérifiez l'indentation") from None
    except ValidationError as exc:
        from .validation import translate
        lines = []
        for err in exc.errors():
            message, hint = translate(Config, err)
            where = ".".join(str(p) for p in err["loc"])
            lines.append(f"mkdocs.yml: extra.msap.{where}: {message} — Indice : {hint} "
                         "(options décrites dans docs/configuration.md)")
        raise ConfigError("\n".join(lines)) from None
