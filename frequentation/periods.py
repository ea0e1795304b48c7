"""Dates, months and periods the API accepts: bounded to the years 2000–2099, written out so that the OpenAPI
document says exactly what is accepted (a regular expression per value), and a period is a start and a number
of months (at most ten years) so that no combination of valid values is refused.

A generated request that matches the document is therefore always answered (schemathesis' « positive data
acceptance »): a 30 February, a year 999 or a period ending before it starts cannot be written.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from generator.content.geo import time_zone

ANNEE_MIN, ANNEE_MAX = 2000, 2099
#: months in a period, at most (the cost of an aggregate grows with it)
MOIS_MAX = 120
#: the default period: the last 12 months
MOIS_DEFAUT = 12

_YEAR = r"20\d{2}"
_LEAP = r"20(?:[02468][048]|[13579][26])"  # 2000 is a leap year; 2100 is out of range
_DAY = (rf"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|"
        rf"(?:0[13578]|1[02])-31)|{_LEAP}-02-29)")
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"

#: a month AAAA-MM of 2000–2099
MOIS = rf"^{_YEAR}-(?:0[1-9]|1[0-2])$"
#: a real calendar date AAAA-MM-JJ of 2000–2099
JOUR = rf"^{_DAY}$"
#: a visit's date and time: the Maison's local time, or with an offset (then converted to it)
QUAND = rf"^{_DAY}T{_TIME}{_OFFSET}?$"


def parse_quand(value: str) -> dt.datetime:
    """The datetime of a value that matched :data:`QUAND` (« Z » read as UTC)."""
    return dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)


def month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period(de: str | None, mois: int | None, today: dt.date | None = None) -> tuple[str, str]:
    """(first month, last month): ``mois`` months from ``de``; without ``de``, the last ``mois`` months up to the
    current one. A period running past 2099-12 stops there (those months hold nothing)."""
    count = mois or MOIS_DEFAUT
    today = today or dt.date.today()
    first = month_index(de) if de else today.year * 12 + today.month - count
    last = min(first + count - 1, ANNEE_MAX * 12 + 11)
    return month_of(first), month_of(last)


def days(du: str | None, au: str | None, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the days from ``du`` to ``au`` included (default: from 1 January to today). ``au`` before
    ``du`` is an empty period: nothing is in it."""
    today = today or dt.date.today()
    start = dt.date.fromisoformat(du) if du else today.replace(month=1, day=1)
    end = dt.date.fromisoformat(au) if au else today
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())


def with_offset(quand: dt.datetime, departement: str) -> dt.datetime:
    """A stored visit time (the Maison's wall clock) with the Maison's UTC offset, as RFC 3339 wants."""
    return quand.replace(tzinfo=ZoneInfo(time_zone(departement)))
