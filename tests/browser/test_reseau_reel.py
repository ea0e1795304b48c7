"""Citizens' journeys on the portal of the real network (the 2,683 committed fiches), on a phone (390×844) and a
desktop (1366×900), every request that would leave 127.0.0.1 blocked (fixture ``page``; the map tiles point to a
loopback port where nothing listens, as in the golden suite). Then a crawl of the whole built site: no internal
link may be broken."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from conftest import REPO

pytestmark = pytest.mark.reseau

PARIS = ZoneInfo("Europe/Paris")
SIZES = [(390, 844), (1366, 900)]
SECTIONS = {"Trouver une Maison": "Trouver une Maison", "Démarches": "Où faire mes démarches",
            "Boîte à outils": "Boîte à outils", "Projets": "Projets des Maisons",
            "Qu'est-ce qu'une Maison ?": "Qu'est-ce qu'une Maison de services au public ?",
            "Données ouvertes": "Données ouvertes"}


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    from generator.config import load_config
    from generator.portal.build import build

    config = load_config(REPO).model_copy(update={"carte_tuiles": "http://127.0.0.1:9/tuiles/{z}/{x}/{y}.png"})
    site = tmp_path_factory.mktemp("reseau") / "site"
    result = build(REPO, config, site, site_url="https://portail.test/")
    assert result.site_dir == site
    return site


@pytest.fixture(scope="module")
def base(real_site: Path, serve_dir) -> str:
    return serve_dir(real_site)


def sized(page, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    return width < 800


def state(page) -> str:
    page.wait_for_function("() => { const e = document.getElementById('msap-etat'); return e && e.textContent.endsWith('.'); }")
    return page.locator("#msap-etat").inner_text()


def communes(page) -> list[str]:
    return page.locator("#msap-communes-liste a").all_inner_texts()


def search_from_header(page, base: str, phone: bool, text: str) -> None:
    page.goto(base + "maisons/19/")
    if phone:
        page.locator('label.md-header__button[for="__search"]').click()
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'msap-q'")
    page.locator("#msap-q").fill(text)
    page.locator("#msap-q").press("Enter")
    page.wait_for_url("**/recherche/?q=*")


def locator_options(page) -> list[str]:
    page.locator("#loc-suggestions li").first.wait_for()
    return page.locator("#loc-suggestions li").all_inner_texts()


def results(page) -> list[str]:
    page.locator("#loc-resultats li").first.wait_for()
    return page.locator("#loc-resultats li .msap-carte-maison__nom a").all_inner_texts()


@pytest.mark.parametrize("width, height", SIZES)
def test_the_menu_reaches_each_main_section(page, base, width, height):
    phone = sized(page, width, height)
    for label, title in SECTIONS.items():
        page.goto(base)
        if phone:
            page.get_by_role("button", name="Menu").click()
            page.locator("#msap-menu").get_by_role("link", name=label, exact=True).click()
        else:
            page.locator(".md-tabs").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.inner_text().strip() == title, label
    assert page.msap_errors == []


@pytest.mark.parametrize("width, height", SIZES)
def test_the_home_box_finds_communes_postcodes_maisons_and_demarches(page, base, width, height):
    sized(page, width, height)
    page.goto(base)
    box = page.get_by_label("Votre commune, votre code postal ou le nom d'une Maison")
    box.fill("Objat")
    box.press("Enter")
    assert state(page).startswith("1 commune") and communes(page) == ["Objat (19 – Corrèze)"]
    page.locator("#msap-communes-liste a").first.click()
    page.locator("#loc-resultats li").first.wait_for()
    assert page.locator("#loc-titre").inner_text() == "Les lieux les plus proches de Objat (19)"
    for text, first in (("Guéret", "Guéret (23 – Creuse)"), ("Brive", "Brive-la-Gaillarde (19 – Corrèze)")):
        page.goto(base)
        page.get_by_label("Votre commune, votre code postal ou le nom d'une Maison").fill(text)
        page.get_by_label("Votre commune, votre code postal ou le nom d'une Maison").press("Enter")
        state(page)
        assert communes(page)[0] == first, text
    assert page.locator("#msap-resultats a", has_text="France services Brive Tujac").count() == 1  # and Maisons
    page.goto(base + "recherche/?q=19130")
    state(page)
    listed = communes(page)
    assert len(listed) >= 2 and "Objat (19 – Corrèze)" in listed  # a shared postcode: listed, never picked
    page.goto(base + "recherche/?q=Brive%20Tujac")  # a Maison's name
    state(page)
    assert page.locator(".msap-resultat__titre").first.inner_text() == "France services Brive Tujac"
    page.goto(base + "recherche/?q=CAF")
    state(page)
    assert "Où faire mes démarches CAF" in page.locator(".msap-resultat__titre").all_inner_texts()[:3]
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []


@pytest.mark.parametrize("width, height", SIZES)
def test_the_header_search_finds_a_commune_and_a_demarche(page, base, width, height):
    phone = sized(page, width, height)
    search_from_header(page, base, phone, "Guéret")
    state(page)
    assert communes(page)[0] == "Guéret (23 – Creuse)"  # no Maison in Guéret itself: the commune's answer first
    search_from_header(page, base, phone, "CAF")
    state(page)
    assert "Où faire mes démarches CAF" in page.locator(".msap-resultat__titre").all_inner_texts()[:3]
    assert page.msap_errors == []


@pytest.mark.parametrize("width, height", SIZES)
def test_the_locator_lists_chooses_and_answers_in_town(page, base, width, height):
    sized(page, width, height)
    page.goto(base + "maisons/carte/")
    page.wait_for_function("() => window.msapLocalisateur && window.msapLocalisateur.lieux.length > 0")
    field = page.locator("#loc-q")
    field.fill("Brive")
    field.press("Enter")
    assert locator_options(page)[0].startswith("Brive-la-Gaillarde (19 – Corrèze)")
    assert page.locator("#loc-resultats li").count() == 0
    field.fill("19130")
    field.press("Enter")
    listed = locator_options(page)
    assert len(listed) >= 2 and any(o.startswith("Objat (19") for o in listed)
    page.locator("#loc-suggestions li", has_text="Objat").click()
    assert results(page)
    box = page.locator("#loc-resultats li").first.bounding_box()
    assert box["y"] + box["height"] <= height  # the first answer comes into view
    field.fill("Cayenne")
    field.press("Enter")
    page.wait_for_function("() => document.querySelector('#loc-statut').textContent.includes('Cayenne')")
    names = results(page)[:3]
    assert "France services de Cayenne" in names, names  # the town's own Maison, not Macouria's and Kourou's
    field.fill("Saint-Denis")
    field.press("Enter")
    deps = [o.split("(")[1].split(" ")[0] for o in locator_options(page) if o.startswith("Saint-Denis (")]
    assert {"974", "93"} <= set(deps) and deps[0] == "974"
    page.locator("#loc-suggestions li", has_text="Saint-Denis (93").first.click()
    page.wait_for_function("() => document.querySelector('#loc-statut').textContent.includes('Saint-Denis')")
    first = page.locator("#loc-resultats li").first.inner_text()
    assert "(93" in page.locator("#loc-titre").inner_text() and first
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []


def test_on_a_phone_a_real_fiche_shows_today_and_a_call_in_the_first_screen(page, base):
    sized(page, 390, 844)
    page.clock.set_fixed_time(dt.datetime(2026, 12, 3, 10, 0).replace(tzinfo=PARIS))  # a Thursday morning
    page.goto(base + "maisons/19/brive-tujac/")
    today = page.locator("#msap-aujourdhui")
    assert today.inner_text() == "Aujourd'hui : 09:00 – 12:00, 14:00 – 16:30"
    call = page.get_by_role("link", name="Appeler le 05 55 17 59 32")
    assert call.get_attribute("href") == "tel:0555175932"
    for element in (today, call, page.locator("#msap-statut")):
        box = element.bounding_box()
        assert box and box["y"] + box["height"] <= 844
    assert page.msap_errors == []


@pytest.mark.parametrize("width, height", SIZES)
def test_a_missing_page_answers_in_french_with_a_way_on(page, base, width, height):
    sized(page, width, height)
    response = page.goto(base + "maisons/23/nulle-part/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page introuvable"
    page.get_by_role("link", name="Près de chez moi").first.click()
    page.wait_for_url("**/maisons/carte/")


LINK = re.compile(r'\b(?:href|src)="([^"]*)"')


def test_no_internal_link_of_the_whole_site_is_broken(real_site: Path):
    """Every href and src of every page (5,000 and more) leads to a file of the site."""
    broken: list[str] = []
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 5000
    for page in pages:
        folder = page.parent
        for raw in LINK.findall(page.read_text(encoding="utf-8")):
            url = html.unescape(raw)
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("#", "mailto:", "tel:", "data:")) or not parts.path:
                continue
            target = (real_site / parts.path.lstrip("/")) if parts.path.startswith("/") else folder / unquote(parts.path)
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(real_site.resolve()) or not target.is_file():
                broken.append(f"{page.relative_to(real_site)} → {url}")
    assert broken == [], f"{len(broken)} liens cassés :\n" + "\n".join(broken[:30])


def test_a_commune_page_opens_the_locator_on_itself_not_on_a_homonym(real_site: Path, page, base):
    text = (real_site / "communes" / "03190" / "index.html").read_text(encoding="utf-8")  # Moulins, Allier
    assert 'href="../../maisons/carte/?q=Moulins&amp;dep=03"' in text
    page.goto(base + "communes/03190/")
    page.get_by_role("link", name="Voir sur la carte").click()
    page.locator("#loc-resultats li").first.wait_for()
    assert page.locator("#loc-titre").inner_text() == "Les lieux les plus proches de Moulins (03)"


def test_on_a_phone_the_map_is_drawn_only_when_it_comes_near_the_screen(page, base):
    """Ten answers fill the screen: Leaflet and its 2,683 pins wait until one scrolls to the map (Lighthouse
    counted 1.7 s of blocked main thread when they did not), and nothing seen moves when the answer comes."""
    sized(page, 390, 844)
    page.add_init_script("""window.__decalage = 0; new PerformanceObserver((liste) => {
        for (const e of liste.getEntries()) window.__decalage += e.value; }).observe({type: "layout-shift", buffered: true});""")
    page.goto(base + "maisons/carte/?q=Objat&dep=19")
    assert len(results(page)) == 10
    page.wait_for_function("() => document.getElementById('loc-titre').getBoundingClientRect().top < 200")
    page.wait_for_timeout(300)
    assert page.locator("#loc-carte .leaflet-marker-icon").count() == 0
    assert page.evaluate("window.__decalage") < 0.01
    page.locator("#loc-carte").scroll_into_view_if_needed()
    page.locator("#loc-carte .leaflet-marker-icon").first.wait_for()
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []
