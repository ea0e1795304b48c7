"""The web editor in the built portal: ``/admin/`` (Decap CMS, served by the site itself, never a CDN).

Writes ``admin/index.html``, ``admin/config.yml`` (generated from the models, see :mod:`.config`), the
pin widget and the whole ``dist/`` of the npm package ``decap-cms`` with its licence under
``assets/vendor/decap-cms/``. Files of the package are hard-linked when possible: 56 MB copied on every
build would cost more than all the pages of a Maison.
"""
from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

from ...config import Config
from .. import urls
from . import vendor
from ...cms.config import config_yaml
from ...diagnostics import CommandError

HERE = Path(__file__).resolve().parents[2] / "cms" / "admin"  # the editor's page and its script
PACKAGE = "decap-cms"
# Set by `msap cms` when decap-server listens elsewhere than Decap's default (localhost:8081).
LOCAL_URL_ENV = "MSAP_CMS_LOCAL_URL"


class AdminError(CommandError):
    pass


def _place(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


#: what /admin/ loads of the package's dist/: the bundle, the chunks it loads on demand (webpack, named after it),
#: the WebAssembly modules two of them fetch, the licences of what they include. Not the source maps (55 MB)
#: nor the second build of the same code (cms.js and its chunks): 6.5 MB published instead of 67.7 MB.
LOADED = re.compile(r"(?:\d+\.)?decap-cms\.js(?:\.LICENSE\.txt)?|[0-9a-f]{20}\.wasm")


def copy_decap(root: Path, out: Path) -> str:
    """What /admin/ loads of the package's dist/ (:data:`LOADED`), its licence and its version; returns the
    version."""
    try:
        source, meta = vendor.installed(root, PACKAGE)
    except vendor.VendorError as exc:
        raise AdminError(str(exc)) from None
    version = meta["version"]
    target = out / urls.vendor(f"{PACKAGE}/")
    for path in sorted((source / "dist").iterdir()):
        if path.is_file() and LOADED.fullmatch(path.name):
            _place(path, target / path.name)
    if (source / "LICENSE").exists():
        _place(source / "LICENSE", target / "LICENSE")
    else:  # the npm package ships its licence only as a package.json field
        (target / "LICENSE").write_text(
            f"{PACKAGE} {version} : licence {meta.get('license', '?')} (champ « license » de son package.json, "
            f"texte complet : https://github.com/decaporg/decap-cms/blob/main/LICENSE).\n"
            "Les licences des bibliothèques incluses sont dans les fichiers *.LICENSE.txt de ce dossier.\n",
            encoding="utf-8")
    (target / "VERSION").write_text(f"{PACKAGE} {version} (npm)\n", encoding="utf-8")
    return version


def write_admin(root: Path, config: Config, out: Path, site_url: str, site_name: str) -> None:
    """Everything ``/admin/`` needs, inside the site being written (``out``)."""
    copy_decap(root, out)
    admin = out / urls.ADMIN
    admin.mkdir(parents=True, exist_ok=True)
    text = config_yaml(root, config, site_url)
    local = os.environ.get(LOCAL_URL_ENV)
    if local:
        text = text.replace("local_backend: true\n", f"local_backend:\n  url: {local}\n", 1)
    (admin / "config.yml").write_text(text, encoding="utf-8")
    page = (HERE / "index.html").read_text(encoding="utf-8")
    page = (page.replace("{site_name}", html.escape(site_name))
            .replace("{tuiles}", html.escape(config.carte_tuiles))
            .replace("{attribution}", html.escape(config.carte_attribution)))
    (admin / "index.html").write_text(page, encoding="utf-8")
    for name in ("repere.js", "repere.css", "editeur.css", "apercu.js"):
        shutil.copyfile(HERE / name, admin / name)
