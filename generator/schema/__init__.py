"""The content model: one pydantic model per kind, the single source of truth.

JSON Schema files (``schemas/``), the CMS configuration, the documentation and
the importer's column mapping are all derived from these models.
"""
from .maison import Maison
from .projet import Projet
from .referentiels import LISTS, Publics, Relecteurs
from .ressource import Ressource

# kind -> (model, folder under content/, nested by département?)
KINDS = {
    "maisons": (Maison, "maisons", True),
    "ressources": (Ressource, "ressources", False),
    "projets": (Projet, "projets", False),
}

__all__ = ["KINDS", "LISTS", "Maison", "Projet", "Publics", "Relecteurs", "Ressource"]
