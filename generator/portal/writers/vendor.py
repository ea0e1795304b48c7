"""Browser libraries the portal serves itself (never from a CDN): copied from ``node_modules/`` (npm, pinned
by package-lock.json) into ``assets/vendor/<package>/``, each with its licence."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from .. import urls
from ...diagnostics import CommandError

# package -> (files from the package, its licence file)
VENDORED: dict[str, tuple[tuple[str, ...], str]] = {
    "leaflet": (("dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png", "dist/images/layers-2x.png"),
                "LICENSE"),
    "leaflet.markercluster": (("dist/leaflet.markercluster.js", "dist/MarkerCluster.css"), "MIT-LICENCE.txt"),
}


class VendorError(CommandError):
    pass


def installed(root: Path, package: str) -> tuple[Path, dict]:
    """The folder of an npm package in node_modules/ and its package.json; a missing one is an error with a hint."""
    source = root / "node_modules" / package
    if not (source / "package.json").exists():
        raise VendorError(f"la bibliothèque « {package} » (npm) est introuvable dans node_modules/ — Indice : "
                          "lancez « make setup » (npm ci installe les versions de package-lock.json)")
    return source, json.loads((source / "package.json").read_text(encoding="utf-8"))


def copy_all(root: Path, out: Path) -> list[str]:
    """Copy every vendored file into the site; a missing package is an error with a hint."""
    written = []
    for package, (files, licence) in VENDORED.items():
        source, meta = installed(root, package)
        version = meta["version"]
        target = out / urls.vendor(f"{package}/")
        for name in files + (licence,):
            dest = target / Path(name).relative_to("dist") if name.startswith("dist/") else target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, dest)
            written.append(dest.relative_to(out).as_posix())
        (target / "VERSION").write_text(f"{package} {version} (npm)\n", encoding="utf-8")
    return written
