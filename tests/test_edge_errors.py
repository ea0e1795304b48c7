"""« Never a traceback »: what reaches the edge of `msap` — a missing or damaged reference table, a broken
mkdocs.yml, an error nobody foresaw — ends in one French line with a hint and exit 2."""
from __future__ import annotations

import shutil

import pytest

from conftest import REPO
from generator import cli


@pytest.fixture
def project(project, capsys):
    """The throwaway project with two fiches (the checks then read the geography)."""
    from test_importer import HEADER_2022, ROWS_2022, csv_file
    code, _, err = project.msap("import", str(csv_file(project, "l.csv", HEADER_2022, ROWS_2022[:2])), capsys=capsys)
    assert code == 0, err
    return project


def run(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        cli.run(argv)
    out, err = capsys.readouterr()
    return exit_.value.code, out + err


def test_check_without_reference_geography_is_a_french_error(project, capsys):
    shutil.rmtree(project.root / "data" / "geo")
    code, text = run(["--root", str(project.root), "check"], capsys)
    assert code == 2 and "Traceback" not in text
    assert (f"msap : {project.root / 'data/geo/departements.json'} : fichier de référence introuvable — Indice : "
            "restaurez data/geo/ depuis Git (git checkout -- data/geo) ou refaites-le (msap geo) ; lancez la "
            "commande depuis la racine du projet, ou indiquez-la avec --root\n") in text


def test_a_truncated_communes_table_names_its_line(project, capsys):
    path = project.root / "data/geo/communes.csv"
    text = (REPO / "data/geo/communes.csv").read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text[:50_000], encoding="utf-8")  # cut in the middle of a row
    code, out = run(["--root", str(project.root), "check"], capsys)
    line = text[:50_000].count("\n") + 1
    assert code == 2 and "Traceback" not in out
    assert (f"msap : {path}:{line}: ligne tronquée ou abîmée (fin de fichier sans fin de ligne) — Indice : "
            "restaurez data/geo/") in out
    path.write_text(text[:49_990] + "\n", encoding="utf-8")  # a row that lost its last columns
    code, out = run(["--root", str(project.root), "check"], capsys)
    assert code == 2 and f"msap : {path}:{line}: ligne tronquée ou abîmée — Indice : restaurez data/geo/" in out


def test_a_damaged_departements_list_is_a_french_error(project, capsys):
    path = project.root / "data/geo/departements.json"
    path.unlink()
    path.write_text('[{"code": "01", "nom": "Ain"', encoding="utf-8")
    code, out = run(["--root", str(project.root), "check"], capsys)
    assert code == 2 and f"msap : {path}:1: JSON illisible — Indice : restaurez data/geo/" in out


def test_build_with_a_damaged_table_prints_no_thread_traceback(project, capsys, tmp_path):
    path = project.root / "data/geo/communes.csv"
    text = (REPO / "data/geo/communes.csv").read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text[:50_000], encoding="utf-8")
    shutil.copytree(REPO / "theme", project.root / "theme")
    shutil.copytree(REPO / "pages", project.root / "pages")
    code, out = run(["--root", str(project.root), "build", "--site-dir", str(tmp_path / "site"), "--no-search"], capsys)
    assert code == 2 and "ligne tronquée ou abîmée" in out and "Traceback" not in out


def test_a_tab_in_mkdocs_yml_is_said_in_french_with_its_line(project, capsys):
    project.write("mkdocs.yml", "site_name: x\nextra:\n\tmsap: 1\n")
    code, out = run(["--root", str(project.root), "check"], capsys)
    assert code == 2
    assert out.startswith("mkdocs.yml:3: YAML illisible (tabulation interdite) — Indice : vérifiez l'indentation")


def test_an_unforeseen_error_is_one_french_line_unless_debugging(monkeypatch, capsys):
    def broken(argv=None):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli, "main", broken)
    monkeypatch.delenv("MSAP_DEBUG", raising=False)
    code, out = run([], capsys)
    assert code == 2 and "Traceback" not in out
    assert out == ("msap : erreur inattendue (RuntimeError : boom) — Indice : relancez avec MSAP_DEBUG=1 pour voir "
                   "la trace, et signalez-la à l'équipe du portail\n")
    monkeypatch.setenv("MSAP_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.run([])

# Every command error raised carries a hint: tests/test_errors.py.
