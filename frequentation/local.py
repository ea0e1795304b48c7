"""The embedded API beside `msap serve`: the newcomer's one command shows the portal with its statistics.

On the embedded SQLite base (never on a DATABASE_URL: production data is not touched from here); an empty base
first gets demonstration visits, which the portal labels as such."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path
from generator.diagnostics import CommandError

DEMO_VISITS = 100_000


class LocalApiError(CommandError):
    pass


def start(root: Path, port: int) -> tuple[str, subprocess.Popen]:
    """Start `msap api serve` on 127.0.0.1:port; (its base URL, the process)."""
    from sqlalchemy import func, select

    from .db import engine_for, migrate
    from .referentiel import Reseau
    from .settings import Settings
    from .tables import visite

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    settings = Settings.from_env(root, env)
    engine = engine_for(settings.url)
    migrate(engine)
    with engine.connect() as conn:
        empty = conn.execute(select(func.count()).select_from(visite)).scalar_one() == 0
    if empty:
        from .demo import fill

        print(f"Base de la fréquentation vide : {DEMO_VISITS:,} visites de démonstration…".replace(",", "\u202f"),
              flush=True)
        fill(engine, Reseau.load(root), DEMO_VISITS)
    engine.dispose()
    return f"http://127.0.0.1:{port}/", spawn(root, port, env)


def spawn(root: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """`msap api serve` in its own process on 127.0.0.1:port, returned once it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--root", str(root), "api", "serve", "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LocalApiError(f"l'API de la fréquentation s'est arrêtée : {proc.stderr.read().decode()[-500:]} — "
                                f"Indice : le port {port} est peut-être pris (--api-port)")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/sante")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise LocalApiError("l'API de la fréquentation n'a pas répondu en 60 s — Indice : lancez « msap api serve » "
                        "pour voir pourquoi")
