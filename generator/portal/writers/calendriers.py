"""The calendars of the open data (``donnees/calendriers/``): one per Maison with hours, one per stop whose next
date can be known (:mod:`..features.calendrier` makes them)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .. import urls
from ..features import calendrier
from ..model import Portal


def write_all(portal: Portal, out: Path) -> int:
    """Write every calendar under ``out`` (the site's folder); returns how many."""
    folder = out / urls.CALENDRIERS
    folder.mkdir(parents=True, exist_ok=True)
    host = urlsplit(portal.site_url).hostname or "portail"
    count = 0
    for fiche in portal.maisons:
        page = urls.absolute(portal.site_url, urls.maison(fiche))
        texts = {urls.calendrier(fiche): calendrier.maison(fiche, page, host, portal.today)}
        for index in range(len(fiche.data.arrets)):
            texts[urls.calendrier_arret(fiche, index)] = calendrier.arret(fiche, index, page, host, portal.today)
        for path, text in texts.items():
            if text is not None:
                (out / path).write_text(text, encoding="utf-8", newline="")
                count += 1
    return count
