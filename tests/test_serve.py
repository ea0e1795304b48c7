"""`msap serve`: the README's main command serves the real network; an edited fiche is rebuilt in place."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, make_portal_project

pytestmark = pytest.mark.lent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, site_dir: Path, port: int, api_port: int = 0, cms_port: int = 0) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("MSAP_STATISTIQUES_URL", "MSAP_CMS_LOCAL_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--root", str(root), "serve", "--port", str(port),
                             "--site-dir", str(site_dir), "--api-port", str(api_port), "--cms-port", str(cms_port)],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env)
    # A generous deadline (a loaded machine builds slowly); whatever happens, a server that did not start is
    # stopped, its API and editor with it (msap serve stops its children on SIGTERM).
    deadline = time.monotonic() + 600
    try:
        for line in proc.stdout:
            if "Portail servi sur" in line:
                return proc
            assert time.monotonic() < deadline, "msap serve n'a pas démarré à temps"
        raise AssertionError(f"msap serve s'est arrêté (code {proc.wait()})")
    except BaseException:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_readme_main_command_builds_and_serves_the_real_network(tmp_path: Path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make serve\b", readme, re.M), "le README doit donner « make serve »"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve: setup\n\t\$\(BIN\)/msap serve$", makefile, re.M)
    port, api_port, cms_port = free_port(), free_port(), free_port()
    # the same command, in a temporary folder and on free ports; with the embedded API (SQLite, demonstration
    # visits when its base is empty) whose figures the pages show, and the local editor's backend
    proc = start(REPO, tmp_path / "site", port, api_port, cms_port)
    try:
        base = f"http://127.0.0.1:{port}/"
        home = get(base)
        count = sum(1 for _ in (REPO / "content" / "maisons").glob("*/*.md"))
        assert f"<strong>{count:,}</strong> Maisons".replace(",", "\u202f") in home
        fiche = get(base + "maisons/19/ayen/")
        assert "France services Ayen" in fiche and "41 Place Louis Mareuse" in fiche
        assert get(base + "pagefind/pagefind.js")
        assert "Fréquentation" in fiche and "indisponibles" not in fiche
        national = get(base + "statistiques/")
        # an empty embedded base gets demonstration visits; a base used before may hold real ones
        assert "indisponibles" not in national and re.search(r"<td[^>]*>\s*\d", national)
        assert "statut" in get(f"http://127.0.0.1:{api_port}/api/v1/sante")
        assert "Saisie des visites" in get(f"http://127.0.0.1:{api_port}/saisie/")
        # « Modifier cette fiche » leads to an editor of this machine's files, not to a forge's login
        assert f"url: http://127.0.0.1:{cms_port}/api/v1" in get(base + "admin/config.yml")
        info = urllib.request.Request(f"http://127.0.0.1:{cms_port}/api/v1", data=b'{"action": "info"}',
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(info, timeout=10) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with pytest.raises(OSError):  # the API stopped with the portal
        get(f"http://127.0.0.1:{api_port}/api/v1/sante")
    with pytest.raises(OSError):  # and so did the editor's backend
        urllib.request.urlopen(f"http://127.0.0.1:{cms_port}/api/v1", timeout=2)


def fragments(bundle: Path) -> list[dict]:
    """The pages a Pagefind bundle holds (its fragments are gzip'd JSON after a signature)."""
    from test_recherche import fragments as read
    for _ in range(50):  # the bundle is swapped in whole; a listing may catch the swap
        try:
            return read(bundle)
        except (FileNotFoundError, OSError):
            time.sleep(0.05)
    return read(bundle)


def test_an_edited_fiche_is_rebuilt_and_served(tmp_path: Path):
    root = make_portal_project(tmp_path / "projet")
    port = free_port()
    proc = start(root, tmp_path / "site", port)
    try:
        url = f"http://127.0.0.1:{port}/maisons/23/gueret/"
        assert "09:00 – 12:00, 13:30 – 17:00" in get(url)
        assert '<script src="/__msap/recharger.js">' in get(url)  # open pages reload themselves, in this mode only
        assert "/__msap/version" in get(url.split("/maisons/")[0] + "/__msap/recharger.js")
        assert "__msap" not in (tmp_path / "site/maisons/23/gueret/index.html").read_text(encoding="utf-8")
        with pytest.raises(urllib.error.HTTPError) as missing:  # an unknown address: the portal's French page
            get(f"http://127.0.0.1:{port}/maisons/23/nulle-part/")
        page = missing.value.read().decode("utf-8")
        assert missing.value.code == 404 and "<h1>Page introuvable</h1>" in page and 'action="/recherche/"' in page
        assert "Not found" not in page and 'href="/maisons/carte/"' in page
        # the building process runs no thread (its rebuilds fork); its front child serves and watches
        assert len(list(Path(f"/proc/{proc.pid}/task").iterdir())) == 1
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert any(len(list(Path(f"/proc/{c}/task").iterdir())) > 1 for c in children)
        fragments_before = fragments(tmp_path / "site/pagefind")
        fiche = root / "content/maisons/23/gueret.md"
        fiche.write_text(fiche.read_text(encoding="utf-8").replace('mardi: ["09:00-12:00", "13:30-17:00"]',
                                                                   'mardi: ["08:30-12:30"]'), encoding="utf-8")
        deadline = time.monotonic() + 20
        while "08:30 – 12:30" not in get(url):
            assert time.monotonic() < deadline, "la fiche modifiée n'a pas été reconstruite"
            time.sleep(0.05)
        # the listings and the open data that show the fiche follow its page: the rebuild is over once the export
        # shows the new hours and the version then holds for 0.5 s
        while "08:30-12:30" not in get(url.split("/maisons/")[0] + "/donnees/maisons.csv"):
            assert time.monotonic() < deadline + 10, "les données ouvertes n'ont pas suivi la fiche"
            time.sleep(0.05)
        version, steady = get(f"http://127.0.0.1:{port}/__msap/version"), time.monotonic()
        while time.monotonic() - steady < 0.5:
            assert time.monotonic() < deadline + 10, "la reconstruction ne s'arrête pas"
            time.sleep(0.05)
            now = get(f"http://127.0.0.1:{port}/__msap/version")
            if now != version:
                version, steady = now, time.monotonic()
        fiche.write_text(fiche.read_text(encoding="utf-8").replace('mardi: ["08:30-12:30"]', 'mardi: ["9h-12h"]'),
                         encoding="utf-8")
        time.sleep(1.0)  # a refused edit changes nothing: the served page stays the last valid one
        assert "08:30 – 12:30" in get(url) and get(f"http://127.0.0.1:{port}/__msap/version") == version
        ressource = root / "content/ressources/guide-accueil.md"
        ressource.write_text(ressource.read_text(encoding="utf-8").replace("titre: Guide de l'accueil en Maison",
                                                                           "titre: Guide de l'accueil, édition 2027"),
                             encoding="utf-8")
        selection = f"http://127.0.0.1:{port}/boite-a-outils/theme/famille/"  # a toolbox selection follows too
        while "édition 2027" not in get(selection):
            assert time.monotonic() < deadline + 20, "la sélection de la boîte à outils n'a pas suivi"
            time.sleep(0.05)
        while not any("édition 2027" in f["meta"]["title"] for f in fragments(tmp_path / "site/pagefind")):
            assert time.monotonic() < deadline + 40, "l'index de recherche n'a pas suivi"
            time.sleep(0.1)
        assert len(fragments(tmp_path / "site/pagefind")) == len(fragments_before)  # replaced, not added
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file of a built site but the search bundle (Pagefind's, rebuilt in the background)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("pagefind/")}


def test_after_an_edit_the_served_site_is_what_a_full_build_writes(tmp_path: Path):
    """Guéret renamed, moved to the next commune, one operator and its activity dropped: its page, the lists that
    show it now or showed it before, the commune pages (one appears, one goes), the open data and the sitemap
    follow — the served folder is then byte for byte a full build."""
    from generator.config import load_config
    from generator.portal.build import build
    from generator.dev.serve import Live

    root = make_portal_project(tmp_path / "projet", statistiques=False)
    config = load_config(root)
    live = Live(root, config, tmp_path / "servi", "http://127.0.0.1:8000/", False)
    live.full()
    assert (tmp_path / "servi/communes/23096/index.html").is_file()  # Guéret's commune page
    fiche = root / "content/maisons/23/gueret.md"
    text = fiche.read_text(encoding="utf-8")
    for old, new in (("nom: France services de Guéret", "nom: France services du Pays de Guéret"),
                     ("  commune: Guéret\n  code_insee: \"23096\"", "  commune: Sainte-Feyre\n  code_insee: \"23193\""),
                     ("  lat: 46.1713\n  lon: 1.8719", "  lat: 46.1571\n  lon: 1.9131"),
                     ("operateurs: [anah, urssaf]", "operateurs: [anah]"),  # lists that no longer show it
                     ("activites: [epn]", "activites: []")):
        assert old in text
        text = text.replace(old, new)
    fiche.write_text(text, encoding="utf-8")
    assert live.fiche_changed(fiche) is True  # rewritten in place, not a full rebuild
    for indexing in live.indexing:
        indexing.join()
    built = build(root, config, tmp_path / "construit", site_url="http://127.0.0.1:8000/").site_dir
    served, full = _tree(tmp_path / "servi"), _tree(built)
    assert "communes/23193/index.html" in served and "communes/23096/index.html" not in served  # Sainte-Feyre's page appeared
    assert "France services du Pays de Guéret" in served["donnees/maisons.csv"].decode("utf-8")
    assert sorted(set(served) ^ set(full)) == []
    assert [name for name in full if served[name] != full[name]] == []

