"""OpenStreetMap ``opening_hours`` in the exports: every value parses with an independent parser
(opening-hours-py) and gives the portal's own open/closed answers (horaires.js, run by Node) at many instants."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from opening_hours import OpeningHours

from conftest import FROZEN_TODAY, REPO
from generator.content.geo import time_zone
from generator.portal.features import horaires, osm_horaires
from generator.schema import Maison
from generator.schema.fields import JOURS

NODE = shutil.which("node")


def maison(**data) -> Maison:
    base = {"id": "fs-test", "nom": "France services de test", "type": "site_principal", "format": "fixe",
            "departement": "23", "adresse": {"code_postal": "23000", "commune": "Guéret", "code_insee": "23096"}}
    return Maison.model_validate(base | data)


def js_states(datas: list[dict], instants: list[dt.datetime]) -> list[list[bool]]:
    """horaires.js's « ouvert » for each Maison's browser data at each instant (UTC)."""
    done = subprocess.run([NODE, str(REPO / "tests/js/ouverture.mjs")], capture_output=True, text=True, timeout=600,
                          input=json.dumps({"fiches": datas, "instants": [i.strftime("%Y-%m-%dT%H:%M:%SZ")
                                                                          for i in instants]}),
                          env={"TZ": "UTC"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def osm_states(d: Maison, instants: list[dt.datetime], today: dt.date) -> list[bool]:
    """opening-hours-py's answer, at each instant seen on the Maison's own clock."""
    parsed = OpeningHours(osm_horaires.maison(d, today))
    zone = ZoneInfo(time_zone(d.departement))
    return [parsed.is_open(i.astimezone(zone).replace(tzinfo=None)) for i in instants]


def instants(start: dt.date, days: int, count: int, seed: int) -> list[dt.datetime]:
    """Instants over ``days`` days from ``start``: on the hour and the half-hour edges, and at random minutes."""
    rng = random.Random(seed)
    base = dt.datetime.combine(start, dt.time(0), dt.timezone.utc)
    out = [base + dt.timedelta(minutes=rng.randrange(days * 24 * 60)) for _ in range(count)]
    out += [base + dt.timedelta(days=rng.randrange(days), hours=h, minutes=m) for h in range(5, 20) for m in (0, 30)]
    return sorted(out)


@pytest.mark.parametrize("data, expected", [
    ({"horaires": {j: ["09:00-12:00", "13:30-17:00"] for j in JOURS[:5]} | {"samedi": ["09:00-12:00"]}},
     "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"),
    ({"horaires": {"lundi": ["09:00-12:00"], "mardi": ["09:00-12:00"], "jeudi": ["09:00-12:00"],
                   "vendredi": ["14:00-24:00"]}},
     "Mo,Tu,Th 09:00-12:00; Fr 14:00-24:00"),
    ({"horaires": {}}, "off"),
    ({"horaires": {"lundi": ["09:00-12:00"]},
      "exceptions": [{"du": "2026-12-24", "au": "2027-01-02", "motif": "Fermeture de fin d'année"},
                     {"du": "2026-12-14", "motif": 'Journée "portes ouvertes"', "horaires": ["10:00-18:00"]},
                     {"du": "2026-12-15", "au": "2026-12-18", "motif": "Inventaire"},
                     {"du": "2026-01-05", "motif": "Passée"}]},
     "Mo 09:00-12:00; 2026 Dec 14 10:00-18:00 \"Journée 'portes ouvertes'\"; 2026 Dec 15-18 off \"Inventaire\"; "
     "2026 Dec 24-2027 Jan 02 off \"Fermeture de fin d'année\""),
])
def test_a_maison_in_osm_syntax(data: dict, expected: str):
    value = osm_horaires.maison(maison(**data), FROZEN_TODAY)
    assert value == expected
    OpeningHours(value)  # parses


def test_unknown_hours_have_no_value():
    assert osm_horaires.maison(maison(), FROZEN_TODAY) is None


def stop(**data) -> SimpleNamespace:
    return SimpleNamespace(**({"frequence": "hebdomadaire", "semaines": [], "horaires": ["09:00-12:00"],
                               "premier_passage": None} | data))


@pytest.mark.parametrize("data, expected", [
    ({"jour": "mardi"}, "Tu 09:00-12:00"),
    ({"jour": "mardi", "frequence": "mensuelle", "semaines": [3, 1]}, "Tu[1,3] 09:00-12:00"),
    ({"jour": "vendredi", "frequence": "mensuelle", "semaines": [5], "horaires": []},
     'Fr[5] unknown "horaires à confirmer"'),
    ({"jour": "mardi", "frequence": "bimensuelle", "premier_passage": dt.date(2026, 12, 1)},
     "2026 week 03-53/2 Tu 09:00-12:00; 2027 week 02-52/2 Tu 09:00-12:00"),  # 6 January 2026: not one
    ({"jour": "mardi", "frequence": "bimensuelle"}, None),
])
def test_a_stop_in_osm_syntax(data: dict, expected: str | None):
    value = osm_horaires.arret(stop(**data), dt.date(2026, 12, 1))
    assert value == expected
    if value:
        OpeningHours(value)


@pytest.mark.parametrize("offset", range(14))
def test_every_second_week_holds_over_the_year_boundary(offset: int):
    """2026 has 53 ISO weeks: a plain « week 01-53/2 » would come two weeks running at the new year."""
    anchor = dt.date(2026, 11, 23) + dt.timedelta(days=offset)
    parsed = OpeningHours(osm_horaires.arret(stop(jour=JOURS[anchor.weekday()], frequence="bimensuelle",
                                                  premier_passage=anchor), dt.date(2026, 12, 1)))
    day = dt.date(2026, 1, 1) + dt.timedelta(days=(anchor.weekday() - dt.date(2026, 1, 1).weekday()) % 7)
    wrong = []
    while day.year < 2028:
        if parsed.is_open(dt.datetime.combine(day, dt.time(10))) != ((day - anchor).days % 14 == 0):
            wrong.append(day)
        day += dt.timedelta(days=7)
    assert wrong == []


def test_a_stop_every_second_week_needs_its_date_on_its_day():
    from pydantic import ValidationError
    arret = {"lieu": "Mairie", "commune": "Thilay", "jour": "mardi", "frequence": "bimensuelle"}
    with pytest.raises(ValidationError, match="doit dire de quelle semaine il part"):
        maison(format="itinerant", arrets=[arret])
    with pytest.raises(ValidationError, match="le 02/12/2026 est un mercredi, pas un mardi"):
        maison(format="itinerant", arrets=[arret | {"premier_passage": "2026-12-02"}])
    assert maison(format="itinerant", arrets=[arret | {"premier_passage": "2026-12-01"}]).arrets[0].premier_passage


@pytest.mark.lent
@pytest.mark.skipif(NODE is None, reason="Node.js absent")
def test_the_same_answers_as_the_portal_with_exceptions_and_time_zones():
    """Closures, special days, late evenings, overseas clocks: the OSM value and horaires.js agree."""
    week = {j: ["09:00-12:00", "13:30-17:00"] for j in JOURS[:5]} | {"samedi": ["08:30-12:30"],
                                                                     "vendredi": ["14:00-24:00"]}
    exceptions = [{"du": "2026-11-27", "motif": "Formation"},
                  {"du": "2026-11-30", "au": "2026-12-02", "motif": "Ouverture renforcée",
                   "horaires": ["08:00-19:30"]},
                  {"du": "2026-12-05", "motif": "Samedi fermé"}]
    cases = [maison(horaires=week, exceptions=exceptions, departement=dep,
                    adresse={"code_postal": "97300", "commune": "X", "code_insee": "97302"} if dep == "973" else
                    {"code_postal": "23000", "commune": "Guéret", "code_insee": "23096"})
             for dep in ("23", "973", "974", "976")]
    cases.append(maison(horaires={"mercredi": ["10:00-11:00"]}))
    moments = instants(FROZEN_TODAY, 14, 400, seed=1)
    js = js_states([horaires.browser_data(d, FROZEN_TODAY) for d in cases], moments)
    for k, d in enumerate(cases):
        assert osm_states(d, moments, FROZEN_TODAY) == [row[k] for row in js], (d.departement,
                                                                                 osm_horaires.maison(d, FROZEN_TODAY))
    assert any(any(row) for row in js) and not all(all(row) for row in js)  # both answers were met


@pytest.mark.lent
@pytest.mark.reseau
@pytest.mark.skipif(NODE is None, reason="Node.js absent")
def test_every_fiche_of_the_real_network_gives_the_portal_s_answers():
    from generator.config import load_config
    from generator.content.site import load_site
    from generator.diagnostics import Report

    site = load_site(REPO, load_config(REPO).content_dir, Report())
    fiches = [f.data for f in site.maisons if f.data.horaires is not None]
    assert len(fiches) >= 2500
    moments = instants(FROZEN_TODAY, 7, 40, seed=2)
    js = js_states([horaires.browser_data(d, FROZEN_TODAY) for d in fiches], moments)
    wrong = [d.id for k, d in enumerate(fiches) if osm_states(d, moments, FROZEN_TODAY) != [row[k] for row in js]]
    assert wrong == []


def test_the_exports_carry_the_osm_hours(tmp_path: Path):
    from conftest import make_portal_project
    from generator.config import load_config
    from generator.portal.build import build

    root = make_portal_project(tmp_path / "projet", statistiques=False)
    site = build(root, load_config(root), tmp_path / "site", today=FROZEN_TODAY, search=False).site_dir
    rows = list(csv.DictReader(io.StringIO((site / "donnees/maisons.csv").read_text(encoding="utf-8"))))
    gueret = next(r for r in rows if r["id"] == "fs-9001")
    assert gueret["opening_hours"] == ("Mo,Tu,Th 09:00-12:00,13:30-17:00; We,Sa 09:00-12:00; "
                                       "Fr 09:00-12:00,13:30-16:00; 2026 Dec 24-26 off \"Fêtes de fin d'année\"")
    for row in rows:
        if row["opening_hours"]:
            OpeningHours(row["opening_hours"])
    geo = json.loads((site / "donnees/maisons.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["id"]: f["properties"].get("opening_hours") for f in geo["features"]}["fs-9001"] \
        == gueret["opening_hours"]
    stops = json.loads((site / "donnees/arrets.geojson").read_text(encoding="utf-8"))["features"]
    assert stops and all(OpeningHours(s["properties"]["opening_hours"]) for s in stops)
    records = json.loads((site / "donnees/maisons.json").read_text(encoding="utf-8"))["maisons"]
    bus = next(r for r in records if r.get("arrets"))
    assert all("opening_hours" in a for a in bus["arrets"]) and bus["opening_hours"]
