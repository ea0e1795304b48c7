"""``msap cms``: edit the content in a browser, on this machine.

Starts decap-server (npm, Decap CMS's local backend) bound to 127.0.0.1, reading and writing the files of
this project, then builds and serves the portal like ``msap serve``: ``/admin/`` opens the editor, every
saved fiche is written to ``content/`` at once and the portal rebuilds it. Locally there is no forge, so
Decap falls back from the editorial workflow to direct saving (decap-server's « fs » mode); the branches and
pull requests belong to the forge (see docs/cms.md).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ..config import Config
from ..portal.writers.admin import LOCAL_URL_ENV
from ..diagnostics import CommandError

SERVER = Path("node_modules") / "decap-server" / "dist" / "index.js"


class LocalCmsError(CommandError):
    pass


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("POST", "/api/v1", body=json.dumps({"action": "info"}),
                     headers={"Content-Type": "application/json"})
        return conn.getresponse().status == 200
    except OSError:
        return False


def start_server(root: Path, port: int) -> subprocess.Popen:
    """decap-server on 127.0.0.1:port over ``root``, returned once it answers."""
    node = shutil.which("node")
    if node is None:
        raise LocalCmsError("Node.js est introuvable — Indice : installez le paquet Debian « nodejs » "
                            "(il vient avec npm, que « make setup » utilise déjà)")
    if not (root / SERVER).exists():
        raise LocalCmsError("decap-server (npm) est introuvable dans node_modules/ — Indice : lancez « make setup »")
    if _answers(port):
        raise LocalCmsError(f"le port {port} est déjà pris par un autre serveur — Indice : arrêtez-le ou "
                            "choisissez un autre port avec --cms-port")
    env = {**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1", "MODE": "fs",
           "GIT_REPO_DIRECTORY": str(root), "LOG_LEVEL": "warn"}
    proc = subprocess.Popen([node, str(root / SERVER)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LocalCmsError(f"decap-server s'est arrêté : {proc.stderr.read().decode()[-500:].strip()} — "
                                f"Indice : le port {port} est peut-être pris (--cms-port)")
        if _answers(port):
            return proc
        time.sleep(0.2)
    proc.kill()
    raise LocalCmsError("decap-server n'a pas répondu en 30 s — Indice : lancez « node "
                        f"{SERVER} » pour voir pourquoi")


def cmd_cms(root: Path, config: Config, args: Any, cmd_serve: Callable[[Path, Config, Any], int]) -> int:
    """``msap cms``: decap-server beside ``msap serve`` (given by the command line: this module stays below the
    portal's server, which starts decap-server itself)."""
    try:
        server = start_server(root, args.cms_port)
    except LocalCmsError as exc:
        print(f"msap cms : {exc}", file=sys.stderr)
        return 2
    os.environ[LOCAL_URL_ENV] = f"http://127.0.0.1:{args.cms_port}/api/v1"
    print(f"Éditeur en ligne : http://127.0.0.1:{args.port}/admin/ — les fiches enregistrées sont écrites dans "
          f"{config.content_dir}/ (decap-server sur 127.0.0.1:{args.cms_port}).", flush=True)
    serve_args = argparse.Namespace(site_dir=None, pro=False, site_url=None, no_search=False, port=args.port,
                                    host="127.0.0.1", api_port=0, cms_port=0)
    try:
        return cmd_serve(root, config, serve_args)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
