"""`msap cms`, end to end: Decap CMS (npm) at /admin/, decap-server writing the files, Chromium editing a fiche.

A person opens the editor, changes the Tuesday hours of a fiche and publishes: the Markdown file changes on
disk (and only where it should), still passes `msap check`, and the portal served beside shows the new hours.
Nothing is requested from outside the machine (the `page` fixture fails the test otherwise).
"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import REPO, make_portal_project
from test_serve import free_port

FICHE = Path("content/maisons/23/gueret.md")


def front_matter(path: Path) -> dict:
    """The fiche's front matter; while decap-server is rewriting the file (it truncates, then writes), the file
    read may be empty or cut: read it again, for up to 5 seconds."""
    deadline = time.monotonic() + 5
    while True:
        parts = path.read_text(encoding="utf-8").split("---\n")
        try:
            data = yaml.safe_load(parts[1]) if len(parts) >= 3 else None  # the closing fence read: whole
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict):
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} n'a pas d'en-tête lisible : {path.read_text(encoding='utf-8')[:300]!r}")
        time.sleep(0.05)


@pytest.fixture
def cms(tmp_path: Path):
    root = make_portal_project(tmp_path / "projet")
    port, cms_port = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--root", str(root), "cms", "--port", str(port),
                             "--cms-port", str(cms_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=REPO)
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if "Portail servi sur" in line:
            break
        assert time.monotonic() < deadline, "msap cms n'a pas démarré à temps"
    else:
        raise AssertionError(f"msap cms s'est arrêté (code {proc.wait()})")
    yield root, f"http://127.0.0.1:{port}/", cms_port
    proc.terminate()
    assert proc.wait(timeout=30) == 0
    with pytest.raises(OSError):  # decap-server stopped with it
        urllib.request.urlopen(f"http://127.0.0.1:{cms_port}/api/v1", timeout=2)


def test_changing_tuesday_hours_in_the_editor_rewrites_the_fiche(cms, page):
    root, base, cms_port = cms
    before = front_matter(root / FICHE)
    assert before["horaires"]["mardi"] == ["09:00-12:00", "13:30-17:00"]

    page.goto(base + "admin/#/collections/maisons/entries/23/gueret")
    page.get_by_role("button", name="Se connecter").click()
    mardi = page.locator("label", has_text="Mardi (optionnel)")
    slots = page.locator(f"[id='{mardi.get_attribute('for')}']").locator("input")
    assert [slots.nth(i).input_value() for i in range(slots.count())] == ["09:00-12:00", "13:30-17:00"]
    slots.nth(0).fill("09:00-12:30")
    page.get_by_role("button", name="Publier").first.click()
    page.get_by_role("menuitem", name="Publier maintenant").click()

    deadline = time.monotonic() + 15
    while front_matter(root / FICHE)["horaires"]["mardi"][0] != "09:00-12:30":
        assert time.monotonic() < deadline, "la fiche n'a pas été réécrite"
        time.sleep(0.2)
    after = front_matter(root / FICHE)
    assert after["horaires"]["mardi"] == ["09:00-12:30", "13:30-17:00"]
    # everything else is as it was, the fields the editor does not show included (source, kept by the import)
    assert {k: v for k, v in after.items() if k != "horaires"} == {k: v for k, v in before.items() if k != "horaires"}
    assert {d: s for d, s in after["horaires"].items() if d != "mardi"} == \
           {d: s for d, s in before["horaires"].items() if d != "mardi"}

    check = subprocess.run([sys.executable, "-m", "generator.cli", "--root", str(root), "check"],
                           capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 erreur" in check.stdout

    deadline = time.monotonic() + 30  # the portal served beside rebuilds the fiche
    while "12:30" not in urllib.request.urlopen(base + "maisons/23/gueret/", timeout=10).read().decode():
        assert time.monotonic() < deadline, "le portail n'a pas reconstruit la fiche"
        time.sleep(0.3)
    assert not [e for e in page.msap_errors if "exception" in e], page.msap_errors


def test_the_pin_widget_moves_the_marker_from_the_keyboard(cms, page):
    root, base, _ = cms
    page.goto(base + "admin/#/collections/maisons/entries/23/gueret")
    page.get_by_role("button", name="Se connecter").click()
    latitude = page.get_by_label("Latitude (de -90 à 90)")
    assert latitude.input_value() == "46.1713"
    assert page.get_by_role("application", name="Carte pour placer le repère").is_visible()
    latitude.fill("46.1720")
    page.get_by_label("Longitude (de -180 à 180)").fill("1,8730")  # a French decimal comma is understood
    page.get_by_role("button", name="Publier").first.click()
    page.get_by_role("menuitem", name="Publier maintenant").click()
    deadline = time.monotonic() + 15
    while front_matter(root / FICHE)["coordonnees"]["lat"] != 46.172:
        assert time.monotonic() < deadline, "le repère n'a pas été enregistré"
        time.sleep(0.2)
    assert front_matter(root / FICHE)["coordonnees"] == {"lat": 46.172, "lon": 1.873, "precision": "adresse"}


def test_on_a_phone_the_editor_fits_and_its_preview_shows_the_pin_and_the_days(cms, page):
    _, base, _ = cms
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "admin/#/collections/maisons/entries/23/gueret")
    page.get_by_role("button", name="Se connecter").click()
    status = page.get_by_role("button", name="Publiée")
    status.wait_for()
    for control in (status, page.get_by_role("link", name="Voir en direct")):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # the whole toolbar within the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    preview = page.frame_locator("iframe").first
    assert preview.get_by_text("Repère : 46.1713, 1.8719 (à l'adresse)").is_visible()
    rows = preview.locator(".msap-apercu-horaires tr")
    assert rows.nth(1).inner_text().split("\t") == ["Mardi", "09:00 – 12:00, 13:30 – 17:00"]
    assert rows.nth(6).inner_text().split("\t") == ["Dimanche", "Fermé"]
    assert not [e for e in page.msap_errors if "exception" in e], page.msap_errors
