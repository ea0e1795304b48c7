"""The one place that knows mkdocs: build the theme, the editorial pages of ``pages/`` and one shell per section.

Everything else (content, checks, pages, exports, search) is independent of
mkdocs; swapping the engine means rewriting this module only.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from ...config import read_mkdocs_yml
from . import cache
from .. import urls
from ..pages import SECTIONS
from .shell import Shell, ShellError
from ...diagnostics import CommandError

# Theme files we do not publish: mkdocs-material's own search (replaced by Pagefind) and its sitemap (ours lists
# every page).
UNUSED = ("search", "assets/javascripts/lunr", "assets/javascripts/workers", "sitemap.xml", "sitemap.xml.gz")


class EngineError(CommandError):
    pass


def settings(root: Path) -> dict[str, Any]:
    """mkdocs.yml's own options (site_url, site_dir…), read without running mkdocs."""
    return read_mkdocs_yml(root)


def build_theme(root: Path, out: Path, site_url: str | None = None) -> None:
    """The theme's files and the section shells into ``out``: built by mkdocs, or copied from the result of a
    previous build with the same inputs (:func:`cache.derived`; mkdocs takes a third of a second of CPU)."""
    yml = root / "mkdocs.yml"
    text = yml.read_text(encoding="utf-8") if yml.exists() else ""
    if "!ENV" in text or "INHERIT" in text:  # inputs outside the project: built every time
        _run_mkdocs(root, out, site_url)
        return
    conf = settings(root)
    custom = (conf.get("theme") or {}).get("custom_dir") if isinstance(conf.get("theme"), dict) else None
    from ..features import declarations  # the footer says the conformity it computes

    inputs: list[Path | str] = [yml, root / conf.get("docs_dir", "docs"), Path(__file__),
                                Path(declarations.__file__), site_url or "",
                                sys.version, *(f"{name} {_version(name)}" for name in ENGINE)]
    if custom:
        inputs.append(root / custom)
    cache.derived("habillage", inputs, lambda folder: _run_mkdocs(root, folder, site_url), out)


ENGINE = ("mkdocs", "mkdocs-material", "jinja2", "markdown", "pymdown-extensions")  # what makes the theme


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def _run_mkdocs(root: Path, out: Path, site_url: str | None) -> None:
    """Run mkdocs into ``out`` (which it empties first)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException
    from mkdocs.plugins import BasePlugin

    class CompiledTemplates(BasePlugin):
        """mkdocs-material's templates compiled once, kept in the cache of :mod:`.cache`."""

        def on_env(self, env, config, files):  # noqa: ANN001, ANN201 - mkdocs' event signature
            env.bytecode_cache = cache.templates()
            return env

    overrides: dict[str, Any] = {"site_dir": str(out)}
    if site_url:
        overrides["site_url"] = site_url
    broken = BrokenLinks()
    logging.getLogger("mkdocs.structure.pages").addHandler(broken)
    logging.getLogger("mkdocs.structure.pages").setLevel(logging.WARNING)
    try:
        cfg = load_config(str(root / "mkdocs.yml"), **overrides)
        cfg.plugins["msap/modeles-compiles"] = CompiledTemplates()
        # the footer's « Accessibilité : … conforme », as the statement says it (features/declarations.py)
        from ...config import load_config as load_msap_config
        from ..features.declarations import conformite
        cfg["extra"]["msap_conformite"] = conformite(load_msap_config(root))
        build(cfg)
    except (MkDocsException, SystemExit) as exc:  # mkdocs' Abort is a SystemExit-like exception
        if broken.links:  # strict mode stopped on them: said with their file and line below
            raise EngineError(_broken_links(root, broken)) from None  # indice : une par lien (_broken_line)
        raise EngineError(f"mkdocs n'a pas pu construire l'habillage du portail : {exc} — Indice : lancez "
                          "« .venv/bin/mkdocs build » pour voir le détail, et vérifiez mkdocs.yml et pages/") from None
    finally:
        logging.getLogger("mkdocs.structure.pages").removeHandler(broken)
    if broken.links:
        raise EngineError(_broken_links(root, broken))  # indice : une par lien (_broken_line)
    for page in out.rglob("*.html"):
        page.write_text(fix_markup(page.read_text(encoding="utf-8")), encoding="utf-8")
    for rel in UNUSED:
        target = out / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


class BrokenLinks(logging.Handler):
    """mkdocs' warnings about a link of an editorial page to no page (« Doc file 'x.md' contains a link 'y', but
    the target is not found »): the build stops on them, with the file and the line."""

    _LINK = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the target")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.links: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = self._LINK.search(record.getMessage())
        if found:
            self.links.append((found[1], found[2]))


def _broken_links(root: Path, broken: BrokenLinks) -> str:
    docs = root / (settings(root).get("docs_dir") or "docs")
    return "\n".join(_broken_line(root, docs, page, link) for page, link in broken.links)


def _broken_line(root: Path, docs: Path, page: str, link: str) -> str:
    path = docs / page
    line = 0
    try:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if f"({link}" in text or f"]: {link}" in text:
                line = number
                break
    except OSError:
        pass
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else page
    return (f"{rel}:{line}: lien « {link} » vers une page qui n'existe pas — Indice : un lien vers une autre page "
            f"de {docs.name}/ s'écrit depuis ce dossier, par exemple « maisons/index.md » (et non « ../maisons/index.md »)")


def fix_markup(html: str) -> str:
    """Repairs to mkdocs-material's markup so every page validates (Nu Html Checker): its hidden
    drawer and search toggles are checkboxes, for which ``autocomplete`` is not allowed."""
    return re.sub(r'(<input class="md-toggle"[^>]*type="checkbox"[^>]*?) autocomplete="off"', r"\1", html)


def shells(out: Path) -> dict[str, Shell]:
    found = {}
    for section in SECTIONS:
        path = out / urls.output_file(section)
        if not path.exists():
            raise EngineError(f"gabarit manquant : pages/{section}index.md — Indice : chaque section du portail a "
                              "une page dans pages/ qui utilise « template: gabarit.html »")
        try:
            found[section] = Shell(path.read_text(encoding="utf-8"), section)
        except ShellError as exc:
            raise EngineError(str(exc)) from None
    return found
