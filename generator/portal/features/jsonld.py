"""schema.org description of a Maison (JSON-LD GovernmentOffice, part of the France services network) and of
its page's place in the site (BreadcrumbList), read by search engines and assistants."""
from __future__ import annotations

from typing import Any

from . import horaires
from .. import urls
from ..model import Portal


#: the brand every Maison belongs to
RESEAU = {"@type": "GovernmentOrganization", "name": "France services", "url": "https://www.france-services.gouv.fr/"}


def fil(portal: Portal, fiche: Any) -> dict[str, Any]:
    """The fiche's breadcrumb (the one its page shows): Accueil › Trouver une Maison › région › département › Maison."""
    d = fiche.data
    steps = [("Accueil", urls.HOME), ("Trouver une Maison", urls.MAISONS)]
    region = portal.region_of(d.departement)
    if region and region["nom"] != portal.departement_name(d.departement):
        steps.append((region["nom"], urls.region(region["code"])))
    steps += [(portal.departement_name(d.departement), urls.departement(d.departement)), (d.nom, urls.maison(fiche))]
    return {"@context": "https://schema.org", "@type": "BreadcrumbList",
            "itemListElement": [{"@type": "ListItem", "position": i, "name": name,
                                 "item": urls.absolute(portal.site_url, path)}
                                for i, (name, path) in enumerate(steps, 1)]}


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
        "parentOrganization": RESEAU,
    }
    if d.coordonnees:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": d.coordonnees.lat, "longitude": d.coordonnees.lon}
    data["address"] = {k: v for k, v in data["address"].items() if v}
    return {k: v for k, v in data.items() if v is not None}
