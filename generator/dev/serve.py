"""``msap serve``: build, serve on 127.0.0.1, rebuild on change.

An edited fiche (Maison, ressource, projet) is re-read, validated and its page
rewritten first, then every page whose sources (:class:`.pages.Page`) held it
before or hold it now, the open data and the sitemap; pages that no longer exist
are removed; the search index follows in the background. Any other change (theme, pages/, mkdocs.yml, reference lists)
rebuilds the whole portal. Open pages reload themselves: in this mode only, a
small script asks the server whether the site changed. The visit statistics are
asked from their API once, at start: rebuilds reuse them.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..config import Config
from ..content.site import load_fiche
from ..diagnostics import Report, shown
from ..schema import KINDS
from ..portal.writers import atomic, exports, headers
from ..portal import urls
from ..portal.features import declarations
from ..portal.build import BuildError, build, cartes, forum_rubriques, make_renderer, site_url_of, sitemap_paths
from ..portal.features.minimap import MiniMaps
from ..portal.model import Portal
from ..portal.pages import all_pages, fiche_page
from ..portal.writers.recherche import SearchError, index_pages


class Live:
    """The served site and what is needed to rebuild part of it."""

    def __init__(self, root: Path, config: Config, site_dir: Path, site_url: str, pro: bool):
        self.root, self.config, self.site_dir, self.site_url, self.pro = root, config, site_dir, site_url, pro
        # the version the served pages poll: shared with the front process (serve_front.py), which serves them
        self._version = multiprocessing.get_context("fork").Value("q", 0, lock=False)
        self.search_copies: dict[str, tuple[str, str]] = {}  # path → (title, search copy), re-indexed after an edit
        self.indexing: list[Any] = []  # the processes re-indexing the search after edits
        self.stats = None  # the visit statistics: asked from the API at the first build only
        self._headers: tuple[float, list[headers.Rule]] = (-1.0, [])
        self.sources: dict[str, frozenset[str] | None] = {}  # page path -> its sources, as last written

    @property
    def version(self) -> int:
        return self._version.value

    @version.setter
    def version(self, value: int) -> None:
        self._version.value = value

    def headers_for(self, path: str) -> dict[str, str]:
        """The headers the built site asks for (its ``_headers`` file, read again when it changes)."""
        target = self.site_dir / headers.FILE
        try:
            stamp = target.stat().st_mtime
        except OSError:
            return {}
        if stamp != self._headers[0]:
            self._headers = (stamp, headers.parse(target.read_text(encoding="utf-8")))
        return headers.for_path(self._headers[1], path)

    def full(self) -> None:
        started = time.perf_counter()
        try:
            result = build(self.root, self.config, self.site_dir, pro=self.pro, site_url=self.site_url,
                           keep_search_copies=self.search_copies, stats=self.stats)
        except BuildError as exc:
            if exc.report is not None:
                print(exc.report.render("text"))
            print(f"msap serve : {exc} (le site servi reste la version précédente)", file=sys.stderr)
            return
        state = result.state
        self.site, self.geo, self.shells, self.stats = state.site, state.geo, state.shells, state.stats
        self.maps = MiniMaps(self.root / self.config.geo_dir / "departements.geojson")
        self.cartes = cartes(self.maps)
        self._renderer()
        # what each page shows, for the next edit (the site's fiches change in place then)
        self.sources = {page.path: page.source_paths() for page in all_pages(self.portal)}
        self.version += 1
        print(f"Portail construit : {result.pages} pages en {time.perf_counter() - started:.1f} s", flush=True)

    def _renderer(self) -> None:
        import datetime as dt
        today = dt.date.today()
        self.portal = Portal(self.site, self.geo, self.site_url, pro=self.pro, today=today,
                             proches=self.config.carte_resultats, forum=forum_rubriques(self.config),
                             declarations=declarations.context(self.config, today))
        self.renderer = make_renderer(self.root, self.config, self.portal, self.shells, self.maps, self.stats)

    def fiche_changed(self, path: Path) -> bool:
        """Re-render one fiche and what lists it. False when the change needs a full rebuild."""
        started = time.perf_counter()
        rel = path.relative_to(self.site.content).parts
        kind = next((k for k, (_, folder, _n) in KINDS.items() if rel and rel[0] == folder), None)
        if kind is None or path.suffix != ".md" or "fichiers" in rel:
            return False
        fiches = self.site.of_kind(kind)
        old = next((f for f in fiches if Path(f.doc.path) == path.relative_to(self.root)), None)
        if not path.exists():
            if old is not None:
                fiches.remove(old)
            return False  # a removed fiche changes lists everywhere: full rebuild
        report = Report()
        model = KINDS[kind][0]
        fiche = load_fiche(kind, model, path, self.root, report)
        if report.errors or fiche is None or fiche.data is None:
            print(report.render("text") or f"{shown(path)}: illisible", file=sys.stderr)
            print("msap serve : fiche refusée, la page publiée n'a pas changé", file=sys.stderr)
            return True
        if old is None:
            return False
        fiches[fiches.index(old)] = fiche
        self._renderer()
        key = str(fiche.doc.path)
        own = fiche_page(self.portal, self.cartes, kind, fiche)
        if own is not None:  # the edited page first, before the others are even listed
            self._write(own)
            self.version += 1
            print(f"{shown(path.relative_to(self.root))} : page reconstruite en "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
        first = own.path if own is not None else None
        pages = list(all_pages(self.portal, self.cartes))
        now = {page.path: page.source_paths() for page in pages}

        def shows(sources: frozenset[str] | None) -> bool:  # None: the page shows the whole network
            return sources is None or key in sources
        for page in pages:
            if page.path != first and (page.path not in self.sources or shows(self.sources[page.path])
                                       or shows(now[page.path])):
                self._write(page)
        for gone in set(self.sources) - set(now):  # a commune no longer served, an emptied list
            target = self.site_dir / urls.output_file(gone)
            target.unlink(missing_ok=True)
            try:
                target.parent.rmdir()  # its folder, unless something else lives there
            except OSError:
                pass
            self.search_copies.pop(gone, None)
        self.sources = now
        exports.write_all(self.portal, self.site_dir, self.root / "schemas")
        exports.write_sitemap(self.portal, self.site_dir, sitemap_paths(pages))
        self.version += 1
        self._reindex()
        return True

    def _write(self, page: Any) -> None:
        self.renderer.write(page, self.site_dir)
        indexed = self.renderer.search_copy(page)
        if indexed is not None:
            self.search_copies[page.path] = (page.title, indexed)
        else:
            self.search_copies.pop(page.path, None)

    def _reindex(self) -> None:
        """Pagefind indexes the search copies again in a forked process (this one never runs a thread: its
        full rebuilds fork); the new bundle replaces the old one in one step."""
        copies = [(path, title, indexed) for path, (title, indexed) in sorted(self.search_copies.items())]

        def run() -> None:
            target = Path(tempfile.mkdtemp(prefix="msap-pagefind-", dir=self.site_dir))
            try:
                index_pages(copies, target)
                trash = atomic.replace(target, self.site_dir / "pagefind")  # one step: never no index
                if trash is not None:
                    shutil.rmtree(trash, ignore_errors=True)
            except SearchError as exc:
                print(f"msap serve : {exc}", file=sys.stderr)
                shutil.rmtree(target, ignore_errors=True)
        self.indexing = [p for p in self.indexing if p.is_alive()]
        proc = multiprocessing.get_context("fork").Process(target=run, daemon=True)
        proc.start()
        self.indexing.append(proc)


def _stamp(path: Path) -> int | None:
    """A file's modification time; None for a folder or a file gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns if stat.S_ISREG(st.st_mode) else None


def rebuild_on_changes(live: Live, changes: Any) -> None:
    """Rebuild what each change needs, for as long as the front process (``changes``: its end of the pipe, the
    paths watchfiles reported) says something changed. A path is a change when the file is there with another
    modification time than last seen, or was seen and is gone: an editor's temporary file, made and removed
    between two reports, and a folder are none."""
    seen: dict[Path, int] = {}
    while True:
        try:
            reported = set(changes.recv())
            while changes.poll(0):  # reports already waiting: one rebuild for them all
                reported.update(changes.recv())
        except EOFError:  # the front process is gone
            return
        changed = []
        for name in sorted(reported):
            path = Path(name)
            now = _stamp(path)
            if now is None and path not in seen or now is not None and seen.get(path) == now:
                continue
            changed.append(path)
            if now is None:
                seen.pop(path, None)
            else:
                seen[path] = now
        if not changed:
            continue
        fiches_only = all(p.is_relative_to(live.site.content) for p in changed)
        if not (fiches_only and all(live.fiche_changed(p) for p in changed)):
            live.full()


def watched(root: Path, config: Config) -> list[Path]:
    """What msap serve watches: the content, the theme, the pages and mkdocs.yml."""
    return [p for p in (root / config.content_dir, root / "theme", root / "pages", root / "mkdocs.yml") if p.exists()]


def cmd_serve(root: Path, config: Config, args: Any) -> int:
    from ..portal.build import default_site_dir
    site_dir = (args.site_dir or default_site_dir(root, args.pro)).resolve()
    url = f"http://{args.host}:{args.port}/"
    api = None
    if getattr(args, "api_port", 0) and not (config.statistiques_url or os.environ.get("MSAP_STATISTIQUES_URL")):
        from frequentation.local import LocalApiError, start
        try:
            api_url, api = start(root, args.api_port)
        except LocalApiError as exc:
            print(f"msap serve : {exc}", file=sys.stderr)
            return 2
        os.environ["MSAP_STATISTIQUES_URL"] = api_url
        print(f"API de la fréquentation sur {api_url}api/v1/ ; formulaire des agents : {api_url}saisie/ "
              "(jeton : msap api token create --maison ID)", flush=True)
    editor = None
    if getattr(args, "cms_port", 0):  # the local editing backend: « Modifier cette fiche » edits content/ here
        from ..cms.local import LocalCmsError, start_server
        from ..portal.writers.admin import LOCAL_URL_ENV
        try:
            editor = start_server(root, args.cms_port)
        except LocalCmsError as exc:
            print(f"msap serve : éditeur local indisponible ({exc}) ; /admin/ demandera la connexion à la forge",
                  file=sys.stderr)
        else:
            os.environ[LOCAL_URL_ENV] = f"http://127.0.0.1:{args.cms_port}/api/v1"
            print(f"Éditeur en ligne : {url}admin/ — les fiches enregistrées sont écrites dans "
                  f"{config.content_dir}/ (decap-server sur 127.0.0.1:{args.cms_port})", flush=True)
    # SIGTERM (a service manager, a test) ends the server like Ctrl+C, so the API started here stops with it
    main_pid = os.getpid()

    def on_sigterm(signum: int, _frame) -> None:
        if os.getpid() != main_pid:  # a forked render worker being stopped: end quietly, as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return _serve(root, config, args, site_dir, url)
    finally:
        for child in (api, editor):
            if child is not None:
                child.terminate()
                child.wait(timeout=30)


def _serve(root: Path, config: Config, args: Any, site_dir: Path, url: str) -> int:
    """Build, then serve and watch from a front process (:mod:`.serve_front`) while this one rebuilds what the
    changes it reports need: this process runs no thread, so its rebuilds fork their workers safely."""
    from .serve_front import Front

    live = Live(root, config, site_dir, site_url_of(root, args.site_url) if args.site_url else url, args.pro)
    live.full()
    if live.version == 0:
        return 1
    try:
        front = Front(live, args.host, args.port, watched(root, config))
    except OSError as exc:
        print(f"msap serve : impossible d'écouter sur {args.host}:{args.port} ({exc.strerror}) — Indice : "
              "choisissez un autre port avec --port", file=sys.stderr)
        return 2
    print(f"Portail servi sur {url} (Ctrl+C pour arrêter) ; il se reconstruit à chaque modification.", flush=True)
    try:
        rebuild_on_changes(live, front.changes)
    except KeyboardInterrupt:
        pass
    finally:
        front.stop()
        for proc in live.indexing:
            proc.kill()
    return 0
