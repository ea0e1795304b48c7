"""`msap check`: one test per kind of malformed input, asserting the exact message and exit code."""
from __future__ import annotations

import pytest

from conftest import VALID_MAISON

FICHE = "content/maisons/23/gueret.md"


def variant(old: str, new: str) -> str:
    assert old in VALID_MAISON
    return VALID_MAISON.replace(old, new)


def lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("content/")]


def test_clean_content_exits_zero_with_one_line_summary(project, capsys):
    project.write(FICHE, VALID_MAISON)
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [out.splitlines()[-1]]
    assert out.startswith("1 fichier vérifiés (1 fiche Maison, 0 ressource, 0 projet) : 0 erreur, 0 avertissement")


@pytest.mark.parametrize("old, new, expected", [
    ('  mardi: ["09:00-12:00"]', '  mardi: "9h-12h"',
     "content/maisons/23/gueret.md:17: horaires.mardi.1: « 9h-12h » n'est pas un créneau valide — "
     "Indice : écrivez « 09:00-12:00 » (heure de début, tiret, heure de fin)"),
    ('  mardi: ["09:00-12:00"]', '  mardi: ["09:00-12:00", "11:00-17:00"]',
     "content/maisons/23/gueret.md:17: horaires.mardi: les créneaux « 09:00-12:00 » et « 11:00-17:00 » se "
     "chevauchent ou sont dans le désordre — Indice : listez les créneaux du matin au soir, sans chevauchement"),
    ('  mardi: ["09:00-12:00"]', '  mardi: ["12:00-09:00"]',
     "content/maisons/23/gueret.md:17: horaires.mardi.1: le créneau « 12:00-09:00 » finit avant de commencer — "
     "Indice : écrivez l'heure de début en premier, par exemple « 09:00-12:00 »"),
    ("telephone: 05 55 51 00 00", "telephone: 0555",
     "content/maisons/23/gueret.md:13: telephone: « 0555 » n'est pas un numéro de téléphone valide — Indice : dix "
     "chiffres groupés par deux, par exemple « 05 55 25 76 12 », ou le format international « +33 5 55 25 76 12 »"),
    ("courriel: gueret@france-services.gouv.fr", "courriel: gueret at mairie",
     "content/maisons/23/gueret.md:14: courriel: « gueret at mairie » n'est pas une adresse électronique valide — "
     "Indice : une seule adresse, sans espace, de la forme « accueil@exemple.fr »"),
    ("nom: France services de Guéret", "nom: France services de Guéret\nsite_web: javascript:alert(1)",
     "content/maisons/23/gueret.md:4: site_web: « javascript:alert(1) » n'est pas une adresse web acceptée — "
     "Indice : une adresse complète qui commence par « https:// » (ou « http:// »), sans espace"),
    ("nom: France services de Guéret\n", "",
     "content/maisons/23/gueret.md:1: nom: champ obligatoire manquant — Indice : ajoutez une ligne « nom: … » "
     "(Nom de la Maison, tel qu'affiché au public)"),
    ("telephone:", "telephonne:",
     "content/maisons/23/gueret.md:13: telephonne: champ inconnu « telephonne » — Indice : vouliez-vous dire « telephone » ?"),
    ("  lat: 46.1713", "  lat: quarante-six",
     "content/maisons/23/gueret.md:11: coordonnees.lat: « quarante-six » doit être un nombre — "
     "Indice : utilisez un point comme séparateur décimal, par exemple 46.17"),
    ("verifie_le: 2026-01-15", "verifie_le: 15/01/2026",
     "content/maisons/23/gueret.md:19: verifie_le: « 15/01/2026 » n'est pas une date valide — "
     "Indice : écrivez la date sous la forme AAAA-MM-JJ, par exemple « 2026-03-14 »"),
    ("id: fs-9001\n", "id: fs-9001\ntype: annexe\n",
     "content/maisons/23/gueret.md:3: type: « annexe » n'est pas une valeur possible — Indice : vouliez-vous dire "
     "« antenne » ? valeurs possibles : « site_principal » (Site principal), « antenne » (Antenne)"),
    ("operateurs: [caf, msa]", "operateurs: [caf, msaa]",
     "content/maisons/23/gueret.md:18: operateurs.2: « msaa » est inconnu — Indice : vouliez-vous dire « msa » ?"),
    ('  code_insee: "23096"', '  code_insee: "23999"',
     "content/maisons/23/gueret.md:9: adresse.code_insee: le code commune « 23999 » n'existe pas (ou plus) — "
     "Indice : le code de Guéret est « 23096 »"),
    ('departement: "23"', 'departement: "87"',
     "content/maisons/23/gueret.md:4: departement: la fiche est rangée dans le dossier « 23 » mais indique le "
     "département « 87 » — Indice : déplacez-la dans content/maisons/87/ ou corrigez le département"),
    ("verifie_le: 2026-01-15", "verifie_le: 2999-01-01",
     "content/maisons/23/gueret.md:19: verifie_le: la date de vérification 01/01/2999 est dans le futur — Indice : "
     "indiquez la date du jour où la fiche a été vérifiée"),
    ("  lat: 46.1713", "  lat: 46.1713\n  lat: 46.2",
     "content/maisons/23/gueret.md:12: le champ « lat » apparaît deux fois — Indice : gardez une seule ligne "
     "« lat: » (la première est à la ligne 11)"),
    ("nom: France services de Guéret", "nom: France services: Guéret",
     "content/maisons/23/gueret.md:3: YAML illisible (« : » inattendu ; une valeur contient sans doute « : ») — "
     "Indice : vérifiez l'indentation (des espaces, pas de tabulation) et mettez entre guillemets les valeurs qui "
     "contiennent « : » ou commencent par « - », « [ », « { », « & », « * » ou « # »"),
])
def test_error_message_and_exit_code(project, capsys, old, new, expected):
    project.write(FICHE, variant(old, new))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    found = lines(out)
    assert any(line.startswith(expected) for line in found), found


@pytest.mark.parametrize("old, new, expected", [
    ('  code_postal: "23000"', '  code_postal: "23300"',
     "content/maisons/23/gueret.md:7: adresse.code_postal: avertissement : le code postal 23300 n'est pas un code "
     "de Guéret — Indice : codes postaux de Guéret : 23000 (un code CEDEX est normal ; sinon corrigez)"),
    ("  lat: 46.1713\n  lon: 1.8719", "  lat: 45.8336\n  lon: 1.2611",
     "content/maisons/23/gueret.md:10: coordonnees: avertissement : le repère est à 60,3 km du centre de Guéret — "
     "Indice : vérifiez la latitude et la longitude (inversées ? mauvaise commune ?)"),
])
def test_warnings_pass_unless_strict(project, capsys, old, new, expected):
    project.write(FICHE, variant(old, new))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0
    assert lines(out) == [expected]
    assert "0 erreur, 1 avertissement" in out
    code, out, _ = project.msap("check", "--strict", capsys=capsys)
    assert code == 1
    assert "--strict fait échouer" in out


def test_unreadable_files(project, capsys):
    project.write("content/maisons/23/latin1.md", VALID_MAISON.replace("fs-9001", "fs-9002"), encoding="latin-1")
    project.write("content/maisons/23/sans-entete.md", "Juste du texte.\n")
    project.write("content/maisons/23/ouvert.md", "---\nid: fs-9003\n")
    project.write("content/maisons/23/Mauvais Nom.md", VALID_MAISON.replace("fs-9001", "fs-9004"))
    project.write("content/maisons/liste.md", VALID_MAISON)
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert lines(out) == [
        "content/maisons/23/Mauvais Nom.md:1: le nom de fichier « Mauvais Nom.md » n'est pas valide — Indice : "
        "minuscules sans accents, chiffres et tirets, terminé par « .md », par exemple « gueret.md »",
        "content/maisons/23/latin1.md:3: le fichier n'est pas encodé en UTF-8 — Indice : enregistrez-le en UTF-8 "
        "(c'est le choix par défaut de l'éditeur en ligne)",
        "content/maisons/23/ouvert.md:1: l'en-tête YAML n'est jamais refermé — Indice : ajoutez une ligne « --- » "
        "seule après le dernier champ de l'en-tête",
        "content/maisons/23/sans-entete.md:1: le fichier ne commence pas par un en-tête YAML — Indice : la première "
        "ligne doit être « --- », suivie des champs puis d'une autre ligne « --- »",
        "content/maisons/liste.md: fichier mal rangé : il ne sera pas publié — Indice : les fiches de "
        "content/maisons/ vont dans un sous-dossier par département",
    ]


def test_cross_file_references_and_duplicate_ids(project, capsys):
    project.write(FICHE, VALID_MAISON)
    project.write("content/maisons/23/copie.md", VALID_MAISON)
    project.write("content/projets/covoiturage.md", """\
        ---
        titre: Covoiturage solidaire
        resume: Un covoiturage de proximité porté par la Maison.
        maisons: [fs-9001, fs-404]
        statut: en_cours
        themes: [mobilite, transport]
        ---
        """)
    project.write("content/ressources/guide.md", """\
        ---
        titre: Guide de l'accueil
        type: document
        resume: Comment accueillir le public pas à pas.
        date: 2026-02-01
        fichier: guide.pdf
        ---
        """)
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert lines(out) == [
        "content/maisons/23/gueret.md:2: id: l'identifiant « fs-9001 » est déjà pris — Indice : il est utilisé par "
        "content/maisons/23/copie.md ; donnez un identifiant unique à cette fiche",
        "content/projets/covoiturage.md:4: maisons.2: « fs-404 » est inconnu — Indice : vouliez-vous dire « fs-9001 » ?",
        "content/projets/covoiturage.md:6: themes.2: « transport » est inconnu — Indice : choisissez un identifiant "
        "qui existe dans content/referentiels/themes.yml",
        "content/ressources/guide.md:6: fichier: le fichier « guide.pdf » est introuvable — Indice : déposez-le dans "
        "content/ressources/fichiers/ ou corrigez son nom",
    ]


def test_github_format_prints_annotations(project, capsys):
    project.write(FICHE, variant('  mardi: ["09:00-12:00"]', '  mardi: "9h-12h"'))
    code, out, err = project.msap("check", "--format", "github", capsys=capsys)
    assert code == 1
    assert out.splitlines() == [
        "::error file=content/maisons/23/gueret.md,line=17,title=horaires.mardi.1::« 9h-12h » n'est pas un créneau "
        "valide — Indice : écrivez « 09:00-12:00 » (heure de début, tiret, heure de fin)"]
    assert "1 erreur" in err


def test_every_problem_is_reported_in_one_run(project, capsys):
    project.write(FICHE, variant("telephone: 05 55 51 00 00", "telephone: 12").replace("verifie_le: 2026-01-15",
                                                                                     "verifie_le: demain"))
    project.write("content/maisons/23/autre.md", "pas d'en-tête\n")
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert len(lines(out)) == 3
    assert "3 erreurs" in out


def test_missing_content_folder_is_a_message_not_a_traceback(tmp_path, capsys):
    from generator.cli import main
    code = main(["--root", str(tmp_path), "check"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "content: le dossier du contenu est introuvable — Indice :" in out


def test_bad_configuration_is_a_message(project, capsys):
    project.write("mkdocs.yml", "site_name: x\nextra:\n  msap:\n    distance_max_km: -3\n")
    code, _, err = project.msap("check", capsys=capsys)
    assert code == 2
    assert err.startswith("mkdocs.yml: extra.msap.distance_max_km: « -3 » est trop petit — Indice : la valeur doit "
                          "être supérieure à 0.1 (options décrites dans docs/configuration.md)")
    project.write("mkdocs.yml", "site_name: x\nextra:\n  msap:\n    distance_max: 3\n")
    code, _, err = project.msap("check", capsys=capsys)
    assert code == 2
    assert "extra.msap.distance_max: champ inconnu « distance_max » — Indice : vouliez-vous dire « distance_max_km » ?" in err


def test_reference_lists_point_into_each_other(project, capsys):
    path = project.root / "content/referentiels/operateurs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("themes: [famille, logement, social]",
                                                             "themes: [famille, logment]"), encoding="utf-8")
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert ("content/referentiels/operateurs.yml:2: caf.themes: « logment » est inconnu — Indice : vouliez-vous "
            "dire « logement » ?") in out


def test_an_address_that_receives_nothing_is_a_warning(project, capsys):
    from conftest import VALID_MAISON
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace("gueret@france-services.gouv.fr",
                                                                       "noreply@gouv.fr"))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0
    assert ("content/maisons/23/gueret.md:14: courriel: avertissement : « noreply@gouv.fr » est une adresse qui ne "
            "reçoit pas de courriel : un usager qui y écrit n'aura jamais de réponse — Indice : donnez l'adresse de "
            "l'accueil de la Maison, ou retirez la ligne") in out
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace("gueret@", "noreplyer@"))
    assert "ne reçoit pas" not in project.msap("check", capsys=capsys)[1]
