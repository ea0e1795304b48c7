"""`msap mise-a-jour` and the monthly jobs: the latest edition imported on a branch of a real Git repository, its
pull request described by the import report and `msap review`, from a local file and from a data.gouv.fr API
served on the loopback; then the GitHub and GitLab steps that open, update or close that one pull request."""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from conftest import REPO
from generator.contrib import mise_a_jour
from generator.contrib.mise_a_jour import DESCRIPTION_MAX, report_markdown
from test_importer import HEADER_2022, ROWS_2022, csv_file
from test_workflows import FakeGitLab, msap_commands, parse_all

pytestmark = pytest.mark.lent

BRANCH = "import/liste-nationale"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(project, capsys):
    """A project in a real Git repository whose main branch holds the import of a first edition."""
    git(project.root, "init", "--quiet", "--initial-branch=main")
    git(project.root, "config", "user.name", "Équipe nationale")
    git(project.root, "config", "user.email", "equipe@example.org")
    code, _, err = project.msap("import", str(csv_file(project, "premiere.csv", HEADER_2022, ROWS_2022)),
                                capsys=capsys)
    assert code == 0, err
    (project.root / ".gitignore").write_text("*.csv\n*.md\n!content/**\n*.txt\n", encoding="utf-8")
    git(project.root, "add", "--all")
    git(project.root, "commit", "--quiet", "-m", "Première édition")
    return project


NEXT = [ROWS_2022[0].replace("05 55 51 00 00", "05 55 51 99 99"),  # Guéret: a new phone number
        *ROWS_2022[2:],  # Pierrefitte has left the list
        '"6","19","France services d\'Objat","Place Charles de Gaulle",,"19153","19130","Objat",45.2630,1.4083,,'
        '"05 55 25 00 00",,,,,,,,"Non","Site principal",,']


def update(project, capsys, *args: str) -> tuple[int, str, str]:
    return project.msap("mise-a-jour", *args, "--description", str(project.root / "description.md"),
                        "--rapport", str(project.root / "rapport.txt"), capsys=capsys)


def test_a_new_edition_becomes_one_commit_on_the_branch_described_for_review(repo, capsys):
    start = git(repo.root, "rev-parse", "HEAD")
    source = csv_file(repo, "suivante.csv", HEADER_2022, NEXT)
    code, out, err = update(repo, capsys, str(source))
    assert code == 0, err
    assert git(repo.root, "branch", "--show-current") == BRANCH
    assert git(repo.root, "rev-parse", "main") == start  # main untouched
    assert git(repo.root, "rev-list", "--count", f"main..{BRANCH}") == "1"
    assert git(repo.root, "log", "-1", "--format=%s") == "Liste nationale des France services : import"
    changed = git(repo.root, "diff", "--name-status", "main", BRANCH).splitlines()
    assert "M\tcontent/maisons/23/gueret.md" in changed and "A\tcontent/maisons/19/objat.md" in changed
    assert "M\tcontent/maisons/93/pierrefitte.md" in changed  # withdrawn, not deleted
    assert git(repo.root, "status", "--porcelain", "--", "content") == ""

    text = (repo.root / "description.md").read_text(encoding="utf-8")
    report = (repo.root / "rapport.txt").read_text(encoding="utf-8")
    assert text.startswith("# Liste nationale des France services : import\n\n- Source : `")
    assert f"- Empreinte SHA-256 : `{__import__('hashlib').sha256(source.read_bytes()).hexdigest()}`" in text
    assert "## Rapport d'import\n\n```text\n" in text
    assert report.splitlines()[-1] in text  # the count line, first, in its block
    assert "### Fiches nouvelles (1)" in text and "### Sites absents de cette édition" in text
    assert text.index("## Rapport d'import") < text.index("## Résumé pour la relecture (msap review)")
    assert "Fiches Maison" in text.split("## Résumé pour la relecture (msap review)")[1]  # review's section
    assert "Objat" in text.split("## Résumé pour la relecture")[1]
    assert len(text) <= DESCRIPTION_MAX

    # next month, the same edition again from main: the branch is remade, still one commit, same content
    git(repo.root, "switch", "--quiet", "main")
    code, _, err = update(repo, capsys, str(source))
    assert code == 0, err
    assert git(repo.root, "rev-list", "--count", f"main..{BRANCH}") == "1"

    # once merged, the edition brings nothing: no commit, no description
    git(repo.root, "switch", "--quiet", "main")
    git(repo.root, "merge", "--quiet", "--ff-only", BRANCH)
    merged = git(repo.root, "rev-parse", "HEAD")
    code, out, err = update(repo, capsys, str(source))
    assert code == 0, err
    assert "La liste nationale n'apporte aucun changement : rien à proposer." in out
    assert not (repo.root / "description.md").exists()
    assert git(repo.root, "rev-parse", "HEAD") == merged and git(repo.root, "branch", "--show-current") == "main"


def test_values_of_the_list_cannot_put_links_images_or_mentions_in_the_description(repo, capsys):
    evil = ROWS_2022[0].replace("France services de Guéret",
                                "Guéret ``` @equipe-nationale ![x](http://pixel.example/p.png) <img src=x>")
    code, _, err = update(repo, capsys, str(csv_file(repo, "piegee.csv", HEADER_2022, [evil, *ROWS_2022[1:]])))
    assert code == 0, err
    text = (repo.root / "description.md").read_text(encoding="utf-8")
    assert "pixel.example" in text
    html = MarkdownIt("commonmark").render(text)
    assert "<img" not in html and "pixel.example/p.png\"" not in html and "<a " not in html
    assert "&lt;img src=x&gt;" in html or "<img src=x>" not in html


def test_the_report_is_cut_to_fit_a_description_and_says_so():
    report = "\n".join(["## Fiches mises à jour (5000)", *[f"content/maisons/01/f{i}.md: telephone" for i in range(5000)],
                        "Horaires lus : 10 cellules sur 10 non vides (100,00 %).",
                        "5 000 lignes lue(s) = 5 000 fiches + 0 ligne rejetée(s) ; …"])
    text = report_markdown(report, 20_000)
    assert len(text) <= 20_000
    assert text.startswith("```text\nHoraires lus : 10 cellules")
    assert "5 000 lignes lue(s) = 5 000 fiches" in text.split("### ")[0]
    cut = 5000 - text.count("content/maisons/01/f")
    assert cut > 4000 and f"_{cut:,} lignes du rapport coupée(s) ici".replace(",", "\u202f") in text
    assert report_markdown(report, 10_000_000).count("content/maisons/01/f") == 5000


def test_a_dirty_tree_or_a_refused_edition_stops_with_nothing_committed(repo, capsys):
    start = git(repo.root, "rev-parse", "HEAD")
    (repo.root / "content/maisons/23/gueret.md").write_text("modifié à la main\n", encoding="utf-8")
    code, _, err = update(repo, capsys, str(csv_file(repo, "s.csv", HEADER_2022, NEXT)))
    assert code == 2
    assert err == ("msap mise-a-jour : le contenu a des modifications non validées\n"
                   "Indice : lancez la mise à jour sur une copie propre du dépôt (git status)\n")
    git(repo.root, "checkout", "--", "content")
    code, _, err = update(repo, capsys, str(csv_file(repo, "vide.csv", HEADER_2022, [])))
    assert code == 2 and "Traceback" not in err and err.startswith("msap mise-a-jour : ")
    code, _, err = update(repo, capsys, str(repo.root / "absent.csv"))
    assert code == 2 and err.startswith(f"msap mise-a-jour : {repo.root / 'absent.csv'} est illisible")
    assert git(repo.root, "rev-parse", "HEAD") == start and git(repo.root, "branch", "--show-current") == "main"
    assert git(repo.root, "status", "--porcelain", "--", "content") == ""


class DataPortal:
    """A loopback stand-in for data.gouv.fr: a dataset's API page and its files."""

    def __init__(self, files: dict[str, tuple[bytes, str]]):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body, kind = files.get(self.path, (b"absent", "text/plain"))
                self.send_response(200 if self.path in files else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def no_proxy(monkeypatch):
    for name in list(os.environ):
        if "proxy" in name.lower():
            monkeypatch.delenv(name)


def test_the_most_recent_csv_of_the_dataset_is_taken(repo, capsys, no_proxy):
    edition = ("\n".join([HEADER_2022, *NEXT]) + "\n").encode()
    files: dict[str, tuple[bytes, str]] = {}
    portal = DataPortal(files)  # it reads ``files`` at each request
    dataset = {"resources": [
        {"format": "csv", "url": f"{portal.url}/ancienne.csv", "last_modified": "2024-01-05T10:00:00"},
        {"format": "csv", "url": f"{portal.url}/files/liste-fs-20240601.csv", "last_modified": "2024-06-01T09:00:00"},
        {"format": "pdf", "url": f"{portal.url}/notice.pdf", "last_modified": "2025-01-01T00:00:00"},
    ]}
    files.update({"/api/1/datasets/liste/": (json.dumps(dataset).encode(), "application/json"),
                  "/files/liste-fs-20240601.csv": (edition, "text/csv"),
                  "/ancienne.csv": (b"id_fs\n", "text/csv")})
    code, out, err = update(repo, capsys, f"{portal.url}/api/1/datasets/liste/")
    assert code == 0, err
    assert out.startswith(f"Édition : {portal.url}/files/liste-fs-20240601.csv du 2024-06-01 (")
    text = (repo.root / "description.md").read_text(encoding="utf-8")
    assert text.startswith("# Liste nationale des France services : import de l'édition du 2024-06-01\n")
    assert git(repo.root, "log", "-1", "--format=%s") == \
        "Liste nationale des France services : import de l'édition du 2024-06-01"

    git(repo.root, "switch", "--quiet", "main")
    code, _, err = update(repo, capsys, f"{portal.url}/api/1/datasets/inconnu/")
    assert code == 2 and err.startswith(f"msap mise-a-jour : {portal.url}/api/1/datasets/inconnu/ répond 404\n")
    files["/gros.csv"] = (b"x" * 2000, "text/csv")
    mise_a_jour.MAX_BYTES, saved = 1000, mise_a_jour.MAX_BYTES
    try:
        code, _, err = update(repo, capsys, f"{portal.url}/gros.csv")
    finally:
        mise_a_jour.MAX_BYTES = saved
    assert code == 2 and "/gros.csv dépasse 1\u202f000 octets : ce n'est pas une édition de la liste" in err
    portal.server.shutdown()
    portal.server.server_close()
    code, _, err = update(repo, capsys, f"{portal.url}/api/1/datasets/liste/")
    assert code == 2 and "est injoignable" in err and "Indice : " in err


# --- the jobs ---------------------------------------------------------------------------------------------------

GITHUB = REPO / ".github/workflows/liste-nationale.yml"


def test_both_jobs_run_a_command_msap_accepts():
    github = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    runs = [step["run"] for step in github["jobs"]["import"]["steps"] if "run" in step]
    gitlab = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))["liste-nationale"]
    for scripts in (runs, gitlab["script"]):
        commands = parse_all(msap_commands(scripts))
        assert sorted(commands) == ["mise-a-jour"]
        args = commands["mise-a-jour"][0]
        assert (args.branche, str(args.description), str(args.rapport)) == \
            ("$BRANCHE", "description.md", "rapport-import.txt")
    assert list(github.get("on", github.get(True))) == ["schedule", "workflow_dispatch"]
    assert github["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert github["jobs"]["import"]["steps"][0]["with"]["fetch-depth"] == 0
    assert github["jobs"]["import"]["env"]["BRANCHE"] == gitlab["variables"]["BRANCHE"] == BRANCH
    assert "MSAP_GITLAB_TOKEN" not in str(gitlab)  # the import's token is its own, protected one
    assert gitlab["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]


def fake_gh(tmp_path: Path, open_number: str) -> Path:
    """A `gh` and a `git` on PATH that record their arguments (and `gh pr list` answers ``open_number``)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, answer in (("gh", f'case "$*" in "pr list"*) echo "{open_number}";; esac'), ("git", "")):
        path = bin_dir / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/appels"\n{answer}\n', encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("description, open_number, expected", [
    (True, "", ["gh pr list --head import/liste-nationale --state open --limit 1 --json number --jq "
                ".[0].number // empty",
                "git push --force origin HEAD:refs/heads/import/liste-nationale",
                "gh pr create --base main --head import/liste-nationale --title Liste nationale : import "
                "--body-file corps.md"]),
    (True, "17", ["gh pr list --head import/liste-nationale --state open --limit 1 --json number --jq "
                  ".[0].number // empty",
                  "git push --force origin HEAD:refs/heads/import/liste-nationale",
                  "gh pr edit 17 --title Liste nationale : import --body-file corps.md",
                  "gh pr comment 17 --body Branche refaite avec la dernière édition : Liste nationale : import."]),
    (False, "17", ["gh pr list --head import/liste-nationale --state open --limit 1 --json number --jq "
                   ".[0].number // empty",
                   "gh pr close 17 --delete-branch --comment La liste nationale n'apporte plus de changement : "
                   "demande fermée."]),
    (False, "", ["gh pr list --head import/liste-nationale --state open --limit 1 --json number --jq "
                 ".[0].number // empty"]),
])
def test_github_keeps_one_pull_request(tmp_path, description, open_number, expected):
    github = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    step = next(s for s in github["jobs"]["import"]["steps"] if s.get("name", "").startswith("Ouvrir"))
    script = step["run"].replace("${{ github.event.repository.default_branch }}", "main")
    if description:
        (tmp_path / "description.md").write_text("# Liste nationale : import\n\nLe rapport.\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{fake_gh(tmp_path, open_number)}:{os.environ['PATH']}", "BRANCHE": BRANCH}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "appels").read_text(encoding="utf-8").splitlines() == expected
    if description:
        assert (tmp_path / "corps.md").read_text(encoding="utf-8") == "Le rapport.\n"


MRS = "/api/v4/projects/42/merge_requests"


@pytest.mark.parametrize("description, opened, expected", [
    (True, [], [("POST", MRS, {"source_branch": BRANCH, "target_branch": "main", "title": "Liste nationale : import",
                               "description": "Le rapport.", "remove_source_branch": True})]),
    (True, [{"iid": 8}], [
        ("PUT", f"{MRS}/8", {"title": "Liste nationale : import", "description": "Le rapport."}),
        ("POST", f"{MRS}/8/notes", {"body": "Branche refaite avec la dernière édition : Liste nationale : import."}),
    ]),
    (False, [{"iid": 8}], [
        ("POST", f"{MRS}/8/notes", {"body": "La liste nationale n'apporte plus de changement : demande fermée."}),
        ("PUT", f"{MRS}/8", {"state_event": "close"}),
    ]),
    (False, [], []),
])
def test_gitlab_keeps_one_merge_request(tmp_path, description, opened, expected, monkeypatch):
    job = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))["liste-nationale"]
    if description:
        (tmp_path / "description.md").write_text("# Liste nationale : import\n\nLe rapport.\n", encoding="utf-8")
    api = FakeGitLab({MRS: opened})
    monkeypatch.setenv("MSAP_IMPORT_TOKEN", "jeton-de-test")
    monkeypatch.setenv("BRANCHE", BRANCH)
    monkeypatch.setenv("CI_DEFAULT_BRANCH", "main")
    api.run(job["script"][-1], tmp_path)
    assert api.calls[0][:2] == ("GET", f"{MRS}?state=opened&source_branch=import/liste-nationale&per_page=1")
    assert api.calls[1:] == expected
