"""Render pages with Jinja2 (templates in ``theme/portail/``) inside their section's shell.

Rendering is spread over processes (fork: children share the loaded content
without copying it); each process writes its own pages.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from jinja2 import (Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError, pass_environment,
                    select_autoescape)
from markupsafe import Markup

from .. import parallele
from ..diagnostics import CommandError
from ..formats import date_fr, km, mois_fr, nombre, pourcent
from .engines import cache
from .features import horaires
from . import urls
from .model import Portal
from .pages import Page
from .engines.shell import Shell


def json_script(data: Any) -> Markup:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@pass_environment
def nom_departement(env: Environment, code: str) -> str:
    """A département's name (« Creuse »), its code when the list does not know it."""
    return env.globals["P"].departement_name(code)


class _Environment(Environment):
    """Templates see the environment's globals as they are, one plain dict: Jinja's default ChainMap is walked
    in Python twice per rendered template (a tenth of a fiche page's time). The dict itself, not a copy: the
    templates are compiled before the content is read (:func:`environment`), the portal's globals come later."""

    def make_globals(self, d):  # noqa: ANN001, ANN201 - Jinja's signature
        return {**self.globals, **d} if d else self.globals


class TemplateProblem(CommandError):
    """A template of ``theme/portail/`` cannot be compiled; the message gives its file and line."""


def environment(templates: Path, shown: str = "theme/portail") -> _Environment:
    """The portal's Jinja environment, every template of ``templates`` compiled (from the cache of
    :mod:`.cache` when unchanged). Needs no content: the build prepares it while the fiches are read.
    ``shown``: the folder as messages name it."""
    env = _Environment(loader=FileSystemLoader(str(templates.resolve())), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       bytecode_cache=cache.templates(),
                       auto_reload=False)  # msap serve makes a new environment when the theme changes
    env.globals.update(u=urls, horaires=horaires)
    env.filters.update(json_script=json_script, date_fr=date_fr, nombre=nombre, pourcent=pourcent, mois_fr=mois_fr,
                       km=km, effectif=effectif, nom_departement=nom_departement)
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            env.get_template(name)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(f"{shown}/{exc.name or name}:{exc.lineno}: modèle illisible : {exc.message} — "
                                  "Indice : corrigez la syntaxe Jinja de ce modèle (balises {% … %} et {{ … }} "
                                  "fermées)") from None
    return env


class Renderer:
    def __init__(self, portal: Portal, shells: dict[str, Shell], env: _Environment):
        self.portal = portal
        self.shells = shells
        self.env = env
        env.globals["P"] = portal
        self._templates: dict[str, Any] = {}

    def template(self, name: str):
        tpl = self._templates.get(name)
        if tpl is None:
            tpl = self._templates[name] = self.env.get_template(name)
        return tpl

    def render(self, page: Page) -> str:
        """The whole page."""
        link = urls.Link(page.path)
        module = self.template(page.template).make_module({"page": page, "link": link, **page.full_context()})
        if page.section is None:  # a whole document of its own (the embeddable map)
            return str(module)
        meta = Markup(getattr(module, "meta", "") or "")
        scripts = Markup(getattr(module, "scripts", "") or "")
        head = self.template("_head.html").render(page=page, link=link, extra=meta,
                                                  canonical=urls.absolute(self.portal.site_url, page.path))
        return self.shells[page.section].fill(page.path, page.title, str(module), head, scripts)

    def search_copy(self, page: Page) -> str | None:
        """What the search indexes of a page (``theme/portail/recherche/<its template>``), None if it skips it.

        A light copy holding what is worth finding: parsing whole pages, theme included, takes Pagefind several
        times longer; and the copies, cheap to render, reach Pagefind before the pages are written."""
        if not page.searchable:
            return None
        copy = self.template(f"recherche/{page.template}").render(page=page, link=urls.Link(page.path),
                                                                 **page.full_context())
        return copy if copy.strip() else None

    def write(self, page: Page, out: Path) -> int:
        """Write the page; returns the bytes written."""
        data = self.render(page).encode("utf-8")
        _write(out / urls.output_file(page.path), data)
        return len(data)


def _write(target: Path, data: bytes) -> None:
    """A page's file written; one already there is replaced in one step, never written into: it may be a page
    linked from the published site (:mod:`.engines.manifest`), the same file as the published one."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        work = target.with_name(f".{target.name}.{os.getpid()}")
        work.write_bytes(data)
        os.replace(work, target)
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


_STATE: dict[str, Any] = {}


def _work(bounds: tuple[int, int]) -> int:
    renderer, pages, out = _STATE["renderer"], _STATE["pages"], _STATE["out"]
    return sum(renderer.write(page, out) for page in pages[bounds[0]:bounds[1]])


def _copies(bounds: tuple[int, int]) -> list[tuple[str, str, str]]:
    renderer, pages = _STATE["renderer"], _STATE["searchable"]
    return [(page.path, page.title, copy) for page in pages[bounds[0]:bounds[1]]
            if (copy := renderer.search_copy(page)) is not None]


Copies = Callable[[str, str, str], None]  # receives (path, title, search copy) of each searchable page, in order
Known = dict[str, "tuple[str, str] | None"]  # path -> (title, search copy) of a page not rendered again, or None
NICE = 4  # the render workers' priority below Pagefind's
PARALLEL_FROM = 200  # fewer pages than this are rendered in this process
CHUNK = 40  # pages per task: small enough that a chunk of heavy listings cannot leave one process working alone


def write_all(renderer: Renderer, pages: list[Page], out: Path, copies: Copies | None = None,
              jobs: int | None = None, copies_done: Callable[[], None] | None = None,
              forked: Callable[[], None] | None = None, indexed: list[Page] | None = None,
              known: Known | None = None) -> int:
    """Write every page; returns the bytes written. With ``copies``: first the search copies of the searchable
    pages are rendered and handed to it (in page order), then ``copies_done()`` is called — Pagefind indexes them
    and writes its bundle while the pages are rendered. ``forked()`` is called once the workers exist (the
    caller's threads start then: no fork while they run). ``indexed``: the searchable pages, in order, when
    some are not in ``pages`` (kept from the previous build: their copies are ``known``)."""
    jobs = parallele.jobs(jobs)
    known = known or {}
    order = (indexed if indexed is not None else [p for p in pages if p.searchable]) if copies is not None else []
    searchable = [p for p in order if p.path not in known]
    _STATE.update(renderer=renderer, pages=pages, out=out, searchable=searchable)

    def chunks(items: list) -> list[tuple[int, int]]:
        return [(i, min(i + CHUNK, len(items))) for i in range(0, len(items), CHUNK)]
    try:
        if jobs > 1 and len(pages) >= PARALLEL_FROM:
            for name in {p.template for p in pages} | {f"recherche/{p.template}" for p in searchable} | {"_head.html"}:
                renderer.template(name)  # compile once, before forking
        # The workers yield to Pagefind, which indexes the copies they hand over and then writes its bundle:
        # without this it ends alone, after them, on a busy two-core machine.
        with parallele.Workers(jobs, len(pages), PARALLEL_FROM, nice=NICE if copies is not None else 0,
                               before_start=forked) as workers:
            rendered = (copy for found in workers.imap(_copies, chunks(searchable)) for copy in found)
            _hand_over(_in_order(order, known, rendered), copies, copies_done)
            return sum(workers.imap_unordered(_work, chunks(pages)))
    finally:
        _STATE.clear()


def _in_order(order: list[Page], known: Known, rendered: Iterable[tuple[str, str, str]]
              ) -> Iterator[tuple[str, str, str]]:
    """The copies of the searchable pages in page order: the known ones and those just rendered (a page whose
    copy is empty has none)."""
    fresh = iter(rendered)
    pending: tuple[str, str, str] | None = None
    for page in order:
        if page.path in known:
            if known[page.path] is not None:
                title, copy = known[page.path]
                yield page.path, title, copy
            continue
        if pending is None:
            pending = next(fresh, None)
        if pending is not None and pending[0] == page.path:
            yield pending
            pending = None


def _hand_over(results: Iterable[tuple[str, str, str]], copies: Copies | None,
               done: Callable[[], None] | None) -> None:
    if copies is None:
        return
    for path, title, copy in results:
        copies(path, title, copy)
    if done is not None:
        done()


@pass_environment
def effectif(env: Environment, value: int | None) -> str:
    """A number of visits, or « moins de N » where the statistics hide a small one (``S``: the statistics)."""
    return f"moins de {env.globals['S'].seuil}" if value is None else nombre(value)
