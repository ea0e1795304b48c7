"""Browser-test harness: a static server, Chromium through Playwright, axe-core and the Nu Html Checker.

Every test under tests/browser/ gets the `browser` marker (`pytest -m browser` runs them apart,
`-m "not browser"` leaves them out). Fixtures:

- ``serve_dir(path) -> str`` (session): serves a folder on 127.0.0.1 (ephemeral port) and returns its
  base URL, ending with "/". The same folder asked twice is served once; servers stop at session end.
- ``browser`` (session): Playwright's sync ``Browser``, the system Chromium (/usr/bin/chromium).
- ``page`` (function): a Playwright ``Page`` in a fresh context (fr-FR, Europe/Paris, 10 s timeouts).
  Every request to a host other than 127.0.0.1 / localhost / [::1] is aborted and its URL appended
  to ``page.msap_external_requests`` (list[str]); at teardown the fixture fails the test if that list
  is not empty (a test that provokes such a request on purpose checks the list, then clears it).
  Console errors and uncaught page errors are appended to ``page.msap_errors`` (list[str], one
  readable line each: "console.error : …" or "exception : …") for the test to check: they do not
  fail the test by themselves. A blocked request or a 404 also logs a console error there. Events
  reach Python asynchronously: wait for the page's own signal (or briefly) before reading the lists.
- ``axe`` (session): ``axe(page) -> list[dict]``, the axe-core violations of the page (WCAG 2.0/2.1
  A and AA, best practices); ``axe.format(violations) -> str`` for assertion messages.
- ``vnu`` (session): ``vnu(paths) -> list[dict]``, the Nu Html Checker errors of the files (one JVM
  for all), each ``{"file", "line", "column", "type", "message", "extract"}``; ``vnu.format(messages)``.

The tools come from `make setup` (node_modules: axe-core, vnu-jar) and `make test` (apt: chromium,
a Java runtime). When one is missing the fixture fails with a French message saying how to get it:
these tests never skip silently.
"""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NODE_MODULES = REPO / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling Google services, which floods a closed network.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Containers often give /dev/shm only 64 MB: Chromium would crash on big pages.
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
TIMEOUT_MS = 10_000

# Explicit types: `mimetypes` depends on the machine's /etc/mime.types, and browsers insist on some
# (a .wasm module only compiles in streaming mode when served as application/wasm).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
    # Pagefind's index files (gzip data that Pagefind unpacks itself).
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `browser` (the hook sees the whole session: filter by path)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def missing(what: str, remedy: str) -> None:
    """Fail (never skip) with a French explanation of what is missing and how to get it."""
    pytest.fail(f"Tests navigateur impossibles : {what}. {remedy}", pytrace=False)


# --- Static server ----------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit content types, no access log (a folder URL serves its index.html)."""

    protocol_version = "HTTP/1.1"  # keep-alive: pages with many files load faster
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (name imposed by the base class)
        pass

    def end_headers(self) -> None:
        """The headers the built site asks for in its ``_headers`` file, as a web host applies them: every
        page is tested under the Content-Security-Policy it ships with."""
        from generator.portal.writers import headers

        shipped = Path(self.directory) / headers.FILE
        if shipped.is_file():
            for name, value in headers.for_path(headers.parse(shipped.read_text(encoding="utf-8")),
                                                self.path).items():
                self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing page gets the site's own 404.html, with the 404 status, as a web host serves it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    """Threaded server that ignores the connections the browser drops (aborted loads, closed pages)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def serve_dir():
    """Factory ``serve_dir(path) -> base_url`` ("http://127.0.0.1:PORT/"); servers stop at session end."""
    servers: dict[Path, tuple[_QuietServer, threading.Thread]] = {}

    def serve(path: Path | str) -> str:
        root = Path(path).resolve()
        if not root.is_dir():
            pytest.fail(f"serve_dir : {root} n'est pas un dossier.", pytrace=False)
        if root not in servers:
            handler = functools.partial(_QuietHandler, directory=str(root))
            server = _QuietServer(("127.0.0.1", 0), handler)
            # A short poll interval: shutdown() waits for it, once per served folder.
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"serve_dir {root}",
                                      daemon=True)
            thread.start()
            servers[root] = (server, thread)
        return f"http://127.0.0.1:{servers[root][0].server_address[1]}/"

    yield serve
    for server, thread in servers.values():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- Chromium ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless, driven by Playwright's sync API (one for the whole session)."""
    if not CHROMIUM.exists():
        missing(f"Chromium est introuvable ({CHROMIUM})",
                "`make test` l'installe, sinon : sudo apt-get install chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("le paquet Python playwright n'est pas installé", "Lancez `make setup`.")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        missing(f"Chromium ne démarre pas ({error})",
                "Vérifiez l'installation : sudo apt-get install --reinstall chromium")
    yield browser
    browser.close()
    playwright.stop()


def is_local(url: str) -> bool:
    """True for the URLs a test may load: this machine, or no host at all (data:, blob:, about:)."""
    host = urlsplit(url).hostname
    return host is None or host in LOCAL_HOSTS


@pytest.fixture
def page(browser):
    """A fresh fr-FR page that cannot reach the Internet; see the module docstring for its lists."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(TIMEOUT_MS)
    external: list[str] = []
    errors: list[str] = []

    def block(route) -> None:
        external.append(route.request.url)
        route.abort("blockedbyclient")

    def block_socket(socket) -> None:
        external.append(socket.url)
        socket.close()

    context.route(lambda url: not is_local(url), block)
    context.route_web_socket(lambda url: not is_local(url), block_socket)
    page = watch(context.new_page(), errors)
    page.msap_external_requests = external
    yield page
    context.close()
    if external:
        listed = "\n".join(f"  {url}" for url in external)
        pytest.fail(f"La page a tenté de joindre {len(external)} adresse(s) hors de la machine "
                    f"(requêtes bloquées) :\n{listed}", pytrace=False)


def watch(page, errors: list[str] | None = None):
    """A page whose console errors and uncaught errors go to ``page.msap_errors`` (another tab of a test too)."""
    page.msap_errors = [] if errors is None else errors
    page.on("console", lambda message: _on_console(message, page.msap_errors))
    page.on("pageerror", lambda error: page.msap_errors.append(f"exception : {error.name}: {error.message}"))
    return page


def _on_console(message, errors: list[str]) -> None:
    """Keep console errors as one line each: the text and where it was logged."""
    if message.type != "error":
        return
    where = message.location or {}
    place = f" ({where['url']}:{where.get('lineNumber', 0) + 1})" if where.get("url") else ""
    errors.append(f"console.error : {message.text}{place}")


# --- axe-core ---------------------------------------------------------------------------------------


class Axe:
    """``axe(page)`` runs axe-core in the page and returns its violations (dicts as axe gives them)."""

    def __init__(self, source: str):
        self.source = source

    def __call__(self, page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated by the browser's devtools, not as a page script: a page's Content-Security-Policy (the
            # agents' form sends one) does not apply to it.
            page.evaluate(self.source + "\n;true")
        return page.evaluate(
            """async (tags) => (await axe.run(document, {
                   runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
               })).violations""",
            AXE_TAGS,
        )

    @staticmethod
    def format(violations: list[dict]) -> str:
        """Readable list: rule, impact, help, then the CSS selectors of each failing element."""
        lines = [f"{len(violations)} règle(s) d'accessibilité non respectée(s) :"]
        for violation in violations:
            lines.append(f"- {violation['id']} [{violation.get('impact') or '?'}] {violation['help']}"
                         f" ({violation.get('helpUrl', '')})")
            for node in violation["nodes"]:
                lines.append(f"    {' > '.join(map(str, node['target']))}")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    """``axe(page) -> list[dict]`` (violations) and ``axe.format(violations) -> str``."""
    if not AXE_JS.exists():
        missing(f"axe-core est introuvable ({AXE_JS.relative_to(REPO)})", "Lancez `make setup` (npm ci).")
    return Axe(AXE_JS.read_text(encoding="utf-8"))


# --- Nu Html Checker (vnu.jar) ----------------------------------------------------------------------


class Vnu:
    """``vnu(paths)`` checks HTML files (also CSS and SVG) with one JVM and returns its errors."""

    #: Stay well under the kernel's limit on a command line; above it the files go in several runs.
    MAX_ARGS_CHARS = 500_000

    def __init__(self, java: str):
        self.java = java

    def __call__(self, paths: list[Path]) -> list[dict]:
        files = [Path(path).resolve() for path in paths]
        messages: list[dict] = []
        batch: list[Path] = []
        for file in files:
            if batch and sum(len(str(f)) + 1 for f in batch) + len(str(file)) > self.MAX_ARGS_CHARS:
                messages += self._run(batch)
                batch = []
            batch.append(file)
        if batch:
            messages += self._run(batch)
        return messages

    def _run(self, files: list[Path]) -> list[dict]:
        command = [self.java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
                   "--exit-zero-always", "--also-check-css", "--also-check-svg", *map(str, files)]
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=900)
        try:  # vnu writes its JSON report on stderr
            report = json.loads(done.stderr)
        except json.JSONDecodeError:
            raise AssertionError(f"vnu.jar n'a pas rendu de rapport (code {done.returncode}) :\n"
                                 f"{done.stderr[-2000:]}{done.stdout[-2000:]}") from None
        by_name = {str(file): file for file in files}
        return [self._message(raw, by_name) for raw in report.get("messages", [])]

    @staticmethod
    def _message(raw: dict, by_name: dict[str, Path]) -> dict:
        url = raw.get("url", "")
        name = unquote(urlsplit(url).path) if url.startswith("file:") else url
        return {
            "file": by_name.get(name, Path(name) if name else None),
            "line": raw.get("firstLine", raw.get("lastLine")),
            "column": raw.get("firstColumn", raw.get("lastColumn")),
            "type": raw.get("type", ""),
            "message": raw.get("message", ""),
            "extract": raw.get("extract", ""),
        }

    @staticmethod
    def format(messages: list[dict]) -> str:
        """One line per error: ``file:line:column: message``."""
        lines = [f"{len(messages)} erreur(s) de validation HTML :"]
        for message in messages:
            lines.append(f"- {message['file']}:{message['line']}:{message['column']}: {message['message']}")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def vnu() -> Vnu:
    """``vnu(paths: list[Path]) -> list[dict]`` and ``vnu.format(messages) -> str``."""
    if not VNU_JAR.exists():
        missing(f"vnu.jar est introuvable ({VNU_JAR.relative_to(REPO)})", "Lancez `make setup` (npm ci).")
    java = shutil.which("java")
    if java is None:
        missing("Java est introuvable (il faut pour vnu.jar)",
                "`make test` l'installe, sinon : sudo apt-get install default-jre-headless")
    return Vnu(java)
