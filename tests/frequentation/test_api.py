"""The visit-tracking API against SQLite and a real PostgreSQL: recording, who may read and write what, refused
payloads, retried requests, corrections, aggregates and exports."""
from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select

from frequentation import aggregates, store
from frequentation.tables import cumul, visite

from .conftest import MAISONS, visit


def count(api, maison: str | None = None) -> int:
    query = select(func.count()).select_from(visite)
    if maison:
        query = query.where(visite.c.maison == maison)
    with api.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_a_visit_is_recorded_read_back_and_counted_today(api):
    answer = api.post("fs-a", visit())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["maison"] == "fs-a" and body["canal"] == "sur-place" and body["demonstration"] is False
    read = api.client.get(f"/api/v1/maisons/fs-a/visites/{body['id']}", headers=api.headers("fs-a"))
    assert read.json() == body
    today = api.client.get("/api/v1/maisons/fs-a/aujourdhui?date=2026-11-26", headers=api.headers("fs-a"))
    assert today.json() == {"date": "2026-11-26", "visites": 1}
    assert api.client.get("/api/v1/moi", headers=api.headers("fs-a")).json()["nom"] == "France services fs-a"


def test_a_time_with_an_offset_is_stored_as_the_maisons_wall_clock(api):
    body = api.post("fs-a", visit(quand="2026-07-01T08:00:00Z")).json()
    assert body["quand"] == "2026-07-01T10:00:00+02:00"  # Paris is UTC+2 in summer: the answer says so
    winter = api.post("fs-a", visit(quand="2026-12-01T10:00")).json()
    assert winter["quand"] == "2026-12-01T10:00:00+01:00"  # a local time comes back with the Maison's offset


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/maisons/fs-b/visites"),
    ("post", "/api/v1/maisons/fs-b/visites/lot"),
    ("get", "/api/v1/maisons/fs-b/visites"),
    ("get", "/api/v1/maisons/fs-b/visites/1"),
    ("put", "/api/v1/maisons/fs-b/visites/1"),
    ("delete", "/api/v1/maisons/fs-b/visites/1"),
    ("get", "/api/v1/maisons/fs-b/aujourdhui"),
    ("get", "/api/v1/maisons/fs-b/statistiques"),
    ("get", "/api/v1/maisons/fs-b/export.csv"),
    ("get", "/api/v1/departements/23/statistiques"),
    ("get", "/api/v1/departements/23/export.csv"),
    ("get", "/api/v1/national/statistiques"),
])
def test_maison_a_token_cannot_read_or_write_maison_b(api, method, path):
    first = api.post("fs-b", visit()).json()["id"]
    path = path.replace("/visites/1", f"/visites/{first}")
    payload = {"visites": [visit()]} if path.endswith("/lot") else visit()
    kwargs = {"json": payload} if method in ("post", "put") else {}
    refused = getattr(api.client, method)(path, headers=api.headers("fs-a"), **kwargs)
    assert refused.status_code == 403, refused.text
    assert refused.json()["erreur"] and refused.json()["indice"]
    assert count(api, "fs-b") == 1
    assert api.client.get(f"/api/v1/maisons/fs-b/visites/{first}", headers=api.headers("fs-b")).status_code == 200


def test_reviewers_read_their_scope_and_never_write(api):
    api.post("fs-a", visit())
    api.post("fs-c", visit())
    h23, hfr = api.headers("relecteur-23"), api.headers("national")
    assert api.client.get("/api/v1/departements/23/statistiques", headers=h23).json()["visites"] == 1
    assert api.client.get("/api/v1/departements/08/statistiques", headers=h23).status_code == 403
    assert api.client.get("/api/v1/maisons/fs-a/statistiques", headers=h23).status_code == 200
    assert api.client.get("/api/v1/maisons/fs-c/statistiques", headers=h23).status_code == 403
    assert api.client.get("/api/v1/national/statistiques", headers=h23).status_code == 403
    assert api.client.get("/api/v1/national/statistiques", headers=hfr).json()["visites"] == 2
    assert api.post("fs-a", visit(), who="national").status_code == 403


def test_no_token_unknown_token_and_revoked_token_are_refused(api):
    from frequentation import auth

    assert api.client.post("/api/v1/maisons/fs-a/visites", json=visit()).status_code == 401
    bad = api.client.post("/api/v1/maisons/fs-a/visites", json=visit(), headers={"Authorization": "Bearer msap_x"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"
    number, token = auth.create(api.engine, "agent", maison="fs-a")
    assert api.client.get("/api/v1/moi", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert auth.revoke(api.engine, number)
    assert api.client.get("/api/v1/moi", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with api.engine.connect() as conn:  # only the hash is stored
        assert token not in str(conn.exec_driver_sql("SELECT * FROM jeton").fetchall())


@pytest.mark.parametrize("payload, field, words", [
    (visit(canal="pigeon"), "canal", "valeurs possibles"),
    ({k: v for k, v in visit().items() if k != "theme"}, "theme", "manquant"),
    (visit(nom="Jean Dupont"), "nom", "champ inconnu"),  # nothing personal can slip in
    (visit(duree_minutes=0), "duree_minutes", "au moins 1"),
    (visit(quand="hier"), "quand", "illisible"),
    (visit(operateur="<script>"), "operateur", "valeur inconnue"),
])
def test_invalid_payloads_get_422_with_a_reason(api, payload, field, words):
    refused = api.post("fs-a", payload)
    assert refused.status_code == 422
    body = refused.json()
    assert body["details"][0]["champ"] == field and words in body["details"][0]["message"]
    assert field in body["erreur"] and body["indice"]
    assert count(api) == 0


@pytest.mark.parametrize("path", ["/api/v1/maisons/fs-a/visites/99999999999999999999999",
                                  "/api/v1/maisons/fs-a/visites?apres=99999999999999999999",
                                  "/api/v1/maisons/fs-a/visites?limite=0"])
def test_huge_or_out_of_range_numbers_are_refused_not_overflowed(api, path):
    assert api.client.get(path, headers=api.headers("fs-a")).status_code == 422


def test_the_same_idempotency_key_twice_counts_once(api):
    first = api.post("fs-a", visit(), **{"Idempotency-Key": "cle-1"})
    again = api.post("fs-a", visit(), **{"Idempotency-Key": "cle-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert count(api) == 1
    other = api.post("fs-a", visit(canal="telephone"), **{"Idempotency-Key": "cle-1"})
    assert other.status_code == 409 and "clé" in other.json()["erreur"]
    lot = {"visites": [visit(), visit(niveau="information")]}
    h = api.headers("fs-a", **{"Idempotency-Key": "lot-1"})
    answers = [api.client.post("/api/v1/maisons/fs-a/visites/lot", json=lot, headers=h) for _ in range(3)]
    assert {a.status_code for a in answers} == {201} and answers[0].json() == answers[2].json()
    assert count(api) == 3
    # the same key from another Maison's token is another request
    assert api.post("fs-b", visit(), **{"Idempotency-Key": "cle-1"}).status_code == 201


def test_concurrent_retries_with_one_key_count_once(api):
    answers = []

    def send():
        answers.append(api.post("fs-a", visit(), **{"Idempotency-Key": "course"}))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert count(api) == 1


def test_rollups_follow_every_record_correction_and_deletion(api, reseau):
    rng = random.Random(5)
    ids = []
    for _ in range(60):
        maison = rng.choice(sorted(MAISONS))
        v = visit(quand=f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T10:00",
                  canal=rng.choice(["sur-place", "telephone"]), operateur=rng.choice(["caf", None]),
                  resultat=rng.choice(["resolu", "en-cours", "reoriente"]))
        ids.append((maison, api.post(maison, v).json()["id"]))
    for maison, number in rng.sample(ids, 10):
        assert api.client.put(f"/api/v1/maisons/{maison}/visites/{number}", headers=api.headers(maison),
                              json=visit(quand="2026-03-03T09:00", resultat="non-resolu")).status_code == 200
    for maison, number in rng.sample(ids, 10):
        api.client.delete(f"/api/v1/maisons/{maison}/visites/{number}", headers=api.headers(maison))
    with api.engine.connect() as conn:
        running = {tuple(r[:5]): r[5] for r in conn.execute(select(cumul)) if r[5]}
    store.rebuild_rollups(api.engine, reseau.maisons)
    with api.engine.connect() as conn:
        recounted = {tuple(r[:5]): r[5] for r in conn.execute(select(cumul)) if r[5]}
    assert running == recounted
    nation = api.client.get("/api/v1/national/statistiques?de=2026-01&mois=11", headers=api.headers("national"))
    assert nation.json()["visites"] == count(api) == 50
    assert sum(m["visites"] for m in nation.json()["par_mois"]) == 50


def test_public_figures_hide_small_counts_and_what_would_give_them_away(api):
    for _ in range(12):
        api.post("fs-a", visit(resultat="resolu"))
    for _ in range(3):
        api.post("fs-a", visit(resultat="non-resolu", canal="telephone"))
    api.post("fs-b", visit())
    public = api.client.get("/api/v1/statistiques?de=2026-11&mois=1").json()
    a = public["maisons"]["fs-a"]
    assert a["visites"] == 15
    assert {c["id"]: c["visites"] for c in a["canaux"]} == {"sur-place": None, "telephone": None}  # 12 hidden too
    assert {c["id"]: c["visites"] for c in a["resultats"]} == {"resolu": None, "non-resolu": None}
    assert a["taux_resolution"] is None
    assert public["maisons"]["fs-b"]["visites"] is None and public["seuil"] == 5
    assert public["departements"]["23"]["visites"] == 16 and public["national"]["visites"] == 16
    raised = api.client.get("/api/v1/statistiques?de=2026-11&mois=1&seuil=20").json()
    assert raised["maisons"]["fs-a"]["visites"] is None and raised["seuil"] == 20
    lowered = api.client.get("/api/v1/statistiques?de=2026-11&mois=1&seuil=2").json()
    assert lowered["seuil"] == 5  # never below the server's own threshold


def test_export_lists_the_maisons_visits_with_french_labels(api):
    for hour in (9, 10, 11):
        assert api.post("fs-a", visit(quand=f"2026-11-02T{hour:02d}:30")).status_code == 201
    api.post("fs-b", visit())
    csv = api.client.get("/api/v1/maisons/fs-a/export.csv?du=2026-11-01&au=2026-11-30", headers=api.headers("fs-a"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("numero;maison;nom_maison;date;heure;canal")
    assert len(lines) == 4 and all(";fs-a;" in line for line in lines[1:])
    assert "Sur place" in lines[1] and "CAF" in lines[1] and "09:30" in lines[1]


def test_the_export_reads_by_pages_in_time_order(api, reseau):
    for i in range(25):
        api.post("fs-a", visit(quand=f"2026-10-{28 - i % 28:02d}T{8 + i % 9:02d}:00"))
    import datetime as dt

    rows = list(store.stream(api.engine, ["fs-a"], dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), chunk=4))
    assert len(rows) == 25 and len({r["id"] for r in rows}) == 25
    assert [(r["quand"], r["id"]) for r in rows] == sorted((r["quand"], r["id"]) for r in rows)


def test_writes_are_rate_limited_per_token(database_url, reseau):
    from .conftest import Api

    limited = Api(database_url, reseau, rafale=3, debit=0.01)
    answers = [limited.post("fs-a", visit()).status_code for _ in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    refused = limited.post("fs-a", visit())
    assert int(refused.headers["Retry-After"]) >= 1 and "lot" in refused.json()["indice"]
    assert limited.post("fs-b", visit()).status_code == 201  # another token has its own allowance
    limited.close()


def test_periods_are_bounded_and_written_as_the_document_says(api):
    bad = api.client.get("/api/v1/statistiques?de=2026-13")
    assert bad.status_code == 422 and bad.json()["details"][0]["champ"] == "de"
    for query in ("de=0001-01", "de=1999-12", "de=2100-01", "mois=0", "mois=121", "mois=-1"):
        refused = api.client.get(f"/api/v1/statistiques?{query}")
        assert refused.status_code == 422, query
    # the old end of a period is refused with a reason, not silently ignored
    old = api.client.get("/api/v1/statistiques?de=2026-05&a=2026-01")
    assert old.status_code == 422 and "« a »" in old.json()["erreur"] and "mois" in old.json()["indice"]
    longest = api.client.get("/api/v1/statistiques?de=2090-01&mois=120").json()
    assert longest["periode"] == {"de": "2090-01", "a": "2099-12"}  # stops at the last month accepted
    assert len(longest["national"]["par_mois"]) == 120
    assert aggregates.months("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    # days: bounded; an end before the start is an empty period, not an error
    headers = api.headers("fs-a")
    api.post("fs-a", visit(quand="2026-11-20T10:00"))
    assert api.client.get("/api/v1/maisons/fs-a/visites?du=1999-12-31", headers=headers).status_code == 422
    assert api.client.get("/api/v1/maisons/fs-a/visites?du=2026-02-30", headers=headers).status_code == 422
    empty = api.client.get("/api/v1/maisons/fs-a/visites?du=2026-11-30&au=2026-11-01", headers=headers)
    assert empty.status_code == 200 and empty.json()["visites"] == []
    found = api.client.get("/api/v1/maisons/fs-a/visites?du=2026-11-01&au=2026-11-30", headers=headers)
    assert len(found.json()["visites"]) == 1