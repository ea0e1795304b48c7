"""Visit statistics in the portal: fetched from a real local HTTP server, kept as a dated snapshot, small counts
masked again on the portal side, shown as SVG charts with the same figures in tables; an unreachable or
malformed API never fails the build."""
from __future__ import annotations

import copy
import datetime as dt
import http.server
import json
import re
import socket
import threading
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import FROZEN_TODAY, make_portal_project
from generator.cli import main
from generator.config import Config, load_config
from generator.portal.features import statistiques
from generator.portal.build import build

pytestmark = pytest.mark.lent

MOIS = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
NNBSP = "\u202f"


def aggregate(visites: int, months: dict[str, int | None], **lists) -> dict:
    return {"visites": visites, "par_mois": [{"mois": m, "visites": months.get(m, 0)} for m in MOIS],
            "canaux": [], "operateurs": [], "themes": [], "niveaux": [], "resultats": [], "tranches_age": [],
            "situations": [], "taux_resolution": None, **lists}


def payload() -> dict:
    """What the API sends; its threshold is (mis)configured at 2: it lets a count of 3 through."""
    gueret = aggregate(2471, {"2026-01": 1234, "2026-02": 987, "2026-03": 3, "2026-04": None},
                       operateurs=[{"id": "caf", "visites": 1502}, {"id": "msa", "visites": 3}],
                       niveaux=[{"id": "accompagnement", "visites": 1400}, {"id": "information", "visites": 1071}],
                       resultats=[{"id": "resolu", "visites": 1500}, {"id": "non-resolu", "visites": 500}],
                       taux_resolution=0.75)
    creuse = aggregate(8642, {"2026-01": 4321}, operateurs=[{"id": "dgfip", "visites": 777}])
    france = aggregate(97531, {"2026-05": 55555}, themes=[{"id": "famille", "visites": 24680}],
                       situations=[{"id": "retraite", "visites": 13579}], taux_resolution=0.654)
    return {"genere_le": "2026-11-26T10:00:00+01:00", "periode": {"de": "2025-12", "a": "2026-11"}, "seuil": 2,
            "demonstration": False, "national": france, "departements": {"23": creuse},
            "maisons": {"fs-9001": gueret, "fs-9002": aggregate(3, {"2026-02": 3}, taux_resolution=1.0)}}


class Api:
    """A real HTTP server on 127.0.0.1 answering GET /api/v1/statistiques with ``body``; keeps the requests."""

    def __init__(self):
        self.body: bytes = json.dumps(payload()).encode()
        self.requests: list[str] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                api.requests.append(self.path)
                ok = self.path.startswith("/api/v1/statistiques?")
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(api.body if ok else b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, data: dict) -> None:
        self.body = json.dumps(data).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def api():
    server = Api()
    yield server
    server.close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"  # nothing listens once the socket is closed


def build_site(root: Path, site: Path, monkeypatch, url: str, today: dt.date = FROZEN_TODAY) -> Path:
    monkeypatch.setenv("MSAP_STATISTIQUES_URL", url)
    if not root.exists():
        make_portal_project(root, statistiques=False)
    return build(root, load_config(root), site, search=False, today=today, site_url="https://portail.test/").site_dir


def read(site: Path, rel: str) -> str:
    return (site / rel / "index.html").read_text(encoding="utf-8")


def table(html: str, caption: str) -> str:
    match = re.search(rf'<caption class="msap-sr">{re.escape(str(escape(caption)))}</caption>(.*?)</table>', html, re.S)
    assert match, f"pas de tableau « {caption} »"
    return match.group(1)


def cell(rows: str, header: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(str(escape(header)))}</th><td>([^<]*)</td>', rows)
    assert match, f"pas de ligne « {header} »"
    return match.group(1)


def frequentation(html: str) -> str:
    match = re.search(r'<section class="msap-frequentation".*?</section>', html, re.S)
    assert match, "pas de section Fréquentation"
    return match.group(0)


def test_fetched_statistics_on_the_fiche_the_departement_and_the_national_page(tmp_path, monkeypatch, api, capsys):
    root = tmp_path / "projet"
    site = build_site(root, tmp_path / "site", monkeypatch, api.url)
    assert api.requests == ["/api/v1/statistiques?de=2025-12&mois=12&seuil=5"]  # 12 months to November 2026
    assert "Avertissement" not in capsys.readouterr().err
    fiche = frequentation(read(site, "maisons/23/gueret"))
    months = table(fiche, "Visites par mois")
    assert cell(months, "janvier 2026") == f"1{NNBSP}234" and cell(months, "février 2026") == "987"
    assert cell(months, "mars 2026") == "moins de 5"  # the API let 3 through: the portal masks it again
    assert cell(months, "avril 2026") == "moins de 5" and cell(months, "mai 2026") == "0"
    assert re.search(r'<svg [^>]*role="img" aria-label="Visites par mois[^"]*"><title>Visites par mois', fiche)
    assert "<title>janvier 2026 : 1\u202f234 visites</title>" in fiche and "mars 2026 : moins de 5 visites" in fiche
    operateurs = table(fiche, "Motifs des visites, par organisme")
    assert cell(operateurs, "CAF") == f"1{NNBSP}502" and cell(operateurs, "MSA") == "moins de 5"
    assert cell(table(fiche, "Niveau d'accompagnement"), "Accompagnement (aide à la démarche)") == f"1{NNBSP}400"
    assert cell(table(fiche, "Résultat des demandes"), "Non résolu") == "500"
    assert f"<strong>75{NNBSP}%</strong> des demandes résolues" in fiche
    assert not re.search(r">\s*3\s*<", fiche)  # no cell, bar or figure shows the small count
    assert "Données du 26 novembre 2026, de décembre 2025 à\nnovembre 2026." in fiche
    bourganeuf = frequentation(read(site, "maisons/23/bourganeuf"))
    assert "<strong>moins de 5</strong> visites" in bourganeuf and "résolues" not in bourganeuf  # rate of 3 visits
    bus = frequentation(read(site, "maisons/08/bus-ardennes"))
    assert "Pas de visites publiées pour cette Maison" in bus
    departement = frequentation(read(site, "maisons/23"))
    assert f"<strong>8{NNBSP}642</strong> visites" in departement
    assert cell(table(departement, "Visites par mois"), "janvier 2026") == f"4{NNBSP}321"
    assert cell(table(departement, "Motifs des visites, par organisme"), "Impôts (DGFiP)") == "777"
    assert re.search(r'France services de Guéret</a></th><td>2\u202f471</td>', departement)
    assert re.search(r'France services Bourganeuf</a></th><td>moins de 5</td>', departement)
    national = read(site, "statistiques")
    assert f"<strong>97{NNBSP}531</strong> visites" in national and f"<strong>65{NNBSP}%</strong>" in national
    assert cell(table(national, "Visites par mois"), "mai 2026") == f"55{NNBSP}555"
    assert cell(table(national, "Motifs des visites, par thème"), "Famille") == f"24{NNBSP}680"
    assert cell(table(national, "Situation des usagers"), "Retraité") == f"13{NNBSP}579"
    assert 'href="../maisons/23/">Creuse (23)</a></th>\n      <td>8\u202f642</td>' in national
    assert 'href="statistiques/"' in read(site, "")  # linked from the home page
    snapshot = json.loads((root / ".cache/statistiques.json").read_text(encoding="utf-8"))
    assert snapshot["recupere_le"] == "2026-11-26" and snapshot["donnees"]["national"]["visites"] == 97531
    assert [p.name for p in (root / ".cache").iterdir()] == ["statistiques.json"]  # no temporary file left


def test_api_down_shows_the_previous_snapshot_with_its_date(tmp_path, monkeypatch, api, capsys):
    root = tmp_path / "projet"
    build_site(root, tmp_path / "site", monkeypatch, api.url, today=dt.date(2026, 11, 12))
    api.serve({**payload(), "national": aggregate(11111, {})})  # newer figures the next build cannot get
    site = build_site(root, tmp_path / "site", monkeypatch, closed_port_url())
    err = capsys.readouterr().err
    assert "Avertissement : statistiques de fréquentation : l'API ne répond pas" in err
    assert "relevé du 12 novembre 2026" in err and "Traceback" not in err
    for rel in ("maisons/23/gueret", "maisons/23", "statistiques"):
        html = read(site, rel)
        assert "Données du 12 novembre 2026" in html, rel
        assert "Le service de statistiques n'a pas répondu" in html, rel
    assert cell(table(read(site, "maisons/23/gueret"), "Visites par mois"), "janvier 2026") == f"1{NNBSP}234"
    assert f"<strong>97{NNBSP}531</strong> visites" in read(site, "statistiques")


def test_no_snapshot_and_api_down_says_unavailable_and_builds(tmp_path, monkeypatch, capsys):
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    monkeypatch.setenv("MSAP_STATISTIQUES_URL", closed_port_url())
    site = tmp_path / "site"
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 0
    out, err = capsys.readouterr()
    assert "statistiques sont indisponibles" in err and "Indice" in err and "Traceback" not in out + err
    assert "2 avertissements" in out  # the statistics, and the raw <script> of the sample fiche (removed)
    for rel in ("maisons/23/gueret", "maisons/23", "statistiques"):
        html = read(site, rel)
        assert "Statistiques de fréquentation indisponibles pour le moment" in html, rel
        assert "msap-graphique" not in html and "Données du" not in html, rel
    assert not (root / ".cache").exists()


@pytest.mark.parametrize("body, detail", [
    (b"<html>erreur interne</html>", "ce n'est pas du JSON"),
    (json.dumps({**payload(), "national": {"visites": "beaucoup", "par_mois": []}}).encode(), "national.visites"),
    (json.dumps({**payload(), "maisons": {"fs-9001": {"visites": True, "par_mois": []}}}).encode(), "fs-9001"),
    (json.dumps([1, 2, 3]).encode(), "non conforme"),
])
def test_malformed_answer_is_treated_like_a_down_api_with_a_warning(tmp_path, monkeypatch, api, capsys, body, detail):
    root = make_portal_project(tmp_path / "projet")  # with the snapshot of 12 November
    api.body = body
    monkeypatch.setenv("MSAP_STATISTIQUES_URL", api.url)
    site = tmp_path / "site"
    before = (root / ".cache/statistiques.json").read_bytes()
    assert main(["--root", str(root), "build", "--site-dir", str(site), "--no-search"]) == 0
    err = capsys.readouterr().err
    assert "l'API a répondu des données mal formées" in err and detail in err and "Traceback" not in err
    assert "Données du 12 novembre 2026" in read(site, "maisons/23/gueret")
    assert (root / ".cache/statistiques.json").read_bytes() == before  # a bad answer never replaces a good one


def test_demonstration_data_are_announced(tmp_path, monkeypatch, api):
    api.serve({**payload(), "demonstration": True})
    site = build_site(tmp_path / "projet", tmp_path / "site", monkeypatch, api.url)
    for rel in ("maisons/23/gueret", "maisons/23", "statistiques"):
        assert "<strong>Données de démonstration :</strong> ces chiffres sont fictifs" in read(site, rel), rel
    api.serve(payload())
    site = build_site(tmp_path / "projet", tmp_path / "site", monkeypatch, api.url)
    assert "démonstration" not in read(site, "statistiques")


def test_ids_from_the_payload_are_escaped(tmp_path, monkeypatch, api):
    xss = "<script>alert(1)</script>"
    data = payload()
    data["national"]["operateurs"] = [{"id": xss, "visites": 40}, {"id": "caf", "visites": 30}]
    data["maisons"]["fs-9001"]["niveaux"] = [{"id": xss, "visites": 50}]
    data["departements"]["<b>x</b>"] = copy.deepcopy(data["departements"]["23"])  # codes: 10 characters at most
    api.serve(data)
    site = build_site(tmp_path / "projet", tmp_path / "site", monkeypatch, api.url)
    for rel in ("statistiques", "maisons/23/gueret"):
        html = read(site, rel)
        assert "<script>alert" not in html, rel
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, rel  # shown as the raw id, as text
    assert '<th scope="row">&lt;b&gt;x&lt;/b&gt;</th>' in read(site, "statistiques")  # unknown code: no link
    assert cell(table(read(site, "statistiques"), "Motifs des visites, par organisme"), "CAF") == "30"


def test_serve_asks_the_api_once(tmp_path, monkeypatch, api):
    from generator.dev.serve import Live
    root = make_portal_project(tmp_path / "projet", statistiques=False)
    monkeypatch.setenv("MSAP_STATISTIQUES_URL", api.url)
    live = Live(root, load_config(root), tmp_path / "site", "http://127.0.0.1:8000/", False)
    live.full()
    fiche = root / "content/maisons/23/gueret.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("Bonnyaud", "Bonnyaud bis"), encoding="utf-8")
    assert live.fiche_changed(fiche)
    live.full()
    for indexing in live.indexing:
        indexing.join(30)

    assert len(api.requests) == 1
    html = read(tmp_path / "site", "maisons/23/gueret")
    assert "Bonnyaud bis" in html and cell(table(html, "Visites par mois"), "janvier 2026") == f"1{NNBSP}234"


def test_portal_threshold_masks_counts_and_the_rates_computed_from_them():
    reponse = statistiques.validate(payload())
    masked = statistiques.mask(reponse, 5)
    gueret = masked.maisons["fs-9001"]
    assert [m["visites"] for m in gueret.par_mois][1:6] == [1234, 987, None, None, 0]
    assert [(e["id"], e["visites"]) for e in gueret.operateurs] == [("caf", 1502), ("msa", None)]
    assert gueret.taux_resolution == 0.75 and masked.maisons["fs-9002"].visites is None
    assert masked.maisons["fs-9002"].taux_resolution is None  # 100 % of a masked total would tell too much
    small = {**payload()["maisons"]["fs-9002"], "resultats": [{"id": "resolu", "visites": 4},
                                                              {"id": "en-cours", "visites": 20}]}
    assert statistiques.mask(statistiques.validate({**payload(), "national": small}), 5).national.taux_resolution is None
    assert statistiques.mask(reponse, 2).maisons["fs-9001"].par_mois[3]["visites"] == 3  # 2 is the lowest allowed


def test_config_options_period_and_threshold():
    assert Config().statistiques_url == "" and Config().statistiques_seuil == 5 and Config().statistiques_mois == 12
    with pytest.raises(Exception):
        Config(statistiques_seuil=1)
    assert statistiques.periode(dt.date(2026, 11, 26), 12) == ("2025-12", "2026-11")
    assert statistiques.periode(dt.date(2026, 1, 5), 1) == ("2026-01", "2026-01")
    assert statistiques.periode(dt.date(2026, 1, 5), 13) == ("2025-01", "2026-01")


def test_stricter_api_threshold_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("MSAP_STATISTIQUES_URL", raising=False)
    root = tmp_path / "projet"
    statistiques.write_snapshot(root / statistiques.SNAPSHOT,
                                statistiques.validate({**payload(), "seuil": 10}), dt.date(2026, 11, 1))
    stats = statistiques.load(root, Config(), FROZEN_TODAY)
    assert stats.seuil == 10 and stats.recupere_le == dt.date(2026, 11, 1) and not stats.ancien
    assert stats.maison("fs-9001").operateurs[1]["visites"] is None and stats.avertissement == ""


def test_fetch_errors_are_french_and_typed(api):
    with pytest.raises(statistiques.Injoignable, match="ne répond pas"):
        statistiques.fetch(closed_port_url(), "2025-12", "2026-11", 5)
    with pytest.raises(statistiques.Injoignable, match="erreur HTTP 404"):
        statistiques.fetch(api.url + "autre/", "2025-12", "2026-11", 5)
    with pytest.raises(statistiques.Injoignable, match="http:// ou https://"):
        statistiques.fetch("file:///etc/", "2025-12", "2026-11", 5)
    api.serve({**payload(), "periode": {"de": "2025-13", "a": "2026-11"}})
    with pytest.raises(statistiques.Invalide, match="periode.de"):
        statistiques.fetch(api.url, "2025-12", "2026-11", 5)


def test_the_first_and_last_month_labels_stay_inside_the_chart():
    """Centred under their column, the first label was cut on a phone (« anv. 26 »)."""
    from generator.portal.features import graphiques
    rows = [(f"m{i}", f"mois {i}", i + 1, str(i + 1)) for i in range(12)]
    svg = graphiques.colonnes(rows, "Visites par mois", "12 visites")
    labels = re.findall(r'<text ([^>]*)>(m\d+)</text>', svg)
    assert labels[0] == ('x="0" text-anchor="start" y="144"', "m0") or labels[0][0].startswith('x="0" text-anchor="start"')
    assert labels[-1][0].startswith('x="100%" text-anchor="end"') and labels[-1][1] == "m11"
    assert all('text-anchor="middle"' in attrs for attrs, _ in labels[1:-1])
