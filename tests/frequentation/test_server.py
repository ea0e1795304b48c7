"""The API as it runs: `msap api serve` in its own process on loopback, against SQLite and PostgreSQL.
Killed with SIGKILL in the middle of a load, it loses no visit it acknowledged; a bounded load reports its
latencies (p50/p99)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time

import pytest
from sqlalchemy import func, select

from frequentation import auth
from frequentation.db import engine_for, migrate
from frequentation.local import LocalApiError, spawn
from frequentation.tables import cumul, visite

from .conftest import REPO, free_port

pytestmark = pytest.mark.lent

MAISON = "fs-temp-30"  # a Maison of the committed network (the server reads the real content)
VISIT = json.dumps({"quand": "2026-11-26T10:15", "canal": "sur-place", "theme": "famille", "operateur": "caf",
                    "niveau": "information", "resultat": "resolu"})


class Server:
    def __init__(self, url: str):
        self.url, self.port = url, free_port()
        engine = engine_for(url)
        migrate(engine)
        self.token = auth.create(engine, "agent", maison=MAISON)[1]
        engine.dispose()
        self.proc: subprocess.Popen | None = None
        self.start_with: dict[str, str] = {}

    def start(self) -> "Server":
        env = {**os.environ, "DATABASE_URL": self.url, "MSAP_API_RAFALE": "1000000", "MSAP_API_DEBIT": "1000000",
               **self.start_with}
        try:
            self.proc = spawn(REPO, self.port, env)
        except LocalApiError as exc:
            pytest.fail(str(exc), pytrace=False)
        return self

    def request(self, method: str, path: str, body: str | None = None, conn=None) -> tuple[int, dict]:
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers={"Authorization": f"Bearer {self.token}",
                                                            "Content-Type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
            return answer.status, (json.loads(data) if data else {})
        finally:
            if own:
                conn.close()

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


def load(server: Server, threads: int, per_thread: int | None, stop: threading.Event | None = None
         ) -> tuple[list[int], list[float], list[str], list[threading.Thread]]:
    """POST visits from several connections (started, not joined): acknowledged ids, latencies, errors, threads."""
    acked, latencies, errors = [], [], []
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        sent = 0
        while (per_thread is None or sent < per_thread) and not (stop and stop.is_set()):
            started = time.perf_counter()
            try:
                status, body = server.request("POST", f"/api/v1/maisons/{MAISON}/visites", VISIT, conn)
            except (OSError, http.client.HTTPException) as exc:  # the server was killed: stop here
                with lock:
                    errors.append(repr(exc))
                return
            with lock:
                latencies.append(time.perf_counter() - started)
                if status == 201:
                    acked.append(body["id"])
                else:
                    errors.append(f"{status} {body}")
            sent += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    return acked, latencies, errors, pool


def stored(url: str) -> tuple[set[int], int]:
    engine = engine_for(url)
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(select(visite.c.id))}
        total = conn.execute(select(func.coalesce(func.sum(cumul.c.n), 0)).where(
            cumul.c.portee == "maison", cumul.c.dimension == "total")).scalar_one()
    engine.dispose()
    return ids, int(total)


def test_a_server_killed_during_a_load_loses_no_acknowledged_visit(database_url):
    server = Server(database_url).start()
    stop = threading.Event()
    try:
        acked, _lat, _errors, pool = load(server, threads=6, per_thread=None, stop=stop)
        deadline = time.monotonic() + 30
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.proc.send_signal(signal.SIGKILL)  # in the middle of writes, no chance to flush anything
        server.proc.wait(timeout=30)
    finally:
        stop.set()
        for t in pool:
            t.join(timeout=60)
        server.stop()
    ids, rollup_total = stored(database_url)
    assert len(acked) >= 300
    assert set(acked) <= ids, f"{len(set(acked) - ids)} visite(s) confirmée(s) perdue(s)"
    assert rollup_total == len(ids)  # the rollups were written in the same transactions as the visits
    again = Server.__new__(Server)
    again.url, again.port, again.token, again.proc, again.start_with = database_url, free_port(), server.token, None, {}
    again.start()
    try:
        status, _ = again.request("POST", f"/api/v1/maisons/{MAISON}/visites", VISIT)
        assert status == 201
    finally:
        again.stop()


def test_a_bounded_load_on_loopback_reports_its_latencies(database_url, capsys):
    server = Server(database_url).start()
    try:
        started = time.perf_counter()
        acked, latencies, errors, pool = load(server, threads=8, per_thread=60)
        for t in pool:
            t.join(timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    assert errors == [] and len(acked) == 480 == len(set(acked))
    assert stored(database_url)[0] == set(acked)
    ordered = sorted(latencies)
    p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1]
    with capsys.disabled():
        print(f"\n  charge bornée ({database_url.split(':')[0]}) : 480 visites, 8 connexions, "
              f"{480 / elapsed:.0f} visites/s, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    assert p50 <= p99


def test_the_health_probe_answers_while_anonymous_clients_hammer_the_statistics(database_url, capsys):
    """Sixteen anonymous clients ask the public statistics of every Maison for ever-changing periods (the
    per-address limit is lifted, as for an attack from many addresses): /sante still answers every probe. Before
    the guards, the same hammering timed out 30 of 40 probes."""
    from frequentation.bench import health_under_load
    from frequentation.demo import fill
    from frequentation.referentiel import Reseau

    engine = engine_for(database_url)
    migrate(engine)
    fill(engine, Reseau.load(REPO), 30_000, 24)
    engine.dispose()
    server = Server(database_url)
    server.start_with = {"MSAP_API_RAFALE_ANONYME": "1000000", "MSAP_API_DEBIT_ANONYME": "1000000"}
    server.start()
    try:
        p50, p99, outcomes = health_under_load(server.port)
    finally:
        server.stop()
    with capsys.disabled():
        print(f"\n  /sante sous 16 clients anonymes ({database_url.split(':')[0]}) : p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms ; réponses aux clients : {dict(sorted(outcomes.items()))}")
    assert outcomes.get(200, 0) > 0 and outcomes.get(429, 0) > 0  # some computed, the others told to come back
    assert set(outcomes) <= {200, 429}
    assert p99 < 1000  # the target (100 ms) is measured by `msap api bench` (docs/frequentation.md)


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat", encoding="utf-8").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry))
    return out


def test_the_workers_of_a_killed_server_end_with_it(tmp_path):
    server = Server(f"sqlite:///{tmp_path / 'f.sqlite'}").start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("GET", "/api/v1/statistiques")
        assert conn.getresponse().status == 200
        workers = _children(server.proc.pid)
        assert workers  # the public aggregates were computed in worker processes
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{p}") and "zombie" not in _state(p) for p in workers) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in workers if os.path.exists(f"/proc/{p}") and "zombie" not in _state(p)] == []
    finally:
        server.stop()


def _state(pid: int) -> str:
    try:
        return "zombie" if open(f"/proc/{pid}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()[0] == "Z" \
            else "alive"
    except OSError:
        return "zombie"
