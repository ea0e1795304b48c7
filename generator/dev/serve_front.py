"""The front of ``msap serve``: a process that serves the built site on 127.0.0.1 and watches the sources.

Forked once, after the first build, from the process that builds: it runs the web server's threads and the
file watcher (watchfiles: the system tells of changes; nothing is polled while idle), and tells the building
process of each change through a pipe. The building process thus never runs a thread, and its rebuilds fork
their workers safely.
"""
from __future__ import annotations

import http.server
import multiprocessing
import threading
from functools import partial
from pathlib import Path
from typing import Any

# Served pages reload after a rebuild; the script is a file (the pages' Content-Security-Policy allows no inline
# script, and msap serve applies it as a web host would: generator/portal/writers/headers.py).
RELOAD = b'<script src="/__msap/recharger.js"></script>'
RELOAD_JS = (b'(function(){var v=null;setInterval(function(){fetch("/__msap/version").then(function(r)'
             b'{return r.text()}).then(function(t){if(v!==null&&t!==v)location.reload();v=t}).catch(function(){})},'
             b'700)})()\n')
#: watchfiles: a change is told once no other came for STEP_MS (a save is often several events), at the latest
#: after DEBOUNCE_MS
STEP_MS, DEBOUNCE_MS = 20, 400


class Front:
    """The front process: the server's socket is bound here (a busy port is an error of this process), then the
    process is forked; ``changes``: the building process's end of the pipe."""

    def __init__(self, live: Any, host: str, port: int, paths: list[Path]):
        server = http.server.ThreadingHTTPServer((host, port), handler(live))
        ctx = multiprocessing.get_context("fork")
        self.changes, told = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_front, args=(server, told, paths), daemon=True)
        self._proc.start()
        told.close()
        server.server_close()  # the child serves on its copy of the socket

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=10)


def _front(server: http.server.ThreadingHTTPServer, told: Any, paths: list[Path]) -> None:
    threading.Thread(target=_watch, args=(paths, told), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # Ctrl+C reaches the whole terminal's group: the building process stops this one
        pass


def _watch(paths: list[Path], told: Any) -> None:
    import watchfiles

    for changes in watchfiles.watch(*paths, step=STEP_MS, debounce=DEBOUNCE_MS, raise_interrupt=False):
        try:
            told.send(sorted({path for _change, path in changes}))
        except OSError:  # the building process is gone
            return


def handler(live: Any):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                          ".json": "application/json", ".yml": "text/yaml; charset=utf-8", ".svg": "image/svg+xml",
                          ".geojson": "application/geo+json", ".csv": "text/csv; charset=utf-8",
                          ".ics": "text/calendar; charset=utf-8"}

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
            pass

        def end_headers(self) -> None:
            for name, value in live.headers_for(self.path).items():
                self.send_header(name, value)
            super().end_headers()

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/__msap/version":
                return self._send(str(live.version).encode(), "text/plain")  # shared with the building process
            if self.path == "/__msap/recharger.js":
                return self._send(RELOAD_JS, "text/javascript")
            path = self.translate_path(self.path)
            if Path(path).is_dir() and self.path.split("?")[0].endswith("/"):
                path = str(Path(path) / "index.html")
            if path.endswith(".html") and Path(path).is_file():
                body = Path(path).read_bytes().replace(b"</body>", RELOAD + b"</body>", 1)
                return self._send(body, "text/html; charset=utf-8")
            missing = live.site_dir / "404.html"
            if not Path(path).exists() and missing.is_file():  # the portal's own page, as a web host serves it
                return self._send(missing.read_bytes(), "text/html; charset=utf-8", 404)
            return super().do_GET()

    return partial(Handler, directory=str(live.site_dir))
