"""Unit tests with inline fixtures: YAML rules, hours parsing, slugs, geography."""
from __future__ import annotations

import datetime as dt

import pytest

from generator.content import yamlio
from generator.content.geo import distance_km, fold
from generator.hours import HoursError, parse_day
from generator.importer.merge import merge
from generator.importer.rows import clean, slug_for


def test_yaml_keeps_french_text_as_text():
    data = yamlio.load("a: Non\nb: oui\nc: 10:00\nd: 01200\ne: 2026-03-14\nf: 2\ng: 46.5\nh: true\n").data
    assert data == {"a": "Non", "b": "oui", "c": "10:00", "d": "01200", "e": dt.date(2026, 3, 14), "f": 2,
                    "g": 46.5, "h": True}


@pytest.mark.parametrize("text, message", [
    ("a: 1\na: 2\n", "le champ « a » apparaît deux fois"),
    ("a: &x 1\nb: *x\n", "les alias YAML (« & » et « * ») ne sont pas acceptés"),
    ("a: !!python/object/apply:os.system [ls]\n", "l'étiquette YAML « tag:yaml.org,2002:python/object/apply:os.system » n'est pas acceptée"),
    ("base: {x: 1}\nautre:\n  <<: {y: 2}\n", "la fusion YAML « << » n'est pas acceptée"),
    ("a: &x texte\nb: *x\n", "les alias YAML (« & » et « * ») ne sont pas acceptés"),
    ("a: &x [1]\nb:\n  - *x\n", "les alias YAML (« & » et « * ») ne sont pas acceptés"),
])
@pytest.mark.parametrize("lines", [True, False])
def test_yaml_refuses_surprises(text, message, lines):
    with pytest.raises(yamlio.YamlProblem) as exc:
        yamlio.load(text, lines=lines)
    assert exc.value.message == message


def test_yaml_read_without_lines_gives_the_same_data_and_the_lines_come_back_when_asked():
    from generator.content.reader import parse

    text = "---\nid: a\nhoraires:\n  mardi:\n    - 09:00-12:00\n    - 14:00-17:00\nh: [true, 2, ~]\n---\nCorps\n"
    front = text.split("---\n")[1]
    assert yamlio.load(front, lines=False).data == yamlio.load(front).data
    assert yamlio.load(front, lines=False).lines == {}
    doc = parse(text, "content/x.md")
    assert doc.line(("horaires", "mardi", 1)) == 6 and doc.line(("h", 2)) == 7 and doc.line(("absent",)) == 1


def test_yaml_dump_round_trips_what_other_readers_would_misread():
    data = {"t": "10:00", "n": "no", "cp": "01200", "h": ["09:00-12:00"], "d": dt.date(2020, 1, 2), "s": "a\nb"}
    text = yamlio.dump(data)
    assert "t: '10:00'" in text and "n: 'no'" in text and "cp: '01200'" in text
    assert yamlio.load(text).data == data


@pytest.mark.parametrize("text, slots", [
    ("09:00 - 12:00 / 13:30 - 17:00", ["09:00-12:00", "13:30-17:00"]),
    ("08:30-12:00,13:30-17:30", ["08:30-12:00", "13:30-17:30"]),
    ("08 :00-12:00/14:00-17:00", ["08:00-12:00", "14:00-17:00"]),
    ("09:00-12:30-13:30-17:00", ["09:00-12:30", "13:30-17:00"]),
    ("07:30:12:30", ["07:30-12:30"]),
    ("9h-12h", ["09:00-12:00"]),
    ("9h30 - 12h / 14h - 17h30", ["09:30-12:00", "14:00-17:30"]),
    ("-", []), ("", []), ("Fermé", []), ("00:00 - 00:00", []),
    ("08:30 - 13:30 / 13:30 - 17:30", ["08:30-13:30", "13:30-17:30"]),
])
def test_hours_are_read(text, slots):
    assert parse_day(text)[0] == slots


def test_overlapping_hours_are_merged_and_said():
    slots, note = parse_day("09:00 - 16:00 / 13:00 - 16:00")
    assert slots == ["09:00-16:00"]
    assert note == ("« 09:00 - 16:00 / 13:00 - 16:00 » lu comme « 09:00-16:00 » "
                    "(créneaux répétés ou qui se chevauchent fusionnés)")


@pytest.mark.parametrize("text", ["09:00-13:00-/3:00-16:00", "12:00-09:00", "09:00", "le matin", "25:00-26:00",
                                  "9h-12h sauf le 3"])
def test_unreadable_hours_raise(text):
    with pytest.raises(HoursError):
        parse_day(text)


@pytest.mark.parametrize("nom, slug", [
    ("France services de Valserhône", "valserhone"),
    ("Bus France services Thiérache Sambre et Oise", "bus-thierache-sambre-et-oise"),
    ("France services d'Ussel", "ussel"),
    ("France services", "france-services"),
    ("Maison de services au public de l'Œuf", "oeuf"),
])
def test_slugs(nom, slug):
    assert slug_for(nom) == slug


def test_clean_repairs_mojibake_and_spaces():
    assert clean("\xa0Trie-ChÃ¢teau  ") == "Trie-Château"
    assert fold("Saint-Étienne-Vallée-Française") == "saint etienne vallee francaise"


def test_distance():
    assert distance_km(48.8566, 2.3522, 45.764, 4.8357) == pytest.approx(391.5, abs=1)


def test_merge_three_ways():
    base = merge({}, "", {"a": 1, "b": 1, "c": 1}, "corps", None).state
    current = {"a": 1, "b": 2, "c": 1, "d": "ajouté"}  # b edited by hand, d added by hand
    out = merge(current, "corps", {"a": 5, "b": 5, "c": 1}, "corps 2", base)
    assert out.meta == {"a": 5, "b": 2, "c": 1, "d": "ajouté"}
    assert out.changed == ["a", "(corps)"] and out.kept == ["b"]
    assert out.body == "corps 2"
