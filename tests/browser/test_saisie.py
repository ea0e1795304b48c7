"""The agents' entry form (frequentation/saisie/) in a real Chromium against the real API (uvicorn in a thread,
SQLite in a temporary folder, the repository's content): token once, a visit recorded with the keyboard alone,
last choices pre-selected, visits kept offline and sent once back online, a batch whose answer was lost sent
again with the same Idempotency-Key and counted once, a refused batch kept aside, CSV export, accessibility,
valid HTML, and the form opening offline through its service worker."""
from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from frequentation import auth
from frequentation.app import create_app
from frequentation.settings import Settings
from frequentation.tables import cumul, idempotence, visite

from .conftest import watch

REPO_ROOT = Path(__file__).resolve().parents[2]
SAISIE = REPO_ROOT / "frequentation" / "saisie"
MAISON = "fs-temp-30"
PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 26, 10, 30, tzinfo=PARIS)  # the page's clock (a Thursday morning)
TODAY = NOW.date().isoformat()


@dataclass
class Api:
    app: FastAPI
    url: str

    @property
    def form(self) -> str:
        return f"{self.url}/saisie/"

    def visits(self) -> list[dict]:
        with self.app.state.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(visite).order_by(visite.c.id))]

    def keys(self) -> int:
        with self.app.state.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(idempotence)).scalar_one()


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Api:
    """The real API and form, served by uvicorn in a background thread on a free loopback port."""
    tmp = tmp_path_factory.mktemp("saisie")
    app = create_app(Settings.from_env(REPO_ROOT, {}, database_url=f"sqlite:///{tmp}/f.sqlite"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="API fréquentation", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("Le serveur de l'API n'a pas démarré.", pytrace=False)
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Api(app, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def token(api: Api) -> str:
    """An empty base and a fresh agent token of the Maison."""
    with api.app.state.engine.begin() as conn:
        for table in (visite, cumul, idempotence):
            conn.execute(delete(table))
    return auth.create(api.app.state.engine, "agent", maison=MAISON)[1]


@pytest.fixture
def form(page, api):
    """The page, its clock set to NOW (the visit's default time and « today » are then known)."""
    page.clock.set_fixed_time(NOW)
    return page


def login(page, api: Api, token: str) -> None:
    page.goto(api.form)
    page.get_by_label("Jeton d'accès de la Maison").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("#espace").wait_for()
    page.locator("#groupe-canal input").first.wait_for()


def choose(page, canal="Sur place", operateur="CAF", theme="Famille", niveau="Information", resultat="Résolu") -> None:
    page.get_by_role("group", name="Canal").get_by_label(canal, exact=True).check()
    page.get_by_label("Opérateur concerné").select_option(label=operateur)
    page.get_by_label("Thème de la démarche").select_option(label=theme)
    page.get_by_role("group", name="Niveau d'accompagnement").get_by_label(niveau, exact=True).check()
    page.get_by_role("group", name="Résultat").get_by_label(resultat, exact=True).check()


def tab_to(page, test: str, presses: int = 40) -> None:
    """Press Tab until the focused element passes ``test`` (a JS expression on ``el``)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({test}); }})()"):
            return
    raise AssertionError(f"focus jamais atteint au clavier : {test}")


def status(page) -> str:
    return page.locator("#statut").inner_text()


def stored(page, key: str):
    return page.evaluate(f"JSON.parse(localStorage.getItem('{key}') || 'null')")


def in_tab(page, key: str):
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{key}') || 'null')")


def network_noise(errors: list[str]) -> list[str]:
    """Console errors other than the browser's own report of a failed or refused request."""
    return [e for e in errors if "Failed to load resource" not in e]


def test_token_once_then_a_visit_recorded_with_the_keyboard_alone(form, api, token):
    page = form
    page.goto(api.form)
    tab_to(page, "el.id === 'jeton'")
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.locator("#espace").wait_for()
    assert page.locator("#maison").inner_text() == "France services d’Ahun"
    assert page.evaluate("document.activeElement.id") == "visite-titre"
    assert in_tab(page, "msap-saisie-session")["maison"] == MAISON  # for this tab only
    assert stored(page, "msap-saisie-session") is None  # nothing kept on the device
    page.locator("#compteur").filter(has_text="Aujourd'hui : 0 visite").wait_for()

    tab_to(page, "el.name === 'canal'")
    page.keyboard.press("Space")        # « Sur place »
    page.keyboard.press("ArrowDown")    # « Téléphone »
    tab_to(page, "el.id === 'operateur'")
    page.keyboard.type("caf")
    tab_to(page, "el.id === 'theme'")
    page.keyboard.type("fam")
    tab_to(page, "el.name === 'niveau'")
    page.keyboard.press("Space")        # « Information »
    page.keyboard.press("ArrowDown")    # « Orientation… »
    page.keyboard.press("ArrowDown")    # « Accompagnement… »
    tab_to(page, "el.name === 'resultat'")
    page.keyboard.press("Space")        # « Résolu »
    tab_to(page, "el.name === 'tranche_age'")  # « Non précisée », checked by default, is the last one
    page.keyboard.press("ArrowUp")      # « 75 ans et plus »
    tab_to(page, "el.id === 'situation'")
    page.keyboard.type("ret")
    tab_to(page, "el.id === 'duree'")
    page.keyboard.type("15")
    tab_to(page, "el.id === 'enregistrer'")
    page.keyboard.press("Enter")

    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    [row] = api.visits()
    assert status(page) == f"Visite enregistrée (n° {row['id']})."
    assert {k: row[k] for k in ("maison", "canal", "operateur", "theme", "niveau", "resultat", "tranche_age",
                                "situation", "duree_minutes")} == {
        "maison": MAISON, "canal": "telephone", "operateur": "caf", "theme": "famille", "niveau": "accompagnement",
        "resultat": "resolu", "tranche_age": "75-et-plus", "situation": "retraite", "duree_minutes": 15}
    assert row["quand"] == NOW.replace(tzinfo=None)
    page.locator("#compteur").filter(has_text="Aujourd'hui : 1 visite").wait_for()
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 1 visite"
    assert page.evaluate("document.activeElement.id") == "enregistrer"  # ready for the next one
    assert page.locator("#attente").is_hidden()
    assert stored(page, "msap-saisie-file")["lots"] == []
    assert page.msap_errors == []


def test_the_next_visit_starts_from_the_last_choices(form, api, token):
    page = form
    login(page, api, token)
    choose(page, canal="Téléphone", operateur="MSA", theme="Retraite", niveau="Information", resultat="En cours")
    page.get_by_role("group", name="Tranche d'âge").get_by_label("60 à 74 ans").check()
    page.get_by_label("Durée en minutes").fill("20")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()

    page.reload()  # the next day's first visit, as well as the next one: the choices come back
    page.locator("#groupe-canal input").first.wait_for()
    assert page.get_by_role("group", name="Canal").get_by_label("Téléphone").is_checked()
    assert page.get_by_label("Opérateur concerné").input_value() == "msa"
    assert page.get_by_label("Thème de la démarche").input_value() == "retraite"
    assert page.get_by_role("group", name="Résultat").get_by_label("En cours").is_checked()
    assert page.get_by_role("group", name="Tranche d'âge").get_by_label("60 à 74 ans").is_checked()
    assert page.get_by_label("Durée en minutes").input_value() == ""  # a duration is not a choice: never carried
    assert page.get_by_label("Date et heure de la visite").input_value() == "2026-11-26T10:30"
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 2 visites"
    first, second = api.visits()
    same = ("canal", "operateur", "theme", "niveau", "resultat", "tranche_age", "situation")
    assert [first[k] for k in same] == [second[k] for k in same] == [
        "telephone", "msa", "retraite", "information", "en-cours", "60-74", None]
    assert (first["duree_minutes"], second["duree_minutes"]) == (20, None)
    assert status(page) == f"Visite enregistrée (n° {second['id']})."


def test_a_visit_recorded_later_keeps_its_own_date_and_time(form, api, token):
    page = form
    login(page, api, token)
    choose(page)
    page.get_by_label("Date et heure de la visite").fill("2026-11-25T16:45")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    assert api.visits()[0]["quand"] == dt.datetime(2026, 11, 25, 16, 45)
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 0 visite"  # yesterday's does not count
    assert page.get_by_label("Date et heure de la visite").input_value() == "2026-11-26T10:30"  # back to now


def test_missing_choices_are_listed_announced_and_focused(form, api, token):
    page = form
    login(page, api, token)
    page.get_by_role("button", name="Enregistrer").click()
    errors = page.locator("#erreurs")
    assert errors.get_attribute("role") == "alert"
    assert errors.locator("li").all_inner_texts() == [
        "Canal : choisissez une valeur", "Thème de la démarche : choisissez une valeur",
        "Niveau d'accompagnement : choisissez une valeur", "Résultat : choisissez une valeur"]
    assert "La visite n'est pas enregistrée : 4 champs à corriger." in errors.inner_text()
    assert page.evaluate("document.activeElement.name") == "canal"
    assert page.get_by_label("Thème de la démarche").get_attribute("aria-invalid") == "true"
    page.get_by_label("Durée en minutes").fill("600")
    choose(page)
    page.get_by_role("button", name="Enregistrer").click()
    assert errors.locator("li").all_inner_texts() == ["Durée : un nombre entier de minutes, de 1 à 480"]
    assert page.evaluate("document.activeElement.id") == "duree"
    assert api.visits() == [] and stored(page, "msap-saisie-file") is None


def test_a_wrong_token_is_refused_with_the_api_reason(form, api, token):
    page = form
    page.goto(api.form)
    field = page.get_by_label("Jeton d'accès de la Maison")
    assert field.get_attribute("type") == "password"
    field.fill("msap_pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    message = page.locator("#connexion-message")
    message.filter(has_text="Jeton refusé").wait_for()
    assert message.get_attribute("role") == "alert"
    assert message.inner_text() == ("Jeton refusé. Jeton inconnu ou révoqué. "
                                    "Indice : demandez un nouveau jeton à votre référent.")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "jeton"
    assert page.locator("#espace").is_hidden() and stored(page, "msap-saisie-session") is None
    assert in_tab(page, "msap-saisie-session") is None

    field.fill(token)  # then the right one; « Changer de jeton » brings the question back
    field.press("Enter")
    page.locator("#espace").wait_for()
    page.get_by_role("button", name="Changer de jeton / se déconnecter").click()
    assert page.locator("#connexion").is_visible() and page.locator("#espace").is_hidden()
    assert stored(page, "msap-saisie-session") is None and in_tab(page, "msap-saisie-session") is None
    assert page.evaluate("document.activeElement.id") == "jeton"
    assert network_noise(page.msap_errors) == []


def test_the_token_lives_for_the_tab_unless_the_device_is_remembered_then_expires(form, api, token):
    page = form
    login(page, api, token)
    other = watch(page.context.new_page())  # another tab (a closed tab's storage is gone the same way)
    other.clock.set_fixed_time(NOW)
    other.goto(api.form)
    other.locator("#connexion").wait_for()
    assert other.locator("#espace").is_hidden()  # the token was not kept on the device
    other.get_by_label("Jeton d'accès de la Maison").fill(token)
    other.get_by_label("Se souvenir de cet appareil pendant 30 jours").check()
    other.get_by_role("button", name="Se connecter").click()
    other.locator("#espace").wait_for()
    kept = stored(other, "msap-saisie-session")
    assert kept["maison"] == MAISON and in_tab(other, "msap-saisie-session") is None
    days = (kept["expire"] - other.evaluate("Date.now()")) / 86_400_000
    assert 29.9 < days <= 30
    third = watch(page.context.new_page())  # remembered: a new tab opens the form at once
    third.clock.set_fixed_time(NOW)
    third.goto(api.form)
    third.locator("#espace").wait_for()
    third.evaluate("""() => { const s = JSON.parse(localStorage.getItem('msap-saisie-session'));
                              s.expire = Date.now() - 1; localStorage.setItem('msap-saisie-session', JSON.stringify(s)); }""")
    third.reload()
    third.locator("#connexion").wait_for()  # expired: asked again, and forgotten
    assert stored(third, "msap-saisie-session") is None
    for p in (page, other, third):
        assert network_noise(p.msap_errors) == []  # no refusal by the Content-Security-Policy either


def test_offline_visits_wait_on_the_device_then_are_sent_once_back_online(form, api, token):
    page = form
    login(page, api, token)
    page.locator("#compteur").filter(has_text="Aujourd'hui : 0 visite").wait_for()
    choose(page)
    page.context.set_offline(True)
    for n in (1, 2):
        page.get_by_role("button", name="Enregistrer").click()
        page.locator("#statut").filter(has_text=f"({n} visite").wait_for()
    assert status(page) == ("Visite gardée sur cet appareil : elle sera envoyée au retour du réseau "
                            "(2 visites en attente d'envoi).")
    assert page.locator("#attente-texte").inner_text() == "2 visites en attente d'envoi"
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 2 visites (dont 2 en attente d'envoi)"
    assert "Hors ligne" in page.locator("#synchro").inner_text()
    assert api.visits() == []
    assert len(stored(page, "msap-saisie-file")["attente"]) == 2

    page.context.set_offline(False)  # the « online » event sends the queue
    page.locator("#attente").wait_for(state="hidden")
    page.locator("#synchro").filter(has_text="2 visites en attente envoyées.").wait_for()
    assert len(api.visits()) == 2 and api.keys() == 1  # one batch, one key
    page.locator("#compteur").filter(has_text="Aujourd'hui : 2 visites").wait_for()
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 2 visites"
    assert stored(page, "msap-saisie-file") == {"attente": [], "lots": [], "refuses": []}
    assert network_noise(page.msap_errors) == []


def test_a_batch_whose_answer_was_lost_is_sent_again_with_its_key_and_counted_once(form, api, token):
    page = form
    login(page, api, token)
    choose(page)
    keys: list[str] = []

    def reach_the_server_then_lose_the_answer(route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        answer = route.fetch()  # the server records the batch…
        assert answer.status == 201
        route.abort("connectionreset")  # …but the page never hears of it

    page.route("**/visites/lot", reach_the_server_then_lose_the_answer)
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite gardée sur cet appareil").wait_for()
    assert len(api.visits()) == 1
    [batch] = stored(page, "msap-saisie-file")["lots"]
    assert batch["cle"] == keys[0] and len(batch["visites"]) == 1  # the key was stored before the sending
    assert page.locator("#attente-texte").inner_text() == "1 visite en attente d'envoi"

    page.unroute("**/visites/lot")
    with page.expect_request("**/visites/lot") as retried:
        page.get_by_role("button", name="Envoyer maintenant").click()
    assert retried.value.headers["idempotency-key"] == keys[0]
    page.locator("#attente").wait_for(state="hidden")
    page.locator("#compteur").filter(has_text="Aujourd'hui : 1 visite").wait_for()
    assert len(api.visits()) == 1 and api.keys() == 1
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 1 visite"
    assert stored(page, "msap-saisie-file")["lots"] == []
    assert network_noise(page.msap_errors) == []


def test_a_refused_batch_is_kept_aside_with_the_reason_and_the_next_visits_go_on(form, api, token):
    page = form
    login(page, api, token)
    page.evaluate("""(today) => localStorage.setItem('msap-saisie-file', JSON.stringify({attente: [{
        id: 'ancienne', maison: 'fs-temp-30',
        visite: {quand: today + 'T09:05', canal: 'pigeon-voyageur', theme: 'famille', niveau: 'information',
                 resultat: 'resolu'}}]}))""", TODAY)
    page.reload()
    page.locator("#refuses").wait_for()
    reason = page.locator("#refuses-liste li").inner_text()
    assert reason.startswith("1 visite (26/11/2026 09:05) : Données refusées : visites.0.canal : valeur inconnue")
    assert "Indice : corrigez les champs listés" in reason
    assert "refusées par le serveur" in page.locator("#synchro").inner_text()
    kept = stored(page, "msap-saisie-file")
    assert kept["attente"] == [] and kept["lots"] == []
    assert kept["refuses"][0]["statut"] == 422
    assert kept["refuses"][0]["visites"][0]["visite"]["canal"] == "pigeon-voyageur"  # not lost
    assert api.visits() == []

    choose(page)
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    assert len(api.visits()) == 1
    assert len(stored(page, "msap-saisie-file")["refuses"]) == 1
    assert network_noise(page.msap_errors) == []


def test_my_visits_download_as_csv(form, api, token):
    page = form
    login(page, api, token)
    choose(page, theme="Logement", operateur="Anah")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    assert page.get_by_label("Du (premier jour)").input_value() == "2026-11-01"
    assert page.get_by_label("Au (dernier jour compris)").input_value() == TODAY
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le fichier CSV").click()
    assert download.value.suggested_filename == f"visites-{MAISON}-2026-11-01-au-{TODAY}.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("numero;maison;nom_maison;date;heure;canal")
    assert len(lines) == 2 and ";Anah;Logement;" in lines[1] and f";{TODAY};10:30;" in lines[1]
    assert "Fichier téléchargé" in page.locator("#export-message").inner_text()

    page.get_by_label("Du (premier jour)").fill("2026-11-27")
    page.get_by_role("button", name="Télécharger le fichier CSV").click()
    assert page.locator("#export-message").inner_text() == "La date de fin précède la date de début."
    assert page.evaluate("document.activeElement.id") == "au"


def test_the_form_passes_axe_and_the_nu_validator(form, api, token, axe, vnu):
    page = form
    page.goto(api.form)
    page.locator("#connexion").wait_for()
    violations = axe(page)
    assert violations == [], axe.format(violations)
    login(page, api, token)
    page.get_by_role("button", name="Enregistrer").click()  # with its error messages shown
    page.locator("#erreurs li").first.wait_for()
    violations = axe(page)
    assert violations == [], axe.format(violations)
    assert page.title() and page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.lang") == "fr"
    errors = vnu([SAISIE / "index.html", SAISIE / "saisie.css"])
    assert errors == [], vnu.format(errors)


def test_the_form_opens_offline_through_its_service_worker(form, api, token):
    page = form
    login(page, api, token)
    choose(page, canal="Visioconférence")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#statut").filter(has_text="Visite enregistrée").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cached = page.evaluate("""async () => (await (await caches.open('msap-saisie-v1')).keys())
                                           .map(r => new URL(r.url).pathname).sort()""")
    assert cached == ["/saisie/", "/saisie/index.html", "/saisie/saisie.css", "/saisie/saisie.js"]

    page.context.set_offline(True)
    assert page.evaluate("fetch('/api/v1/sante').then(() => 'en ligne', () => 'hors ligne')") == "hors ligne"
    answer = page.reload()
    assert answer is not None and answer.from_service_worker
    page.locator("#groupe-canal input").first.wait_for()
    assert page.locator("#maison").inner_text() == "France services d’Ahun"
    assert page.get_by_role("group", name="Canal").get_by_label("Visioconférence").is_checked()
    assert "Hors ligne" in page.locator("#synchro").inner_text()
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("#attente-texte").filter(has_text="1 visite en attente d'envoi").wait_for()
    assert page.locator("#compteur").inner_text() == "Aujourd'hui : 2 visites (dont 1 en attente d'envoi)"

    page.context.set_offline(False)
    page.locator("#attente").wait_for(state="hidden")
    assert [row["canal"] for row in api.visits()] == ["visio", "visio"]
    assert api.keys() == 2
    assert network_noise(page.msap_errors) == []


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_the_api_documentation_page_works_offline_under_its_policy(page, api, width, height):
    """/docs: Swagger UI served by the API (no CDN), under the API's own Content-Security-Policy."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{api.url}/docs")
    page.locator(".opblock").first.wait_for()
    summaries = page.locator(".opblock-summary-description").all_inner_texts()
    assert "Enregistrer une visite" in summaries and "Statistiques publiques" in " ".join(summaries)
    page.locator("button.authorize").first.wait_for()  # the bearer scheme of the document
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"msap-api-docs-{width}.png"))
    assert page.msap_errors == []
