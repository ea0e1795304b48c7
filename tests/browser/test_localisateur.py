"""« Près de chez moi » in a real Chromium, every non-loopback request blocked and the map tiles failing:
a commune typed by name or postcode gives the nearest places the generator computes in Python from the
same data; the keyboard alone goes from the search box to a fiche; filters live in the address."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.config import load_config
from generator.content.geo import Geo
from generator.portal.build import load_checked
from generator.portal.features.localisateur import Proximite, centre, lieux
from generator.portal.model import Portal

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def base(sample_site: Path, serve_dir) -> str:
    return serve_dir(sample_site)


@pytest.fixture(scope="module")
def expected(sample_site: Path):
    """The nearest places of a commune (its INSEE code) or of a (lat, lon) point, as the generator computes
    them: [(name, "3,2")]."""
    root = sample_site.parent / "projet"
    config = load_config(root)
    site, geo, _report = load_checked(root, config)
    places = lieux(Portal(site, geo, "https://portail.test/").maisons, geo)
    near = Proximite(places)

    communes = Geo(root / config.geo_dir).communes

    def nearest(where: str | tuple[float, float]) -> list[tuple[str, str]]:
        point = centre(communes[where]) if isinstance(where, str) else where  # the centre the browser's index holds
        found = near.nearest([point], config.carte_resultats)[0]
        return [(p.nom, f"{km:.1f}".replace(".", ",")) for p, km in found]
    return nearest


def shown(page) -> list[tuple[str, str]]:
    page.locator("#loc-resultats li").first.wait_for()
    items = page.locator("#loc-resultats li")
    return [(items.nth(i).locator(".msap-carte-maison__nom a").inner_text(),
             items.nth(i).locator(".msap-distance").inner_text().replace("\u00a0km", ""))
            for i in range(items.count())]


def open_locator(page, base, query: str = "") -> None:
    page.goto(base + "maisons/carte/" + query)
    page.wait_for_function("() => window.msapLocalisateur && window.msapLocalisateur.lieux.length > 0")


def test_typing_a_commune_name_lists_the_nearest_places_computed_in_python(page, base, expected):
    open_locator(page, base)
    page.locator("#loc-q").fill("gueret")  # no accent, lower case: still found
    options = page.locator("#loc-suggestions").get_by_role("option")
    options.first.wait_for()
    assert options.first.inner_text().startswith("Guéret (23 – Creuse)")
    page.locator("#loc-q").press("ArrowDown")
    page.locator("#loc-q").press("Enter")
    assert shown(page) == expected("23096")
    assert "le plus proche : France services de Guéret" in page.locator("#loc-statut").inner_text()
    assert "q=Gu%C3%A9ret" in page.url and "dep=23" in page.url


def test_a_postcode_shared_by_several_communes_lists_them_all(page, base, expected):
    open_locator(page, base)
    page.locator("#loc-q").fill("08300")
    page.locator("#loc-suggestions").get_by_role("option").first.wait_for()
    labels = page.locator("#loc-suggestions").get_by_role("option").all_inner_texts()
    assert len(labels) > 5 and all("08300" in label for label in labels)
    page.get_by_role("option", name="Rethel (08 – Ardennes) · 08300", exact=True).click()
    assert shown(page) == expected("08362")


def test_homonyms_are_told_apart_by_departement(page, base):
    open_locator(page, base)
    page.locator("#loc-q").fill("saint-denis")
    page.locator("#loc-suggestions").get_by_role("option").first.wait_for()
    labels = page.locator("#loc-suggestions").get_by_role("option").all_inner_texts()
    assert {"Saint-Denis (93 – Seine-Saint-Denis)", "Saint-Denis (974 – La Réunion)"} <= {
        label.split(" · ")[0] for label in labels}


def test_keyboard_alone_goes_from_the_search_box_to_a_fiche(page, base):
    open_locator(page, base)
    for _ in range(40):  # from the top of the page, Tab until the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "loc-q":
            break
    assert page.evaluate("document.activeElement.id") == "loc-q"
    page.keyboard.type("bourganeuf")
    page.locator("#loc-suggestions").get_by_role("option").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert page.locator("#loc-q").get_attribute("aria-activedescendant") == "loc-s-0"
    page.keyboard.press("Enter")
    page.locator("#loc-resultats li").first.wait_for()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#loc-resultats') !== null"):
            break
    assert page.evaluate("document.activeElement.textContent") == "France services Bourganeuf"
    page.keyboard.press("Enter")
    page.wait_for_url("**/maisons/23/bourganeuf/")


def test_map_is_not_a_keyboard_trap_and_its_pins_have_names(page, base):
    open_locator(page, base)
    page.locator("#loc-carte").scroll_into_view_if_needed()  # the map is drawn as it comes near the screen
    # the départements' outlines are drawn though the tiles fail
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length >= 90")
    pins = page.locator(".leaflet-marker-icon")
    pins.first.wait_for()
    names = [pins.nth(i).inner_text() for i in range(pins.count())]
    assert all(names) and all(pins.nth(i).get_attribute("role") == "button" for i in range(pins.count()))
    page.get_by_role("link", name="Passer la carte").click()
    assert page.evaluate("document.activeElement.id") == "loc-apres-carte"
    page.locator("#loc-carte").focus()
    for _ in range(pins.count() + 15):  # pins, zoom buttons, layer checkboxes, attribution links
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#loc-carte') === null")
    assert page.get_by_role("checkbox", name="Permanences itinérantes").is_checked()


def test_filters_are_kept_in_the_address_and_applied_to_the_results(page, base):
    page.clock.set_fixed_time(dt.datetime(2026, 11, 26, 10, 0, tzinfo=PARIS))  # a Thursday morning
    open_locator(page, base, "?q=Bourganeuf&dep=23")
    assert shown(page)[0][0] == "France services Bourganeuf"
    page.get_by_label("Démarches").select_option("anah")
    page.get_by_label("Ouvert maintenant").check()
    page.wait_for_function("() => location.search.includes('op=anah') && location.search.includes('ouvert=1')")
    assert [name for name, _km in shown(page)] == ["France services de Guéret"]
    assert "Ouvert maintenant" in page.locator("#loc-resultats li .msap-etat").inner_text()
    page.reload()
    page.wait_for_function("() => window.msapLocalisateur && window.msapLocalisateur.lieux.length > 0")
    assert page.get_by_label("Démarches").input_value() == "anah"
    assert [name for name, _km in shown(page)] == ["France services de Guéret"]


def test_embeddable_version_answers_the_same_way(page, base, expected):
    page.goto(base + "maisons/carte/integrer/?q=Gu%C3%A9ret&dep=23")
    assert shown(page) == expected("23096")
    assert page.locator("#loc-resultats a").first.get_attribute("target") == "_top"


def test_my_position_lists_the_nearest_places_without_putting_the_exact_spot_in_the_address(page, base, expected):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 45.95337, "longitude": 1.76224})  # a field near Bourganeuf
    open_locator(page, base)
    page.get_by_role("button", name="Utiliser ma position").click()
    assert shown(page) == expected((45.95, 1.76))  # rounded to about 1 km before anything is computed
    assert "près de votre position" in page.locator("#loc-statut").inner_text()
    assert "lat=45.95&lon=1.76" in page.url and "45.953" not in page.url
    page.reload()  # the shared address gives the same answer
    assert shown(page) == expected((45.95, 1.76))


def test_a_refused_position_says_so_and_returns_to_the_search_box(page, base):
    open_locator(page, base)  # no permission granted: the browser refuses
    page.get_by_role("button", name="Utiliser ma position").click()
    page.locator("#loc-statut").filter(has_text="pas autorisé").wait_for()
    assert page.evaluate("document.activeElement.id") == "loc-q"
    assert page.locator("#loc-resultats li").count() == 0


def test_a_mangled_position_in_the_address_is_ignored(page, base):
    open_locator(page, base, "?lat=abc&lon=1.7")
    page.locator("#loc-carte").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon').length > 0")
    assert page.locator("#loc-resultats li").count() == 0
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []  # only the dead tile server complains


def options(page) -> list[str]:
    page.locator("#loc-suggestions li").first.wait_for()
    return [li.inner_text() for li in page.locator("#loc-suggestions li").all()]


@pytest.mark.parametrize("width", [390, 1366])
def test_several_communes_are_listed_to_choose_from_never_picked_silently(page, base, width):
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 900})
    open_locator(page, base)
    field = page.locator("#loc-q")
    field.fill("Brive")
    field.press("Enter")
    listed = options(page)
    assert listed[0].startswith("Brive-la-Gaillarde (19 – Corrèze)")  # 47,000 inhabitants, before Brives (Indre)
    assert any(o.startswith("Brives (36") for o in listed)
    assert page.locator("#loc-resultats li").count() == 0  # nothing chosen for the person
    assert "choisissez la vôtre" in page.locator("#loc-statut").inner_text()
    field.fill("19130")
    field.press("Enter")
    listed = options(page)
    assert len(listed) >= 2 and any(o.startswith("Objat (19") for o in listed), listed
    assert page.locator("#loc-resultats li").count() == 0
    page.locator("#loc-suggestions li", has_text="Objat").click()
    assert shown(page)  # the nearest places of Objat
    assert field.input_value() == "Objat"
    assert page.evaluate("document.activeElement.id") == "loc-titre"  # a screen reader is taken to the answer
    top = page.evaluate("document.getElementById('loc-titre').getBoundingClientRect().top")
    first = page.evaluate("document.querySelector('#loc-resultats li').getBoundingClientRect().bottom")
    assert 40 <= top and first <= (844 if width < 800 else 900)  # in view, below the header, the first place too
    field.fill("Saint-Denis")
    field.press("Enter")
    deps = [o.split("(")[1].split(" ")[0] for o in options(page) if o.startswith("Saint-Denis (")]
    assert {"974", "93", "11"} <= set(deps) and deps[0] == "974"  # the homonyms, the most populated first
    field.fill("Guéret")  # one exact name: chosen at once
    field.press("Enter")
    page.wait_for_function("() => document.querySelector('#loc-statut').textContent.includes('Guéret')")
    assert shown(page)


def test_the_filters_are_folded_on_a_phone_and_open_on_a_desktop(page, base):
    page.set_viewport_size({"width": 390, "height": 844})
    open_locator(page, base)
    assert page.locator("#loc-filtres").get_attribute("open") is None
    page.locator("#loc-filtres summary").click()
    assert page.locator("#f-op").is_visible()
    open_locator(page, base, "?op=caf")  # a filter set in the address: shown open
    assert page.locator("#loc-filtres").get_attribute("open") is not None
    page.set_viewport_size({"width": 1366, "height": 900})
    open_locator(page, base)
    assert page.locator("#loc-filtres").get_attribute("open") is not None


def test_a_link_with_a_commune_and_its_departement_chooses_it(page, base):
    open_locator(page, base, "?q=Saint-Denis&dep=93")
    assert shown(page)
    assert page.locator("#loc-q").input_value() == "Saint-Denis"


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_without_tiles_the_map_names_the_departements_and_reaches_overseas(page, base, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_locator(page, base)
    names = page.locator("#loc-carte .msap-nom-dep")
    page.locator("#loc-carte").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('#loc-carte .msap-nom-dep').length >= 100")
    assert not names.filter(has_text="Creuse").first.is_visible()  # France whole: the names would overlap
    page.get_by_role("group", name="Centrer la carte sur").get_by_role("button", name="Guyane").click()
    guyane = names.filter(has_text="Guyane").first
    guyane.wait_for(state="visible")
    box, map_box = guyane.bounding_box(), page.locator("#loc-carte").bounding_box()
    assert map_box["x"] < box["x"] and box["x"] + box["width"] < map_box["x"] + map_box["width"]
    page.get_by_role("button", name="Métropole").click()
    page.wait_for_function("() => document.getElementById('loc-carte').classList.contains('msap-noms-caches')")
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []



def test_a_monthly_stop_gives_its_next_passage_not_a_warning(page, base):
    """Rocroi, the 1st and 3rd Thursdays of the month: « Prochain passage : jeudi 3 décembre (09:00 – 12:00) »."""
    page.clock.set_fixed_time(dt.datetime(2026, 11, 26, 14, 0, tzinfo=PARIS))  # a 4th Thursday, after noon
    open_locator(page, base)
    page.locator("#loc-q").fill("Rocroi")
    page.locator("#loc-suggestions").get_by_role("option").first.wait_for()
    page.locator("#loc-q").press("ArrowDown")
    page.locator("#loc-q").press("Enter")
    page.locator("#loc-resultats li").first.wait_for()
    texts = page.locator("#loc-resultats li").all_inner_texts()
    rocroi = next(t for t in texts if "Salle des fêtes" in t)
    assert "Prochain passage : jeudi 3 décembre (09:00 – 12:00)" in rocroi and "renseignez-vous" not in rocroi
    assert [e for e in page.msap_errors if "/tuiles/" not in e] == []  # only the dead tile server complains
