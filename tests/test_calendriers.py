"""The calendars (.ics) of the Maisons and their stops: they parse with an iCalendar library, their recurrence
rules give the stops' real dates (checked day by day against the rhythm they state) and the Maison's week minus
its closures, in the Maison's own time zone; contributed text cannot add a line to the file."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from conftest import FROZEN_TODAY, make_portal_project
from generator.config import load_config
from generator.portal.build import build
from generator.portal.features import calendrier
from generator.schema import Maison
from generator.schema.fields import JOURS


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ics")
    root = make_portal_project(tmp / "projet", statistiques=False)
    return build(root, load_config(root), tmp / "site", today=FROZEN_TODAY, search=False).site_dir


def events(path: Path) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return [c for c in cal.walk("VEVENT")]


def dates(event: icalendar.Event, until: dt.datetime | dt.date) -> list[dt.datetime]:
    """The event's occurrences up to ``until`` (its RRULE from its DTSTART, minus its EXDATEs)."""
    start = event.decoded("DTSTART")
    if "RRULE" not in event:
        return [start]
    if not isinstance(start, dt.datetime):  # a whole day: its dates
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=dt.datetime.combine(start, dt.time()))
        return [d.date() for d in rule.between(dt.datetime.combine(start, dt.time()),
                                               dt.datetime.combine(until, dt.time()), inc=True)]
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    excluded = set()
    for ex in (event.get("EXDATE") if isinstance(event.get("EXDATE"), list) else [event.get("EXDATE")]):
        if ex is not None:
            excluded |= {d.dt for d in ex.dts}
    return [d for d in rule.between(start - dt.timedelta(seconds=1), until, inc=True) if d not in excluded]


def test_a_monthly_stop_gives_its_real_dates(site: Path):
    """The bus of the Ardennes: Rocroi the 1st and 3rd Thursdays of the month, 09:00-12:00."""
    (event,) = events(site / "donnees/calendriers/fs-9003-arret-2.ics")
    assert event["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=1TH,3TH"
    got = [d for d in dates(event, dt.datetime(2027, 3, 1, tzinfo=ZoneInfo("Europe/Paris")))]
    expected = [dt.date(2026, 12, 3), dt.date(2026, 12, 17), dt.date(2027, 1, 7), dt.date(2027, 1, 21),
                dt.date(2027, 2, 4), dt.date(2027, 2, 18)]
    assert [d.date() for d in got] == expected
    assert {(d.hour, d.minute, d.utcoffset()) for d in got} == {(9, 0, dt.timedelta(hours=1))}
    assert str(event["LOCATION"]) == "Salle des fêtes, Rocroi"


def test_a_maison_s_week_without_its_closures(site: Path):
    """Guéret: its ordinary week, closed 24-26 December 2026 (« Fêtes de fin d'année »)."""
    found = events(site / "donnees/calendriers/fs-9001.ics")
    until = dt.datetime(2027, 1, 10, tzinfo=ZoneInfo("Europe/Paris"))
    opened = sorted(d for e in found if "DTSTART" in e and isinstance(e.decoded("DTSTART"), dt.datetime)
                    for d in dates(e, until))
    days = {d.date() for d in opened}
    assert dt.date(2026, 12, 24) not in days and dt.date(2026, 12, 28) in days and dt.date(2026, 12, 21) in days
    assert min(days) >= FROZEN_TODAY
    closure = next(e for e in found if "Fêtes" in str(e["SUMMARY"]))
    assert (closure.decoded("DTSTART"), closure.decoded("DTEND")) == (dt.date(2026, 12, 24), dt.date(2026, 12, 27))
    monday = [d for d in opened if d.date() == dt.date(2026, 11, 30)]
    assert [(d.strftime("%H:%M")) for d in monday] == ["09:00", "13:30"]


def stop(**data) -> SimpleNamespace:
    return SimpleNamespace(**({"lieu": "Mairie", "commune": "Thilay", "frequence": "hebdomadaire", "semaines": [],
                               "horaires": ["09:00-12:00"], "premier_passage": None, "precisions": None} | data))


def fiche(departement: str = "23", arrets: list | None = None, **data) -> SimpleNamespace:
    base = {"id": "fs-test", "nom": "France services de test", "departement": departement,
            "adresse": {"code_postal": "23000", "commune": "Guéret", "code_insee": "23096"}}
    if departement == "974":
        base["adresse"] = {"code_postal": "97400", "commune": "Saint-Denis", "code_insee": "97411"}
    return SimpleNamespace(data=SimpleNamespace(**{**Maison.model_validate(base | data).__dict__,
                                                   "arrets": arrets or []}))


def brute_force(s: SimpleNamespace, start: dt.date, days: int) -> list[dt.date]:
    """The days a stop comes, read from its rhythm in words (not from the code under test)."""
    out = []
    for k in range(days):
        day = start + dt.timedelta(days=k)
        if JOURS[day.weekday()] != s.jour:
            continue
        if s.frequence == "mensuelle" and (day.day + 6) // 7 not in s.semaines:
            continue
        if s.frequence == "bimensuelle" and ((day - s.premier_passage).days // 7) % 2:
            continue
        out.append(day)
    return out


@pytest.mark.parametrize("data", [
    {"jour": "mardi"},
    {"jour": "vendredi", "frequence": "mensuelle", "semaines": [5]},
    {"jour": "lundi", "frequence": "mensuelle", "semaines": [1, 2, 4]},
    {"jour": "mercredi", "frequence": "bimensuelle", "premier_passage": dt.date(2026, 12, 9)},
    {"jour": "jeudi", "frequence": "bimensuelle", "premier_passage": dt.date(2025, 1, 2)},
    {"jour": "samedi", "frequence": "mensuelle", "semaines": [2], "horaires": []},
])
def test_every_rhythm_gives_the_dates_it_says(tmp_path: Path, data: dict):
    s = stop(**data)
    text = calendrier.arret(fiche(arrets=[s]), 0, "https://portail.test/m/", "portail.test", FROZEN_TODAY)
    (event,) = [c for c in icalendar.Calendar.from_ical(text).walk("VEVENT")]
    until = FROZEN_TODAY + dt.timedelta(days=800)
    got = [d if isinstance(d, dt.date) and not isinstance(d, dt.datetime) else d.date()
           for d in dates(event, dt.datetime.combine(until, dt.time(), ZoneInfo("Europe/Paris"))
                          if isinstance(event.decoded("DTSTART"), dt.datetime) else until)]
    assert got == brute_force(s, FROZEN_TODAY, 800) and len(got) >= 8  # the 5th Friday: 9 in 800 days
    assert calendrier.prochain(s, FROZEN_TODAY) == got[0]


def test_the_maison_s_own_clock_and_its_time_zone():
    f = fiche("974", horaires={"lundi": ["08:00-12:00"]})
    cal = icalendar.Calendar.from_ical(calendrier.maison(f, "https://portail.test/m/", "portail.test", FROZEN_TODAY))
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Indian/Reunion"
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.date(), start.hour, start.utcoffset()) == (dt.date(2026, 11, 30), 8, dt.timedelta(hours=4))


def test_paris_time_zone_describes_summer_time():
    lines = calendrier.vtimezone("Europe/Paris", 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines and "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert "DTSTART:19700329T020000" in lines and "TZOFFSETTO:+0200" in lines


def test_contributed_text_cannot_add_a_line():
    motif = "Inventaire\r\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Faux; rendez-vous, gratuit \\ ici"
    f = fiche(horaires={"lundi": ["09:00-12:00"]}, exceptions=[{"du": "2026-12-07", "motif": motif[:190]}])
    text = calendrier.maison(f, "https://portail.test/m/", "portail.test", FROZEN_TODAY)
    assert text.count("BEGIN:VEVENT") == 2 and "\nSUMMARY:Faux" not in text
    cal = icalendar.Calendar.from_ical(text)
    closed = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Fermé")]
    assert str(closed[0]["SUMMARY"]) == f"Fermé : France services de test ({motif[:190]})".replace("\r\n", "\n")


def test_lines_are_folded_at_75_octets_between_characters():
    f = fiche(horaires={"lundi": ["09:00-12:00"]}, nom="France services " + "é" * 150)
    text = calendrier.maison(f, "https://portail.test/m/", "portail.test", FROZEN_TODAY)
    assert max(len(line.encode("utf-8")) for line in text.split("\r\n")) <= 75
    assert str(icalendar.Calendar.from_ical(text)["X-WR-CALNAME"]) == "France services " + "é" * 150


def test_no_calendar_without_hours_or_a_known_date():
    assert calendrier.maison(fiche(), "u", "h", FROZEN_TODAY) is None
    assert calendrier.arret(fiche(arrets=[stop(jour="mardi", frequence="bimensuelle")]), 0, "u", "h",
                            FROZEN_TODAY) is None


def test_the_fiche_links_its_calendars(site: Path):
    page = (site / "maisons/08/bus-ardennes/index.html").read_text(encoding="utf-8")
    assert 'href="../../../donnees/calendriers/fs-9003.ics" download' in page
    assert 'href="../../../donnees/calendriers/fs-9003-arret-2.ics" download' in page
    assert "Jeudi 3 décembre 2026" in page  # its next passage as of the build, updated by horaires.js
    for ics in (site / "donnees/calendriers").glob("*.ics"):
        icalendar.Calendar.from_ical(ics.read_bytes())
