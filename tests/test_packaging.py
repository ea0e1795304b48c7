"""Dependencies said as they are, and a wheel that works: every third-party module the code imports is declared,
every declared dependency is used, and the files the code reads beside itself are in the wheel."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

import tomllib

pytestmark = pytest.mark.lent

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: declared dependencies the code does not import, and why
NOT_IMPORTED = {
    "mkdocs-material": "the theme: mkdocs loads it by name (mkdocs.yml, theme.name: material)",
    "pagefind": "the search indexer: a binary the build runs (generator/portal/writers/recherche.py)",
    "uvicorn": "the API's server: run by name (frequentation/cli.py, « uvicorn » on the command line)",
    "psycopg": "PostgreSQL's driver: SQLAlchemy loads it from the database address (postgresql+psycopg://)",
}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


def third_party_imports() -> dict[str, list[str]]:
    """Top-level module -> the files importing it, for every module outside the standard library and the project."""
    out: dict[str, list[str]] = {}
    for path in sorted([*REPO.glob("generator/**/*.py"), *REPO.glob("frequentation/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("generator", "frequentation"):
                    out.setdefault(top, []).append(str(path.relative_to(REPO)))
    return out


#: the developer tools, which may use the extras they are named after
TOOLS = {"generator/dev/bench.py": "bench", "generator/dev/anchor.py": "hugo", "frequentation/bench.py": "bench"}


def test_every_imported_module_is_declared():
    declared = {_name(r) for r in PROJECT["dependencies"]}
    extras = {name: {_name(r) for r in reqs} for name, reqs in PROJECT["optional-dependencies"].items()}
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for module, where in third_party_imports().items():
        names = {d.lower() for d in distributions.get(module, [module])}
        if all(w in TOOLS and names & extras[TOOLS[w]] for w in where):
            continue
        # a module several distributions provide (markdown-it's « markdown_it ») is declared by any of them
        if not names & declared and not any(n.replace("_", "-") in declared for n in names):
            undeclared.append(f"{module} ({', '.join(sorted(set(where)))})")
    assert undeclared == []


def test_every_declared_dependency_is_used_or_explained():
    distributions = importlib.metadata.packages_distributions()
    imported = {d.lower() for module in third_party_imports() for d in distributions.get(module, [module])}
    unused = [_name(r) for r in PROJECT["dependencies"]
              if _name(r) not in imported and _name(r).replace("-", "_") not in imported
              and _name(r) not in NOT_IMPORTED]
    assert unused == []


def test_the_named_libraries_the_portal_does_without_are_explained_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("python-frontmatter", "folium", "geojson"):
        assert name in readme.split("## Bibliothèques")[1].split("\n## ")[0], name


def test_pagefind_is_pinned_to_the_protocol_spoken():
    assert any(re.fullmatch(r"pagefind\[extended\]==\d+\.\d+\.\d+", r) for r in PROJECT["dependencies"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roue")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(REPO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(out.glob("*.whl"))


def test_the_wheel_holds_every_file_the_code_reads_beside_itself(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("generator/cms/admin", "frequentation/saisie", "frequentation/documentation", "frequentation/migrations"):
        files = [p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
        assert files and sorted(set(files) - names) == [], folder


def test_the_installed_wheel_finds_its_files(wheel, tmp_path):
    target = tmp_path / "installe"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                           str(target), str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = ("import generator, generator.portal.writers.admin as s, frequentation.app as a, frequentation.db as d; "
             "print(generator.__file__); print(all(p.is_dir() and any(p.iterdir()) "
             "for p in (s.HERE, a.SAISIE, d.MIGRATIONS / 'versions')))")
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    where, found = done.stdout.split()
    assert where.startswith(str(target)) and found == "True"


def test_the_lock_pins_every_dependency_and_satisfies_its_range():
    from packaging.requirements import Requirement

    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    wanted = [*PROJECT["dependencies"], *(r for reqs in PROJECT["optional-dependencies"].values() for r in reqs
                                          if not r.startswith("msap-portail") and not r.startswith("setuptools"))]
    for text in wanted:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} absent de requirements.lock (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} hors de {text}"
