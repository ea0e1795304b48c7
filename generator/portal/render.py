"""Render pages with Jinja2 (templates in ``theme/portail/``) inside their section's shell.

Rendering is spread over processes (fork: children share the loaded content
without copying it); each process writes its own pages.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..content import fork_pool
from . import horaires, markdown, urls
from .model import Portal
from .pages import Page
from .shell import Shell


def json_script(data: Any) -> Markup:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class _Environment(Environment):
    """Templates see the environment's globals as one plain dict: Jinja's default ChainMap is walked in Python
    twice per rendered template (a tenth of a fiche page's time). All globals are set before the first
    template is loaded (:class:`Renderer` and ``make_renderer``); none is changed afterwards."""

    def make_globals(self, d):  # noqa: ANN001, ANN201 - Jinja's signature
        return {**self.globals, **(d or {})}


class Renderer:
    def __init__(self, portal: Portal, shells: dict[str, Shell], templates: Path):
        self.portal = portal
        self.shells = shells
        self.env = _Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(default=True),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               auto_reload=False)  # msap serve makes a new environment when the theme changes
        self.env.globals.update(P=portal, u=urls, horaires=horaires)
        self.env.filters["markdown"] = lambda text: Markup(markdown.render(text))
        self.env.filters["json_script"] = json_script
        self.env.filters["date_fr"] = date_fr
        self.env.filters["nombre"] = nombre
        self.env.filters["pourcent"] = pourcent
        self.env.filters["mois_fr"] = mois_fr
        self.env.filters["km"] = km
        self._templates: dict[str, Any] = {}

    def template(self, name: str):
        tpl = self._templates.get(name)
        if tpl is None:
            tpl = self._templates[name] = self.env.get_template(name)
        return tpl

    def render(self, page: Page) -> tuple[str, str]:
        """(the whole page, what the search indexes of it)."""
        link = urls.Link(page.path)
        module = self.template(page.template).make_module({"page": page, "link": link, **page.context})
        if page.section is None:  # a whole document of its own (the embeddable map)
            return str(module), str(getattr(module, "recherche", "") or "")
        meta = Markup(getattr(module, "meta", "") or "")
        scripts = Markup(getattr(module, "scripts", "") or "")
        head = self.template("_head.html").render(page=page, link=link, extra=meta,
                                                          canonical=urls.absolute(self.portal.site_url, page.path))
        indexed = str(getattr(module, "recherche", "") or "")
        return self.shells[page.section].fill(page.path, page.title, str(module), head, scripts), indexed

    def write(self, page: Page, out: Path) -> tuple[int, str | None]:
        """Write the page; returns (bytes written, its search copy or None if the search skips it)."""
        html, indexed = self.render(page)
        data = html.encode("utf-8")
        _write(out / urls.output_file(page.path), data)
        # The search indexes a light copy holding what is worth finding (the template's « recherche » block):
        # parsing whole pages, theme included, takes Pagefind several times longer.
        return len(data), (indexed if page.searchable and indexed else None)


Copies = Callable[[str, str, str], None]  # receives (path, title, search copy) of each searchable page, in order


def _write(target: Path, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


_STATE: dict[str, Any] = {}


def _work(bounds: tuple[int, int]) -> tuple[int, list[tuple[str, str, str]]]:
    renderer, pages, out, copies = _STATE["renderer"], _STATE["pages"], _STATE["out"], _STATE["copies"]
    written, found = 0, []
    for page in pages[bounds[0]:bounds[1]]:
        size, indexed = renderer.write(page, out)
        written += size
        if copies and indexed is not None:
            found.append((page.path, page.title, indexed))
    return written, found


NICE = 4  # the render workers' priority below Pagefind's
CHUNK = 40  # pages per task: small enough that a chunk of heavy listings cannot leave one process working alone


def write_all(renderer: Renderer, pages: list[Page], out: Path, copies: Copies | None = None,
              jobs: int | None = None, checkpoint: tuple[int, Callable[[], None]] | None = None) -> int:
    """Write every page, hand the search copies to ``copies`` (in page order); returns the bytes written.
    ``checkpoint`` (n, fn): fn() is called once the first n pages are written (the search pages come first:
    Pagefind writes its bundle while the others are rendered)."""
    jobs = jobs or min(os.cpu_count() or 1, 4)
    _STATE.update(renderer=renderer, pages=pages, out=out, copies=copies is not None)
    chunks = [(i, min(i + CHUNK, len(pages))) for i in range(0, len(pages), CHUNK)]
    try:
        if jobs <= 1 or len(pages) < 200 or "fork" not in multiprocessing.get_all_start_methods():
            return _collect(map(_work, chunks), copies, checkpoint)
        for name in {p.template for p in pages} | {"_head.html"}:
            renderer.template(name)  # compile once, before forking
        # The workers yield to Pagefind, which indexes the pages they hand over and must then write its bundle:
        # without this it ends alone, half a second after them, on a busy two-core machine.
        with fork_pool(jobs, nice=NICE if copies is not None else 0) as pool:
            return _collect(pool.imap(_work, chunks), copies, checkpoint)
    finally:
        _STATE.clear()


def _collect(results: Iterable[tuple[int, list[tuple[str, str, str]]]], copies: Copies | None,
             checkpoint: tuple[int, Callable[[], None]] | None) -> int:
    total, done = 0, 0
    for written, found in results:
        total += written
        for path, title, indexed in found:
            copies(path, title, indexed)  # type: ignore[misc] - found is empty without copies
        done += CHUNK
        if checkpoint is not None and done >= checkpoint[0]:
            checkpoint[1]()
            checkpoint = None
    if checkpoint is not None:
        checkpoint[1]()
    return total


MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


def date_fr(value: Any) -> str:
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MOIS[value.month - 1]} {value.year}"


def nombre(value: int) -> str:
    """3 000 with a narrow no-break space, as French typography wants."""
    return f"{value:,}".replace(",", "\u202f")


def pourcent(value: float) -> str:
    """0.654 → « 65 % » (narrow no-break space before the sign, as for thousands)."""
    return f"{round(value * 100)}\u202f%"


def mois_fr(value: str) -> str:
    """« 2026-01 » → « janvier 2026 »."""
    return f"{MOIS[int(value[5:7]) - 1]} {value[:4]}"


def km(value: float) -> str:
    """3,2 km (one decimal, French comma): what the locator shows in the browser too."""
    return f"{value:.1f}".replace(".", ",") + "\u00a0km"
