"""Opening hours as the portal shows them: the week table, the data the browser
uses for « ouvert maintenant », and schema.org openingHoursSpecification.

The browser computes the open/closed state (a static page cannot know the time);
it gets the week, the dated exceptions and the Maison's time zone, because the
Maisons of the overseas départements do not live on Paris time.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...content.geo import TIME_ZONES, time_zone  # noqa: F401 - the templates and the browser data use them
from ...schema.fields import JOURS, minutes

SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _span(slot: str) -> tuple[str, str]:
    start, end = slot.split("-")
    return start, end


def label(slots: list[str]) -> str:
    """« 09:00 – 12:00, 13:30 – 17:00 » or « Fermé »."""
    return ", ".join(" – ".join(_span(s)) for s in slots) if slots else "Fermé"


def week(maison: Any) -> list[dict[str, Any]]:
    """One row per day, Monday first: {jour, label, creneaux, ferme}."""
    horaires = maison.horaires
    rows = []
    for jour in JOURS:
        slots = list(getattr(horaires, jour)) if horaires else []
        rows.append({"jour": jour, "nom": jour.capitalize(), "label": label(slots), "ferme": not slots,
                     "creneaux": [_span(s) for s in slots]})
    return rows


def upcoming_exceptions(maison: Any, today: dt.date) -> list[dict[str, Any]]:
    out = []
    for exc in sorted(maison.exceptions, key=lambda e: e.du):
        end = exc.au or exc.du
        if end < today:
            continue
        out.append({"du": exc.du, "au": exc.au, "motif": exc.motif, "label": label(list(exc.horaires))})
    return out


def browser_data(maison: Any, today: dt.date) -> dict[str, Any] | None:
    """What horaires.js needs: minutes since midnight per day, dated exceptions, the time zone."""
    if maison.horaires is None:
        return None
    return {
        "tz": time_zone(maison.departement),
        "semaine": [[[minutes(a), minutes(b)] for a, b in map(_span, getattr(maison.horaires, j))] for j in JOURS],
        "exceptions": [
            {"du": e.du.isoformat(), "au": (e.au or e.du).isoformat(), "motif": e.motif,
             "creneaux": [[minutes(a), minutes(b)] for a, b in map(_span, e.horaires)]}
            for e in maison.exceptions if (e.au or e.du) >= today - dt.timedelta(days=1)
        ],
    }


def opening_hours_specification(maison: Any, today: dt.date) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    if maison.horaires is not None:
        for jour, day in zip(JOURS, SCHEMA_DAYS):
            for start, end in map(_span, getattr(maison.horaires, jour)):
                specs.append({"@type": "OpeningHoursSpecification", "dayOfWeek": f"https://schema.org/{day}",
                              "opens": start, "closes": "23:59" if end == "24:00" else end})
    for exc in maison.exceptions:
        if (exc.au or exc.du) < today:
            continue
        base = {"@type": "OpeningHoursSpecification", "validFrom": exc.du.isoformat(),
                "validThrough": (exc.au or exc.du).isoformat(), "description": exc.motif}
        if not exc.horaires:
            specs.append(base | {"opens": "00:00", "closes": "00:00"})
        for start, end in map(_span, exc.horaires):
            specs.append(base | {"opens": start, "closes": end})
    return specs
