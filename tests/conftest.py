"""Shared fixtures: a small project tree in a temporary folder, and a way to run `msap`."""
from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent

# The tests keep what builds cache (compiled templates, theme, maps) in a folder of their own, empty at the start
# of each run (the commands they start inherit it): a user's cache never decides a result.
os.environ["MSAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="msap-cache-tests-")

VALID_MAISON = """\
---
id: fs-9001
nom: France services de Guéret
departement: "23"
adresse:
  voie: 1 place Bonnyaud
  code_postal: "23000"
  commune: Guéret
  code_insee: "23096"
coordonnees:
  lat: 46.1713
  lon: 1.8719
telephone: 05 55 51 00 00
courriel: gueret@france-services.gouv.fr
horaires:
  lundi: ["09:00-12:00", "13:30-17:00"]
  mardi: ["09:00-12:00"]
operateurs: [caf, msa]
verifie_le: 2026-01-15
---
Au rez-de-chaussée de la mairie.
"""


def mirror(source: Path, target: Path) -> None:
    """A folder of the repository in a test project: a copy (a few milliseconds). Not a symbolic link: the build
    refuses them in the folders it reads (generator/tree.py); not hard links: a test editing its copy would
    edit the repository's file."""
    shutil.copytree(source, target)


class Project:
    """A throwaway project: real reference lists and geography, content written by the test."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(REPO / "content" / "referentiels", root / "content" / "referentiels")
        mirror(REPO / "data" / "geo", root / "data" / "geo")
        for kind in ("maisons", "ressources", "projets"):
            (root / "content" / kind).mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(textwrap.dedent(text).encode(encoding) if isinstance(text, str) else text)
        return path

    def msap(self, *args: str, capsys) -> tuple[int, str, str]:
        code = main(["--root", str(self.root), *args])
        out, err = capsys.readouterr()
        return code, out, err


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "projet")


GOLDEN_PORTAL = REPO / "tests" / "golden" / "portail"
FROZEN_TODAY = __import__("datetime").date(2026, 11, 26)


def make_portal_project(root: Path, statistiques: bool = True) -> Path:
    """A project holding the golden sample content, with the real theme, pages, schemas and geography; and,
    unless ``statistiques`` is false, a snapshot of visit statistics as a previous build would have left it
    (no API is configured: the build shows these figures, dated 12 November 2026)."""
    shutil.copytree(GOLDEN_PORTAL / "content", root / "content")
    if statistiques:
        (root / ".cache").mkdir(parents=True)
        shutil.copyfile(GOLDEN_PORTAL / "statistiques.json", root / ".cache" / "statistiques.json")
    shutil.copytree(REPO / "content" / "referentiels", root / "content" / "referentiels")
    mirror(REPO / "data" / "geo", root / "data" / "geo")
    for name in ("theme", "pages", "schemas"):
        mirror(REPO / name, root / name)
    (root / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)  # not read by the checks
    # Map tiles from a loopback port where nothing listens: the tests see the map as it is when tiles cannot load.
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("    distance_max_km: 10\n", "    distance_max_km: 10\n"
                        "    carte_tuiles: http://127.0.0.1:9/tuiles/{z}/{x}/{y}.png\n")
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    return root


def build_sample(root: Path, site_dir: Path, **options):
    from generator.config import load_config
    from generator.portal.build import build
    make_portal_project(root)
    options.setdefault("today", FROZEN_TODAY)
    options.setdefault("site_url", "https://portail.test/")
    return build(root, load_config(root), site_dir, **options)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The golden sample content built once (public portal, with its search index)."""
    base = tmp_path_factory.mktemp("portail")
    result = build_sample(base / "projet", base / "site")
    return result.site_dir
