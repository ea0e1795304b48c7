"""The one place that builds every URL of the portal (Datasette style).

Paths are relative to the site root, with directory URLs (``maisons/19/ayen/``);
:class:`Link` turns them into links relative to the page being written, so the
portal works from any sub-folder of a web server and from ``file://``.
"""
from __future__ import annotations

from typing import Any

HOME = ""
MAISONS = "maisons/"
DEMARCHES = "demarches/"
ACTIVITES = "activites/"
BOITE = "boite-a-outils/"
PROJETS = "projets/"
DONNEES = "donnees/"
RECHERCHE = "recherche/"
PRO = "pro/"
A_PROPOS = "a-propos/"
ACCESSIBILITE = "accessibilite/"
MENTIONS = "mentions-legales/"
SITEMAP = "sitemap.xml"
FLUX = "nouveautes.xml"  # Atom: the new resources and projects
SECURITY_TXT = ".well-known/security.txt"
ASSETS = "assets/msap/"
VENDOR = "assets/vendor/"
CARTE = f"{MAISONS}carte/"
INTEGRER = f"{MAISONS}carte/integrer/"
COUVERTURE = f"{MAISONS}couverture/"
COMMUNES = "communes/"
STATISTIQUES = "statistiques/"
FORUM = "forum/"
ADMIN = "admin/"


def maison(fiche: Any) -> str:
    return f"{MAISONS}{fiche.data.departement}/{fiche.slug}/"


def departement(code: str) -> str:
    return f"{MAISONS}{code}/"


def region(code: str) -> str:
    return f"{MAISONS}region-{code}/"


def operateur(op_id: str) -> str:
    return f"{DEMARCHES}{op_id}/"


def operateur_departement(op_id: str, code: str) -> str:
    return f"{DEMARCHES}{op_id}/{code}/"


def activite(act_id: str) -> str:
    return f"{ACTIVITES}{act_id}/"


def ressource(fiche: Any) -> str:
    return f"{BOITE}{fiche.slug}/"


def boite_theme(theme_id: str) -> str:
    return f"{BOITE}theme/{theme_id}/"


def boite_operateur(op_id: str) -> str:
    return f"{BOITE}operateur/{op_id}/"


def boite_type(type_id: str) -> str:
    return f"{BOITE}type/{type_id}/"


def fichier(name: str) -> str:
    return f"{BOITE}fichiers/{name}"


def projet(fiche: Any) -> str:
    return f"{PROJETS}{fiche.slug}/"


def export(name: str) -> str:
    return f"{DONNEES}{name}"


CALENDRIERS = f"{DONNEES}calendriers/"


def calendrier(fiche: Any) -> str:
    """A Maison's calendar (its week, closures and special days): ``donnees/calendriers/<id>.ics``."""
    return f"{CALENDRIERS}{fiche.data.id}.ics"


def calendrier_arret(fiche: Any, index: int) -> str:
    """The calendar of a Maison's stop (``index`` from 0): ``donnees/calendriers/<id>-arret-1.ics``."""
    return f"{CALENDRIERS}{fiche.data.id}-arret-{index + 1}.ics"


def asset(name: str) -> str:
    return f"{ASSETS}{name}"


def vendor(name: str) -> str:
    return f"{VENDOR}{name}"


def commune(code_insee: str) -> str:
    """The page « Maisons près de <commune> » (communes where a Maison or a stop is)."""
    return f"{COMMUNES}{code_insee}/"


def forum_rubrique(config: Any, rubrique: Any) -> str:
    """A forum rubric on the forge: its own ``url``, else ``forum_url`` with the repository and its category."""
    return rubrique.url or config.forum_url.replace("{depot}", config.cms_depot).replace("{categorie}",
                                                                                          rubrique.categorie)


def pres_de(nom: str, departement: str) -> str:
    """« Près de chez moi » open on a commune: the département tells homonyms apart (Moulins of the Allier, not
    of the Aisne)."""
    from urllib.parse import urlencode

    return f"{CARTE}?{urlencode({'q': nom, 'dep': departement})}"


def carte_departement(code: str) -> str:
    return f"{ASSETS}cartes/{code}.svg"


def depth(path: str) -> int:
    """How many folders deep a page lives: '' -> 0, 'maisons/19/ayen/' -> 3."""
    return path.count("/")


def output_file(path: str) -> str:
    """The file a page path is written to."""
    return path + "index.html" if path == "" or path.endswith("/") else path


class Link:
    """Relative links from one page: ``link('maisons/')`` -> ``'../../'`` + ``'maisons/'``."""

    __slots__ = ("prefix",)

    def __init__(self, page_path: str):
        self.prefix = "../" * depth(page_path)

    def __call__(self, path: str) -> str:
        return (self.prefix + path) or "./"


def absolute(site_url: str, path: str) -> str:
    """A full URL, for sitemap.xml, canonical links and the open data."""
    return site_url.rstrip("/") + "/" + path
