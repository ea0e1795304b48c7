"""« Never a traceback »: what reaches the edge of `msap` — a missing or damaged reference table, a broken
mkdocs.yml, an error nobody foresaw — ends in one French line with a hint and exit 2."""
from __future__ import annotations

import ast
import shutil

import pytest

from conftest import REPO
from generator import cli
from generator.diagnostics import CommandError


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


def test_every_command_error_raised_carries_a_hint():
    """A CommandError (or a subclass) is always raised with its message and a non-empty hint."""
    subclasses = {"CommandError"} | {c.__name__ for c in _all_subclasses(CommandError)}
    missing = []
    for path in [*REPO.glob("generator/**/*.py"), *REPO.glob("frequentation/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                if name in subclasses:
                    args = node.exc.args + [k.value for k in node.exc.keywords if k.arg == "hint"]
                    if len(args) < 2 or (isinstance(args[1], ast.Constant) and not args[1].value):
                        missing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert missing == []
    assert "GeoError" in subclasses  # the check looks at real raises


def _all_subclasses(cls):
    import generator.geo  # noqa: F401 - the modules whose errors are checked
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)
