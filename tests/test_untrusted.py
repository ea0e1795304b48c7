"""A pull request as an attacker would write it (issue 14): every attack on the content side is performed, and
its refusal asserted — links and pipes in the tree, forged CI lines, spreadsheet formulas, huge values, control
characters, killed builds and the switch of the published site."""
from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FROZEN_TODAY, REPO, VALID_MAISON, Project, make_portal_project
from test_review import FICHE, RESSOURCE as REVIEWED, GitProject

pytestmark = pytest.mark.lent

SECRET = "MSAP_DEPLOY_TOKEN=ne-doit-jamais-etre-publie"
RESSOURCE = REVIEWED.replace("lien: https://exemple.fr/guide", "fichier: guide.pdf")  # a download


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file of the build machine, outside the project: what a link would publish."""
    path = tmp_path / "machine" / "environ"
    path.parent.mkdir()
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("content/") or line.startswith("theme/")]


def published(site: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file())


# ------------------------------------------------------------------ 1. links, pipes, devices

def test_a_download_linked_to_a_machine_file_is_an_error_and_never_published(project, secret, capsys, tmp_path):
    project.write("content/maisons/23/gueret.md", VALID_MAISON)
    project.write("content/ressources/guide.md", RESSOURCE)
    (project.root / "content/ressources/fichiers").mkdir(parents=True)
    (project.root / "content/ressources/fichiers/guide.pdf").symlink_to(secret)
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert (f"content/ressources/fichiers/guide.pdf: lien symbolique vers « {secret} » : il n'est ni lu ni publié "
            "— Indice : le portail ne publie que des fichiers ordinaires") in out
    assert ("content/ressources/guide.md:6: fichier: le fichier « guide.pdf » est introuvable (ce n'est pas un "
            "fichier ordinaire)") in out
    code, out, err = project.msap("build", "--site-dir", str(tmp_path / "site"), "--no-search", capsys=capsys)
    assert code == 1 and "lien symbolique" in out and not (tmp_path / "site").exists()


@pytest.mark.parametrize("where", ["fiche", "departement", "theme", "pages", "geo", "referentiel"])
def test_links_anywhere_the_build_reads_are_refused_before_anything_is_read(tmp_path, secret, capsys, where):
    from generator.cli import main
    root = make_portal_project(tmp_path / "projet")
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    if where == "fiche":
        (outside / "piege.md").write_text(VALID_MAISON.replace("fs-9001", "fs-9999"), encoding="utf-8")
        target, link = outside / "piege.md", root / "content/maisons/23/piege.md"
    elif where == "departement":
        (outside / "piege.md").write_text(VALID_MAISON.replace("fs-9001", "fs-9999"), encoding="utf-8")
        target, link = outside, root / "content/maisons/19"
    elif where == "theme":
        target, link = secret, root / "theme/portail/piege.html"
    elif where == "pages":
        target, link = secret, root / "pages/piege.md"
    elif where == "geo":
        target, link = secret, root / "data/geo/piege.csv"
    else:
        target, link = secret, root / "content/referentiels/relecteurs.yml"
        link.unlink(missing_ok=True)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    rel = link.relative_to(root).as_posix()
    assert main(["--root", str(root), "check"]) == 1
    out = capsys.readouterr().out
    assert f"{rel}: lien symbolique vers « {target} » : il n'est ni lu ni publié" in out
    assert "fs-9999" not in out  # the linked fiche was not read
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 1
    assert f"{rel}: lien symbolique" in capsys.readouterr().out
    assert not site.exists()


def test_a_pipe_in_the_content_is_an_error_and_does_not_hang_the_check(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON)
    os.mkfifo(project.root / "content/maisons/23/tube.md")
    started = time.perf_counter()
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1 and time.perf_counter() - started < 30
    assert "content/maisons/23/tube.md: tube nommé (FIFO) : il n'est ni lu ni publié" in out


def test_a_link_the_reader_meets_after_the_walk_is_not_followed(tmp_path, secret):
    from generator.content.reader import read
    link = tmp_path / "fiche.md"
    link.symlink_to(secret)
    problem = read(link, tmp_path)
    assert "illisible" in problem.message and SECRET not in problem.message


def test_a_pull_request_adding_links_fails_its_review(tmp_path, secret, capsys):
    repo = GitProject(tmp_path / "projet")
    repo.write(FICHE, VALID_MAISON)
    repo.write("content/ressources/guide.md", RESSOURCE)
    repo.write("content/ressources/fichiers/guide.pdf", b"%PDF-1.4\n")
    repo.commit("Contenu de départ")
    (repo.root / "content/ressources/fichiers/guide.pdf").unlink()
    (repo.root / "content/ressources/fichiers/guide.pdf").symlink_to("/proc/self/environ")
    (repo.root / "theme").mkdir(exist_ok=True)
    (repo.root / "theme/entete.html").symlink_to(secret)
    repo.commit("Un guide")
    code, out, _ = repo.msap("review", "main~1", "HEAD", capsys=capsys)
    assert code == 1
    assert "✅" not in out.splitlines()[0]
    assert "lien symbolique vers « /proc/self/environ »" in out
    assert f"lien symbolique vers « {secret} »" in out  # outside the content too
    assert SECRET not in out


# ------------------------------------------------------------------ 4. forged CI lines

FORGED = "x\n::warning file=forge.md,line=1::forgé par un nom de fichier"


def test_a_file_name_with_a_line_break_is_refused_and_never_starts_a_line(project, capsys, tmp_path):
    project.write("content/maisons/23/gueret.md", VALID_MAISON)
    project.write(f"content/maisons/23/{FORGED}.md", VALID_MAISON.replace("fs-9001", "fs-9002"))
    project.write(f"content/ressources/fichiers/{FORGED}.pdf", b"%PDF\n")
    outputs = []
    for args in (("check",), ("check", "--format", "github"),
                 ("build", "--site-dir", str(tmp_path / "site"), "--no-search")):
        code, out, err = project.msap(*args, capsys=capsys)
        assert code == 1, args
        outputs.append(out + err)
    for text in outputs:
        assert not re.search(r"^::warning file=forge", text, re.M), text
        assert "contient un caractère de contrôle" in text
    github = outputs[1]
    assert all(line.startswith(("::error file=content/", "::warning file=content/")) for line in github.splitlines()
               if line.startswith("::"))


def test_values_quoted_in_messages_cannot_start_a_line(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace(
        "telephone: 05 55 51 00 00", 'telephone: "05\\n::error file=x::forgé"'))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1 and "::error file=x" not in "\n".join(line[:2] for line in out.splitlines())
    assert not any(line.startswith("::") for line in out.splitlines())


# ------------------------------------------------------------------ 3. spreadsheet formulas

@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_formula_in_a_fiche_is_warned_and_neutralised_in_the_csv(tmp_path, capsys, start):
    from generator.cli import main
    root = make_portal_project(tmp_path / "projet")
    fiche = root / "content/maisons/23/formule.md"
    name = f'{start}HYPERLINK("https://xss.example/";"clic")'
    fiche.write_text(VALID_MAISON.replace("fs-9001", "fs-9777").replace("lon: 1.8719", "lon: -1.8719").replace(
        "nom: France services de Guéret", f"nom: '{name}'"), encoding="utf-8")
    assert main(["--root", str(root), "check"]) == 0
    out = capsys.readouterr().out
    assert (f"content/maisons/23/formule.md:3: nom: avertissement : « {name} » commence par « {start} » : un "
            "tableur le lirait comme une formule") in out
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 0
    rows = list(csv.DictReader(io.StringIO((site / "donnees/maisons.csv").read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["id"] == "fs-9777")
    assert row["nom"] == "'" + name
    for other in rows:  # no cell of the export can be read as a formula; numbers stay numbers
        assert not any(v.startswith(("=", "@", "\t", "\r")) for v in other.values())
        assert not any(v.startswith(("+", "-")) and not re.fullmatch(r"[+-][\d .]+", v) for v in other.values())
    assert row["longitude"] == "-1.8719"  # a negative number stays a number


def test_an_international_phone_number_is_not_a_formula_warning(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace("05 55 51 00 00", "+33 5 55 51 00 00"))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0 and "formule" not in out


@pytest.mark.parametrize("value, written", [
    ("+33 5 55 51 00 00", "+33 5 55 51 00 00"), ("-1.8719", "-1.8719"), ("+1", "+1"),
    ("+33 5 55 51 00 00+A1", "'+33 5 55 51 00 00+A1"), ("-2+3*cmd|' /C calc'!A0", "'-2+3*cmd|' /C calc'!A0"),
    ("+ SUM(A1)", "'+ SUM(A1)"), ("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"),
])
def test_only_a_sign_and_digits_escape_the_apostrophe(value: str, written: str):
    from generator.spreadsheet import cell
    assert cell(value) == written


# ------------------------------------------------------------------ 7. sizes

def test_a_huge_body_is_refused_before_it_is_parsed(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON + "a" * 50_000_000)
    started = time.perf_counter()
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1 and time.perf_counter() - started < 20
    assert "content/maisons/23/gueret.md: fichier trop gros (50 Mo ; au plus 256 ko)" in out


def test_a_body_over_its_limit_and_a_name_over_its_limit_are_refused(project, capsys):
    long_name = "France services " + "x" * 300
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace(
        "nom: France services de Guéret", f"nom: {long_name}") + "é" * 100_001)
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert ("content/maisons/23/gueret.md:21: texte: le texte est trop long (100\u202f035 caractères ; au plus "
            "100\u202f000) — Indice : ") in out
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace(
        "nom: France services de Guéret", f"nom: {long_name}"))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert ("content/maisons/23/gueret.md:3: nom: le texte est trop long (316 caractères ; au plus 200) — Indice : "
            "raccourcissez-le : les limites de chaque champ sont dans docs/champs.md") in out


def test_a_download_over_its_limit_is_refused(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON)
    project.write("content/ressources/guide.md", RESSOURCE)
    big = project.root / "content/ressources/fichiers/guide.pdf"
    big.parent.mkdir(parents=True)
    with open(big, "wb") as out:
        out.truncate(20_000_001)  # sparse: no disk used
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1 and "le fichier « guide.pdf » est trop gros (20 Mo ; au plus 20 Mo)" in out


def test_every_text_and_list_of_the_schemas_is_bounded():
    """Meta-test: no string, list or mapping of any published schema is without a maximum."""
    import json

    from generator.schema_export import json_schemas
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "string" and not {"maxLength", "enum", "const", "format"} & set(node):
                unbounded.append(where)
            if kind == "array" and "maxItems" not in node:
                unbounded.append(where)
            if isinstance(node.get("additionalProperties"), dict) and "maxProperties" not in node:
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")
    for name, text in json_schemas().items():
        walk(json.loads(text), name)
    assert unbounded == []


def test_the_largest_accepted_fiche_builds_into_bounded_pages(tmp_path):
    """Every field at its limit: the pages stay small (the name is repeated on many listings)."""
    from generator.config import load_config
    from generator.portal.build import build
    from generator.schema.limits import NOM, TEXTE_CARACTERES
    root = make_portal_project(tmp_path / "projet")
    name = "France services " + "n" * (NOM - 16)
    text = VALID_MAISON.replace("fs-9001", "fs-9888").replace("nom: France services de Guéret", f"nom: {name}")
    body = ("Une ligne de texte assez ordinaire pour la fiche. " * 40 + "\n\n") * 200
    (root / "content/maisons/23/grande.md").write_text(text + body[:TEXTE_CARACTERES - 1000], encoding="utf-8")
    site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY).site_dir
    sizes = sorted((p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*.html"))
    assert sizes[-1][0] < 2_000_000, sizes[-3:]
    assert (site / "maisons/23/grande/index.html").stat().st_size < 400_000


# ------------------------------------------------------------------ 8. control characters, however written

@pytest.mark.parametrize("written", ['"Guéret\\0"', '"Guéret\\x1b[31m"', '"Gu\\u202eéret"', '"Guéret\\x85"',
                                     '"Guéret\\u2028"', '"Gu\\x07éret"'])
def test_a_control_character_written_as_a_yaml_escape_is_refused(project, capsys, written):
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace("commune: Guéret", f"commune: {written}"))
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1
    assert re.search(r"^content/maisons/23/gueret\.md:\d+: adresse\.commune: la valeur contient un caractère de "
                     r"contrôle \(\\(x|u)[0-9a-f]+\) — Indice : ", out, re.M), out


def test_a_raw_control_character_in_the_body_is_refused(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON + "Ligne\x1b[2J effacée.\n")
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 1 and "content/maisons/23/gueret.md:22: texte: le texte contient un caractère de contrôle " \
                         "(\\x1b)" in out


# ------------------------------------------------------------------ 9. killed builds, the switch of the site

def test_what_a_killed_build_left_is_removed_by_the_next_build(tmp_path):
    root = make_portal_project(tmp_path / "projet")
    site = tmp_path / "site"
    command = [sys.executable, "-m", "generator.cli", "--root", str(root), "build", "--site-dir", str(site),
               "--no-search"]
    left = []
    for _ in range(2):  # each killed build leaves its folder; the next one clears the previous one's
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not [p for p in tmp_path.glob(".site.tmp-*/assets") if p.parent not in left] \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left += [p for p in tmp_path.glob(".site.tmp-*") if p not in left]
    assert len(left) == 2 and not site.exists()
    deadline = time.monotonic() + 60
    while left[0].exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left[0].exists() and left[1].exists()
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 60
    while list(tmp_path.glob(".site.*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".site.*")) == [] and (site / "index.html").is_file()


def test_a_build_running_beside_keeps_its_folder(tmp_path):
    from generator.portal.writers import atomic
    target = tmp_path / "site"
    working = atomic.Workspace(target)  # a build at work: its folder is locked
    assert atomic.leftovers(target) == []
    working.release()  # its process died: nothing holds the folder any more
    assert atomic.leftovers(target) == [working.path]


def test_the_published_site_is_never_missing_while_a_new_one_is_switched_in(tmp_path):
    from generator.portal.writers import atomic
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("0", encoding="utf-8")
    watcher = subprocess.Popen([sys.executable, "-c", (
        "import os, sys\n"
        "path, misses, n = sys.argv[1], 0, 0\n"
        "while not os.path.exists(sys.argv[2]):\n"
        "    n += 1\n"
        "    if not os.path.exists(path): misses += 1\n"
        "print(misses, n)\n"), str(site / "index.html"), str(tmp_path / "fin")], stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)
    for i in range(300):
        new = atomic.Workspace(site)
        (new.path / "index.html").write_text(str(i + 1), encoding="utf-8")
        new.release()
        old = atomic.replace(new.path, site)
        assert old is not None and (old / "index.html").read_text(encoding="utf-8") == str(i)
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    (tmp_path / "fin").touch()
    misses, probes = map(int, watcher.communicate(timeout=30)[0].split())
    assert probes > 1000 and misses == 0, (misses, probes)
    assert (site / "index.html").read_text(encoding="utf-8") == "300"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fin", "site"]


def test_the_published_site_stays_readable_by_a_web_server(tmp_path):
    from generator.portal.writers import atomic
    work = atomic.Workspace(tmp_path / "site")
    mode = work.path.stat().st_mode & 0o777
    work.discard()
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


def test_a_site_dir_under_a_file_is_a_clear_error(tmp_path, capsys):
    from generator.cli import main
    root = make_portal_project(tmp_path / "projet")
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    code = main(["--root", str(root), "build", "--site-dir", str(tmp_path / "fichier" / "site"), "--no-search"])
    err = capsys.readouterr().err
    assert code == 2 and "un fichier est à cette place" in err and "Traceback" not in err


def test_the_repository_itself_holds_no_link():
    listed = subprocess.run(["git", "ls-files", "-s"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert [line for line in listed.splitlines() if line.startswith("120000")] == []


def test_a_project_fixture_holds_no_link(tmp_path):
    Project(tmp_path / "p")
    assert [p for p in (tmp_path / "p").rglob("*") if p.is_symlink()] == []


def test_a_line_separator_does_not_shift_the_lines_of_later_problems(project, capsys):
    """YAML counts U+2028 as a line break, an editor does not: the problems below it keep their file line."""
    text = VALID_MAISON.replace("telephone: 05 55 51 00 00", 'groupe: "a\u2028b"\ntelephone: 05 55')
    project.write("content/maisons/23/gueret.md", text)
    code, out, _ = project.msap("check", capsys=capsys)
    lines = text.split("\n")
    expected = next(i for i, line in enumerate(lines, 1) if line.startswith("telephone"))
    assert code == 1 and f"content/maisons/23/gueret.md:{expected}: telephone: « 05 55 »" in out, out
    separator = next(i for i, line in enumerate(lines, 1) if line.startswith("groupe"))
    assert f"content/maisons/23/gueret.md:{separator}: groupe: la valeur contient un caractère de contrôle " \
           "(\\u2028)" in out


def test_a_name_on_two_lines_never_starts_a_line_in_a_report(project, capsys, tmp_path):
    """A line break is allowed in a text (YAML block scalars): every command shows it escaped."""
    project.write("content/maisons/23/gueret.md", VALID_MAISON.replace(
        "nom: France services de Guéret", 'nom: "Guéret\\n::warning file=x::forgé"').replace(
        "verifie_le: 2026-01-15", "verifie_le: 2020-01-15"))
    outputs = []
    for args in (("check",), ("stale", "--complet"), ("build", "--site-dir", str(tmp_path / "site"), "--no-search")):
        _code, out, err = project.msap(*args, capsys=capsys)
        outputs.append(out + err)
    assert "Guéret ::warning" in outputs[1]  # the stale list names it, on one line
    for text in outputs:
        assert not any(line.startswith("::") for line in text.splitlines()), text
