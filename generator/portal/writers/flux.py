"""The Atom feed of the network's novelties (``nouveautes.xml``): the toolbox's resources and the projects, the
newest first, each with its page, its summary and its date (a resource's publication, a project's start or end;
a project without a date is not in the feed). Atom (RFC 4287), which every feed reader and the messaging apps'
previews read; its texts are escaped, never markup."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from .. import urls
from ..model import Portal

LIMIT = 50  # entries: the newest ones (a reader that missed more reads the toolbox)


def entries(portal: Portal) -> list[dict[str, Any]]:
    """The feed's entries, newest first: {titre, url, resume, date, genre}."""
    out = [{"titre": r.data.titre, "url": urls.absolute(portal.site_url, urls.ressource(r)), "resume": r.data.resume,
            "date": r.data.date, "genre": "Ressource"}
           for r in portal.ressources if r.data.public == "tous"]
    out += [{"titre": p.data.titre, "url": urls.absolute(portal.site_url, urls.projet(p)), "resume": p.data.resume,
             "date": p.data.date_fin or p.data.date_debut, "genre": "Projet"}
            for p in portal.projets if p.data.date_fin or p.data.date_debut]
    return sorted(out, key=lambda e: (e["date"], e["url"]), reverse=True)[:LIMIT]


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom(portal: Portal, title: str = "Nouveautés du réseau des Maisons de services au public") -> str:
    found = entries(portal)
    host = urlsplit(portal.site_url).hostname or "portail"
    updated = max((e["date"] for e in found), default=portal.today)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
             f"<title>{escape(title)}</title>",
             "<subtitle>Les ressources de la boîte à outils et les projets des Maisons, les plus récents d'abord."
             "</subtitle>",
             f"<id>tag:{host},2026:nouveautes</id>", f"<updated>{_stamp(updated)}</updated>",
             f"<link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(urls.absolute(portal.site_url, urls.FLUX))}/>",
             f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(urls.absolute(portal.site_url, urls.HOME))}/>",
             "<author><name>Réseau des Maisons de services au public</name></author>"]
    for e in found:
        lines += ["<entry>", f"<title>{escape(e['titre'])}</title>", f"<id>{escape(e['url'])}</id>",
                  f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(e['url'])}/>",
                  f"<updated>{_stamp(e['date'])}</updated>", f"<category term={quoteattr(e['genre'])}/>",
                  f"<summary>{escape(e['resume'])}</summary>", "</entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"
