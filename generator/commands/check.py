"""``msap check``: every content file read and checked, every problem reported, one verdict at the end."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from . import collector_off


def cmd_check(root: Path, config, strict: bool, fmt: str) -> int:
    with collector_off():  # what is read lives until the report: the collector's passes over it free nothing
        return _check(root, config, strict, fmt)


def _check(root: Path, config, strict: bool, fmt: str) -> int:
    from .. import tree
    from ..content.checks import check_site
    from ..content.site import load_site
    from ..diagnostics import Report, plural
    from ..content.geo import Geo

    started = time.perf_counter()
    report = Report()
    tree.check_tree(root, report)
    site = load_site(root, config.content_dir, report)
    check_site(site, Geo(root / config.geo_dir), report, config.distance_max_km)
    rendered = report.render(fmt)
    if rendered:
        print(rendered)
    errors, warnings = len(report.errors), len(report.warnings)
    failed = errors > 0 or (strict and warnings > 0)
    summary = (f"{plural(site.files_read, 'fichier')} vérifiés ({plural(len(site.maisons), 'fiche')} Maison, "
               f"{plural(len(site.ressources), 'ressource')}, {plural(len(site.projets), 'projet')}) : "
               f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')} "
               f"en {time.perf_counter() - started:.1f} s".replace(".", ",", 1))
    if failed and not errors:
        summary += " — échec : --strict fait échouer sur les avertissements"
    print(summary, file=sys.stderr if fmt == "github" else sys.stdout)
    return 1 if failed else 0
