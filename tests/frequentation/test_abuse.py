"""The API as an anonymous client or a hostile one would use it: every attack of issue 14 is performed and its
refusal asserted (periods, rate limits, sizes, time limits, headers, visit times, token scopes)."""
from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from frequentation import guard
from frequentation.db import engine_for
from generator.cli import main

from .conftest import REPO, Api, visit


def test_the_period_of_the_reported_attack_is_refused_at_once(api):
    started = time.perf_counter()
    answer = api.client.get("/api/v1/statistiques?de=0001-01&a=9999-12")
    assert answer.status_code == 422 and answer.json()["indice"]
    assert time.perf_counter() - started < 1
    # the longest period the document allows is ten years, and it is answered
    longest = api.client.get("/api/v1/statistiques?de=2017-01&mois=120")
    assert longest.status_code == 200 and len(longest.json()["national"]["par_mois"]) == 120


def test_anonymous_reads_are_rate_limited_per_client_address(database_url, reseau):
    limited = Api(database_url, reseau, rafale_anonyme=3, debit_anonyme=0.01)
    answers = [limited.client.get("/api/v1/statistiques").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    refused = limited.client.get("/api/v1/referentiels")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1 and refused.json()["indice"]
    other = TestClient(limited.app, client=("192.0.2.7", 40000))  # another address has its own allowance
    assert other.get("/api/v1/statistiques").status_code == 200
    assert limited.client.get("/api/v1/sante").status_code == 200  # the health probe is never limited
    limited.close()


def test_public_aggregates_are_computed_once_then_served_from_the_cache(api):
    first = api.client.get("/api/v1/statistiques?de=2026-01&mois=12")
    for _ in range(5):  # five: the public figures hide fewer
        api.post("fs-a", visit(quand="2026-03-03T10:00"))
    again = api.client.get("/api/v1/statistiques?de=2026-01&mois=12")
    assert first.content == again.content  # the same answer for a minute, the new visit not yet in it
    assert "max-age=60" in again.headers["Cache-Control"]
    other = api.client.get("/api/v1/statistiques?de=2026-01&mois=11").json()
    assert other["national"]["visites"] == 5  # another period is computed anew


def test_no_more_than_the_allowed_computations_run_at_once(database_url, reseau):
    busy = Api(database_url, reseau, calculs_simultanes=1, cache_secondes=0)
    seats = busy.app.state.seats
    with seats:  # a computation holds the only seat: the next caller is told to come back, never queued
        refused = busy.client.get("/api/v1/statistiques")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert busy.client.get("/api/v1/statistiques").status_code == 200
    busy.close()


def test_a_body_beyond_the_limit_is_refused_before_it_is_read_whole(database_url, reseau):
    small = Api(database_url, reseau, corps_max=10_000, rafale=100, debit=100)
    lot = {"visites": [visit()] * 200}
    refused = small.client.post("/api/v1/maisons/fs-a/visites/lot", json=lot, headers=small.headers("fs-a"))
    assert refused.status_code == 413 and "trop gros" in refused.json()["erreur"]

    def chunks():  # no Content-Length: the body is counted as it arrives
        text = json.dumps(lot).encode()
        for i in range(0, len(text), 1000):
            yield text[i:i + 1000]
    chunked = small.client.post("/api/v1/maisons/fs-a/visites/lot", content=chunks(),
                                headers=small.headers("fs-a", **{"Content-Type": "application/json"}))
    assert chunked.status_code == 413
    assert small.client.get("/api/v1/maisons/fs-a/visites", headers=small.headers("fs-a")).json()["visites"] == []
    fits = small.client.post("/api/v1/maisons/fs-a/visites/lot", json={"visites": [visit()] * 5},
                             headers=small.headers("fs-a"))
    assert fits.status_code == 201
    small.close()


def test_a_request_that_does_not_start_answering_in_time_gets_a_503():
    async def slow(scope, receive, send):
        await asyncio.sleep(5)

    async def streamed(scope, receive, send):  # an export that starts at once, then takes its time
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": b"fin"})

    started = time.perf_counter()
    answer = TestClient(guard.Guard(slow, max_body=1000, timeout=0.2)).get("/")
    assert answer.status_code == 503 and answer.headers["Retry-After"] and time.perf_counter() - started < 2
    assert "trop de temps" in answer.json()["erreur"]
    assert TestClient(guard.Guard(streamed, max_body=1000, timeout=0.1)).get("/").text == "fin"


def test_an_sql_statement_running_past_its_limit_is_stopped(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'f.sqlite'}", statement_seconds=0.2)
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
            "SELECT count(*) FROM n")
    started = time.perf_counter()
    with pytest.raises(OperationalError, match="interrupted"):
        with engine.connect() as conn:
            conn.exec_driver_sql(slow).scalar()
    assert time.perf_counter() - started < 3
    with engine.connect() as conn:  # the next statement has its own time
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_failed_authentications_are_rate_limited_per_address(database_url, reseau):
    api = Api(database_url, reseau, echecs_auth=3)
    known = api.headers("fs-a")
    assert api.client.get("/api/v1/moi", headers=known).status_code == 200  # known, kept in memory
    guesses = [api.client.get("/api/v1/moi", headers={"Authorization": f"Bearer msap_devine{i}"}).status_code
               for i in range(5)]
    assert guesses == [401, 401, 401, 429, 429]
    assert api.client.get("/api/v1/moi", headers=known).status_code == 200  # a known token still goes
    other = TestClient(api.app, client=("192.0.2.8", 40000))
    assert other.get("/api/v1/moi", headers={"Authorization": "Bearer msap_x"}).status_code == 401
    api.close()


def test_every_answer_carries_the_security_headers(api):
    for path in ("/api/v1/sante", "/api/v1/statistiques", "/api/v1/inconnu", "/saisie/", "/saisie/saisie.js"):
        answer = api.client.get(path)
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("quand", ["0001-01-01T00:30+14:00", "9999-12-31T23:30-12:00", "0999-06-01T10:00",
                                   "3000-01-01T10:00", "1999-12-31T23:59", -1, 1700000000, "2026-02-30T10:00",
                                   "2026-11-26 10:15", "2026-11-26", True])
def test_visit_times_outside_the_document_are_refused_with_a_reason(api, quand):
    answer = api.post("fs-a", visit(quand=quand))
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"][0]["champ"] == "quand" and "2099" in answer.json()["details"][0]["message"]


@pytest.mark.parametrize("minutes", ["15", True, 15.5, 0, 481])
def test_minutes_must_be_a_whole_number_in_range(api, minutes):
    assert api.post("fs-a", visit(duree_minutes=minutes)).status_code == 422


def test_a_time_with_an_extreme_offset_is_recorded_and_counted_as_a_recount_would(api):
    from sqlalchemy import select

    from frequentation import store
    from frequentation.tables import cumul
    for quand in ("2000-01-01T00:00+14:00", "2099-12-31T23:59-12:00", "2000-02-29T12:00Z"):
        assert api.post("fs-a", visit(quand=quand)).status_code == 201
    with api.engine.connect() as conn:
        running = {tuple(r[:5]): r[5] for r in conn.execute(select(cumul)) if r[5]}
    store.rebuild_rollups(api.engine, api.app.state.reseau.maisons)
    with api.engine.connect() as conn:
        assert running == {tuple(r[:5]): r[5] for r in conn.execute(select(cumul)) if r[5]}


@pytest.mark.parametrize("code", ["12345", "<x>", "99", "2C"])
def test_a_reviewer_token_for_no_known_departement_is_refused(database_url, monkeypatch, capsys, code):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["--root", str(REPO), "api", "token", "create", "--relecteur", "--departement", code]) == 2
    err = capsys.readouterr().err
    assert "inconnu" in err and "Indice" in err and "Traceback" not in err
    assert main(["--root", str(REPO), "api", "token", "list"]) == 0
    assert capsys.readouterr().out == ""  # nothing was created


def test_a_token_label_cannot_forge_lines(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    forged = "accueil\n::warning file=x::forgé"
    assert main(["--root", str(REPO), "api", "token", "create", "--maison", "fs-temp-30", "--libelle", forged]) == 2
    assert "une ligne" in capsys.readouterr().err


def test_the_rate_limit_table_stays_bounded():
    buckets = guard.Buckets(rate=1.0, burst=2, size=100)
    for i in range(1000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets._buckets) <= 100


def test_concurrent_identical_public_requests_compute_once():
    cache = guard.Cache(seconds=60)
    calls = []

    def make():
        calls.append(1)
        time.sleep(0.2)
        return b"x"
    threads = [threading.Thread(target=cache.get_or_make, args=("k", make)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]


@pytest.mark.lent
def test_the_workers_outlive_the_thread_that_started_them(tmp_path):
    """The server's threads come and go (anyio ends idle ones): the worker processes they started stay."""
    from frequentation import workers
    from frequentation.db import migrate
    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    engine = engine_for(url)
    migrate(engine)
    engine.dispose()
    pool = workers.PublicAggregates(url, 1)
    done = []
    starter = threading.Thread(target=lambda: done.append(pool.compute("2026-01", "2026-12", 5)))
    starter.start()
    starter.join()
    time.sleep(1.5)
    try:
        again = json.loads(pool.compute("2026-01", "2026-12", 5))
        assert json.loads(done[0])["periode"] == again["periode"] == {"de": "2026-01", "a": "2026-12"}
    finally:
        pool.close()
