"""`msap stale`: fiches whose verification is older than N months, or never done, as Markdown for an issue."""
from __future__ import annotations

import datetime as dt
import types

import pytest

from generator.config import Config
from generator.content.site import load_site
from generator.contrib.stale import collect, fitting, months_before, render
from generator.diagnostics import Report
from generator.formats import date_fr

TODAY = dt.date.today()
CUTOFF = months_before(TODAY, 12)


@pytest.fixture(autouse=True)
def same_day(monkeypatch):
    """`msap stale` runs on the day these fiches were dated, even when a test run crosses midnight."""
    from generator.contrib import stale

    class Day(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return TODAY
    monkeypatch.setattr(stale, "dt", types.SimpleNamespace(date=Day, timedelta=dt.timedelta, datetime=dt.datetime))
URL = "https://github.com/maisons-services/portail/blob/main/content/maisons"


def fiche(dep: str, slug: str, nom: str, insee: str, verifie_le: dt.date | None = None, referents: str = "") -> tuple:
    verified = f"verifie_le: {verifie_le.isoformat()}\n" if verifie_le else ""
    text = f"""\
---
id: fs-{slug}
nom: {nom}
departement: "{dep}"
adresse:
  code_postal: "{dep.replace('2A', '20')}000"
  commune: {slug.capitalize()}
  code_insee: "{insee}"
{verified}{referents}---
"""
    return f"content/maisons/{dep}/{slug}.md", text


def network(project) -> None:
    project.write("content/referentiels/relecteurs.yml",
                  'national: ["@animation"]\ndepartements:\n  "19": ["@maisons-services/relecteurs-19"]\n')
    for path, text in [
        fiche("19", "ayen", "France services Ayen", "19015", TODAY - dt.timedelta(days=800),
              "referents: [marie-dupont, jean]\n"),
        fiche("19", "uzerche", "France services Uzerche", "19274", TODAY - dt.timedelta(days=400)),
        fiche("19", "brive", "France services Brive", "19031", TODAY - dt.timedelta(days=30)),
        fiche("19", "tulle", "France services Tulle", "19272", referents="referents: [lea]\n"),
        fiche("23", "gueret", "France services Guéret", "23096", CUTOFF),  # exactly 12 months: still fresh
        fiche("23", "bourganeuf", "France services Bourganeuf", "23030", CUTOFF - dt.timedelta(days=1)),
        fiche("2A", "ajaccio", "France services [Ajaccio]", "2A004"),
    ]:
        project.write(path, text)


def test_months_before_keeps_the_day_or_the_end_of_month():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)
    assert months_before(dt.date(2026, 11, 26), 12) == dt.date(2025, 11, 26)


def test_stale_lists_old_and_never_verified_fiches_by_departement(project, capsys):
    network(project)
    code, out, err = project.msap("stale", capsys=capsys)
    assert (code, err) == (0, "")
    old_ayen, old_uzerche = TODAY - dt.timedelta(days=800), TODAY - dt.timedelta(days=400)
    assert out == f"""\
# Fiches Maison à revérifier : 5 fiches sur 7

Relevé du {date_fr(TODAY)} (`msap stale --months 12`). Une fiche est à revérifier quand sa dernière vérification \
(« verifie_le ») date d'avant le {date_fr(CUTOFF)}, ou quand elle n'a jamais été vérifiée \
(pas de « verifie_le », comme les fiches importées de la liste nationale).

- vérifiées il y a plus de 12 mois : 3
- jamais vérifiées : 2
- départements concernés : 3

Pour revérifier une fiche : relisez-la avec la Maison, corrigez ce qui a changé et mettez la date du jour dans \
« verifie_le ».

## Corrèze (19) : 3 fiches

Relecteurs du département : @maisons-services/relecteurs-19

- [France services Ayen]({URL}/19/ayen.md) : vérifiée le {date_fr(old_ayen)} ; référents : @marie-dupont @jean
- [France services Uzerche]({URL}/19/uzerche.md) : vérifiée le {date_fr(old_uzerche)}
- [France services Tulle]({URL}/19/tulle.md) : jamais vérifiée ; référents : @lea

## Creuse (23) : 1 fiche

- [France services Bourganeuf]({URL}/23/bourganeuf.md) : vérifiée le {date_fr(CUTOFF - dt.timedelta(days=1))}

## Corse-du-Sud (2A) : 1 fiche

- [France services \\[Ajaccio\\]]({URL}/2A/ajaccio.md) : jamais vérifiée
"""


def test_a_longer_period_leaves_only_the_oldest_and_the_never_verified(project, capsys):
    network(project)
    code, out, _ = project.msap("stale", "--months", "24", capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == "# Fiches Maison à revérifier : 3 fiches sur 7"
    assert [line for line in out.splitlines() if line.startswith("- [")] == [
        f"- [France services Ayen]({URL}/19/ayen.md) : vérifiée le "
        f"{date_fr(TODAY - dt.timedelta(days=800))} ; référents : @marie-dupont @jean",
        f"- [France services Tulle]({URL}/19/tulle.md) : jamais vérifiée ; référents : @lea",
        f"- [France services \\[Ajaccio\\]]({URL}/2A/ajaccio.md) : jamais vérifiée",
    ]


def test_nothing_to_verify_still_succeeds(project, capsys):
    path, text = fiche("19", "brive", "France services Brive", "19031", TODAY)
    project.write(path, text)
    code, out, err = project.msap("stale", "--months", "6", capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "# Fiches Maison à revérifier : aucune (toutes vérifiées depuis moins de 6 mois)"
    assert out.splitlines()[-3:] == ["- vérifiées il y a plus de 6 mois : 0", "- jamais vérifiées : 0",
                                     "- départements concernés : 0"]


def test_refused_fiches_and_bad_periods_are_explained(project, capsys):
    network(project)
    project.write("content/maisons/19/egletons.md", "---\nid: fs-x\nnom: Égletons\n---\n")
    code, out, err = project.msap("stale", capsys=capsys)
    assert code == 0 and out.startswith("# Fiches Maison à revérifier : 5 fiches sur 7\n")
    assert err == ("msap stale : 1 fiche Maison refusée(s) par le modèle, non comptée(s) — Indice : lancez "
                   "« msap check » pour les corriger\n")
    code, out, err = project.msap("stale", "--months", "0", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == ("msap stale : --months 0 n'est pas une durée possible — Indice : un nombre de mois, au moins 1 "
                   "(par exemple --months 12)\n")


def test_long_reports_are_shortened_to_fit_an_issue(project):
    network(project)
    site = load_site(project.root, "content", Report())
    stale = collect(site.maisons, 12, TODAY, {"19": "Corrèze", "23": "Creuse"}, site.referentiels.relecteurs)
    full = render(stale, Config())
    assert fitting(stale, Config(), limit=len(full)) == full
    counted = fitting(stale, Config(), limit=len(full) - 1)  # never-verified fiches counted per département
    assert "- 1 fiche jamais vérifiée ; référents : @lea" in counted.splitlines()
    assert "- 1 fiche jamais vérifiée" in counted.splitlines()  # 2A, shown by its code without the geography
    assert "## 2A (2A) : 1 fiche" in counted.splitlines()
    assert ("Liste abrégée pour tenir dans un ticket : `msap stale --months 12 --complet` donne chaque fiche."
            in counted.splitlines())
    assert f"- [France services Ayen]({URL}/19/ayen.md)" in counted  # old verifications still listed
    compact = render(stale, Config(), detail=0)
    assert (f"- 2 fiches vérifiées il y a plus de 12 mois (la plus ancienne le "
            f"{date_fr(TODAY - dt.timedelta(days=800))}) ; référents : @marie-dupont @jean") in compact.splitlines()
    cut = fitting(stale, Config(), limit=len(compact) - 1)
    assert len(cut) < len(compact) and "## Corrèze (19) : 3 fiches" in cut and "## 2A (2A)" not in cut
    assert cut.endswith("\n(liste coupée pour tenir dans un ticket : `msap stale --complet` donne la suite)\n")
