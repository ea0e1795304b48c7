"""``msap bench``: measured figures of the portal build (never a timed test).

Builds (a) the committed real network and (b) a synthetic network of 10,000 fiches
derived from the real ones, each in a fresh temporary folder, and prints wall time,
peak memory, output size, the compressed weight of a fiche page with its assets,
the bytes the first search transfers (in headless Chromium), the time `msap serve`
takes to show an edited fiche, and the same fiche pages built by a plain
mkdocs-material setup, for the ratio.
"""
from __future__ import annotations

import gzip
import io
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..config import load_config
from ..portal.engines.cache import ENV as CACHE_ENV

#: the Chromium the browser measurements drive (the bench extra's Playwright cannot download one here)
CHROMIUM = os.environ.get("MSAP_CHROMIUM", "/usr/bin/chromium")

SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
from generator.config import load_config
from generator.portal.build import build
root, out = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
result = build(root, load_config(root), out)
wall = time.perf_counter() - t
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"wall": wall, "pages": result.pages, "peak_kb": peak, "timings": result.timings}))
"""


def _tree(root: Path, target: Path) -> Path:
    """A copy of the project as a fresh clone has it (no statistics snapshot: no API is configured)."""
    target.mkdir(parents=True)
    # copies: the build refuses links in the folders it reads (generator/tree.py); node_modules is not one
    for name in ("theme", "pages", "schemas", "data"):
        shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns("frequentation"))
    (target / "node_modules").symlink_to(root / "node_modules", target_is_directory=True)
    shutil.copyfile(root / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(root / "content", target / "content")
    return target


def synthetic(root: Path, target: Path, total: int) -> Path:
    """A network of ``total`` fiches: the real ones, then copies with new ids in the same départements."""
    _tree(root, target)
    real = sorted((target / "content" / "maisons").glob("*/*.md"))
    n, i = len(real), 0
    while n < total:
        src = real[i % len(real)]
        copy = i // len(real) + 2
        text = src.read_text(encoding="utf-8")
        text = re.sub(r"^id: (\S+)", lambda m: f"id: {m.group(1)}-{copy}", text, count=1, flags=re.M)
        text = re.sub(r"^nom: (.+)$", lambda m: f"nom: {m.group(1)} (site {copy})", text, count=1, flags=re.M)
        (src.parent / f"{src.stem}-{copy}.md").write_text(text, encoding="utf-8")
        n, i = n + 1, i + 1
    return target


def measure_build(root: Path, out: Path, cache_dir: Path | None = None) -> dict:
    """One build in a process of its own; ``cache_dir``: the cache it uses (generator/portal/engines/cache.py)."""
    import json
    import os
    env = {**os.environ, CACHE_ENV: str(cache_dir)} if cache_dir is not None else None
    os.sync()  # what the steps before wrote is on the disk: its write-back does not run during the measure
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(root), str(out)], capture_output=True, text=True,
                          env=env)
    if done.returncode != 0:
        raise SystemExit(f"la construction a échoué : {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def page_weight(site: Path, rel: str) -> tuple[int, int]:
    """(compressed bytes of the page with the CSS, JS and images it loads, number of files)."""
    page = site / rel
    html = page.read_text(encoding="utf-8")
    files = [page]
    for url in re.findall(r'<(?:script|img)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*rel="(?:stylesheet|icon)"[^>]*href="([^"]+)"',
                          html):
        ref = url[0] or url[1]
        if not re.match(r"https?:", ref):
            files.append((page.parent / ref.split("?")[0]).resolve())
    return sum(len(gzip.compress(f.read_bytes(), 6)) for f in files if f.exists()), len(files)


def _serve(site: Path):
    """A quiet static server for ``site`` on a free loopback port, in a background thread."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                          ".js": "text/javascript"}

        def log_message(self, *args) -> None:
            pass

        def send_head(self):
            """Text files gzip-compressed when the client accepts it, as every web host sends them (Lighthouse
            would otherwise score the transfer of uncompressed HTML, CSS and scripts)."""
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if ("gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file()
                    or path.suffix not in {".html", ".css", ".js", ".json", ".geojson", ".svg", ".tsv", ".txt"}):
                return super().send_head()
            body = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _chromium(playwright):
    """Debian's Chromium, headless, quiet (no background requests)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def first_search(site: Path, query: str) -> tuple[int, int, int]:
    """Bytes transferred by the first search in Chromium: (raw, compressed, requests)."""
    from playwright.sync_api import sync_playwright

    server = _serve(site)
    sizes: list[tuple[str, int, int]] = []
    try:
        with sync_playwright() as p:
            browser = _chromium(p)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/recherche/")
            page.wait_for_load_state("networkidle")

            def record(response):
                if "/pagefind/" in response.url or "recherche.js" in response.url:
                    body = response.body()
                    sizes.append((response.url, len(body), len(gzip.compress(body, 6))))
            page.on("response", record)
            page.fill("#q", query)
            page.press("#q", "Enter")
            page.locator("#msap-etat").filter(has_text="résultat").wait_for(timeout=20000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    return sum(s[1] for s in sizes), sum(s[2] for s in sizes), len(sizes)


def locator_figures(site: Path) -> str:
    """The locator: its page loaded with pins and tiles blocked, one « commune → nearest » answer, the index."""
    from playwright.sync_api import sync_playwright

    shards = {path.stem: len(gzip.compress(path.read_bytes(), 6)) for path in (site / "assets" / "msap" / "communes").glob("*.tsv")}
    largest = max(shards, key=shards.get)
    server = _serve(site)
    try:
        with sync_playwright() as p:
            browser = _chromium(p)
            page = browser.new_page()
            page.route(lambda url: "127.0.0.1" not in url or url.endswith(".geojson"), lambda route: route.abort())
            page.goto(f"http://127.0.0.1:{server.server_port}/maisons/carte/", wait_until="load")
            loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            page.unroute_all()
            page.goto(f"http://127.0.0.1:{server.server_port}/maisons/carte/")
            answer = page.evaluate("""async () => {
                const loc = window.msapLocalisateur; await loc.pret; await loc.chercher("Guéret");
                const t = performance.now();
                for (let i = 0; i < 50; i++) {
                  const c = (await loc.chercher("Guéret"))[0]; loc.plusProches(c.lat, c.lon, 10);
                }
                return (performance.now() - t) / 50; }""")
            browser.close()
    finally:
        server.shutdown()
    return (f"page de la carte chargée en {loaded:.0f} ms (repères et tuiles bloqués) ; commune → lieux les plus "
            f"proches en {answer:.1f} ms ; index des communes en {len(shards)} fichiers, « Guéret » en charge "
            f"{shards['gu'] / 1000:.1f} ko compressés, le plus gros (« {largest} ») {shards[largest] / 1000:.0f} ko, "
            f"tous {sum(shards.values()) / 1000:.0f} ko")


def serve_latency(root: Path, work: Path) -> float:
    """Seconds between saving an edited fiche and `msap serve` serving the rebuilt page."""
    import socket
    import urllib.request
    project = _tree(root, work)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--root", str(project), "serve", "--port",
                             str(port), "--site-dir", str(work / "site")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if "Portail servi" in line:
                break
        fiche = project / "content" / "maisons" / "19" / "ayen.md"
        url = f"http://127.0.0.1:{port}/maisons/19/ayen/"
        time.sleep(0.5)
        fiche.write_text(fiche.read_text(encoding="utf-8") + "\nMesure du banc d'essai.\n", encoding="utf-8")
        saved = time.perf_counter()
        while "Mesure du banc" not in urllib.request.urlopen(url).read().decode("utf-8"):
            time.sleep(0.01)
        return time.perf_counter() - saved
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def plain_mkdocs(project: Path, work: Path) -> float:
    """The same fiche pages with a plain mkdocs-material setup (fiches out of the nav, its built-in search)."""
    docs = work / "docs"
    for fiche in (project / "content" / "maisons").glob("*/*.md"):
        target = docs / "maisons" / fiche.parent.name / fiche.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fiche, target)
    (docs / "index.md").write_text("# Accueil\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text("site_name: Comparaison\ntheme:\n  name: material\n  language: fr\n  font: false\n"
                                     "nav:\n  - Accueil: index.md\nplugins:\n  - search\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml"), "-d",
                    str(work / "site")], check=True, capture_output=True, env={"NO_MKDOCS_2_WARNING": "1",
                                                                               "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


#: the pages Lighthouse scores (its mobile profile: a mid-range phone on a slow 4G line, simulated)
LIGHTHOUSE_PAGES = {"accueil": "", "fiche": "maisons/19/brive-tujac/", "localisateur": "maisons/carte/?q=Objat&dep=19",
                    "recherche": "recherche/?q=Objat"}


def lighthouse(site: Path, pages: dict[str, str]) -> list[str]:
    """Lighthouse 12 (npm, run through npx) on a few pages served on loopback, in Debian's Chromium."""
    import json
    import os

    server = _serve(site)
    lines = []
    try:
        for name, rel in pages.items():
            report = site.parent / "lighthouse.json"
            subprocess.run(["npx", "--yes", "lighthouse@12", f"http://127.0.0.1:{server.server_port}/{rel}", "--quiet",
                            "--only-categories=performance,accessibility", "--output=json",
                            f"--output-path={report}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
                            "--disable-background-networking --disable-component-update --disable-sync"],
                           check=True, capture_output=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
            scores = json.loads(report.read_text(encoding="utf-8"))["categories"]
            lines.append(f"{name} (/{rel}) : performance {scores['performance']['score'] * 100:.0f}, "
                         f"accessibilité {scores['accessibility']['score'] * 100:.0f} (objectifs : 95 et 100)")
    finally:
        server.shutdown()
    return lines


def reference_ms() -> float:
    """A fixed pure-Python workload, best of five: the same machine gives the same figure within a few percent,
    and a busy or throttled one shows it — to compare the figures of two runs, compare this first."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i % 7 for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def anchor_bench(root: Path, total: int, rounds: int, times: int) -> int:
    """``msap bench --hugo``: the figures of issue 19 — the ratio to Hugo + Pagefind over the same fiches, the
    build after a one-fiche change, ``msap check``, and the ``total``-fiche network's time and memory."""
    from . import anchor

    med = statistics.median
    print(f"vitesse de la machine : calcul de référence en {reference_ms():.0f} ms", flush=True)
    work = Path(tempfile.mkdtemp(prefix=".bench-", dir=root))
    env = {**os.environ, CACHE_ENV: str(work / "cache")}
    try:
        project = _tree(root, work / "reel")
        anchor.run_portal(project, work / "chauffe", env)  # the cache filled once, as after a machine's first build
        shutil.rmtree(work / "chauffe")
        lines, hugo = anchor.compare(project, work, env, rounds)
        for line in lines:
            print(line, flush=True)
        runs = anchor.one_fiche(project, work, env, rounds)
        wall = med(r.wall for r in runs)
        print(f"msap build après une fiche modifiée (réseau réel) : médiane {wall:.2f} s sur {rounds} "
              f"(de {min(r.wall for r in runs):.2f} à {max(r.wall for r in runs):.2f} s), "
              f"{med(r.rendered or 0 for r in runs):.0f} pages rendues sur {runs[0].pages} ; "
              f"objectif : moins d'un dixième de Hugo + Pagefind, {hugo / 10:.2f} s", flush=True)
        checks = anchor.check_runs(project, env, rounds)
        print(f"msap check (réseau réel, démarrage compris) : médiane {med(r.wall for r in checks):.2f} s "
              f"(de {min(r.wall for r in checks):.2f} à {max(r.wall for r in checks):.2f} s) ; objectif : 0,5 s",
              flush=True)
        synth = synthetic(root, work / "synth", total)
        built = [measure_build(synth, work / f"site-synth-{n}", work / "cache") for n in range(times)]
        print(f"{total} fiches synthétiques : {built[0]['pages']} pages, construction médiane "
              f"{med(r['wall'] for r in built):.1f} s (la plus rapide {min(r['wall'] for r in built):.1f} s, sur "
              f"{times}), mémoire max {max(r['peak_kb'] for r in built) / 1024:.0f} Mo ; objectifs : 6 s, 1 Go",
              flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def cmd_bench(root: Path, total: int, compare: bool, with_lighthouse: bool = False, times: int = 3,
              hugo: bool = False, rounds: int = 5) -> int:
    load_config(root)
    if hugo:
        return anchor_bench(root, total, rounds, times)
    print(f"vitesse de la machine : calcul de référence en {reference_ms():.0f} ms (plus c'est bas, plus elle est "
          "rapide)", flush=True)
    # Inside the project, on the disk a real build writes to (a tmpfs or an overlay /tmp would flatter or
    # penalise the figures).
    work = Path(tempfile.mkdtemp(prefix=".bench-", dir=root))
    try:
        # A first build with an empty cache (templates compiled, theme built by mkdocs, maps drawn), as on a
        # fresh machine; the builds measured next find them in the cache, as every build after it.
        cold = measure_build(_tree(root, work / "froid"), work / "site-froid", work / "cache")
        print(f"réseau réel, premier build (cache vide : modèles, habillage, cartes) : {cold['wall']:.1f} s",
              flush=True)
        rows = []
        for label, project in (("réseau réel", _tree(root, work / "reel")),
                               (f"synthétique {total}", synthetic(root, work / "synth", total))):
            site = work / f"site-{len(rows)}"
            fiches = sum(1 for _ in (project / "content" / "maisons").glob("*/*.md"))
            # The same build ``times`` times, each into a new folder (none is deleted before the end: on some
            # disks, creating files right after deleting thousands costs much more): the fastest, and the median.
            runs = [measure_build(project, site if n == 0 else work / f"site-{len(rows)}-{n}", work / "cache")
                    for n in range(times)]
            m = min(runs, key=lambda r: r["wall"])
            median = statistics.median(r["wall"] for r in runs)
            weight, files = page_weight(site, "maisons/19/ayen/index.html")
            raw, packed, requests = first_search(site, "Ayen")
            line = (f"{label} : {fiches} fiches, {m['pages']} pages — construction {m['wall']:.1f} s "
                    f"(médiane {median:.1f} s sur {times}), "
                    f"mémoire max {max(r['peak_kb'] for r in runs) / 1024:.0f} Mo, "
                    f"sortie {folder_size(site) / 1e6:.0f} Mo ; "
                    f"fiche + ressources {weight / 1000:.0f} ko compressés ({files} fichiers) ; "
                    f"1re recherche {packed / 1000:.0f} ko compressés ({raw / 1000:.0f} ko bruts, {requests} requêtes)")
            print(line, flush=True)
            print("   étapes : " + ", ".join(f"{k} {v:.1f} s" for k, v in m["timings"].items()), flush=True)
            if compare:
                plain = plain_mkdocs(project, work / f"mkdocs-{len(rows)}")
                print(f"   mkdocs-material seul, mêmes fiches : {plain:.1f} s (×{plain / m['wall']:.1f})", flush=True)
            if not rows:
                print("   Près de chez moi : " + locator_figures(site), flush=True)
            if with_lighthouse and not rows:
                for text in lighthouse(site, LIGHTHOUSE_PAGES):
                    print("   Lighthouse " + text, flush=True)
            rows.append(m)
        print(f"msap serve : fiche modifiée servie {serve_latency(root, work / 'serve') * 1000:.0f} ms après "
              "l'enregistrement", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"(mesures sur {__import__('os').cpu_count()} cœurs ; mémoire du processus de cette commande : "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} Mo)")
    return 0
