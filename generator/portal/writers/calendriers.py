"""The calendars of the open data (``donnees/calendriers/``): one per Maison with hours, one per stop whose next
date can be known (:mod:`..features.calendrier` makes them)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ... import cachedir
from ...content.geo import TIME_ZONES
from .. import urls
from ..features import calendrier
from ..model import Portal


def write_all(portal: Portal, out: Path) -> int:
    """Write every calendar under ``out`` (the site's folder); returns how many. A fiche's calendars are a function
    of its bytes, the portal's address, the day and the time-zone files: kept between builds under those
    (:class:`generator.cachedir.Memo`), computed again when one changes."""
    folder = out / urls.CALENDRIERS
    folder.mkdir(parents=True, exist_ok=True)
    host = urlsplit(portal.site_url).hostname or "portail"
    memo = cachedir.Memo("calendriers", cachedir.code_key(CODE, ()))
    base = f"{portal.site_url}\0{portal.today.isoformat()}\0{cachedir.zone_files(TIME_ZONES.values())}"
    count = 0
    for fiche in portal.maisons:
        texts = memo.get(fiche.doc.path, f"{base}\0{fiche.doc.digest}", lambda f=fiche: _texts(portal, f, host))
        for path, text in texts.items():
            if text is not None:
                (out / path).write_text(text, encoding="utf-8", newline="")
                count += 1
    memo.save()
    return count


def _texts(portal: Portal, fiche, host: str) -> dict[str, str | None]:  # noqa: ANN001 - a fiche
    page = urls.absolute(portal.site_url, urls.maison(fiche))
    texts = {urls.calendrier(fiche): calendrier.maison(fiche, page, host, portal.today)}
    for index in range(len(fiche.data.arrets)):
        texts[urls.calendrier_arret(fiche, index)] = calendrier.arret(fiche, index, page, host, portal.today)
    return texts


#: what computes a calendar: the modules whose code is in the key of the kept ones
CODE = ("generator/portal/writers/calendriers.py", "generator/portal/features/calendrier.py",
        "generator/portal/urls.py", "generator/schema", "generator/hours.py", "generator/content/geo.py")
