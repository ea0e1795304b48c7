"""The built portal in a real Chromium: home, fiche hours and open state, search, filters, accessibility, HTML.

Runs on the golden sample site (tests/golden/portail, with its snapshot of visit statistics: the fiches, the
départements and statistiques/ show their charts and tables), built once per session; every request that would
leave 127.0.0.1 is blocked and fails the test (fixture ``page``).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

PARIS = ZoneInfo("Europe/Paris")
# One page per template (and the editorial pages rendered by mkdocs-material).
TEMPLATES = {
    "accueil": "",
    "trouver": "maisons/",
    "region": "maisons/region-75/",
    "departement": "maisons/23/",
    "fiche": "maisons/23/gueret/",
    "carte": "maisons/carte/?q=Gu%C3%A9ret&dep=23",
    "carte-integree": "maisons/carte/integrer/",
    "couverture": "maisons/couverture/",
    "commune": "communes/23096/",
    "fiche-bus": "maisons/08/bus-ardennes/",
    "demarches": "demarches/",
    "operateur": "demarches/caf/",
    "operateur-departement": "demarches/anah/23/",
    "activites": "activites/",
    "activite": "activites/epn/",
    "boite": "boite-a-outils/",
    "boite-theme": "boite-a-outils/theme/famille/",
    "ressource": "boite-a-outils/guide-accueil/",
    "projets": "projets/",
    "projet": "projets/atelier-numerique-gueret/",
    "donnees": "donnees/",
    "statistiques": "statistiques/",
    "recherche": "recherche/?q=gu%C3%A9ret",
    "a-propos": "a-propos/",
    "accessibilite": "accessibilite/",
    "mentions-legales": "mentions-legales/",
    "404": "maisons/nulle-part/",  # the host answers with 404.html
}
FILES = {"404": "404.html"}  # the file a template's page is, when not <path>/index.html


@pytest.fixture(scope="module")
def base(sample_site: Path, serve_dir) -> str:
    return serve_dir(sample_site)


def test_home_loads_with_its_figures(page, base):
    page.goto(base)
    assert page.title() == "Accueil - Maisons de services au public"
    assert page.locator("h1").inner_text() == "Maisons de services au public"
    assert "3\nMaisons" in page.locator(".msap-chiffres").inner_text()
    page.get_by_role("link", name="Trouver une Maison").first.click()
    page.wait_for_url("**/maisons/")
    assert page.locator("h1").inner_text() == "Trouver une Maison"
    assert page.msap_errors == []


@pytest.mark.parametrize("when, expected", [
    (dt.datetime(2026, 11, 26, 10, 0), "Ouvert maintenant, jusqu'à 12:00"),          # a Thursday morning
    (dt.datetime(2026, 11, 26, 12, 30), "Fermé — ouvre aujourd'hui à 13:30"),       # lunch break
    (dt.datetime(2026, 11, 28, 18, 0), "Fermé — ouvre lundi à 09:00"),              # Saturday evening
    (dt.datetime(2026, 11, 29, 11, 0), "Fermé — ouvre demain à 09:00"),             # Sunday
    (dt.datetime(2026, 12, 24, 10, 0), "Fermé aujourd'hui (Fêtes de fin d'année) — ouvre lundi à 09:00"),
])
def test_fiche_shows_hours_and_open_state_for_a_frozen_clock(page, base, when, expected):
    page.clock.set_fixed_time(when.replace(tzinfo=PARIS))
    page.goto(base + "maisons/23/gueret/")
    status = page.locator("#msap-statut")
    assert status.inner_text() == expected
    assert page.locator(".msap-horaires tr").nth(0).inner_text() == "Lundi\t09:00 – 12:00, 13:30 – 17:00"
    today = page.locator(".msap-horaires tr[aria-current=date] th")
    assert today.inner_text() == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"][when.weekday()]
    assert page.msap_errors == []


def _results(page) -> list[str]:
    page.locator("#msap-etat").filter(has_text="résultat").wait_for()
    return page.locator(".msap-resultat__titre").all_inner_texts()


def test_search_finds_a_maison_by_commune_and_a_resource_by_title(page, base):
    page.goto(base + "recherche/")
    page.fill("#q", "Charleville")
    page.press("#q", "Enter")
    assert _results(page)[0] == "Bus France services des Ardennes"
    assert "q=Charleville" in page.url  # the state is in the address: a result can be shared
    page.fill("#q", "guide accueil")
    page.press("#q", "Enter")
    assert _results(page)[0] == "Guide de l'accueil en Maison"
    page.locator(".msap-resultat__titre a").first.click()
    page.wait_for_url("**/boite-a-outils/guide-accueil/")
    assert page.locator("h1").inner_text() == "Guide de l'accueil en Maison"
    assert page.msap_errors == []


def test_search_from_the_header_box_and_filters(page, base):
    page.goto(base + "maisons/23/")
    if not page.locator("#msap-q").is_visible():  # narrow screens: the box opens from the header's icon
        page.locator("label.md-header__button[for=__search]").click()
    page.fill("#msap-q", "France services")
    page.press("#msap-q", "Enter")
    page.wait_for_url("**/recherche/?q=France+services")
    assert set(_results(page)) >= {"France services de Guéret", "France services Bourganeuf"}
    page.select_option("#f-departement", "08 – Ardennes")
    page.locator("#msap-etat").filter(has_text="1 résultat").wait_for()
    assert _results(page) == ["Bus France services des Ardennes"]
    assert "departement=08" in page.url
    page.select_option("#f-departement", "")
    page.select_option("#f-type", "Projet")
    page.fill("#q", "Guéret")
    page.press("#q", "Enter")
    page.locator("#msap-etat").filter(has_text="1 résultat").wait_for()
    assert _results(page) == ["Ateliers numériques à Guéret"]
    assert page.msap_errors == []


def test_a_shared_search_address_reopens_the_same_results(page, base):
    page.goto(base + "recherche/?q=Guide&type=Ressource")
    assert _results(page) == ["Guide de l'accueil en Maison"]
    assert page.locator("#f-type").input_value() == "Ressource"


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_has_no_accessibility_violation(page, base, axe, name, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base + TEMPLATES[name])
    if name == "recherche":
        _results(page)
    if name.startswith("carte"):  # audit the map once its controls and outlines are drawn
        page.locator("#loc-carte").scroll_into_view_if_needed()
        page.locator(".leaflet-control-attribution a").first.wait_for()
        page.locator("path.leaflet-interactive, .leaflet-overlay-pane path").first.wait_for(state="attached")
    # audited at rest: a fading element (the tabs hide as the page scrolls to an answer) has no final colour yet
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    violations = axe(page)
    assert violations == [], axe.format(violations)


def test_every_template_is_valid_html(sample_site: Path, vnu):
    files = [sample_site / FILES[name] if name in FILES else sample_site / (path.split("?")[0] or "") / "index.html"
             for name, path in TEMPLATES.items()]
    errors = vnu(sorted(set(files)))
    assert errors == [], vnu.format(errors)


def test_pages_read_without_javascript(browser, base):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.abort() if "127.0.0.1" not in route.request.url else route.continue_())
        page.goto(base + "maisons/23/")
        page.get_by_role("link", name="France services de Guéret").first.click()
        page.wait_for_url("**/maisons/23/gueret/")
        assert "09:00 – 12:00" in page.locator(".msap-horaires").inner_text()
        page.goto(base + "demarches/caf/")  # every Maison serves the CAF: straight to the département's list
        page.get_by_role("link", name="Creuse (23)").click()
        page.wait_for_url("**/maisons/23/")
        assert page.get_by_role("link", name="France services Bourganeuf").first.is_visible()
        page.goto(base + "demarches/anah/")  # a partner of some Maisons only: its own list per département
        page.get_by_role("link", name="Creuse (23)").click()
        page.wait_for_url("**/demarches/anah/23/")
        assert page.get_by_role("link", name="France services de Guéret").is_visible()
        assert page.get_by_role("link", name="France services Bourganeuf").count() == 0
    finally:
        context.close()


VIOLATIONS = """() => { window.__csp = []; document.addEventListener("securitypolicyviolation",
    e => window.__csp.push(e.violatedDirective + " " + e.blockedURI)); }"""


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_runs_under_the_content_security_policy_it_ships(page, base, name):
    """The page is served with the headers of its ``_headers`` (as a web host would): nothing it needs is
    refused, and it does run its scripts (a refused script would leave the page without them)."""
    import urllib.error
    import urllib.request
    try:
        shipped = urllib.request.urlopen(base + TEMPLATES[name]).headers
    except urllib.error.HTTPError as missing:  # the 404 page comes with its status
        assert missing.code == 404 and name == "404"
        shipped = missing.headers
    assert "script-src 'self' 'wasm-unsafe-eval';" in shipped["Content-Security-Policy"]
    assert "unsafe-inline" not in shipped["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    page.add_init_script(f"({VIOLATIONS})()")
    page.goto(base + TEMPLATES[name])
    if name == "recherche":
        _results(page)
    if name.startswith("carte"):
        page.locator("#loc-carte").scroll_into_view_if_needed()
        page.locator(".leaflet-control-attribution a").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__csp") == []
    assert [e for e in page.msap_errors if "Content Security Policy" in e] == []
    if name != "carte-integree":  # the embeddable map is a page of its own, without the theme
        assert page.evaluate("document.documentElement.classList.contains('js')")  # mkdocs-material's bundle ran
        assert page.evaluate("typeof __md_scope === 'object' && __md_scope.href") == base  # the site's root


def test_an_inline_script_would_be_refused(page, base):
    """The policy is enforced (the test above could not fail without it): a script written into a page is not
    run."""
    page.add_init_script(f"({VIOLATIONS})()")
    page.goto(base + "maisons/23/gueret/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                             document.body.append(s); }""")
    assert page.evaluate("window.__ran") is None
    page.wait_for_function("() => window.__csp.length > 0")  # and the listener the test above relies on saw it
    assert page.evaluate("window.__csp")[0].startswith("script-src")
    page.msap_errors.clear()


def test_only_the_embeddable_map_may_be_framed_by_another_site(base):
    import urllib.request
    fiche = urllib.request.urlopen(base + "maisons/23/gueret/").headers
    embed = urllib.request.urlopen(base + "maisons/carte/integrer/").headers
    admin = urllib.request.urlopen(base + "admin/").headers
    assert fiche["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors" not in fiche["Content-Security-Policy"]
    assert embed["Content-Security-Policy"].endswith("frame-ancestors *")
    assert admin["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in admin["Content-Security-Policy"]
    for answer in (fiche, embed, admin):
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Referrer-Policy"] == "strict-origin-when-cross-origin"


SECTIONS = ["Accueil", "Trouver une Maison", "Démarches", "Boîte à outils", "Projets", "Qu'est-ce qu'une Maison ?",
            "Données ouvertes"]


def test_the_menu_reaches_every_main_section_on_a_phone_by_touch_and_keyboard(page, base):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "maisons/23/gueret/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    drawer = page.locator("#msap-menu")
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('#msap-menu')")
    links = [a for a in drawer.get_by_role("link").all() if a.inner_text().strip()]
    assert [a.inner_text().strip() for a in links] == SECTIONS
    assert all(a.is_visible() for a in links)
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Menu"
    for name in SECTIONS[1:]:  # by touch: each section opens from the menu
        menu.click()
        drawer.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.inner_text().strip() != "", name
    page.goto(base + "projets/")
    assert page.locator("h1").inner_text() == "Projets des Maisons"
    assert page.msap_errors == []


def test_on_a_desktop_the_tabs_serve_and_the_drawer_stays_hidden(page, base):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base + "maisons/23/gueret/")
    assert page.locator(".md-tabs").is_visible()
    assert page.locator("#msap-menu").is_hidden()
    assert page.get_by_role("button", name="Menu").is_hidden()


def _etat(page) -> str:
    page.wait_for_function("() => { const e = document.getElementById('msap-etat'); return e && e.textContent.endsWith('.'); }")
    return page.locator("#msap-etat").inner_text()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_commune_or_a_postcode_typed_in_the_home_box_gives_the_nearest_places(page, base, width):
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 900})
    page.goto(base)
    box = page.get_by_label("Votre commune, votre code postal ou le nom d'une Maison")
    box.fill("Objat")  # 3,700 inhabitants, no Maison of its own: no page of the portal names it
    box.press("Enter")
    assert _etat(page).startswith("1 commune")
    communes = page.locator("#msap-communes-liste a")
    assert communes.all_inner_texts() == ["Objat (19 – Corrèze)"]
    communes.first.click()
    page.locator("#loc-resultats li").first.wait_for()
    assert page.locator("#loc-titre").inner_text() == "Les lieux les plus proches de Objat (19)"
    page.goto(base + "recherche/?q=19130")
    assert _etat(page).startswith(("5 communes", "6 communes"))
    assert "Objat (19 – Corrèze)" in page.locator("#msap-communes-liste a").all_inner_texts()
    page.goto(base + "recherche/?q=Gu%C3%A9ret")  # a commune and the name of Maisons: both answers
    _etat(page)
    assert page.locator("#msap-communes-liste a").all_inner_texts()[0] == "Guéret (23 – Creuse)"
    assert page.locator("#msap-resultats a", has_text="France services de Guéret").count() == 1
    page.goto(base + "recherche/?q=atelier")  # not a commune: the full-text results alone
    _etat(page)
    assert page.locator("#msap-communes").is_hidden() and page.locator("#msap-resultats li").count() >= 1
    assert page.locator("#msap-plus").is_hidden()  # nothing more to show: no « Plus de résultats »
    assert [e for e in page.msap_errors if "Failed to load resource" not in e] == []  # map tiles are refused


def test_the_header_search_gives_the_communes_too(page, base):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base + "maisons/23/gueret/")
    page.locator("#msap-q").fill("Brive")
    page.locator("#msap-q").press("Enter")
    _etat(page)
    assert page.locator("#msap-communes-liste a").first.inner_text() == "Brive-la-Gaillarde (19 – Corrèze)"


def test_a_highlighted_word_keeps_the_spaces_around_it(page, base):
    page.goto(base + "recherche/?q=accueil")
    _etat(page)
    extrait = page.locator(".msap-resultat__extrait").first
    mark = extrait.locator("mark").first.inner_text()
    text = extrait.inner_text()
    at = text.index(mark)
    assert (at == 0 or text[at - 1] in " ('«\u00a0") and (at + len(mark) == len(text) or not text[at + len(mark)].isalpha())


def test_on_a_phone_the_fiche_shows_today_a_call_and_the_way_first(page, base):
    page.set_viewport_size({"width": 390, "height": 844})
    page.clock.set_fixed_time(dt.datetime(2026, 11, 26, 10, 0).replace(tzinfo=PARIS))  # a Thursday
    page.goto(base + "maisons/23/gueret/")
    today = page.locator("#msap-aujourdhui")
    assert today.inner_text() == "Aujourd'hui : 09:00 – 12:00, 13:30 – 17:00"
    call = page.get_by_role("link", name="Appeler le 05 55 51 00 00")
    assert call.get_attribute("href") == "tel:0555510000"
    way = page.locator(".msap-essentiel a", has_text="Itinéraire")
    assert way.get_attribute("href").startswith("https://www.openstreetmap.org/directions?to=")
    for element in (page.locator("h1"), page.locator("#msap-statut"), today, call, way):
        box = element.bounding_box()
        assert box and box["y"] + box["height"] <= 844, element  # within the first screen
    page.clock.set_fixed_time(dt.datetime(2026, 12, 24, 10, 0).replace(tzinfo=PARIS))  # a closure of the fiche
    page.reload()
    assert page.locator("#msap-aujourdhui").inner_text().startswith("Aujourd'hui : fermé (")
    assert page.msap_errors == []


def test_on_a_desktop_the_fiche_keeps_its_three_columns_without_the_summary(page, base):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base + "maisons/23/gueret/")
    assert page.locator(".msap-essentiel").is_hidden()
    assert page.locator("#t-horaires").bounding_box()["y"] < 900


@pytest.mark.parametrize("query, first", [("CAF", "Où faire mes démarches CAF"), ("Creuse", "Maisons : Creuse (23)")])
def test_demarche_and_departement_pages_are_found(page, base, query, first):
    page.goto(base + "recherche/?q=" + query)
    _etat(page)
    assert first in page.locator(".msap-resultat__titre").all_inner_texts()[:3]
    if query == "CAF":  # a short word is no commune's beginning
        assert page.locator("#msap-communes").is_hidden()


def test_the_header_search_on_a_phone_opens_with_its_field_focused(page, base):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "maisons/23/gueret/")
    page.locator('label.md-header__button[for="__search"]').click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'msap-q'")
    page.keyboard.type("Objat")
    page.keyboard.press("Enter")
    assert _etat(page).startswith("1 commune")


def _tile_png() -> bytes:
    """A 256×256 grey PNG, what a tile server answers."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xee" * 256 * 3 for _ in range(256))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_the_access_map_loads_on_demand_around_the_pin(page, base, width, height):
    page.set_viewport_size({"width": width, "height": height})
    tiles: list[str] = []

    def tile(route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, body=_tile_png(), content_type="image/png")
    page.route("**/tuiles/**", tile)
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if "leaflet" in request.url else None)
    page.goto(base + "maisons/23/gueret/")
    page.wait_for_load_state("load")
    assert scripts == [] and tiles == []  # nothing heavy until asked for
    outline = page.locator(".msap-minicarte")
    assert outline.is_visible()
    page.get_by_role("button", name="Afficher le plan d'accès").click()
    region = page.get_by_role("region", name="Plan d'accès : France services de Guéret")
    region.locator(".leaflet-tile-loaded").first.wait_for()
    assert "/tuiles/16/" in tiles[0]  # zoomed on the street
    pin, box = region.locator(".msap-pin").bounding_box(), region.bounding_box()
    assert abs(pin["x"] + pin["width"] / 2 - (box["x"] + box["width"] / 2)) < 2  # the fiche's pin, in the middle
    assert outline.is_hidden()  # the real map replaces the outline
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'msap-plan-carte'")
    assert page.msap_errors == []


def test_without_tiles_the_access_map_keeps_the_pin_and_the_outline(page, base):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "maisons/23/gueret/")
    page.get_by_role("button", name="Afficher le plan d'accès").click()
    status = page.locator("#msap-plan-etat")
    page.wait_for_function("() => document.getElementById('msap-plan-etat').textContent.includes('ne se charge pas')")
    assert "la situation dans le département reste affichée" in status.inner_text()
    assert page.locator("#msap-plan-carte .msap-pin").is_visible()
    assert page.locator(".msap-minicarte").is_visible()
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []  # only the dead tile server complains


def test_the_access_map_button_needs_javascript(browser, base):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "maisons/23/gueret/")
    assert page.locator("#msap-plan").is_hidden()  # no button that would do nothing
    assert page.locator(".msap-minicarte").is_visible()
    context.close()


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_the_fiche_reads_in_the_order_it_shows(page, base, width, height):
    """What a screen reader reads and the keyboard reaches follows what is seen (RGAA 10.3): the sections'
    headings, ordered by their place on the screen (rows, then columns), are in the order of the page."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base + "maisons/23/gueret/")
    headings = page.locator(".msap-fiche h2")
    boxes = [(headings.nth(i).inner_text(), headings.nth(i).bounding_box()) for i in range(headings.count())]
    seen = [name for name, box in sorted(boxes, key=lambda nb: (round(nb[1]["y"] / 40), nb[1]["x"]))]
    assert seen == [name for name, _ in boxes]
    assert [name for name, _ in boxes][:3] == ["Adresse", "Contact", "Horaires"]


@pytest.mark.parametrize("when, expected", [
    # Thursday 3 December 2026 is a first Thursday: Rocroi's bus comes that day (until noon)
    (dt.datetime(2026, 12, 1, 10, 0), ["Aujourd'hui", "Jeudi 3 décembre"]),
    (dt.datetime(2026, 12, 3, 13, 0), ["Mardi 8 décembre", "Jeudi 17 décembre"]),
])
def test_the_fiche_gives_each_stop_s_next_passage_on_the_day_it_is_read(page, base, when, expected):
    page.clock.set_fixed_time(when.replace(tzinfo=PARIS))
    page.goto(base + "maisons/08/bus-ardennes/")
    cells = page.locator("[data-passage]")
    page.wait_for_function("() => document.querySelector('[data-passage]').textContent.indexOf('2026') < 0")
    assert cells.all_inner_texts() == expected
    links = page.get_by_role("link", name="Ajouter à mon agenda")
    assert links.count() == 2 and links.nth(1).get_attribute("href").endswith("calendriers/fs-9003-arret-2.ics")
    assert page.msap_errors == []
