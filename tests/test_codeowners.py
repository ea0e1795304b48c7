"""`msap codeowners`: CODEOWNERS written from the reviewers file and the fiches' referents, and kept fresh."""
from __future__ import annotations

import pytest

from conftest import REPO
from generator.cli import main

RELECTEURS = """\
# Relecteurs de test
national:
  - "@maisons-services/animation-nationale"
departements:
  "23": ["@maisons-services/relecteurs-23"]
  19: ["@maisons-services/relecteurs-19", "@paul-martin"]
"""


def fiche(dep: str, commune: str, insee: str, referents: str = "", extra: str = "") -> str:
    return f"""\
---
id: fs-{insee}
nom: France services {commune}
departement: "{dep}"
adresse:
  code_postal: "{dep}000"
  commune: {commune}
  code_insee: "{insee}"
{referents}{extra}---
"""


def network(project) -> None:
    project.write("content/referentiels/relecteurs.yml", RELECTEURS)
    project.write("content/maisons/19/ayen.md", fiche("19", "Ayen", "19015", 'referents: ["@marie-dupont", jean]\n'))
    project.write("content/maisons/19/brive.md", fiche("19", "Brive", "19031"))
    project.write("content/maisons/23/gueret.md", fiche("23", "Guéret", "23096", "referents: [paul-martin]\n"))
    # no reviewers for the 87: its referents come with the national reviewers
    project.write("content/maisons/87/limoges.md", fiche("87", "Limoges", "87085", "referents: [lea]\n"))
    # refused by the schema for another field: its referents still count
    project.write("content/maisons/87/ambazac.md",
                  fiche("87", "Ambazac", "87002", "referents: [zoe]\n", "telephone: pas de numéro\n"))


EXPECTED = """\
# Qui relit quoi : la forge (GitHub, GitLab) demande la relecture des comptes listés ici.
# Fichier généré par « msap codeowners » : ne le modifiez pas à la main, il serait réécrit.
# Sources : content/referentiels/relecteurs.yml et le champ « referents » des fiches Maison.
# Après les avoir modifiés, relancez « msap codeowners » ; « msap codeowners --check » vérifie
# que ce fichier est à jour. Pour un fichier du dépôt, la dernière ligne qui lui correspond l'emporte.

# Tout le dépôt, et les fiches des départements sans relecteurs : relecteurs nationaux
* @maisons-services/animation-nationale

# Fiches Maison de chaque département : relecteurs du département
/content/maisons/19/ @maisons-services/relecteurs-19 @paul-martin
/content/maisons/23/ @maisons-services/relecteurs-23

# Fiches Maison qui ont des référents : les référents, puis les relecteurs du département
/content/maisons/19/ayen.md @marie-dupont @jean @maisons-services/relecteurs-19 @paul-martin
/content/maisons/23/gueret.md @paul-martin @maisons-services/relecteurs-23
/content/maisons/87/ambazac.md @zoe @maisons-services/animation-nationale
/content/maisons/87/limoges.md @lea @maisons-services/animation-nationale
"""


def test_codeowners_from_reviewers_and_referents(project, capsys):
    network(project)
    code, out, err = project.msap("codeowners", capsys=capsys)
    assert (code, err) == (0, "")
    assert (project.root / "CODEOWNERS").read_text(encoding="utf-8") == EXPECTED
    assert out == ("CODEOWNERS écrit : 2 départements avec relecteurs, 4 fiches avec référents, "
                   "le reste à @maisons-services/animation-nationale\n")
    code, out, _ = project.msap("codeowners", capsys=capsys)
    assert code == 0 and out.startswith("CODEOWNERS déjà à jour : ")
    assert (project.root / "CODEOWNERS").read_text(encoding="utf-8") == EXPECTED


def test_without_referents_the_file_says_so(project, capsys):
    project.write("content/referentiels/relecteurs.yml", 'national: ["@equipe-nationale"]\n')
    project.write("content/maisons/19/brive.md", fiche("19", "Brive", "19031"))
    assert project.msap("codeowners", capsys=capsys)[0] == 0
    assert (project.root / "CODEOWNERS").read_text(encoding="utf-8").endswith(
        "* @equipe-nationale\n\n"
        "# Fiches Maison de chaque département : relecteurs du département\n\n"
        "# Fiches Maison qui ont des référents : les référents, puis les relecteurs du département\n"
        "# (aucune fiche n'a encore de référents)\n")


def test_check_fails_on_a_stale_file_then_passes_once_regenerated(project, capsys):
    network(project)
    code, _, err = project.msap("codeowners", "--check", capsys=capsys)
    assert code == 1 and not (project.root / "CODEOWNERS").exists()
    assert err == ("msap codeowners : CODEOWNERS manque à la racine du projet — Indice : lancez "
                   "« msap codeowners » et enregistrez le fichier créé\n")
    project.msap("codeowners", capsys=capsys)
    assert project.msap("codeowners", "--check", capsys=capsys)[:2] == (0, "CODEOWNERS à jour\n")

    project.write("content/maisons/19/brive.md", fiche("19", "Brive", "19031", "referents: [nina]\n"))
    code, out, err = project.msap("codeowners", "--check", capsys=capsys)
    assert code == 1 and out == ""
    assert "+/content/maisons/19/brive.md @nina @maisons-services/relecteurs-19 @paul-martin" in err.splitlines()
    assert err.splitlines()[-1] == (
        "msap codeowners : CODEOWNERS n'est pas à jour : les référents des fiches ou les relecteurs ont changé "
        "depuis — Indice : lancez « msap codeowners » et enregistrez CODEOWNERS avec vos modifications")
    assert (project.root / "CODEOWNERS").read_text(encoding="utf-8") == EXPECTED  # --check never writes


def test_bad_handles_are_reported_and_nothing_is_written(project, capsys):
    network(project)
    project.write("content/referentiels/relecteurs.yml", RELECTEURS.replace('"@paul-martin"', '"@paul martin"'))
    project.write("content/maisons/19/brive.md", fiche("19", "Brive", "19031", "referents: [marie dupont]\n"))
    code, out, err = project.msap("codeowners", capsys=capsys)
    assert code == 1 and out == "" and not (project.root / "CODEOWNERS").exists()
    assert err.splitlines() == [
        "content/maisons/19/brive.md:9: referents.1: « marie dupont » n'est pas un identifiant de compte valide "
        "— Indice : l'identifiant du compte sur la forge, par exemple « marie-dupont » (sans espace)",
        "content/referentiels/relecteurs.yml:6: departements.19.2: « @paul martin » n'est pas un compte ou une "
        "équipe de la forge — Indice : « @identifiant » d'une personne ou « @organisation/equipe » d'une "
        "équipe, sans espace",
        "msap codeowners : 2 problèmes dans les relecteurs ou les référents : CODEOWNERS n'a pas été écrit "
        "— Indice : corrigez-les, puis lancez « msap codeowners »",
    ]


def test_msap_check_validates_the_reviewers_file(project, capsys):
    project.write("content/referentiels/relecteurs.yml", 'national: []\ndepartements:\n  "2C": [a]\n')
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert out.splitlines()[:2] == [
        "content/referentiels/relecteurs.yml:1: national: la liste est trop courte "
        "— Indice : au moins 1 élément(s)",
        "content/referentiels/relecteurs.yml:3: departements.2C.[key]: « 2C » n'est pas un code de département "
        "— Indice : écrivez-le entre guillemets, par exemple « \"23\" »",
    ]


def test_unknown_departement_is_refused(project, capsys):
    project.write("content/referentiels/relecteurs.yml", 'national: [a]\ndepartements:\n  "20": [b]\n')
    code, _, err = project.msap("codeowners", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("content/referentiels/relecteurs.yml: departements.20: le département « 20 » "
                                   "n'existe pas — Indice : le code officiel du département, entre guillemets : "
                                   "« \"19\" », « \"2A\" », « \"974\" »")


def test_missing_or_unreadable_reviewers_file(project, capsys):
    (project.root / "content/referentiels/relecteurs.yml").unlink()  # the Project copies the real one
    code, out, err = project.msap("codeowners", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == ("msap codeowners : content/referentiels/relecteurs.yml est introuvable : CODEOWNERS a besoin au "
                   "moins des relecteurs nationaux — Indice : créez-le avec une ligne « national: "
                   "[\"@organisation/equipe\"] » (voir docs/relecture-et-fraicheur.md)\n")
    project.write("content/referentiels/relecteurs.yml", "national: [a\n")
    code, _, err = project.msap("codeowners", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("content/referentiels/relecteurs.yml:") and " — Indice : " in first


@pytest.mark.reseau
def test_committed_codeowners_is_fresh(capsys):
    code = main(["--root", str(REPO), "codeowners", "--check"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "CODEOWNERS à jour\n"
