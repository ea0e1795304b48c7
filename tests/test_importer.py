"""`msap import` on small CSVs: both editions' column sets, idempotence, human edits, reports."""
from __future__ import annotations

import datetime as dt

from generator.content import yamlio
from generator.content.reader import split

HEADER_2022 = ('"id_fs","insee_dep","lib_fs","adresse","complement_adresse","insee_com","code_postal","lib_com",'
               '"latitude","longitude","mail","telephone","h_lundi","h_mardi","h_mercredi","h_jeudi","h_vendredi",'
               '"h_samedi","commentaire","itinerance","format_fs","groupe","labellisation"')
ROWS_2022 = [
    '"1","23","France services de Guéret","1 Place Bonnyaud",,"23096","23000","Guéret",46.1713,1.8719,'
    '"Gueret@France-Services.gouv.fr","05 55 51 00 00","09:00 - 12:00 / 13:30 - 17:00","09:00-12:00,14:00-17:00",'
    '"-",,"08 :30-12:00",,"Sur rendez-vous uniquement le jeudi","Non","Site principal",,"Espace labellisé 01/02/2020"',
    '"2","93","France services de Pierrefitte","Place de la Mairie",,"93059","93380","Pierrefitte-sur-Seine",'
    '48.9635,2.3573,"mfs@ville-louvres","01 72 09 30 00","09:00-13:00-/3:00-16:00",,,,,,,"Non","Antenne",,',
    '"3","60","Bus Fresnes-LÃ©guillon",,,,,,,,,,,,,,,,"Tournée du bus dans 6 communes","Oui","Site principal","Vexin",',
    '"4","75","",,,"75056","75001","Paris",48.86,2.34,,,,,,,,,,"Non","Site principal",,',
    '"5","99","Nulle part",,,"","","",,,,,,,,,,,,"Non","Site principal",,',
]
HEADER_LATER = ("id_fs;code_dep;nom_fs;adresse;cp;commune;code_insee;latitude;longitude;mail;telephone;h_lundi;h_mardi;"
                "h_mercredi;h_jeudi;h_vendredi;h_samedi;prise_rdv;type_fs;format_fs;groupe_fs;labellisation_fs;"
                "conseiller_numerique")
ROWS_LATER = [
    "1;23;France services de Guéret;2 Place Bonnyaud;23000;Guéret;23096;46.1713;1.8719;gueret@france-services.gouv.fr;"
    "05 55 51 11 11;09:00 - 12:00;09:00 - 12:00;;;;10:00 - 12:00;Sans rendez-vous;Principal;Fixe;;2020-02-01;Oui",
    "2;93;France services de Pierrefitte;Place de la Mairie;93380;Saint-Denis;93066;48.9635;2.3573;;01 72 09 30 00;;;;;;;"
    "Sur rendez-vous;Antenne;Itinérante;;;Non",
    "6;87;Bus France services du Limousin;Place de la République;87000;Limoges;87085;45.8336;1.2611;;;09:00-17:00;;;;;;;"
    "Principal;Bus;Réseau 87;2023-05-01;Oui",
]


def csv_file(project, name, header, rows, encoding="utf-8"):
    path = project.root / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def front(path):
    meta, body, _ = split(path.read_text(encoding="utf-8"))
    return yamlio.load(meta).data, body


def snapshot(project):
    return {p.relative_to(project.root).as_posix(): p.read_bytes()
            for p in sorted((project.root / "content" / "maisons").rglob("*.md"))}


def test_import_2022_edition(project, capsys):
    path = csv_file(project, "liste-2022.csv", HEADER_2022, ROWS_2022)
    code, out, _ = project.msap("import", str(path), capsys=capsys)
    assert code == 0
    files = snapshot(project)
    assert sorted(files) == ["content/maisons/23/gueret.md", "content/maisons/60/bus-fresnes-leguillon.md",
                             "content/maisons/93/pierrefitte.md"]
    # rows in = fiches + rejected rows listed
    assert "5 lignes lue(s) = 3 fiches + 2 lignes rejetée(s)" in out
    assert "liste-2022.csv:5 (id_fs 4): pas de nom de site (colonne lib_fs vide)" in out
    assert ("liste-2022.csv:6 (id_fs 5): impossible de situer le site : pas de code commune valide, et ni le code "
            "postal ni le nom ne désignent une commune du département") in out

    gueret, body = front(project.root / "content/maisons/23/gueret.md")
    assert gueret["id"] == "fs-1" and gueret["type"] == "site_principal" and gueret["format"] == "fixe"
    assert gueret["courriel"] == "gueret@france-services.gouv.fr"
    assert gueret["horaires"] == {"lundi": ["09:00-12:00", "13:30-17:00"], "mardi": ["09:00-12:00", "14:00-17:00"],
                                  "mercredi": [], "jeudi": [], "vendredi": ["08:30-12:00"], "samedi": [], "dimanche": []}
    assert gueret["rendez_vous"] == {"politique": "obligatoire"}
    assert gueret["labellisation"] == dt.date(2020, 2, 1)
    assert gueret["source"] == {"id_fs": "1"}
    assert body.strip() == "## Informations pratiques\n\nSur rendez-vous uniquement le jeudi"

    pierrefitte, body = front(project.root / "content/maisons/93/pierrefitte.md")
    assert pierrefitte["type"] == "antenne"
    assert pierrefitte["adresse"]["code_insee"] == "93066" and pierrefitte["adresse"]["commune"] == "Saint-Denis"
    assert "courriel" not in pierrefitte
    assert pierrefitte["horaires"]["lundi"] == []
    assert "Horaires du lundi à vérifier (liste nationale : « 09:00-13:00-/3:00-16:00 »)." in body
    assert ("liste-2022.csv:3 (id_fs 2): adresse.code_insee: code commune « 93059 » inconnu (commune fusionnée ?) : "
            "rattaché à Saint-Denis (93066) d'après le code postal 93380") in out
    assert "liste-2022.csv:3 (id_fs 2): courriel: adresse « mfs@ville-louvres » invalide : non reprise" in out
    assert "liste-2022.csv:3 (id_fs 2): horaires.lundi: « 09:00-13:00-/3:00-16:00 » : heures dans le désordre" in out

    bus, _ = front(project.root / "content/maisons/60/bus-fresnes-leguillon.md")
    assert bus["nom"] == "Bus Fresnes-Léguillon" and bus["format"] == "bus" and bus["groupe"] == "Vexin"
    assert bus["adresse"]["code_insee"] == "60257"
    assert bus["coordonnees"]["precision"] == "commune"
    assert "horaires" not in bus  # no hours known at all: unknown, not "closed all week"

    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_reimporting_the_same_edition_changes_nothing(project, capsys):
    path = csv_file(project, "liste-2022.csv", HEADER_2022, ROWS_2022)
    project.msap("import", str(path), capsys=capsys)
    before = snapshot(project)
    state = (project.root / "data/import/etat.json").read_bytes()
    code, out, _ = project.msap("import", str(path), capsys=capsys)
    assert code == 0
    assert snapshot(project) == before
    assert (project.root / "data/import/etat.json").read_bytes() == state
    assert "0 nouvelle, 0 mise à jour, 3 inchangée(s)" in out
    assert "0 fichier écrit(s)" in out


def test_newer_edition_updates_imported_fields_and_keeps_human_edits(project, capsys):
    project.msap("import", str(csv_file(project, "liste-2022.csv", HEADER_2022, ROWS_2022)), capsys=capsys)
    fiche = project.root / "content/maisons/23/gueret.md"
    # a person fixes the phone, adds an operator and rewrites the body, as the web editor would
    text = fiche.read_text(encoding="utf-8").replace("05 55 51 00 00", "05 55 51 99 99")
    text = text.replace("source:\n", "operateurs:\n  - caf\nsource:\n")
    text = text.split("## Informations pratiques")[0] + "Entrée par la cour de la mairie.\n"
    fiche.write_text(text, encoding="utf-8")

    later = csv_file(project, "liste-2024.csv", HEADER_LATER, ROWS_LATER, encoding="cp1252")
    code, out, _ = project.msap("import", str(later), capsys=capsys)
    assert code == 0
    meta, body = front(fiche)
    assert meta["telephone"] == "05 55 51 99 99"  # edited by hand: kept
    assert meta["operateurs"] == ["caf"]  # added by hand: kept
    assert body.strip() == "Entrée par la cour de la mairie."  # body edited by hand: kept
    assert meta["adresse"]["voie"] == "2 Place Bonnyaud"  # untouched: follows the list
    assert meta["horaires"]["samedi"] == ["10:00-12:00"]
    assert meta["rendez_vous"] == {"politique": "sans"}
    assert meta["source"] == {"id_fs": "1", "autres_colonnes": {"conseiller_numerique": "Oui"}}

    pierrefitte, _ = front(project.root / "content/maisons/93/pierrefitte.md")
    assert pierrefitte["format"] == "itinerant" and pierrefitte["rendez_vous"] == {"politique": "obligatoire"}
    bus, _ = front(project.root / "content/maisons/87/bus-du-limousin.md")
    assert bus["format"] == "bus" and bus["groupe"] == "Réseau 87" and bus["labellisation"] == dt.date(2023, 5, 1)

    assert "liste-2024.csv: fichier en Windows-1252 (et non UTF-8) : converti" in out
    assert "colonnes inconnues conservées dans source.autres_colonnes : conseiller_numerique" in out
    assert "content/maisons/23/gueret.md: telephone, corps" in out.split("## Modifications faites à la main")[1]
    disappeared = out.split("## Sites absents de cette édition")[1]
    assert "content/maisons/60/bus-fresnes-leguillon.md (fs-3)" in disappeared
    assert (project.root / "content/maisons/60/bus-fresnes-leguillon.md").exists()  # reported, not deleted
    assert "3 lignes lue(s) = 3 fiches + 0 ligne rejetée(s) ; 1 nouvelle, 2 mises à jour" in out

    before = snapshot(project)
    code, out, _ = project.msap("import", str(later), capsys=capsys)
    assert snapshot(project) == before, "re-importing the newer edition must change nothing"
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_dry_run_writes_nothing(project, capsys):
    code, out, _ = project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022)), "--dry-run",
                                capsys=capsys)
    assert code == 0
    assert snapshot(project) == {}
    assert "4 fichiers seraient écrits (--dry-run : rien n'a été écrit)" in out


def test_unreadable_existing_fiche_stops_the_import_before_any_write(project, capsys):
    project.write("content/maisons/23/casse.md", "---\nid: [\n---\n")
    code, _, err = project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022)), capsys=capsys)
    assert code == 2
    assert "content/maisons/23/casse.md:2: YAML illisible" in err
    assert "import interrompu, rien n'a été écrit — Indice : corrigez ces fiches" in err
    assert list(snapshot(project)) == ["content/maisons/23/casse.md"]


def test_not_a_national_list(project, capsys):
    path = project.root / "autre.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = project.msap("import", str(path), capsys=capsys)
    assert code == 2
    assert err.startswith("autre.csv: colonnes introuvables : l'identifiant (« id_fs » ou « id » ou « MATRICULE ») et "
                          "le nom du site (« lib_fs » ou « nom_fs » ou « lib_france_services ») ; colonnes du "
                          "fichier : a, b — Indice : ce fichier n'est pas une édition de la liste nationale")
    code, _, err = project.msap("import", str(project.root / "absent.csv"), capsys=capsys)
    assert code == 2 and "fichier illisible" in err and "Indice" in err
