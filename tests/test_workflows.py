"""The CI files for contributions: every `msap …` line they run is accepted by the real command line."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from generator.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github" / "workflows" / "contributions.yml"
GITLAB = REPO / ".gitlab-ci.yml"
SHELL_END = re.compile(r"\s+(?:\|\||&&|\||>|2>|;)")


def github_scripts(data: dict) -> list[str]:
    return [step["run"] for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def gitlab_scripts(data: dict) -> list[str]:
    scripts = []
    for name, job in data.items():
        if isinstance(job, dict) and not name.startswith(".") and name not in ("default", "variables", "workflow"):
            for key in ("before_script", "script", "after_script"):
                scripts += job.get(key, [])
    return scripts


def msap_commands(scripts: list[str]) -> list[list[str]]:
    """Every shell line starting with `msap`, cut before any redirection or `||`, split like the shell does."""
    commands = []
    for script in scripts:
        for line in script.splitlines():
            line = line.strip()
            if line.startswith("msap "):
                commands.append(shlex.split(SHELL_END.split(line, maxsplit=1)[0])[1:])
    return commands


@pytest.fixture(scope="module")
def github() -> dict:
    return yaml.safe_load(GITHUB.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gitlab() -> dict:
    return yaml.safe_load(GITLAB.read_text(encoding="utf-8"))


def parse_all(commands: list[list[str]]) -> dict[str, list]:
    parser, parsed = build_parser(), {}
    for argv in commands:
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # argparse refuses: the workflow would fail with a usage message
            pytest.fail(f"commande refusée par msap : msap {' '.join(argv)}")
        parsed.setdefault(args.command, []).append(args)
    return parsed


def test_github_workflow_commands_parse(github):
    commands = parse_all(msap_commands(github_scripts(github)))
    assert sorted(commands) == ["build", "check", "codeowners", "review", "schema"]
    assert commands["check"][0].format == "github"
    assert commands["codeowners"][0].check is True
    assert commands["build"][0].no_search is True
    review = commands["review"][0]
    assert (review.base, review.head, str(review.sortie)) == ("origin/$BASE_REF", "HEAD", "resume.md")


def test_github_workflow_shape(github):
    assert list(github.get("on", github.get(True))) == ["pull_request"]  # PyYAML reads a bare « on » as true
    assert github["permissions"]["pull-requests"] == "write"
    steps = github["jobs"]["relecture"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any(s.get("with", {}).get("python-version") == "3.11" for s in steps)
    runs = "\n".join(github_scripts(github))
    assert "npm ci --ignore-scripts" in runs
    assert 'cat resume.md >> "$GITHUB_STEP_SUMMARY"' in runs
    assert "--edit-last" in runs


def test_gitlab_pipeline_commands_parse(gitlab):
    commands = parse_all(msap_commands(gitlab_scripts(gitlab)))
    assert sorted(commands) == ["build", "check", "codeowners", "mise-a-jour", "review", "schema", "stale"]
    assert commands["stale"][0].months == 12
    review = commands["review"][0]
    assert (review.base, str(review.sortie)) == ("origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "resume.md")


def test_gitlab_pipeline_shape(gitlab):
    assert gitlab["variables"]["GIT_DEPTH"] == "0"
    assert gitlab["default"]["image"] == "python:3.11"
    assert gitlab["relecture"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert gitlab["fiches-a-verifier"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert gitlab["relecture"]["artifacts"]["paths"] == ["resume.md"]
    scripts = "\n".join(gitlab_scripts(gitlab))
    assert "npm ci --ignore-scripts" in scripts
    assert scripts.count("MSAP_GITLAB_TOKEN") >= 4
    for job in ("relecture", "fiches-a-verifier"):  # the inline Python that calls the API is valid Python
        for script in gitlab[job].get("after_script", []) + gitlab[job]["script"]:
            if "<<'PY'" in script:
                compile(script.split("<<'PY'\n", 1)[1].rsplit("PY", 1)[0], f"{job}.py", "exec")


def test_a_refused_command_is_caught():
    with pytest.raises(pytest.fail.Exception):
        parse_all([["review"]])


def test_every_script_is_valid_shell(github, gitlab):
    import subprocess
    for script in github_scripts(github) + gitlab_scripts(gitlab):
        done = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, f"{script}\n{done.stderr}"


class FakeGitLab:
    """A loopback stand-in for the GitLab API: records each call, answers the listings it is given."""

    def __init__(self, listings: dict[str, list]):
        import http.server
        import json
        import threading

        self.calls: list[tuple[str, str, dict | None]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                size = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(size)) if size else None
                assert self.headers["PRIVATE-TOKEN"] == "jeton-de-test"
                fake.calls.append((self.command, self.path, body))
                path = self.path.split("?")[0]
                answer = listings.get(path, []) if self.command == "GET" else {"id": 7, "iid": 12,
                                                                              "web_url": "http://gitlab.test/12"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v4"

    def run(self, script: str, folder: Path) -> str:
        import os
        import subprocess
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env = {**env, "CI_API_V4_URL": self.url, "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "5",
               "MSAP_GITLAB_TOKEN": "jeton-de-test"}
        done = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True)
        self.server.shutdown()
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.mark.parametrize("existing, expected", [
    ([], ("POST", "/api/v4/projects/42/merge_requests/5/notes")),
    ([{"id": 3, "body": "autre"}, {"id": 9, "body": "<!-- msap review -->\nancien"}],
     ("PUT", "/api/v4/projects/42/merge_requests/5/notes/9")),
])
def test_gitlab_note_is_created_then_updated(gitlab, tmp_path, existing, expected):
    (tmp_path / "resume.md").write_text("✅ 1 fiche modifiée, 0 erreur, 0 avertissement\n", encoding="utf-8")
    api = FakeGitLab({"/api/v4/projects/42/merge_requests/5/notes": existing})
    api.run(gitlab["relecture"]["after_script"][0], tmp_path)
    method, path, body = api.calls[-1]
    assert (method, path) == expected
    assert body == {"body": "<!-- msap review -->\n✅ 1 fiche modifiée, 0 erreur, 0 avertissement\n"}


ISSUES = "/api/v4/projects/42/issues"
DUE = "# Fiches Maison à revérifier : 3 fiches sur 12\n\n## Creuse (23)\n- Guéret\n"
NONE_DUE = "# Fiches Maison à revérifier : aucune (toutes vérifiées depuis moins de 12 mois)\n"


@pytest.mark.parametrize("report, opened, expected", [
    (DUE, [], [("POST", ISSUES, {"title": "Fiches Maison à revérifier : 3 fiches sur 12",
                                 "description": "## Creuse (23)\n- Guéret", "labels": "fraicheur"})]),
    (DUE, [{"iid": 4}], [
        ("PUT", f"{ISSUES}/4", {"title": "Fiches Maison à revérifier : 3 fiches sur 12",
                                "description": "## Creuse (23)\n- Guéret"}),
        ("POST", f"{ISSUES}/4/notes", {"body": "Relevé mis à jour : Fiches Maison à revérifier : 3 fiches sur 12."}),
    ]),
    (NONE_DUE, [{"iid": 4}], [
        ("PUT", f"{ISSUES}/4", {"title": "Fiches Maison à revérifier : aucune (toutes vérifiées depuis moins de 12 mois)",
                                "description": ""}),
        ("POST", f"{ISSUES}/4/notes", {"body": "Plus aucune fiche à revérifier : ticket fermé."}),
        ("PUT", f"{ISSUES}/4", {"state_event": "close"}),
    ]),
    (NONE_DUE, [], []),
])
def test_gitlab_stale_keeps_one_issue(gitlab, tmp_path, report, opened, expected):
    """Like .github/workflows/fraicheur.yml: one « fraicheur » issue, created, rewritten, closed when none is due."""
    (tmp_path / "a-verifier.md").write_text(report, encoding="utf-8")
    api = FakeGitLab({ISSUES: opened})
    api.run(gitlab["fiches-a-verifier"]["script"][-1], tmp_path)
    assert api.calls[0][:2] == ("GET", f"{ISSUES}?state=opened&labels=fraicheur&order_by=created_at&sort=desc&per_page=1")
    assert api.calls[1:] == expected


def test_every_action_is_pinned_by_commit_with_its_version():
    """A tag can be moved to other code; a commit cannot. Dependabot updates the commit and its comment."""
    uses = [(path.name, line.strip()) for path in sorted((REPO / ".github/workflows").glob("*.yml"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("- uses:")
            or line.strip().startswith("uses:")]
    assert len(uses) >= 8
    loose = [u for u in uses if not re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+", u[1])]
    assert loose == []


def test_dependencies_are_kept_current():
    config = yaml.safe_load((REPO / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} == {"pip", "npm", "github-actions"}
    assert all(u["directory"] == "/" and u["schedule"]["interval"] == "weekly" for u in config["updates"])
    renovate = json.loads((REPO / "renovate.json").read_text(encoding="utf-8"))
    assert "helpers:pinGitHubActionDigests" in renovate["extends"]


def test_the_suite_runs_on_every_change_to_the_code():
    workflow = yaml.safe_load((REPO / ".github/workflows/tests.yml").read_text(encoding="utf-8"))
    on = workflow.get("on", workflow.get(True))
    for event in ("push", "pull_request"):
        assert {"generator/**", "frequentation/**", "tests/**", "theme/**", "pyproject.toml"} <= set(on[event]["paths"])
    job = workflow["jobs"]["suite"]
    assert job["container"].startswith("debian:") and job["timeout-minutes"] <= 90
    assert "bash .ci/run" in job["steps"][-1]["run"]
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, re.M) and re.search(r"^make test$", ci, re.M)  # the README's command
