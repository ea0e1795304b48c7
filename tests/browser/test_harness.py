"""The harness itself: each test shows that a fixture catches what it is meant to catch (and only that)."""
from __future__ import annotations

import textwrap
import urllib.request
from pathlib import Path

import pytest

# Smallest valid WebAssembly module: magic number and version, no sections.
EMPTY_WASM = b"\0asm\x01\0\0\0"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def html(body: str) -> str:
    """A valid, accessible French HTML5 document around `body`."""
    return textwrap.dedent(f"""\
        <!DOCTYPE html>
        <html lang="fr">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Essai du banc de test</title>
        </head>
        <body>
        <main>
        <h1>Essai</h1>
        {body}
        </main>
        </body>
        </html>
        """)


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative path → text or bytes) under `root` and return it."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


# --- Network guard and error collection -------------------------------------------------------------


def test_external_request_is_blocked_and_recorded(tmp_path, serve_dir, page):
    site = write_site(tmp_path, {"index.html": html('<img src="https://example.org/x.png" alt="x">')})
    page.goto(serve_dir(site))
    assert page.msap_external_requests == ["https://example.org/x.png"]
    assert page.evaluate("document.images[0].naturalWidth") == 0  # aborted, not loaded
    page.msap_external_requests.clear()  # checked here: the fixture's final assertion must not fire


def test_local_requests_pass(tmp_path, serve_dir, page):
    site = write_site(tmp_path, {
        "index.html": html('<p id="p">avant</p><script src="js/app.js"></script>'),
        "js/app.js": 'document.getElementById("p").textContent = "après";',
    })
    base = serve_dir(site)
    page.goto(base)
    assert page.text_content("#p") == "après"
    assert page.goto(base.replace("127.0.0.1", "localhost") + "js/app.js").status == 200
    assert page.msap_external_requests == [] and page.msap_errors == []


def test_console_and_page_errors_are_collected(tmp_path, serve_dir, page):
    site = write_site(tmp_path, {"index.html": html(
        '<script>console.error("aïe"); console.log("rien"); throw new Error("boum");</script>')})
    page.goto(serve_dir(site))
    page.wait_for_timeout(100)  # the events reach Python asynchronously
    assert any("aïe" in line and line.startswith("console.error") for line in page.msap_errors)
    assert any("boum" in line and line.startswith("exception") for line in page.msap_errors)
    assert not any("rien" in line for line in page.msap_errors)


def test_missing_local_file_shows_as_console_error(tmp_path, serve_dir, page):
    site = write_site(tmp_path, {"index.html": html('<img src="absente.png" alt="absente">')})
    page.goto(serve_dir(site))
    page.wait_for_timeout(100)
    assert any("404" in line for line in page.msap_errors), page.msap_errors


# --- Static server ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("m.wasm", "application/wasm"),
    ("a.js", "text/javascript"),
    ("a.mjs", "text/javascript"),
    ("d.json", "application/json"),
    ("i.svg", "image/svg+xml"),
    ("pagefind/pagefind.pf_meta", "application/octet-stream"),
])
def test_content_types(tmp_path, serve_dir, name, expected):
    site = write_site(tmp_path, {name: EMPTY_WASM if name.endswith(".wasm") else "{}"})
    with urllib.request.urlopen(serve_dir(site) + name, timeout=5) as response:
        assert response.headers.get_content_type() == expected


def test_folder_url_serves_its_index(tmp_path, serve_dir):
    site = write_site(tmp_path, {"maisons/index.html": html("<p>Liste des Maisons</p>")})
    with urllib.request.urlopen(serve_dir(site) + "maisons/", timeout=5) as response:
        assert "Liste des Maisons" in response.read().decode("utf-8")


def test_wasm_compiles_in_streaming_mode(tmp_path, serve_dir, page):
    """instantiateStreaming refuses a module not served as application/wasm."""
    site = write_site(tmp_path, {"index.html": html("<p>wasm</p>"), "m.wasm": EMPTY_WASM})
    page.goto(serve_dir(site))
    kind = page.evaluate("async () => typeof (await WebAssembly.instantiateStreaming(fetch('m.wasm'))).instance")
    assert kind == "object"


# --- axe-core ---------------------------------------------------------------------------------------


def test_axe_reports_an_image_without_alt(tmp_path, serve_dir, page, axe):
    site = write_site(tmp_path, {"index.html": html('<img src="logo.svg">'), "logo.svg": SVG})
    page.goto(serve_dir(site))
    violations = axe(page)
    assert "image-alt" in {violation["id"] for violation in violations}
    report = axe.format(violations)
    assert "image-alt" in report and "img" in report


def test_axe_finds_nothing_on_a_clean_page(tmp_path, serve_dir, page, axe):
    site = write_site(tmp_path, {"index.html": html('<p>Bonjour.</p><img src="logo.svg" alt="Logo">'),
                                 "logo.svg": SVG})
    page.goto(serve_dir(site))
    violations = axe(page)
    assert violations == [], axe.format(violations)
    assert axe(page) == []  # a second run in the same page works (axe is injected once)



# --- Nu Html Checker --------------------------------------------------------------------------------


def test_vnu_reports_invalid_html_and_accepts_valid_html(tmp_path, vnu):
    """One run for both files; errors point at the right file and line.

    Note: `<div><p></div>` is valid HTML5 (a </div> closes the open <p>), hence these real errors.
    """
    site = write_site(tmp_path, {
        "valide.html": html("<p>Bonjour.</p>"),
        "invalide.html": html('<ul><div>x</div></ul>\n<p><span id="a"></span><span id="a"></span></p>'),
    })
    messages = vnu([site / "valide.html", site / "invalide.html"])
    assert {message["file"] for message in messages} == {site / "invalide.html"}, vnu.format(messages)
    texts = " | ".join(message["message"] for message in messages)
    assert "not allowed as child of element" in texts and "Duplicate ID" in texts
    lines = (site / "invalide.html").read_text(encoding="utf-8").splitlines()
    ul_line = next(number for number, line in enumerate(lines, 1) if "<ul>" in line)
    assert any(message["line"] == ul_line for message in messages)
    assert "invalide.html" in vnu.format(messages)

