"""``msap mise-a-jour``: the monthly import of the national list, proposed as one reviewed pull request.

The scheduled jobs (``.github/workflows/liste-nationale.yml``, job ``liste-nationale`` of ``.gitlab-ci.yml``) run
it, then push the branch and open — or update — the one pull request of that branch. Here:

1. the edition is fetched: a local file, the address of a file, or the data.gouv.fr API of the dataset (its most
   recent CSV or GeoJSON resource is taken), at most ``MAX_BYTES``;
2. it is imported over the working tree like ``msap import`` (an extract, an unreadable file stop everything,
   exit 2, nothing written);
3. when something changed, the change is committed on the branch (reset to the current commit: the branch always
   holds one commit, the latest edition over the current ``main``), ``msap review`` compares it, and the
   description is written: the import report, then the review's summary, within what a pull-request description
   holds (65 536 characters on GitHub); the full report goes to ``--rapport``.

Nothing changed: no commit, no description (the job then closes a pull request left open, now pointless).
Values of the list are untrusted: the report goes in fenced blocks (no link, image or mention can come out of
them) and the review escapes its own.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import plural, shown
from .body import code
from ..diagnostics import CommandError

MAX_BYTES = 64 * 1024 * 1024
#: a pull-request description on GitHub holds 65 536 characters; the rest is kept for the title lines
DESCRIPTION_MAX = 65_000
FORMATS = ("csv", "geojson", "json")
TIMEOUT = 60


class UpdateError(CommandError):
    """The update cannot run: a French message ending with a hint."""


@dataclass
class Edition:
    path: Path
    origin: str  # the address or file it came from
    date: str  # the edition's date when the data portal gives one
    sha256: str
    size: int


def _read_limited(response, origin: str) -> bytes:
    data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UpdateError(f"{shown(origin)} dépasse {plural(MAX_BYTES, 'octet')} : ce n'est pas une édition de "
                          "la liste\nIndice : vérifiez l'adresse de la liste (liste_nationale_url)")
    return data


def _get(url: str) -> tuple[bytes, str]:
    """(body, content type) of an http(s) address."""
    if not re.match(r"^https?://", url):
        raise UpdateError(f"« {shown(url)} » n'est ni un fichier ni une adresse http(s)\n"
                          "Indice : un chemin de fichier, ou une adresse qui commence par « https:// »")
    request = urllib.request.Request(url, headers={"User-Agent": "msap-portail (mise-a-jour de la liste)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return _read_limited(response, url), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise UpdateError(f"{shown(url)} répond {exc.code}\nIndice : vérifiez l'adresse de la liste "
                          "(liste_nationale_url dans mkdocs.yml, ou la variable MSAP_LISTE_URL du travail)") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UpdateError(f"{shown(url)} est injoignable ({shown(str(reason))})\n"
                          "Indice : le travail doit pouvoir joindre le portail de données ; réessayez plus tard") from None


def latest_resource(dataset: dict, origin: str) -> tuple[str, str]:
    """(address, date) of the most recent CSV or GeoJSON resource of a data.gouv.fr dataset."""
    resources = [r for r in dataset.get("resources") or [] if isinstance(r, dict)
                 and str(r.get("format", "")).lower() in FORMATS and str(r.get("url", "")).startswith("http")]
    if not resources:
        raise UpdateError(f"le jeu de données {shown(origin)} n'a aucune ressource CSV ou GeoJSON\n"
                          "Indice : donnez directement l'adresse du fichier de la liste")
    best = max(resources, key=lambda r: (str(r.get("last_modified") or r.get("created_at") or ""),
                                         str(r.get("format", "")).lower() == "csv"))
    return best["url"], str(best.get("last_modified") or best.get("created_at") or "")[:10]


def fetch(source: str, folder: Path) -> Edition:
    """The edition named by ``source``, as a file in ``folder`` (a local file is used where it is)."""
    path = Path(source)
    if not re.match(r"^https?://", source):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UpdateError(f"{shown(source)} est illisible ({exc.strerror or exc.__class__.__name__})\n"
                              "Indice : le chemin du fichier de la liste, ou son adresse https://") from None
        return Edition(path, source, "", hashlib.sha256(data).hexdigest(), len(data))
    data, kind = _get(source)
    origin, date = source, ""
    if "json" in kind or source.rstrip("/").endswith("/api/1/datasets") or "/api/1/datasets/" in source:
        try:
            dataset = json.loads(data)
        except ValueError:
            dataset = None
        if isinstance(dataset, dict) and "resources" in dataset:
            origin, date = latest_resource(dataset, source)
            data, _ = _get(origin)
    name = Path(urllib.request.url2pathname(origin.split("?")[0].rsplit("/", 1)[-1])).name or "liste"
    suffix = Path(name).suffix.lower()
    target = folder / ("liste" + (suffix if suffix in (".csv", ".geojson", ".json") else ".csv"))
    target.write_bytes(data)
    return Edition(target, origin, date, hashlib.sha256(data).hexdigest(), len(data))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise UpdateError(f"git {' '.join(args)} a échoué : {shown(done.stderr.strip())}\n"
                          "Indice : lancez la commande dans une copie du dépôt (git clone), avec un nom et une "
                          "adresse d'auteur réglés (git config user.name / user.email)")
    return done.stdout


def fenced(text: str) -> str:
    """A fenced block that no line of ``text`` can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _is_count(line: str) -> bool:
    """The report's closing lines: the hours read, and « N lignes lue(s) = … »."""
    return line.startswith("Horaires lus") or " lue(s) = " in line


def report_markdown(report: str, budget: int) -> str:
    """The import report as Markdown: its counts first, then each « ## » section as a heading over a fenced block,
    cut at ``budget`` characters (the number of lines left out is said)."""
    lines = report.splitlines()
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        if line.startswith("## "):
            sections.append((line[3:], []))
        elif not _is_count(line):
            sections[-1][1].append(line)
    out = [fenced("\n".join(line for line in lines if _is_count(line)))]
    used, cut = len(out[0]), 0
    for heading, body in sections:
        if not body:
            continue
        kept = []
        for line in body:
            if used + len(heading) + len(line) + 40 > budget - 250:  # room for the notice below
                break
            kept.append(line)
            used += len(line) + 1
        cut += len(body) - len(kept)
        if kept:
            out.append((f"### {heading}\n\n" if heading else "") + fenced("\n".join(kept)))
            used += len(heading) + 30
    if cut:
        out.append(f"_{plural(cut, 'ligne')} du rapport coupée(s) ici, pour tenir dans la description : le rapport "
                   "complet est dans l'artefact du travail._")
    return "\n\n".join(out)


def title(edition: Edition) -> str:
    return "Liste nationale des France services : import" + (f" de l'édition du {edition.date}" if edition.date
                                                             else "")


def description(edition: Edition, report: str, review: str) -> str:
    """The pull request: its title on the first line (« # … »), then where the edition comes from, the import
    report and the review summary."""
    head = [f"# {title(edition)}", "",
            f"- Source : {code(edition.origin)}",
            f"- Empreinte SHA-256 : `{edition.sha256}` ({plural(edition.size, 'octet')})",
            "",
            "Import automatique : relisez les sites ré-identifiés, les sites retirés et les lignes rejetées avant "
            "de fusionner.",
            "", "## Rapport d'import", ""]
    tail = ["", "## Résumé pour la relecture (msap review)", "", review.rstrip()]
    budget = DESCRIPTION_MAX - sum(len(x) + 1 for x in head + tail)
    return "\n".join(head) + "\n" + report_markdown(report, max(budget, 2_000)) + "\n" + "\n".join(tail) + "\n"


def cmd_mise_a_jour(root: Path, config, source: str | None, branch: str, description_path: Path,
                    rapport: Path | None, accept_withdrawals: bool) -> int:
    from ..importer.report import render_report
    from ..importer.run import ImportFailure, apply, run_import
    from .review import compare
    from .gitrev import GitError
    from .summary import render

    source = source or config.liste_nationale_url
    content = [config.content_dir, str(Path(config.import_state).parent)]
    try:
        if _git(root, "status", "--porcelain", "--", *content).strip():
            raise UpdateError("le contenu a des modifications non validées\n"
                              "Indice : lancez la mise à jour sur une copie propre du dépôt (git status)")
        start = _git(root, "branch", "--show-current").strip() or _git(root, "rev-parse", "HEAD").strip()
        if start == branch:
            raise UpdateError(f"la révision courante est déjà la branche {branch}\n"
                              "Indice : lancez la mise à jour depuis la branche principale (git switch main)")
        with tempfile.TemporaryDirectory(prefix="msap-liste-") as tmp:
            edition = fetch(source, Path(tmp))
            print(f"Édition : {shown(edition.origin)}" + (f" du {edition.date}" if edition.date else "")
                  + f" ({plural(edition.size, 'octet')}, SHA-256 {edition.sha256[:12]}…)")
            try:
                result = run_import(edition.path.resolve(), root, config, accept_withdrawals=accept_withdrawals)
            except ImportFailure as exc:
                raise UpdateError(str(exc).removeprefix("msap import : ")) from None
        report = render_report(result)
        if rapport:
            rapport.write_text(report + "\n", encoding="utf-8")
        apply(result)
        if not _git(root, "status", "--porcelain", "--", *content).strip():
            description_path.unlink(missing_ok=True)
            print("La liste nationale n'apporte aucun changement : rien à proposer.")
            return 0
        _git(root, "switch", "--quiet", "-C", branch)
        _git(root, "add", "--all", "--", *content)
        _git(root, "commit", "--quiet", "-m", title(edition), "-m", report.splitlines()[-1])
        try:
            review = render(compare(root, config, start, "HEAD"))
        except GitError as exc:
            raise UpdateError(f"{exc.message}\nIndice : {exc.hint}") from None
    except UpdateError as exc:
        print(f"msap mise-a-jour : {exc}", file=sys.stderr)
        return 2
    text = description(edition, report, review)
    description_path.write_text(text, encoding="utf-8")
    print(f"{title(edition)} : branche {branch}, description dans {description_path} ({plural(len(text), 'caractère')})")
    print(report.splitlines()[-1])
    return 0
