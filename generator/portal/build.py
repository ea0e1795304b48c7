"""``msap build``: content → checks → pages → exports → search index, written atomically.

Like MkDocs, every content problem is collected and reported before anything is
written; a failed build leaves the previous site untouched (the new one is
written to a temporary folder and swapped in at the end).
"""
from __future__ import annotations

import datetime as dt
import gc
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .writers.admin import AdminError, write_admin
from .. import tree
from ..config import Config
from ..diagnostics import Report, shown
from .features import declarations
from .writers import atomic, exports, headers, recherche, recherche_maj, securite, vendor
from .engines import cache, manifest, mkdocs_adapter
from .features import minimap, statistiques
from . import render, urls
from .. import parallele
from ..parallele import Background, BackgroundError, InThread
from .model import Portal
from .pages import Cartes, all_pages
from .render import Copies, Renderer, write_all
from ..diagnostics import CommandError


class BuildError(CommandError):
    """The build stopped; the message says why, in French, with a hint."""

    def __init__(self, message: str, report: Report | None = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class BuildOptions:
    """How a build was asked for: the project, its configuration and the command's options."""

    root: Path
    config: Config
    site_url: str
    pro: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    search: bool = True
    jobs: int | None = None  # render processes (default: the CPUs, at most 4)
    keep_copies: dict[str, tuple[str, str]] | None = None  # receives every search copy (msap serve)
    #: the folder the previous build published, whose unchanged pages are taken again (None: render them all)
    published: Path | None = None


@dataclass
class BuildState:
    """What a build read and made that ``msap serve`` keeps to rewrite part of the site after an edit."""

    site: Any  # generator.content.site.Site: the fiches and reference lists
    geo: Any  # generator.content.geo.Geo
    shells: dict[str, Any]  # section -> its mkdocs shell (generator.portal.engines.shell.Shell)
    stats: Any  # the visit statistics (statistiques.Statistiques), asked from the API once


@dataclass
class BuildResult:
    site_dir: Path
    pages: int
    html_bytes: int
    warnings: int
    timings: dict[str, float] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    state: BuildState | None = None
    kept: int = 0  # pages taken again from the previous build (engines/manifest.py)
    rendered: int = 0  # pages rendered
    manifest: Any = None  # what the next build takes again (Kept)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def default_site_dir(root: Path, pro: bool) -> Path:
    configured = mkdocs_adapter.settings(root).get("site_dir") or "_site"
    path = root / configured
    return path.with_name(path.name + "_pro") if pro else path


def site_url_of(root: Path, override: str | None) -> str:
    url = override or os.environ.get("MSAP_SITE_URL") or mkdocs_adapter.settings(root).get("site_url") or ""
    return url if url.endswith("/") or not url else url + "/"


def _build_theme(root: Path, out: Path, site_url: str) -> None:
    try:
        mkdocs_adapter.build_theme(root, out, site_url)
    except mkdocs_adapter.EngineError as exc:
        raise BackgroundError(str(exc)) from None


def templates(root: Path) -> Any:
    """The portal's templates compiled (:func:`render.environment`); a template that cannot be is a BuildError.
    Also imports what rendering needs: the build runs this in a thread while the fiches are read."""
    from frequentation import referentiel  # noqa: F401 - imported here, beside the reading of the fiches
    from .features import couverture, graphiques, jsonld, localisateur  # noqa: F401
    try:
        return render.environment(root / "theme" / "portail")
    except render.TemplateProblem as exc:
        raise BuildError(str(exc)) from None


def load_checked(root: Path, config: Config, forks: Callable[[], None] | None = None,
                 threads: Callable[[], None] | None = None) -> tuple[Any, Any, Report]:
    """The content read and checked, with the caller's own work beside it: ``forks()`` starts its processes
    before the parsing processes, ``threads()`` its threads once they run. Every fork is made while this process
    has one thread (forking a process that runs threads may deadlock the child: Python 3.12 warns of it)."""
    from ..content.checks import check_site
    from ..content.site import load_site
    from ..content.geo import Geo

    report = Report()
    # Links, pipes and devices in the folders the build reads are refused before anything reads them: mkdocs
    # (the theme) is not even started then, and the fiches are read for the complete report only.
    tree.check_tree(root, report)
    if report.errors:
        forks = threads = None
    geo = Geo(root / config.geo_dir)
    begun: list[InThread] = []
    if forks is not None:
        forks()

    def started() -> None:
        # The communes (35,000 rows) load while the fiches are parsed in other processes: the checks need them.
        begun.append(InThread(_preload, geo))
        if threads is not None:
            threads()
    site = load_site(root, config.content_dir, report, started)
    if not begun:  # nothing was parsed (no content folder)
        started()
    begun[0].result()
    check_site(site, geo, report, config.distance_max_km)
    return site, geo, report


def _preload(geo) -> None:
    """Load the communes; a damaged table is left for the checks, which read it again and say so."""
    from ..content.geo import GeoError

    try:
        geo.communes
    except GeoError:
        pass


def build(root: Path, config: Config, site_dir: Path | None = None, pro: bool = False,
          site_url: str | None = None, search: bool = True, today: dt.date | None = None,
          jobs: int | None = None, keep_search_copies: dict[str, tuple[str, str]] | None = None,
          stats: statistiques.Statistiques | None = None, complet: bool = False) -> BuildResult:
    """Build the portal into ``site_dir``; ``keep_search_copies`` receives the pages' search copies (path →
    (title, copy)); ``stats``: visit statistics already loaded (msap serve asks the API once), else asked here.
    The pages whose inputs did not change since the build that published ``site_dir`` are taken from it
    (:mod:`.engines.manifest`); ``complet``: every page rendered again."""
    # The objects a build makes (fiches, communes, pages) live until its end: the garbage collector's passes
    # over them found nothing to free and cost a fifth of the main process's reading time. Off for the build
    # (its processes inherit it), back as it was afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(root, config, site_dir, pro, site_url, search, today, jobs, keep_search_copies, stats, complet)
    finally:
        if collecting:
            gc.enable()


def _build(root: Path, config: Config, site_dir: Path | None, pro: bool, site_url: str | None, search: bool,
           today: dt.date | None, jobs: int | None, keep_search_copies: dict[str, tuple[str, str]] | None,
           stats: statistiques.Statistiques | None, complet: bool = False) -> BuildResult:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    jobs = parallele.jobs(jobs)  # a wrong MSAP_JOBS stops here, before anything is written
    today = today or dt.date.today()
    site_dir = (site_dir or default_site_dir(root, pro)).resolve()
    url = site_url_of(root, site_url)
    if site_dir.parent.exists() and not site_dir.parent.is_dir() or site_dir.exists() and not site_dir.is_dir():
        raise BuildError(f"impossible d'écrire le portail dans {shown(site_dir)} : un fichier est à cette place — "
                         "Indice : choisissez un autre --site-dir, ou supprimez ce fichier")
    try:
        workspace = atomic.Workspace(site_dir)
    except OSError as exc:
        raise BuildError(f"impossible d'écrire le portail dans {shown(site_dir)} ({exc.strerror}) — Indice : "
                         "vérifiez que le dossier existe et qu'il est accessible en écriture") from None
    tmp = workspace.path
    try:
        # While the fiches are parsed: the theme (mkdocs) in another process, the templates in a thread.
        side: dict[str, Any] = {}

        def forks() -> None:
            side["theme"] = Background(_build_theme, root, tmp, url, what="mkdocs (habillage du portail)",
                                       hint="lancez « .venv/bin/mkdocs build » pour voir le détail")

        def threads() -> None:
            side["env"] = InThread(templates, root)
        try:
            site, geo, report = load_checked(root, config, forks, threads)
            if report.errors:
                raise BuildError(f"{len(report.errors)} erreur(s) dans le contenu : rien n'a été publié — Indice : "
                                 "corrigez-les (msap check les liste toutes), puis relancez msap build", report)
            theme, env = side["theme"], side["env"].result()
        except BaseException:
            if "theme" in side:
                side["theme"].kill()
            raise
        timings["lecture et vérification"] = time.perf_counter() - started
        if report.errors:  # pragma: no cover - raised above
            theme.kill()
            raise BuildError(f"{len(report.errors)} erreur(s) dans le contenu : rien n'a été publié — Indice : "
                             "corrigez-les (msap check les liste toutes), puis relancez msap build", report)
        if stats is None:  # while mkdocs still works on the theme
            mark = time.perf_counter()
            stats = statistiques.load(root, config, today)
            statistiques.warn(stats)
            if stats.api:
                timings["statistiques de fréquentation"] = time.perf_counter() - mark
        mark = time.perf_counter()
        try:
            theme.join()
        except BackgroundError as exc:
            raise BuildError(str(exc)) from None
        shells = mkdocs_adapter.shells(tmp)
        for section in shells:  # read: each is where a page of the portal goes, rendered or linked (never over one)
            (tmp / urls.output_file(section)).unlink(missing_ok=True)
        timings["habillage (mkdocs, en parallèle)"] = time.perf_counter() - mark
        if complet:
            manifest.forget(site_dir, root)
        options = BuildOptions(root, config, url, pro, today, search, jobs, keep_search_copies,
                               published=None if complet else site_dir)
        result = render_site(options, BuildState(site, geo, shells, stats), tmp, timings, env)
        result.warnings = len(report.warnings) + bool(stats.avertissement)
        workspace.release()
        swap(tmp, site_dir)
        result.site_dir = site_dir
        kept = result.manifest
        manifest.save(site_dir, root, kept.keys, kept.copies, kept.search if search else "", kept.order)
        return result
    except BaseException:
        workspace.discard()
        raise


def render_site(options: BuildOptions, state: BuildState, out: Path, timings: dict[str, float],
                env: Any = None) -> BuildResult:
    """Every page, the open data, the maps and the search index of ``state`` written into ``out``; ``env``: the
    templates already compiled."""
    root, config, url, pro, today = options.root, options.config, options.site_url, options.pro, options.today
    search, jobs, keep_copies = options.search, options.jobs, options.keep_copies
    site, geo, shells, stats = state.site, state.geo, state.shells, state.stats
    mark = time.perf_counter()
    try:
        vendor.copy_all(root, out)
    except vendor.VendorError as exc:
        raise BuildError(str(exc)) from None
    portal = Portal(site, geo, url, pro=pro, today=today, proches=config.carte_resultats,
                    forum=forum_rubriques(config), declarations=declarations.context(config, today))
    maps = minimap.MiniMaps(root / config.geo_dir / "departements.geojson")
    # The open data and maps are written by another process while the pages are listed and rendered.
    data = Background(write_data, root, config, site, geo, portal, maps, out, url,
                      what="données ouvertes et cartes", hint="relancez msap build ; si l'erreur revient, "
                                                              "signalez-la avec ce message")
    index = linker = reader = None
    try:
        renderer = make_renderer(root, config, portal, shells, maps, stats, env)
        pages = list(all_pages(portal, cartes(maps)))
        # The search copies first (Pagefind indexes them and writes its bundle in its own process while the
        # pages are rendered), then the pages, the long listings first: the last tasks are short ones and both
        # render processes end together.
        ordered = sorted(pages, key=lambda p: p.template not in HEAVY)
        kept = manifest.plan(options, state, ordered, out)
        todo = [p for p in ordered if p.path not in kept.entries]
        known = {path: e.copy for path, e in kept.entries.items()}
        # A few copies to index again: the previous bundle is updated once the pages are written; else Pagefind
        # indexes every copy while they are.
        updating = search and not kept.search_linked and kept.updatable(todo, recherche_maj.LIMIT)
        searched = search and not kept.search_linked and not updating

        def start_index() -> None:  # once the render workers are forked: Pagefind's reader is a thread
            nonlocal index
            index = recherche.SearchIndex()
        copies = kept.copies = keep_copies if keep_copies is not None else {}
        # The pages taken again are linked by another process (a folder each: on some disks thousands of mkdir
        # take a second) while Pagefind indexes and the changed pages are rendered; forked before any thread.
        linker = Background(kept.link, out, what="pages reprises de la construction précédente",
                            hint="relancez avec --complet") if kept.entries else None
        # The previous search bundle is read meanwhile, when it is to be updated.
        reader = Background(recherche_maj.prepare, kept.previous.site_dir / "pagefind",
                            what="lecture de l'index de recherche précédent",
                            hint="relancez avec --complet") if updating else None
        html_bytes = write_all(renderer, todo, out,
                               copies_to(lambda: index, copies, searched, kept.order) if search else None,
                               jobs, (lambda: index.write(out / "pagefind")) if searched else None,
                               forked=start_index if searched else None, indexed=kept.indexed, known=known)
        if linker is not None:
            linker.join()
        html_bytes += sum(e.size for e in kept.entries.values())
        timings["pages"] = time.perf_counter() - mark
        if reader is not None:
            mark = time.perf_counter()
            reader.join()
            kept.search_update = recherche_maj.refresh(kept.previous.site_dir / "pagefind", kept.order,
                                                       kept.before(), kept.copies, out / "pagefind")
            timings["index de recherche"] = time.perf_counter() - mark
        mark = time.perf_counter()
        data.join()
        exports.write_sitemap(portal, out, sitemap_paths(pages))
        securite.write(config, out, url, today)
        timings["données ouvertes, cartes, sitemap (en parallèle)"] = time.perf_counter() - mark
        if index is not None:
            mark = time.perf_counter()
            index.wait()
            timings["fin de l'index de recherche (Pagefind, en parallèle)"] = time.perf_counter() - mark
        headers.write(config, out)  # every top-level folder is written now, the search bundle's included
    except (recherche.SearchError, BackgroundError) as exc:
        raise BuildError(str(exc)) from None
    finally:
        data.kill()
        if linker is not None:
            linker.kill()
        if reader is not None:
            reader.kill()
        if index is not None:
            index.close()
    result = BuildResult(out, len(pages), html_bytes, 0, timings, [p.path for p in pages], state)
    result.kept, result.rendered, result.manifest = len(kept.entries), len(todo), kept
    return result


def sitemap_paths(pages: list[Any]) -> list[tuple[str, Any]]:
    """What the sitemap lists, with the date each page last changed when known: the pages that ask for it, and
    the editorial pages of pages/."""
    return [(p.path, p.lastmod) for p in pages if p.in_sitemap] + [(urls.A_PROPOS, None)]


HEAVY = {"liste_maisons.html", "couverture.html", "maisons_index.html", "region.html", "statistiques.html"}


def write_data(root: Path, config: Config, site: Any, geo: Any, portal: Portal, maps: minimap.MiniMaps, out: Path,
               url: str) -> None:
    """Everything but the pages and the sitemap: the web editor, the département maps, the locator's data, the
    downloads, the open data."""
    try:
        write_admin(root, config, out, url, mkdocs_adapter.settings(root).get("site_name") or "Portail")
    except AdminError as exc:
        raise BackgroundError(str(exc)) from None
    # Drawn from the reference geography only: kept between builds (cache.derived) while it and the code that
    # draws them stay the same.
    from .features import localisateur
    cache.derived("cartes", [geo.folder, Path(__file__), Path(minimap.__file__), Path(localisateur.__file__)],
                  lambda folder: write_maps(geo, maps, folder), out)
    copy_files(site.content / "ressources" / "fichiers", out / urls.fichier(""), portal)
    exports.write_all(portal, out, root / "schemas")


def forum_rubriques(config: Config) -> list[dict[str, str]]:
    """The forum's rubrics as the portal shows them, each with the address of its category on the forge."""
    return [{"titre": r.titre, "description": r.description, "url": urls.forum_rubrique(config, r)}
            for r in config.forum_rubriques]


def write_maps(geo: Any, maps: minimap.MiniMaps, out: Path) -> None:
    """The département maps of the fiches; the commune index (in files by first letters or postcode digits)
    and the light département outlines the locator loads in the browser."""
    from .features import localisateur

    maps.write_all(out / urls.ASSETS / "cartes")
    shards = out / urls.asset("communes")
    shards.mkdir(parents=True, exist_ok=True)
    for shard, text in localisateur.commune_shards(geo).items():
        (shards / f"{shard}.tsv").write_text(text, encoding="utf-8")
    contours = localisateur.outlines(maps.features, {code: d.nom for code, d in geo.departements.items()})
    (out / urls.asset("departements.geojson")).write_text(
        json.dumps(contours, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def cartes(maps: minimap.MiniMaps) -> Cartes:
    """The maps the pages draw, the coverage map's outlines read here (from the cache when unchanged), before
    the pages are rendered."""
    from .features import couverture
    drawing = cache.value("couverture", [maps.source, Path(couverture.__file__), Path(minimap.__file__)],
                          lambda: couverture.geometry(maps))
    return Cartes(maps, drawing)


def make_renderer(root: Path, config: Config, portal: Portal, shells: dict, maps: minimap.MiniMaps,
                  stats: statistiques.Statistiques, env: Any = None) -> Renderer:
    """The renderer of the portal's pages; ``env``: the templates already compiled (:func:`templates`)."""
    from ..schema.maison import FORMATS, FREQUENCES, RENDEZ_VOUS
    from ..schema.projet import STATUTS
    from ..schema.ressource import TYPES as TYPES_RESSOURCE

    from .features import couverture
    from .features.localisateur import Proches, lignes_communes
    from .features.horaires import TIME_ZONES

    renderer = Renderer(portal, shells, env or templates(root))
    renderer.env.globals.update(
        FORMATS=FORMATS, FREQUENCES=FREQUENCES, RENDEZ_VOUS=RENDEZ_VOUS, STATUTS=STATUTS,
        TYPES_RESSOURCE=TYPES_RESSOURCE, TIME_ZONES=TIME_ZONES,
        SITE_NAME=mkdocs_adapter.settings(root).get("site_name") or "Portail",
        CARTE={"tuiles": config.carte_tuiles, "attribution": config.carte_attribution,
               "resultats": config.carte_resultats},
        legende=couverture.legend,
        editor_link=lambda link, fiche: editor_link(config.editeur_url, link, fiche),
        lignes_communes=lignes_communes,
        lieux_proches=Proches(lambda: renderer.template("_macros.html").module.proche),
    )
    statistics_globals(renderer, portal, stats)
    return renderer


def statistics_globals(renderer: Renderer, portal: Portal, stats: statistiques.Statistiques) -> None:
    """The visit statistics for the templates (``S``), their labels from the reference lists, the charts."""
    from frequentation.referentiel import Listes
    from markupsafe import Markup

    from .features import graphiques
    from ..formats import mois_fr, nombre

    listes = Listes.from_referentiels(portal.site.referentiels)

    def libelle(dimension: str, key: str) -> str:  # an id no list knows is shown as it is (escaped)
        return listes.libelle(dimension, key)

    def effectif(value: int | None) -> str:
        return render.effectif(renderer.env, value)

    def lignes(agregat: Any, dimension: str) -> list[tuple[str, int | None]]:
        """(label, visits) of a breakdown (« operateurs »…), or of the months (« par_mois »)."""
        if dimension == "par_mois":
            return [(mois_fr(m["mois"]), m["visites"]) for m in agregat.par_mois]
        return [(libelle(dimension, e["id"]), e["visites"]) for e in getattr(agregat, dimension)]

    def graphique_mois(agregat: Any, titre: str) -> Markup:
        top = max((m["visites"] for m in agregat.par_mois if m["visites"]), default=0)
        rows = [(graphiques.mois_court(m["mois"]), mois_fr(m["mois"]), m["visites"],
                 f"{effectif(m['visites'])} visites") for m in agregat.par_mois]
        return Markup(graphiques.colonnes(rows, titre, f"{nombre(top)} visites"))

    def graphique(agregat: Any, dimension: str, titre: str) -> Markup:
        return Markup(graphiques.barres([(label, v, effectif(v)) for label, v in lignes(agregat, dimension)], titre))

    renderer.env.globals.update(S=stats, libelle=libelle, lignes=lignes, graphique=graphique,
                                graphique_mois=graphique_mois)


def editor_link(template: str, link: Any, fiche: Any) -> str:
    rel = f"{fiche.data.departement}/{fiche.slug}"
    url = template.format(collection="maisons", chemin=rel, id=fiche.data.id)
    return url if "://" in url else link(url)


def copy_files(source: Path, target: Path, portal: Portal) -> None:
    """Copy the downloads of the published resources only (an agent-only file stays out of the public site)."""
    wanted = {r.data.fichier.rsplit("/", 1)[-1] for r in portal.ressources if r.data.fichier}
    target.mkdir(parents=True, exist_ok=True)
    for name in sorted(wanted):
        if portal.site.has_file(source / name):  # a regular file of the tree: never what a link points to
            tree.copy_regular(source / name, target / name)


def copies_to(index: Callable[[], recherche.SearchIndex], keep: dict[str, tuple[str, str]] | None,
              indexing: bool = True, order: list[str] | None = None) -> Copies:
    """Each search copy goes to Pagefind (``index()``: the index, started by then; not when the previous bundle
    is kept or updated), and into ``keep`` too (msap serve re-indexes from it after an edit; the manifest keeps
    them); its page's path to ``order`` (the bundle's page numbers)."""
    def take(path: str, title: str, indexed: str) -> None:
        if indexing:
            index().add(path, title, indexed)
        if keep is not None:
            keep[path] = (title, indexed)
        if order is not None:
            order.append(path)
    return take


def swap(tmp: Path, site_dir: Path) -> None:
    """Put the new site in place in one atomic step (:mod:`.atomic`); the old one is deleted in the background."""
    old = atomic.replace(tmp, site_dir)
    if old is not None:
        atomic.remove_later(old)
