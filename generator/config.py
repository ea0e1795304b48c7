"""Typed settings of the project, read from the ``extra.msap`` section of mkdocs.yml.

Each option is documented by the docstring under it; ``docs/configuration.md``
is generated from them.
"""
from __future__ import annotations

import datetime as dt

from pathlib import Path

import re

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .schema.fields import URL_RE, fail
from .diagnostics import CommandError

# The ten rubrics of the forum of the network's former portal (Bulletin des Maisons de services au public, 2016).
FORUM_RUBRIQUES = (
    ("Offre de services", "offre-de-services",
     "Les démarches et services proposés dans les Maisons : partenaires, nouveaux services, ce qui marche ailleurs."),
    ("Accueil et relation usagers", "accueil-et-relation-usagers",
     "Accueillir, accompagner et orienter les usagers : situations délicates, outils, enquêtes de satisfaction."),
    ("Animation du territoire", "animation-du-territoire",
     "Faire connaître la Maison et travailler avec les acteurs locaux : communication, partenariats, événements."),
    ("Gestion du lieu", "gestion-du-lieu",
     "Locaux, équipements, horaires, budget et organisation de l'équipe au quotidien."),
    ("Création et financement d'une Maison", "creation-et-financement",
     "Monter le projet d'une Maison : étapes, porteurs, conventions avec les partenaires et financements."),
    ("Schémas d'accessibilité des services au public", "schemas-d-accessibilite",
     "Les schémas départementaux d'amélioration de l'accessibilité des services : diagnostics, actions, rôle des "
     "Maisons."),
    ("Bourse à l'emploi", "bourse-a-l-emploi",
     "Offres d'emploi, de stage et de remplacement dans les Maisons du réseau."),
    ("Vie du réseau", "vie-du-reseau",
     "Rencontres, formations, enquêtes nationales et actualité de l'animation du réseau."),
    ("Veille juridique et sectorielle", "veille-juridique",
     "Questions juridiques à mettre en commun et actualité réglementaire des partenaires."),
    ("Libre discussion", "libre-discussion",
     "Tout le reste : un espace d'échange entre pairs, sans thème imposé."),
)
CATEGORIE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RubriqueForum(BaseModel):
    """Une rubrique du forum du réseau : une catégorie de discussions sur la forge."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    titre: str = Field(min_length=2)
    """Titre de la rubrique, affiché sur la page du forum."""

    description: str = Field(min_length=2)
    """De quoi on y parle, en une ligne."""

    categorie: str = ""
    """Identifiant de la catégorie de discussions, tel qu'il paraît dans son adresse sur la forge
    (« vie-du-reseau ») : il remplace `{categorie}` dans `forum_url`."""

    url: str = ""
    """Adresse complète de la rubrique (https://…), quand elle ne suit pas `forum_url` ; l'emporte sur
    `categorie`."""

    @model_validator(mode="after")
    def _address(self) -> "RubriqueForum":
        if self.url and not URL_RE.match(self.url):
            raise fail(f"« {self.url} » n'est pas une adresse web acceptée",
                       "une adresse complète qui commence par « https:// », sans espace")
        if not self.url and not CATEGORIE_RE.match(self.categorie):
            raise fail(f"la rubrique « {self.titre} » n'a pas d'adresse",
                       "donnez l'identifiant de sa catégorie de discussions (« categorie: vie-du-reseau », "
                       "lettres, chiffres et tirets) ou son adresse complète (« url: https://… »)")
        return self


class AuditRgaa(BaseModel):
    """Un audit de conformité au RGAA du portail (le référentiel général d'amélioration de l'accessibilité)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    date: dt.date
    """Date de l'audit (AAAA-MM-JJ)."""

    taux: float = Field(ge=0, le=100)
    """Taux de conformité mesuré, en pour cent des critères applicables respectés."""

    organisme: str = Field(min_length=2)
    """Qui a réalisé l'audit."""

    rapport_url: str = ""
    """Adresse du rapport d'audit, s'il est publié."""


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

    liste_nationale_url: str = "https://www.data.gouv.fr/api/1/datasets/liste-des-structures-france-services/"
    """D'où `msap mise-a-jour` (le travail mensuel « liste nationale ») prend la dernière édition de la liste
    nationale des France services : l'API data.gouv.fr du jeu de données, dont la ressource CSV ou GeoJSON la plus
    récente est prise, ou l'adresse d'un fichier. Le travail peut la remplacer par sa variable `MSAP_LISTE_URL`."""

    editeur_url: str = "admin/#/collections/{collection}/entries/{chemin}"
    """Adresse du lien « Modifier cette fiche » vers l'éditeur en ligne. `{collection}` devient « maisons »,
    `{chemin}` le chemin de la fiche dans sa collection (« 19/ayen »), `{id}` son identifiant. Relative
    (au portail) ou complète (https://…)."""

    editeur: str = "la cellule d'animation nationale du réseau des Maisons de services au public"
    """Qui édite le portail : les mentions légales le nomment."""

    editeur_adresse: str = ""
    """Adresse postale de l'éditeur (mentions légales)."""

    directeur_publication: str = ""
    """Directeur ou directrice de la publication (mentions légales). Vide : les mentions le disent à compléter."""

    contact_courriel: str = ""
    """Adresse électronique de l'équipe du portail : mentions légales et déclaration d'accessibilité (retour
    d'information). Vide : elles renvoient aux tickets du dépôt du contenu."""

    hebergeur: str = ""
    """Nom, adresse et téléphone de l'hébergeur du portail (mentions légales, obligatoires). Vide : les mentions
    le disent à compléter."""

    audit_rgaa: AuditRgaa | None = None
    """Le dernier audit RGAA du portail (date, taux, organisme, rapport). Sans audit, la déclaration
    d'accessibilité dit le portail « non conforme », comme le veut le RGAA 4.1.2."""

    schema_pluriannuel_url: str = ""
    """Adresse du schéma pluriannuel de mise en accessibilité et de son plan d'action de l'année (RGAA)."""

    contact_securite: str = ""
    """Où signaler une faille de sécurité du portail (`/.well-known/security.txt`, RFC 9116) : « mailto:… » ou une
    adresse https. Vide : le signalement privé des failles du dépôt du contenu (`cms_depot`) sur GitHub, ou un
    ticket confidentiel sur GitLab."""

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

    cms_backend: str = "github"
    """Forge où l'éditeur en ligne (Decap CMS, `/admin/`) enregistre les modifications : « github », « gitlab »,
    « gitea » ou « git-gateway ». Chaque modification y devient une branche et une demande de fusion."""

    cms_depot: str = "maisons-services/portail"
    """Dépôt du contenu sur la forge, sous la forme « organisation/projet »."""

    cms_branche: str = "main"
    """Branche publiée du dépôt : les demandes de fusion de l'éditeur visent cette branche."""

    cms_auth_url: str = ""
    """Adresse du service d'authentification OAuth de l'éditeur (`base_url` de Decap CMS), si la forge en demande
    un (GitHub hors Netlify). Vide : celui de la forge."""

    forum_url: str = "https://github.com/{depot}/discussions/categories/{categorie}"
    """Modèle de l'adresse d'une rubrique du forum : `{depot}` devient `cms_depot`, `{categorie}` l'identifiant de
    la rubrique. Par défaut, les catégories des discussions GitHub du dépôt (à activer dans ses réglages, une
    catégorie par rubrique). GitLab n'en a pas : donnez alors à chaque rubrique son `url`, ou le modèle d'adresse
    d'un autre forum."""

    forum_rubriques: list[RubriqueForum] = Field(default_factory=lambda: [
        RubriqueForum(titre=titre, categorie=categorie, description=description)
        for titre, categorie, description in FORUM_RUBRIQUES])
    """Rubriques du forum du réseau, dans l'ordre de la page « Forum du réseau » du portail (`forum/`) : chacune a
    un `titre`, une `description` d'une ligne et l'identifiant de sa catégorie de discussions (`categorie`) ou son
    adresse complète (`url`). Par défaut, les dix rubriques du forum de l'ancien portail. Liste vide : pas de page
    forum."""

    @field_validator("forum_url")
    @classmethod
    def _forum_url(cls, value: str) -> str:
        if not URL_RE.match(value.replace("{depot}", "d").replace("{categorie}", "c")) or "{categorie}" not in value:
            raise fail(f"« {value} » n'est pas un modèle d'adresse de rubrique",
                       "une adresse complète (https://…) qui contient « {categorie} », par exemple "
                       "« https://github.com/{depot}/discussions/categories/{categorie} »")
        return value

    @property
    def geo_dir(self) -> Path:
        return Path(self.data_dir) / "geo"


class _Lenient(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !!python/name: that only mkdocs resolves."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
_Lenient.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


class ConfigError(CommandError):
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
        from .content.yamlio import french_problem
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or ""
        raise ConfigError(f"mkdocs.yml{where}: YAML illisible ({french_problem(problem)}) — Indice : vérifiez "
                          "l'indentation (des espaces, pas de tabulation) et mettez entre guillemets les valeurs "
                          "qui contiennent « : »") from None
    except ValidationError as exc:
        from .content.validation import translate
        lines = []
        for err in exc.errors():
            message, hint = translate(Config, err)
            where = "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
            lines.append(f"mkdocs.yml: extra.msap.{where}: {message} — Indice : {hint} "
                         "(options décrites dans docs/configuration.md)")
        raise ConfigError("\n".join(lines)) from None  # indice : une par ligne, chacune le sien
