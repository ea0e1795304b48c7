"""`msap api bench`: the visit API's figures on this machine (SQLite, the embedded default).

- recording: visits/s through HTTP on loopback, one visit per request and in batches, from a server process;
- national aggregates over a base of N visits (10 million by default, loaded in bulk): time of the query;
- export: memory a Maison-year's CSV export takes while it streams, for a small and a ten times larger Maison.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

from . import aggregates, auth, export, periods, store
from .db import engine_for, migrate
from .local import spawn
from .referentiel import Reseau
from .tables import visite

VISIT = {"quand": "2026-11-26T10:15", "canal": "sur-place", "theme": "famille", "operateur": "caf",
         "niveau": "information", "resultat": "resolu", "tranche_age": "26-44", "situation": "salarie"}


def run(root: Path, visits: int) -> int:
    from generator.dev.bench import reference_ms
    print(f"vitesse de la machine : calcul de référence en {reference_ms():.0f} ms", flush=True)
    reseau = Reseau.load(root)
    with tempfile.TemporaryDirectory(prefix="msap-api-bench-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        engine = engine_for(url)
        migrate(engine)
        print(_recording(root, url, engine, sorted(reseau.maisons)[:64]))
        started = time.perf_counter()
        bulk_load(engine, reseau, visits)
        print(f"base de {visits:,} visites chargée en {time.perf_counter() - started:.0f} s".replace(",", "\u202f"))
        print(_national(engine))
        print(_export(engine, reseau))
        print(_health_under_load(root, url))
    return 0


def _health_under_load(root: Path, url: str) -> str:
    with _server(root, url, MSAP_API_RAFALE_ANONYME="1000000", MSAP_API_DEBIT_ANONYME="1000000") as port:
        p50, p99, outcomes = health_under_load(port)
    return (f"/api/v1/sante pendant que 16 clients anonymes demandent les statistiques publiques (périodes "
            f"toujours différentes, sans limite par adresse) : p50 {p50:.1f} ms, p99 {p99:.1f} ms (cible : "
            f"p99 < 100 ms) ; réponses aux clients : {outcomes.get(200, 0)} calculées ou du cache, "
            f"{outcomes.get(429, 0)} « réessayez »")


def health_under_load(port: int, clients: int = 16, probes: int = 100) -> tuple[float, float, dict[int, int]]:
    """(p50, p99 in ms of ``probes`` health probes, statuses the hammering clients got) while ``clients``
    anonymous clients ask the public statistics of every Maison, each time for another period."""
    stop, lock = threading.Event(), threading.Lock()
    outcomes: dict[int, int] = {}

    def hammer(seed: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        month = seed
        while not stop.is_set():
            month = (month * 7 + 3) % 120
            try:
                conn.request("GET", f"/api/v1/statistiques?de={2017 + month // 12}-{month % 12 + 1:02d}&mois=24")
                answer = conn.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                outcomes[answer.status] = outcomes.get(answer.status, 0) + 1

    pool = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(clients)]
    latencies = []
    try:
        for t in pool:
            t.start()
        time.sleep(1)
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(probes):
            started = time.perf_counter()
            probe.request("GET", "/api/v1/sante")
            answer = probe.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"/api/v1/sante a répondu {answer.status}")
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
    finally:
        stop.set()
        for t in pool:
            t.join(timeout=120)
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2] * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, outcomes


@contextlib.contextmanager
def _server(root: Path, url: str, **settings: str):
    """`msap api serve` on a free port over ``url``, with these settings (environment variables), stopped after."""
    port = _port()
    proc = spawn(root, port, {**os.environ, "DATABASE_URL": url, **settings})
    try:
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recording(root: Path, url: str, engine, maisons: list[str]) -> str:
    tokens = {m: auth.create(engine, "agent", maison=m)[1] for m in maisons}
    with _server(root, url, MSAP_API_RAFALE="1000000", MSAP_API_DEBIT="1000000") as port:
        single = _post_many(port, tokens, per_request=1, requests_each=250, connections=8)
        keyed = _post_many(port, tokens, per_request=1, requests_each=250, connections=8, keys=True)
        batched = _post_many(port, tokens, per_request=100, requests_each=25, connections=4)
    return (f"enregistrement (SQLite, HTTP sur 127.0.0.1, serveur à 1 processus) : une visite par requête "
            f"{single[0]:.0f} visites/s (p50 {single[1]:.1f} ms, p99 {single[2]:.1f} ms), "
            f"avec une clé d'idempotence {keyed[0]:.0f} visites/s (p50 {keyed[1]:.1f} ms, p99 {keyed[2]:.1f} ms) ; "
            f"par lots de 100 {batched[0]:.0f} visites/s (p50 {batched[1]:.1f} ms par lot)")


def _post_many(port: int, tokens: dict[str, str], per_request: int, requests_each: int, connections: int,
               keys: bool = False):
    latencies: list[float] = []
    lock = threading.Lock()
    pairs = list(tokens.items())

    def worker(index: int) -> None:
        maison, token = pairs[index % len(pairs)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        path = f"/api/v1/maisons/{maison}/visites" + ("/lot" if per_request > 1 else "")
        body = json.dumps({"visites": [VISIT] * per_request} if per_request > 1 else VISIT)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for _ in range(requests_each):
            if keys:  # as the agents' form sends it: a retried request is counted once
                headers["Idempotency-Key"] = uuid.uuid4().hex
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 201:
                raise RuntimeError(f"réponse {answer.status}")
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return (len(ordered) * per_request / elapsed, ordered[len(ordered) // 2] * 1000,
            ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000)


def bulk_load(engine, reseau: Reseau, count: int, chunk: int = 200_000) -> None:
    """``count`` visits over the last 12 months, spread over every Maison, then the rollups recounted."""
    import numpy as np

    rng = np.random.default_rng(2016)
    maisons = np.array(sorted(reseau.maisons))
    columns = {"canal": list(reseau.listes.canaux), "operateur": list(reseau.listes.operateurs),
               "theme": list(reseau.listes.themes), "niveau": list(reseau.listes.niveaux),
               "resultat": list(reseau.listes.resultats), "tranche_age": list(reseau.listes.tranches_age),
               "situation": list(reseau.listes.situations)}
    start = dt.datetime.combine(dt.date.today(), dt.time(9)) - dt.timedelta(days=364)
    sql = ("INSERT INTO visite (maison, quand, canal, operateur, theme, niveau, resultat, tranche_age, situation, "
           "duree_minutes, demonstration, cree_le) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)")
    created = store.now().isoformat(sep=" ", timespec="microseconds")
    done = 0
    while done < count:
        n = min(chunk, count - done)
        when = [(start + dt.timedelta(days=int(d), minutes=int(m))).isoformat(sep=" ", timespec="microseconds")
                for d, m in zip(rng.integers(0, 365, n), rng.integers(0, 480, n))]
        picked = {name: np.array(values)[rng.integers(0, len(values), n)] for name, values in columns.items()}
        rows = zip(maisons[rng.integers(0, len(maisons), n)].tolist(), when, *(picked[c].tolist() for c in (
            "canal", "operateur", "theme", "niveau", "resultat", "tranche_age", "situation")),
            rng.integers(5, 60, n).tolist(), [created] * n)
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, list(rows))
        done += n
    store.rebuild_rollups(engine, reseau.maisons)


def _national(engine) -> str:
    start, end = periods.period(None, None)
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        figures = aggregates.scope(engine, "departement", None, start, end).as_dict(aggregates.months(start, end))
        timings.append(time.perf_counter() - began)
    began = time.perf_counter()
    public = aggregates.public(engine, start, end, 5)
    every = time.perf_counter() - began
    return (f"agrégats nationaux sur {figures['visites']:,} visites : {min(timings) * 1000:.0f} ms "
            f"(médiane de 5 : {sorted(timings)[2] * 1000:.0f} ms) ; statistiques publiques de toutes les Maisons "
            f"({len(public['maisons'])}) : {every:.1f} s").replace(",", "\u202f")


def _export(engine, reseau: Reseau) -> str:
    """Peak memory of streaming the busiest Maison's year, then a whole département's (many times more rows):
    the same peak means memory does not grow with the export."""
    from sqlalchemy import func, select

    with engine.connect() as conn:
        big = conn.execute(select(visite.c.maison).group_by(visite.c.maison)
                           .order_by(func.count().desc()).limit(1)).scalar_one()
    dep = reseau.maisons[big]
    out = []
    for label, maisons in ((f"la Maison {big}", [big]),
                           (f"le département {dep}", sorted(m for m, d in reseau.maisons.items() if d == dep))):
        tracemalloc.start()
        began = time.perf_counter()
        rows = size = 0
        for part in export.lines(store.stream(engine, maisons, dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)),
                                 reseau):
            size += len(part)
            rows += part.count(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out.append(f"{label} : {rows - 1:,} visites ({size / 1e6:.1f} Mo) en {time.perf_counter() - began:.1f} s, "
                   f"pointe mémoire {peak / 1e6:.1f} Mo".replace(",", "\u202f"))
    return "export CSV sur un an, " + " ; ".join(out)
