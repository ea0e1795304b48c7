"""`msap import` on every shape the national list has come in, and on broken files: the 2020 CSV and GeoJSON
editions, encodings, empty and truncated files, rows cut short or shifted by a quote, values each edition writes
its own way. Small fixtures made from the real column sets (`../shared/data/README.md`, issue 16)."""
from __future__ import annotations

import json

from test_importer import HEADER_2022, ROWS_2022, csv_file, front, snapshot

HEADER_2020 = ("MATRICULE;DEPARTEMENT;lib_france_services;ADRESSE;COMPLEMENT.D.ADRESSE;CODE_POSTAL;lib_com;"
               "CONTACT.MAIL;TELEPHONE;TYPE.STRUCTURE.PORTEUSE;STRUCTURE.PORTEUSE;h_lundi;h_mardi;h_mercredi;h_jeudi;"
               "h_vendredi;h_samedi;ITINERANCE;LABELISATION;REMARQUES.CDC;insee_com;latitude;longitude;result_score;"
               "result_label")
ROWS_2020 = [
    "MSAP-23-001;23;France services de Guéret;1 place Bonnyaud;Mairie;23000;Guéret;accueil@gueret.fr;05 55 51 00 00;"
    "Commune;Ville de Guéret;09:00 - 12:00;09:00 - 12:00;;;;;Non;09/2019;Accueil uniquement sur rendez-vous le samedi;"
    "23096;46.1713;1.8719;0.97;1 Place Bonnyaud 23000 Guéret",
    "MSAP-19-004;19;France services d'Objat;Place Charles de Gaulle;;19130;Objat;;05 55 25 00 00;Association;"
    "Objat Services;;;;;;;Oui;01/2020;;19153;45.2630;1.4083;0.88;Place Charles de Gaulle 19130 Objat",
]


def geojson_2020(project, name="fs-2020.geojson"):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.8719, 46.1713]},
         "properties": {"MATRICULE": "MSAP-23-001", "DEPARTEMENT": "23", "lib_france_services": "France services de Guéret",
                        "ADRESSE": "1 place Bonnyaud", "insee_com": "23096", "code_postal": "23000", "lib_com": "Guéret",
                        "CONTACT.MAIL": "accueil@gueret.fr", "TELEPHONE": "0555510000", "h_lundi": "09:00 - 12:00",
                        "Commentaire.horaires": "Fermé le mercredi après-midi", "ITINERANCE": "Non",
                        "FORMAT_FS": "Multisites", "Groupe": "Creuse", "Labellisation": "09/2019",
                        "categorie": "Commune"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.4083, 45.2630]},
         "properties": {"MATRICULE": "MSAP-19-004", "DEPARTEMENT": "19", "lib_france_services": "France services d'Objat",
                        "insee_com": "19153", "code_postal": "19130", "lib_com": "Objat", "LATITUDE": None,
                        "LONGITUDE": None, "ITINERANCE": "Oui", "Labellisation": "01/2020"}},
    ]
    path = project.root / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_2020_csv_edition_is_read_with_its_own_column_names(project, capsys):
    path = csv_file(project, "fs-2020.csv", HEADER_2020, ROWS_2020, encoding="cp1252")
    code, out, err = project.msap("import", str(path), capsys=capsys)
    assert code == 0, err
    assert "2 lignes lue(s) = 2 fiches + 0 ligne rejetée(s)" in out
    assert "fichier en Windows-1252 (et non UTF-8) : converti" in out
    gueret, body = front(project.root / "content/maisons/23/gueret.md")
    assert gueret["source"]["id_fs"] == "MSAP-23-001" and gueret["courriel"] == "accueil@gueret.fr"
    assert gueret["adresse"] == {"voie": "1 place Bonnyaud", "complement": "Mairie", "code_postal": "23000",
                                 "commune": "Guéret", "code_insee": "23096"}
    assert str(gueret["labellisation"]) == "2019-09-01"  # « MM/YYYY »: the first of the month
    assert gueret["horaires"]["lundi"] == ["09:00-12:00"]
    assert "Accueil uniquement sur rendez-vous le samedi" in body  # REMARQUES.CDC kept in the body
    assert gueret["source"]["autres_colonnes"]["result_score"] == "0.97"  # unknown columns kept, not lost
    objat, _ = front(project.root / "content/maisons/19/objat.md")
    assert objat["format"] == "itinerant" and str(objat["labellisation"]) == "2020-01-01"
    code, out, _ = project.msap("import", str(path), capsys=capsys)
    assert "0 nouvelle, 0 mise à jour, 2 inchangée(s)" in out  # re-importing changes nothing
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_the_2020_geojson_edition_is_read_with_its_points(project, capsys):
    code, out, err = project.msap("import", str(geojson_2020(project)), capsys=capsys)
    assert code == 0, err
    assert "2 lignes lue(s) = 2 fiches + 0 ligne rejetée(s)" in out
    gueret, body = front(project.root / "content/maisons/23/gueret.md")
    assert gueret["coordonnees"]["lat"] == 46.1713 and gueret["coordonnees"]["lon"] == 1.8719
    assert gueret["format"] == "itinerant"  # « Multisites »: several places, not « fixe »
    assert gueret["groupe"] == "Creuse" and str(gueret["labellisation"]) == "2019-09-01"
    assert "Fermé le mercredi après-midi" in body  # Commentaire.horaires kept
    objat, _ = front(project.root / "content/maisons/19/objat.md")
    assert (objat["coordonnees"]["lat"], objat["coordonnees"]["lon"]) == (45.263, 1.4083)  # from the geometry
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_empty_and_header_only_files_are_refused_and_nothing_is_written(project, capsys):
    project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022)), capsys=capsys)
    before, state = snapshot(project), (project.root / "data/import/etat.json").read_bytes()
    empty = project.root / "vide.csv"
    empty.write_bytes(b"")
    code, _, err = project.msap("import", str(empty), capsys=capsys)
    assert code == 2 and err.startswith("vide.csv: le fichier est vide — Indice :")
    code, _, err = project.msap("import", str(csv_file(project, "entete.csv", HEADER_2022, [])), capsys=capsys)
    assert code == 2 and err.startswith("entete.csv: aucune ligne de données après l'en-tête — Indice :")
    assert snapshot(project) == before and (project.root / "data/import/etat.json").read_bytes() == state


def test_an_undefined_windows_1252_byte_is_a_french_error_with_its_place(project, capsys):
    path = project.root / "l.csv"
    text = "\n".join([HEADER_2022, *ROWS_2022]).replace("Pierrefitte", "Pierre\x00fitte", 1)
    path.write_bytes(text.encode("cp1252").replace(b"\x00", b"\x81") + "é".encode("cp1252"))
    code, _, err = project.msap("import", str(path), capsys=capsys)
    assert code == 2
    assert err.startswith("l.csv:3: octet 0x81 en colonne 36 : ni UTF-8 ni Windows-1252 — Indice :"), err
    assert snapshot(project) == {}


def test_utf16_from_excel_is_read(project, capsys):
    path = project.root / "unicode.csv"
    path.write_text("\n".join([HEADER_2022, *ROWS_2022[:1]]) + "\n", encoding="utf-16")  # with its BOM
    code, out, err = project.msap("import", str(path), "--dry-run", capsys=capsys)
    assert code == 0, err
    assert "fichier en UTF-16 (« Texte Unicode » d'Excel) : converti" in out
    assert "1 ligne lue(s) = 1 fiche + 0 ligne rejetée(s)" in out


def test_a_truncated_last_row_is_rejected_and_its_fiche_left_untouched(project, capsys):
    project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022)), capsys=capsys)
    before = snapshot(project)
    cut = ROWS_2022[0][:150]  # the download stopped in the middle of Guéret's row
    code, out, _ = project.msap("import", str(csv_file(project, "l2.csv", HEADER_2022, ROWS_2022[1:3] + [cut])),
                                capsys=capsys)
    assert code == 0
    assert "l2.csv:4 (id_fs 1): 13 valeurs au lieu de 23 : ligne coupée ; ligne non importée, sa fiche reste telle quelle" in out
    assert snapshot(project)["content/maisons/23/gueret.md"] == before["content/maisons/23/gueret.md"]
    assert "0 site disparu(s)" in out  # a rejected row's site has not left the list


def test_an_unclosed_quote_rejects_the_rows_it_swallowed_and_moves_no_site(project, capsys):
    project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022)), capsys=capsys)
    before = snapshot(project)
    shifted = ROWS_2022[1].replace('"France services de Pierrefitte"', '"France services de Pierrefitte', 1)
    code, out, _ = project.msap("import", str(csv_file(project, "l2.csv", HEADER_2022, [ROWS_2022[0], shifted, ROWS_2022[2]])),
                                capsys=capsys)
    assert code == 0
    assert "l2.csv:3 (id_fs 2): 22 valeurs au lieu de 23 : un guillemet non fermé a avalé la suite" in out
    after = snapshot(project)
    assert after["content/maisons/93/pierrefitte.md"] == before["content/maisons/93/pierrefitte.md"]
    assert after["content/maisons/60/bus-fresnes-leguillon.md"] == before["content/maisons/60/bus-fresnes-leguillon.md"]


def test_a_quote_left_open_at_the_end_swallows_lines_and_says_which(project, capsys):
    rows = [ROWS_2022[0], ROWS_2022[2].replace('"Vexin",', '"Vexin,'), "suite avalée", "encore"]
    code, out, _ = project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, rows)), capsys=capsys)
    assert code == 0
    assert "l.csv:3 (id_fs 3): " in out and "(lignes 3 à 5 lues comme une seule) : un guillemet non fermé a avalé la suite" in out
    assert "2 lignes lue(s) = 1 fiche + 1 ligne rejetée(s)" in out


def test_a_pin_in_the_atlantic_puts_the_site_at_its_commune_and_reports_the_value(project, capsys):
    rows = [ROWS_2022[0].replace("46.1713,1.8719", "40.0,-30.0")]
    code, out, _ = project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, rows)), capsys=capsys)
    assert code == 0
    assert "coordonnees: repère (40.0 ; -30.0) hors du département 23, à " in out
    gueret, _ = front(project.root / "content/maisons/23/gueret.md")
    assert gueret["coordonnees"]["precision"] == "commune"
    assert abs(gueret["coordonnees"]["lat"] - 46.17) < 0.05


def test_a_comment_saying_appointments_only_wins_over_a_no_and_is_reported(project, capsys):
    header = HEADER_2022.replace('"labellisation"', '"labellisation","prise_rdv"')
    rows = [ROWS_2022[0].replace('"Sur rendez-vous uniquement le jeudi"', '"Accueil uniquement sur rendez-vous"') + ',"Non"']
    code, out, _ = project.msap("import", str(csv_file(project, "l.csv", header, rows)), capsys=capsys)
    assert code == 0
    assert "rendez_vous.politique: la colonne dit « Non », le commentaire dit « obligatoire » : « obligatoire » retenu" in out
    gueret, _ = front(project.root / "content/maisons/23/gueret.md")
    assert gueret["rendez_vous"]["politique"] == "obligatoire"


def _row(ident, name="France services de Guéret", street="1 Place Bonnyaud", phone="05 55 51 00 00",
         mail="gueret@france-services.gouv.fr"):
    return (f'"{ident}","23","{name}","{street}",,"23096","23000","Guéret",46.1713,1.8719,"{mail}","{phone}",'
            '"09:00 - 12:00",,,,,,"Accueil libre","Non","Site principal",,"01/02/2020"')


def test_a_temporary_id_replaced_by_a_number_keeps_its_fiche_url_and_hand_edits(project, capsys):
    first = csv_file(project, "2022.csv", HEADER_2022, [_row("temp-3")])
    project.msap("import", str(first), capsys=capsys)
    path = project.root / "content/maisons/23/gueret.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Accueil libre", "Accueil libre, café offert"),
                    encoding="utf-8")  # an agent's edit
    later = csv_file(project, "2024.csv", HEADER_2022, [_row("2945", street="1 place Bonnyaud")])
    code, out, _ = project.msap("import", str(later), capsys=capsys)
    assert code == 0
    assert sorted(snapshot(project)) == ["content/maisons/23/gueret.md"]  # one site, one fiche, same URL
    assert ("23/gueret.md : id_fs temp-3 → 2945 (ligne 2 ; mêmes commune, nom, adresse, téléphone, courriel)"
            in out)
    assert "0 nouvelle" in out and "0 site disparu(s)" in out
    meta, body = front(path)
    assert meta["id"] == "fs-temp-3"  # the fiche's own id: what the visits and the projects point to
    assert meta["source"]["id_fs"] == "2945" and meta["source"]["id_fs_precedents"] == ["temp-3"]
    assert "café offert" in body
    code, out, _ = project.msap("import", str(later), capsys=capsys)  # and then it is simply the same site
    assert "0 nouvelle, 0 mise à jour, 1 inchangée(s)" in out
    assert front(path)[0]["source"]["id_fs_precedents"] == ["temp-3"]
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_a_lookalike_is_never_guessed(project, capsys):
    project.msap("import", str(csv_file(project, "2022.csv", HEADER_2022, [_row("temp-3")])), capsys=capsys)
    # two new rows in Guéret both share name and phone with the old fiche: which one is it? Nobody can say.
    rows = [_row("2945", street="Rue A", mail="a@x.fr"), _row("2946", street="Rue B", mail="b@x.fr")]
    code, out, _ = project.msap("import", str(csv_file(project, "2024.csv", HEADER_2022, rows)), capsys=capsys)
    assert code == 0
    assert "2024.csv:2 (id_fs 2945): source.id_fs: ressemble à plusieurs fiches, ou une autre ligne ressemble à la même (anciens id_fs temp-3)" in out
    assert "Sites ré-identifiés" not in out and "1 site disparu(s)" in out
    # only one thing in common besides the commune (the name): not the same site
    project2_rows = [_row("2947", street="Rue C", phone="05 00 00 00 00", mail="c@x.fr")]
    code, out, _ = project.msap("import", str(csv_file(project, "2025.csv", HEADER_2022, project2_rows)), "--dry-run",
                                capsys=capsys)
    assert "Sites ré-identifiés" not in out


def test_a_site_gone_from_the_list_is_marked_withdrawn_once_and_back_when_it_returns(project, capsys):
    first = csv_file(project, "a.csv", HEADER_2022, ROWS_2022[:3])
    project.msap("import", str(first), capsys=capsys)
    pierrefitte = project.root / "content/maisons/93/pierrefitte.md"
    code, out, _ = project.msap("import", str(csv_file(project, "b.csv", HEADER_2022, [ROWS_2022[0], ROWS_2022[2]])),
                                capsys=capsys)
    assert code == 0 and "1 site disparu(s)" in out
    assert "content/maisons/93/pierrefitte.md (fs-2)" in out.split("Sites absents de cette édition")[1]
    meta, _ = front(pierrefitte)
    assert meta["retiree_le"] is not None and meta["id"] == "fs-2"  # kept, marked
    before = pierrefitte.read_bytes()
    code, out, _ = project.msap("import", str(csv_file(project, "b2.csv", HEADER_2022, [ROWS_2022[0], ROWS_2022[2]])),
                                capsys=capsys)
    assert pierrefitte.read_bytes() == before and "0 nouvelle, 0 mise à jour, 2 inchangée(s)" in out  # marked once
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out
    code, out, _ = project.msap("import", str(csv_file(project, "c.csv", HEADER_2022, ROWS_2022[:3])), capsys=capsys)
    assert "retiree_le" not in front(pierrefitte)[0]  # back in the list: open again


def test_a_fiche_kept_by_hand_is_never_marked_withdrawn(project, capsys):
    project.write("content/maisons/23/a-la-main.md", (project.root / "content/maisons").exists() and
                  "---\nid: fs-main\nnom: Maison tenue à la main\ndepartement: '23'\nadresse:\n  code_postal: '23000'\n"
                  "  commune: Guéret\n  code_insee: '23096'\n---\n")
    project.msap("import", str(csv_file(project, "a.csv", HEADER_2022, ROWS_2022[:1])), capsys=capsys)
    assert "retiree_le" not in front(project.root / "content/maisons/23/a-la-main.md")[0]


def test_an_extract_of_the_list_does_not_withdraw_the_rest_of_the_network(project, capsys):
    """A file of one département (or a filtered export) is not an edition: importing it would mark every other
    site withdrawn. The import stops, writes nothing, and says how to go on if the withdrawals are real."""
    rows = [_row(f"{n}", name=f"France services numéro {n}", street=f"{n} rue", phone=f"05 55 51 00 {n:02d}",
                 mail=f"s{n}@x.fr") for n in range(12)]
    project.msap("import", str(csv_file(project, "a.csv", HEADER_2022, rows)), capsys=capsys)
    before = snapshot(project)
    code, _, err = project.msap("import", str(csv_file(project, "extrait.csv", HEADER_2022, rows[:1])), capsys=capsys)
    assert code == 2
    assert err.startswith("extrait.csv: 11 des 12 sites importés sont absents de ce fichier : ce n'est sans doute "
                          "pas une édition complète")
    assert "--accepter-retraits" in err and snapshot(project) == before
    code, out, _ = project.msap("import", str(project.root / "extrait.csv"), "--accepter-retraits", capsys=capsys)
    assert code == 0 and "11 sites disparu(s)" in out


HEADER_2024 = ("id_fs;insee_dep;lib_fs;adresse;complement_adresse;insee_com;code_postal;lib_com;latitude;longitude;"
               "mail;telephone;h_lundi;h_mardi;h_mercredi;h_jeudi;h_vendredi;h_samedi;commentaire;prise_rdv;type_fs;"
               "format_fs;groupe_fs;labellisation_fs")
ROWS_2024 = [  # the 2024 column set with the odd values its editions carry
    "2001;23;France services de Guéret;2 Place Bonnyaud;;23096;23000;Guéret;46.1713;1.8719;;05 55 51 11 11;"
    "09:00 - 12:00;;;;;;;Oui, le samedi;Site principal;multisite;Creuse;15/03/2021",
    "2002;19;France services d'Objat;Place Charles de Gaulle;;19153;19130;Objat;45.2630;1.4083;;;;;;;;;;NC;"
    "Antenne itinérante;Camping-car;;2021",
    "2003;87;France services de Limoges;Place de la République;;87085;87000;Limoges;45.8336;1.2611;;;;;;;;;;"
    "Non renseigné;Point relais;Fixe;;mars 2021",
    "2004;87;France services d'Ambazac;Place de l'Église;;87002;87240;Ambazac;45.95;1.40;;;;;;;;;;Parfois;;Roulotte;;",
    "2005;87;France services de Bellac;Rue Lamartine;;87011;87300;Bellac;46.1219;1.0490;;;;;;;;;"
    "Uniquement sur rendez-vous;Non;Antenne;Bus;Haute-Vienne;2022-06-01",
]


def test_the_2024_column_set_maps_every_odd_value_or_reports_it(project, capsys):
    path = csv_file(project, "liste-2024.csv", HEADER_2024, ROWS_2024)
    code, out, err = project.msap("import", str(path), capsys=capsys)
    assert code == 0, err
    assert "5 lignes lue(s) = 5 fiches + 0 ligne rejetée(s)" in out
    notes = out.split("## Remarques")[1].split("## ")[0].splitlines()[1:]
    assert notes == [
        "liste-2024.csv:3 (id_fs 2002): labellisation: date « 2021 » illisible : non reprise",
        "liste-2024.csv:4 (id_fs 2003): type: valeur « Point relais » inconnue : « site_principal » retenu",
        "liste-2024.csv:4 (id_fs 2003): labellisation: date « mars 2021 » illisible : non reprise",
        "liste-2024.csv:5 (id_fs 2004): format: valeur « Roulotte » inconnue : « fixe » retenu",
        "liste-2024.csv:5 (id_fs 2004): rendez_vous.politique: valeur « Parfois » inconnue : non reprise",
        "liste-2024.csv:6 (id_fs 2005): rendez_vous.politique: la colonne dit « Non », le commentaire dit "
        "« obligatoire » : « obligatoire » retenu",
    ]
    fiches = {p.stem: front(p)[0] for p in (project.root / "content/maisons").glob("*/*.md")}
    got = {name: (m["type"], m["format"], m.get("rendez_vous", {}).get("politique"), m.get("groupe"),
                  str(m.get("labellisation"))) for name, m in fiches.items()}
    assert got == {
        "gueret": ("site_principal", "itinerant", "possible", "Creuse", "2021-03-15"),  # multisite, « Oui, … »
        "objat": ("antenne", "bus", None, None, "None"),  # a camping-car travels like the bus; « NC » says nothing
        "limoges": ("site_principal", "fixe", None, None, "None"),  # « Non renseigné » is not « Non »
        "ambazac": ("site_principal", "fixe", None, None, "None"),
        "bellac": ("antenne", "bus", "obligatoire", "Haute-Vienne", "2022-06-01"),
    }
    before = snapshot(project)
    code, out, _ = project.msap("import", str(path), capsys=capsys)
    assert "0 nouvelle, 0 mise à jour, 5 inchangée(s)" in out and snapshot(project) == before
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0, out


def test_no_site_is_published_twice_the_portal_counts_the_list_plus_the_fiches_kept_by_hand(project, capsys):
    from generator.config import load_config
    from generator.content.site import load_site
    from generator.content.geo import Geo
    from generator.portal.model import Portal

    project.write("content/maisons/23/a-la-main.md",
                  "---\nid: fs-main\nnom: Maison tenue à la main\ndepartement: '23'\nadresse:\n  code_postal: '23000'\n"
                  "  commune: Guéret\n  code_insee: '23096'\n---\n")
    first = [_row("temp-3"), *ROWS_2022[1:3]]  # 2022: Guéret under a temporary id, Pierrefitte, the bus
    project.msap("import", str(csv_file(project, "2022.csv", HEADER_2022, first)), capsys=capsys)
    later = [_row("2945"), ROWS_2022[2],  # Guéret renumbered; Pierrefitte has left the list
             '"7","19","France services d\'Objat","Place Charles de Gaulle",,"19153","19130","Objat",45.2630,1.4083,,'
             '"05 55 25 00 00",,,,,,,,"Non","Site principal",,']
    code, out, _ = project.msap("import", str(csv_file(project, "2024.csv", HEADER_2022, later)), capsys=capsys)
    assert code == 0 and "3 lignes lue(s) = 3 fiches + 0 ligne rejetée(s)" in out
    from generator.diagnostics import Report
    site = load_site(project.root, load_config(project.root).content_dir, Report())
    portal = Portal(site, Geo(project.root / "data/geo"), "https://portail.test/")
    names = sorted(f.data.nom for f in portal.maisons)
    assert len(portal.maisons) == len(later) + 1  # the list's rows plus the fiche kept by hand
    assert names.count("France services de Guéret") == 1
    assert [f.data.nom for f in portal.retirees] == ["France services de Pierrefitte"]
