"""``msap build``: the public portal written into its folder."""
from __future__ import annotations

import sys
from pathlib import Path

from . import collector_off


def cmd_build(root: Path, config, args) -> int:
    with collector_off():  # the collector's first pass after the build (0.3 s) would free nothing
        return _build(root, config, args)


def _build(root: Path, config, args) -> int:
    from ..diagnostics import plural
    from ..portal.build import BuildError, build

    try:
        result = build(root, config, args.site_dir, pro=args.pro, site_url=args.site_url, search=not args.no_search,
                       complet=args.complet)
    except BuildError as exc:
        if exc.report is not None:
            print(exc.report.render("text"))
        print(f"msap build : {exc}", file=sys.stderr)
        return 1 if exc.report is not None else 2
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
    print(f"Portail construit dans {result.site_dir} : {plural(result.pages, 'page')} "
          f"({result.html_bytes / 1e6:.0f} Mo de HTML), {plural(result.warnings, 'avertissement')} "
          f"en {result.seconds:.1f} s ({steps})".replace(".", ",", 0))
    if result.kept:
        print(f"{plural(result.rendered, 'page rendue', 'pages rendues')}, "
              f"{plural(result.kept, 'page reprise', 'pages reprises')} de la construction précédente (rien de ce "
              "qu'elles montrent n'a changé ; --complet pour tout rendre)")
    if result.manifest is not None and result.manifest.search_update:
        print(f"Index de recherche {result.manifest.search_update}")
    return 0
