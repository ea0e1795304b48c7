"""Calendars (iCalendar, RFC 5545) a citizen adds to a phone's agenda: one per Maison (its ordinary week, each
slot a weekly event, with its dated closures and special days) and one per itinerant stop (its day and rhythm:
« le 2e mardi du mois » is ``RRULE:FREQ=MONTHLY;BYDAY=2TU``, « une semaine sur deux » ``FREQ=WEEKLY;INTERVAL=2``
from its known date), in the Maison's own time zone, with the VTIMEZONE that describes it.

And the next date of a stop (:func:`prochain`), which the fiche shows and the calendar starts from. Contributed
text (a place, a reason) is escaped as RFC 5545 says: it cannot add a line of its own to the file.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from ...content.geo import time_zone
from ...schema.fields import JOURS

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PRODID = "-//Portail des Maisons de services au public//Calendriers//FR"


# --- dates -------------------------------------------------------------------------------------------------
def _rank(day: dt.date) -> int:
    """The rank of a weekday in its month (the 2nd Tuesday: 2)."""
    return (day.day - 1) // 7 + 1


def passe(stop: Any, day: dt.date) -> bool:
    """Whether the stop comes on ``day``."""
    if JOURS[day.weekday()] != stop.jour:
        return False
    if stop.frequence == "mensuelle":
        return _rank(day) in stop.semaines
    if stop.frequence == "bimensuelle":
        return stop.premier_passage is not None and (day - stop.premier_passage).days % 14 == 0
    return True


def prochain(stop: Any, today: dt.date) -> dt.date | None:
    """The first day from ``today`` on which the stop comes (None: every second week with no known date)."""
    if stop.frequence == "bimensuelle" and stop.premier_passage is None:
        return None
    day = today + dt.timedelta(days=(JOURS.index(stop.jour) - today.weekday()) % 7)
    for _ in range(60):  # a 5th Tuesday may be a few months away
        if passe(stop, day):
            return day
        day += dt.timedelta(days=7)
    return None


def rule(stop: Any) -> str:
    """The stop's RRULE value."""
    day = DAYS[JOURS.index(stop.jour)]
    if stop.frequence == "mensuelle":
        return "FREQ=MONTHLY;BYDAY=" + ",".join(f"{s}{day}" for s in sorted(stop.semaines))
    if stop.frequence == "bimensuelle":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    return f"FREQ=WEEKLY;BYDAY={day}"


# --- the file ----------------------------------------------------------------------------------------------
def text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> Iterator[str]:
    """Lines of at most 75 octets, the next ones starting with a space (never inside a character)."""
    data = line.encode("utf-8")
    while len(data) > 75:
        cut = 75
        while cut and (data[cut] & 0xC0) == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        yield data[:cut].decode("utf-8")
        data = b" " + data[cut:]
    yield data.decode("utf-8")


def _local(day: dt.date, hhmm: str) -> str:
    if hhmm == "24:00":
        return (day + dt.timedelta(days=1)).strftime("%Y%m%dT000000")
    return day.strftime("%Y%m%d") + "T" + hhmm.replace(":", "") + "00"


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta, str]]:
    """The zone's changes of offset in ``year``: (local time just before, offset before, after, name after)."""
    out = []
    instant = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
    before = instant.astimezone(zone).utcoffset()
    while instant.year == year:
        nxt = instant + dt.timedelta(hours=1)
        after = nxt.astimezone(zone).utcoffset()
        if after != before:
            out.append(((nxt.astimezone(zone) - after + before).replace(tzinfo=None), before, after,
                        nxt.astimezone(zone).tzname() or ""))
            before = after
        instant = nxt
    return out


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _nth(year: int, month: int, weekday: int, rank: int) -> dt.date:
    """The ``rank``-th ``weekday`` of a month (-1: the last one)."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    days = [day + dt.timedelta(days=7 * k) for k in range(5) if (day + dt.timedelta(days=7 * k)).month == month]
    return days[rank - 1] if rank > 0 else days[-1]


@functools.lru_cache(maxsize=None)
def vtimezone(name: str, year: int) -> tuple[str, ...]:
    """The VTIMEZONE of a zone: its offset, or its yearly changes (« the last Sunday of March »), as they are in
    ``year`` (a zone that changes its rules is described by this year's)."""
    zone = ZoneInfo(name)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    changes = _transitions(zone, year)
    if not changes:
        offset = dt.datetime(year, 1, 1, tzinfo=zone).utcoffset() or dt.timedelta(0)
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{_offset(offset)}",
                  f"TZOFFSETTO:{_offset(offset)}", f"TZNAME:{dt.datetime(year, 1, 1, tzinfo=zone).tzname()}",
                  "END:STANDARD"]
    for local, before, after, tzname in changes:
        kind = "DAYLIGHT" if after > before else "STANDARD"
        month_end = (local.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        rank = -1 if local.day + 7 > month_end.day else _rank(local.date())
        onset = dt.datetime.combine(_nth(1970, local.month, local.weekday(), rank), local.time())
        lines += [f"BEGIN:{kind}", f"DTSTART:{onset:%Y%m%dT%H%M%S}",
                  f"RRULE:FREQ=YEARLY;BYMONTH={local.month};BYDAY={rank}{DAYS[local.weekday()]}",
                  f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{tzname}",
                  f"END:{kind}"]
    return (*lines, "END:VTIMEZONE")


def _calendar(name: str, zone: str, events: list[list[str]], today: dt.date) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{text(name)}", f"X-WR-TIMEZONE:{zone}", *vtimezone(zone, today.year)]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


def _event(uid: str, stamp: str, summary: str, where: str, url: str, zone: str, day: dt.date, slot: str | None,
           rrule: str | None = None, exdates: list[str] | None = None, description: str = "",
           last: dt.date | None = None) -> list[str]:
    """A VEVENT's lines: ``slot`` « 09:00-12:00 » on ``day``, or the whole days from ``day`` to ``last``."""
    lines = [f"UID:{uid}", f"DTSTAMP:{stamp}", f"SUMMARY:{text(summary)}", f"LOCATION:{text(where)}", f"URL:{url}"]
    if slot is None:  # whole days (hours to be confirmed, a closure)
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{(last or day) + dt.timedelta(days=1):%Y%m%d}", "TRANSP:TRANSPARENT"]
    else:
        start, end = slot.split("-")
        lines += [f"DTSTART;TZID={zone}:{_local(day, start)}", f"DTEND;TZID={zone}:{_local(day, end)}"]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if exdates:
        lines.append(f"EXDATE;TZID={zone}:" + ",".join(exdates))
    if description:
        lines.append(f"DESCRIPTION:{text(description)}")
    return lines


def _address(d: Any) -> str:
    a = d.adresse
    return ", ".join(p for p in (a.voie, a.complement, f"{a.code_postal} {a.commune}") if p)


def _days(du: dt.date, au: dt.date | None) -> Iterator[dt.date]:
    day = du
    while day <= (au or du):
        yield day
        day += dt.timedelta(days=1)


def maison(fiche: Any, url: str, host: str, today: dt.date) -> str | None:
    """A Maison's calendar: its week from ``today`` on, closures and special days to come; None without hours."""
    d = fiche.data
    if d.horaires is None or d.horaires.is_empty():
        return None
    zone, stamp = time_zone(d.departement), f"{today:%Y%m%d}T000000Z"
    upcoming = [e for e in d.exceptions if (e.au or e.du) >= today]
    changed = {day: e for e in upcoming for day in _days(e.du, e.au)}
    events = []
    for index, jour in enumerate(JOURS):
        first = today + dt.timedelta(days=(index - today.weekday()) % 7)
        for slot in getattr(d.horaires, jour):
            start = slot.split("-")[0]
            skipped = [_local(day, start) for day in sorted(changed) if day.weekday() == index and day >= first]
            events.append(_event(f"{d.id}-{jour}-{slot.replace(':', '')}@{host}", stamp, f"Ouvert : {d.nom}",
                                 _address(d), url, zone, first, slot, f"FREQ=WEEKLY;BYDAY={DAYS[index]}", skipped))
    for n, exc in enumerate(sorted(upcoming, key=lambda e: e.du)):
        for day in _days(max(exc.du, today), exc.au):
            for slot in exc.horaires:
                events.append(_event(f"{d.id}-exception-{n}-{day:%Y%m%d}-{slot.replace(':', '')}@{host}", stamp,
                                     f"Ouvert : {d.nom} ({exc.motif})", _address(d), url, zone, day, slot))
        if not exc.horaires:
            events.append(_event(f"{d.id}-fermeture-{n}@{host}", stamp, f"Fermé : {d.nom} ({exc.motif})",
                                 _address(d), url, zone, max(exc.du, today), None, last=exc.au or exc.du))
    return _calendar(d.nom, zone, events, today)


def arret(fiche: Any, index: int, url: str, host: str, today: dt.date) -> str | None:
    """A stop's calendar, from its next passage on; None when its next date cannot be known."""
    d, stop = fiche.data, fiche.data.arrets[index]
    first = prochain(stop, today)
    if first is None:
        return None
    zone, stamp = time_zone(d.departement), f"{today:%Y%m%d}T000000Z"
    where = f"{stop.lieu}, {stop.commune}"
    summary = f"{d.nom} : permanence à {stop.lieu}"
    slots = list(stop.horaires) or [None]
    events = [_event(f"{d.id}-arret-{index + 1}-{(slot or 'jour').replace(':', '')}@{host}", stamp, summary, where,
                     url, zone, first, slot, rule(stop),
                     description=((stop.precisions or "") + ("" if slot else " Horaires à confirmer.")).strip())
              for slot in slots]
    return _calendar(f"{d.nom} — {stop.lieu}", zone, events, today)
