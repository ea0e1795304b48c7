"""Opening hours in OpenStreetMap's ``opening_hours`` syntax, the one OSM, the national schema of digital
mediation places (``horaires``) and most reusers read (https://wiki.openstreetmap.org/wiki/Key:opening_hours).

A Maison: its ordinary week (« Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00 »), then its dated closures and
special days not yet over, each one a rule of its own that replaces the week on its days (« 2026 Dec 24-2027
Jan 02 off "Fermeture de fin d'année" »). A stop: its day and rhythm (« Tu[2] 09:00-12:00 » for the second
Tuesday of the month; one week in two from its known date, written year by year over the build's year and the
next: « 2026 week 01-53/2 Tu 09:00-12:00; 2027 week 02-52/2 Tu 09:00-12:00 », because a year of 53 ISO weeks
breaks a plain parity, and with the week numbers its days really have: a Friday stop of the 53rd week of 2026
comes on 1 January 2027, « 2027 week 02-52/2,53 Fr »). Hours not given are « unknown », never « open all day ».

The tests parse every value with an independent parser (opening-hours-py) and compare its open/closed answers
with the portal's own (horaires.js) at many instants.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...schema.fields import JOURS

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _days(indexes: list[int]) -> str:
    """[0, 1, 2, 4] -> « Mo-We,Fr » (a range from three days on)."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ",".join(f"{DAYS[r[0]]}-{DAYS[r[-1]]}" if len(r) > 2 else ",".join(DAYS[i] for i in r) for r in runs)


def _comment(text: str) -> str:
    """A rule's comment: between double quotes, which it cannot hold itself."""
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def _date(day: dt.date, since: dt.date | None = None) -> str:
    """« 2026 Dec 24 »; after ``since``, only what differs (« 31 », « Jan 02 »), as a range's end."""
    if since is not None and since.year == day.year:
        return f"{day.day:02d}" if since.month == day.month else f"{MONTHS[day.month - 1]} {day.day:02d}"
    return f"{day.year} {MONTHS[day.month - 1]} {day.day:02d}"


def date_range(du: dt.date, au: dt.date | None) -> str:
    """« 2026 Dec 24 », « 2026 Dec 24-31 », « 2026 Dec 24-2027 Jan 02 »."""
    if au is None or au == du:
        return _date(du)
    return f"{_date(du)}-{_date(au, du)}"


def week(horaires: Any) -> str:
    """The ordinary week: days of the same slots together, in the order of their first day; « off » for a
    week without any."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, jour in enumerate(JOURS):
        slots = tuple(getattr(horaires, jour))
        if slots:
            groups.setdefault(slots, []).append(i)
    if not groups:
        return "off"
    return "; ".join(f"{_days(days)} {','.join(slots)}" for slots, days in groups.items())


def maison(d: Any, today: dt.date) -> str | None:
    """A Maison's ``opening_hours``; None when its hours are not known."""
    if d.horaires is None:
        return None
    rules = [week(d.horaires)]
    for exc in sorted(d.exceptions, key=lambda e: e.du):
        if (exc.au or exc.du) < today:
            continue
        hours = ",".join(exc.horaires) if exc.horaires else "off"
        rules.append(f"{date_range(exc.du, exc.au)} {hours} {_comment(exc.motif)}")
    return "; ".join(rules)


def _weeks(numbers: list[int]) -> str:
    """ISO week numbers as OSM writes them: [1, 3, 5, 7, 53] -> « 01-07/2,53 »."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 2:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(f"{r[0]:02d}-{r[-1]:02d}/2" if len(r) > 2 else ",".join(f"{n:02d}" for n in r) for r in runs)


def _alternate_weeks(anchor: dt.date, years: tuple[int, ...]) -> list[str]:
    """Per calendar year, the week numbers of the days a stop comes every second week from ``anchor``:
    « 2027 week 02-52/2,53 » (1 January 2027 is in the 53rd week of 2026, a week of passage)."""
    out = []
    for year in years:
        day = dt.date(year, 1, 1) + dt.timedelta(days=(anchor.weekday() - dt.date(year, 1, 1).weekday()) % 7)
        numbers = []
        while day.year == year:
            if (day - anchor).days % 14 == 0:
                numbers.append(day.isocalendar()[1])
            day += dt.timedelta(days=7)
        out.append(f"{year} week {_weeks(numbers)}")
    return out


def arret(stop: Any, today: dt.date) -> str | None:
    """A stop's ``opening_hours``; None for one that comes every second week without a known date."""
    day = DAYS[JOURS.index(stop.jour)]
    hours = ",".join(stop.horaires) if stop.horaires else 'unknown "horaires à confirmer"'
    if stop.frequence == "mensuelle":
        return f"{day}[{','.join(str(s) for s in sorted(stop.semaines))}] {hours}"
    if stop.frequence == "bimensuelle":
        anchor = getattr(stop, "premier_passage", None)
        if anchor is None:
            return None
        return "; ".join(f"{weeks} {day} {hours}" for weeks in _alternate_weeks(anchor, (today.year, today.year + 1)))
    return f"{day} {hours}"
