"""The accessibility statement and the legal notice, made from the configuration and from what the build does,
so that they stay true: the conformity follows the last RGAA audit (none: « non conforme », as RGAA 4.1.2 says),
and the resources loaded from other sites are read from the same settings as the Content-Security-Policy
(``writers/headers.py``): the map tiles, and for the agents' editor its forge."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...config import Config
from ..writers.headers import FORGES, origin

RGAA = "RGAA 4.1.2"


def conformite(config: Config) -> str:
    """« totalement conforme », « partiellement conforme » or « non conforme » (no audit: non conforme)."""
    audit = config.audit_rgaa
    if audit is None or audit.taux < 50:
        return "non conforme"
    return "totalement conforme" if audit.taux >= 100 else "partiellement conforme"


def external(config: Config) -> list[dict[str, str]]:
    """What a visitor's browser loads from another site: [{origine, quoi, ou}]."""
    out = []
    tiles = origin(config.carte_tuiles)
    if tiles:
        out.append({"origine": tiles, "quoi": f"Les fonds de carte ({config.carte_attribution.rstrip('.')})",
                    "ou": "les cartes de « Près de chez moi » et des fiches, quand on les affiche"})
    if config.cms_backend in FORGES:
        out.append({"origine": FORGES[config.cms_backend], "quoi": "La forge où sont enregistrées les fiches",
                    "ou": "l'éditeur en ligne des agents (/admin/), une fois connecté"})
    return out


def contact(config: Config) -> str:
    """Where to write to the portal's team: its address, else the content repository's issues."""
    if config.contact_courriel:
        return f"mailto:{config.contact_courriel}"
    if config.cms_backend == "gitlab":
        return f"https://gitlab.com/{config.cms_depot}/-/issues"
    return f"https://github.com/{config.cms_depot}/issues"


def context(config: Config, today: dt.date) -> dict[str, Any]:
    """What the two pages show."""
    return {"conformite": conformite(config), "rgaa": RGAA, "audit": config.audit_rgaa, "today": today,
            "pluriannuel": config.schema_pluriannuel_url, "externes": external(config), "contact": contact(config),
            "contact_courriel": config.contact_courriel, "editeur": config.editeur,
            "editeur_adresse": config.editeur_adresse, "directeur": config.directeur_publication,
            "hebergeur": config.hebergeur}
