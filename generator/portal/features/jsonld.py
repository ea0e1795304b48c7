"""schema.org description of a Maison (JSON-LD GovernmentOffice), read by search engines and assistants."""
from __future__ import annotations

from typing import Any

from . import horaires
from .. import urls
from ..model import Portal


def maison(portal: Portal, fiche: Any) -> dict[str, Any]:
    d = fiche.data
    url = urls.absolute(portal.site_url, urls.maison(fiche))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentOffice",
        "@id": url,
        "name": d.nom,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": ", ".join(x for x in (d.adresse.voie, d.adresse.complement) if x) or None,
            "postalCode": d.adresse.code_postal,
            "addressLocality": d.adresse.commune,
            "addressRegion": portal.departement_name(d.departement),
            "addressCountry": "FR",
        },
        "telephone": d.telephone,
        "email": d.courriel,
        "sameAs": d.site_web,
        "isAccessibleForFree": True,
        "openingHoursSpecification": horaires.opening_hours_specification(d, portal.today) or None,
        "areaServed": portal.departement_name(d.departement),
    }
    if d.coordonnees:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": d.coordonnees.lat, "longitude": d.coordonnees.lon}
    data["address"] = {k: v for k, v in data["address"].items() if v}
    return {k: v for k, v in data.items() if v is not None}
