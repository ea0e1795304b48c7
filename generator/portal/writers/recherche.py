"""The search index: Pagefind fed page by page over its service protocol, its chunked bundle written at the end.

The pages' light search copies (their template's « recherche » block) go to Pagefind through a pipe as they are
rendered, so it indexes while the rest of the site is written, and no copy is ever written to disk: on the
machines we measured, creating a file costs far more than its bytes, and Pagefind used to read 2,700 copies that
the build then deleted.

The protocol is the one of Pagefind's own Python API (``pagefind --service``): each message is base64-encoded JSON
followed by a comma, answers come back the same way. That API waits 0.1 s between two answers, hence this small
synchronous client: requests are written without waiting, a thread reads the answers.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import threading
from html import escape
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Iterable, Iterator
from ...diagnostics import CommandError

TIMEOUT = 600.0  # seconds without the answers awaited: Pagefind is stuck, the build stops instead of hanging
HINT = "Indice : réinstallez l'environnement (make setup) ; Pagefind vient du paquet PyPI « pagefind[extended] »"


class SearchError(CommandError):
    """Pagefind could not index the pages; the message says why, with a hint."""


def copy_html(title: str, indexed: str) -> str:
    """The document Pagefind indexes for a page: its title and what is worth finding."""
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body>{indexed}</body></html>')


def executable() -> str:
    """The Pagefind binary of the pagefind package."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(f"Pagefind n'est pas installé — {HINT}") from None
    found = get_executable()
    if found is None:
        raise SearchError(f"le programme Pagefind est introuvable — {HINT}")
    return str(found)


@contextmanager
def _one_cpu() -> Iterator[None]:
    """Start Pagefind on one CPU (the last this process may use): it runs a thread per CPU, and on two cores its
    threads spent their time waiting on each other — 40 % more CPU time, and a longer index, than on one core.
    The child takes the affinity of the thread that starts it; this thread gets its own back at once."""
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):  # not Linux
        allowed = set()
    try:
        if len(allowed) >= 2:
            os.sched_setaffinity(0, {max(allowed)})
    except OSError:  # a container that forbids it: Pagefind gets every CPU
        allowed = set()
    try:
        yield
    finally:
        if len(allowed) >= 2:
            os.sched_setaffinity(0, allowed)


class SearchIndex:
    """One Pagefind index being built: :meth:`add` pages (not waiting), then :meth:`write` the bundle."""

    def __init__(self, language: str = "fr"):
        self._log = tempfile.TemporaryFile()  # Pagefind's own messages, quoted if it fails
        try:
            with _one_cpu():
                self._proc = subprocess.Popen([executable(), "--service"], stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, stderr=self._log)
        except OSError as exc:
            raise SearchError(f"Pagefind n'a pas pu démarrer ({exc.strerror or exc}) — {HINT}") from None
        self._sent = 0
        self._answered = 0
        self._errors: list[str] = []
        self._last: dict[str, Any] = {}
        self._bundle = Path()
        self._done = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._index = self._ask({"type": "NewIndex", "config": {"force_language": language}})["index_id"]

    def _read(self) -> None:
        pending = b""
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(1 << 16):
            *messages, pending = (pending + chunk).split(b",")
            for message in messages:
                try:
                    payload = json.loads(base64.b64decode(message))["payload"]
                except (ValueError, KeyError, TypeError):
                    payload = {"type": "Error", "message": f"réponse illisible : {message[:80]!r}"}
                with self._done:
                    self._answered += 1
                    if payload.get("type") == "Error":
                        self._errors.append(str(payload.get("message") or payload)[:300])
                    self._last = payload
                    self._done.notify_all()
        with self._done:  # Pagefind ended: nobody waits for an answer that will not come
            if self._answered < self._sent:
                self._errors.append("Pagefind s'est arrêté avant la fin")
                self._answered = self._sent
            self._done.notify_all()

    def _send(self, payload: dict[str, Any]) -> None:
        self._sent += 1
        line = base64.b64encode(json.dumps({"message_id": self._sent, "payload": payload}).encode("utf-8"))
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(line + b",")
        except (BrokenPipeError, OSError):
            self._fail("Pagefind ne reçoit plus les pages")

    def _flush(self) -> None:
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._fail("Pagefind ne reçoit plus les pages")

    def _wait(self) -> dict[str, Any]:
        self._flush()
        with self._done:
            if not self._done.wait_for(lambda: self._answered >= self._sent, timeout=TIMEOUT):
                self._errors.append(f"Pagefind ne répond plus depuis {TIMEOUT // 60:.0f} minutes")
            error, last = (self._errors[0] if self._errors else None), self._last
        if error is not None:  # outside the lock: stopping Pagefind waits for the thread that reads its answers
            self._fail(error)
        return last

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._send(payload)
        return self._wait()

    def _fail(self, why: str) -> None:
        self.close()
        said = self._said()
        raise SearchError(f"Pagefind n'a pas pu indexer le site : {why}{' (' + said + ')' if said else ''} — {HINT}")

    def add(self, path: str, title: str, indexed: str) -> None:
        """Index the page at ``path`` (« maisons/23/gueret/ ») from its search copy."""
        self._send({"type": "AddFile", "index_id": self._index, "url": "/" + path, "file_path": None,
                    "file_contents": copy_html(title, indexed)})

    def write(self, bundle: Path) -> None:
        """Ask Pagefind to write the bundle into ``bundle`` once every page added is indexed; returns at once
        (Pagefind writes while the build goes on), :meth:`wait` waits for the bundle."""
        self._bundle = bundle
        self._send({"type": "WriteFiles", "index_id": self._index, "output_path": str(bundle)})
        self._flush()

    def wait(self) -> int:
        """Wait for the bundle asked by :meth:`write`, stop Pagefind; returns the number of pages indexed."""
        self._wait()
        self.close()
        if not (self._bundle / "pagefind.js").exists():
            raise SearchError(f"Pagefind n'a pas écrit {self._bundle / 'pagefind.js'} — {HINT}")
        return self._sent - 2

    def close(self) -> None:
        """Stop Pagefind (idempotent); what was not written is lost."""
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.close()  # its end of input: Pagefind stops
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=5)

    def _said(self) -> str:
        try:
            self._log.seek(0)
            return self._log.read().decode("utf-8", "replace").strip()[-400:]
        except (OSError, ValueError):
            return ""


def index_pages(copies: Iterable[tuple[str, str, str]], bundle: Path) -> int:
    """A whole index from (path, title, search copy) triples, written into ``bundle``."""
    index = SearchIndex()
    try:
        for path, title, indexed in copies:
            index.add(path, title, indexed)
        index.write(bundle)
        return index.wait()
    except BaseException:
        index.close()
        raise
