"""What keeps the API answering when anyone can call it: bounded bodies, a time limit, rate limits per client
address for anonymous reads and for failed authentications, a cache and a concurrency cap for the public
aggregates, and the security headers of every answer.

Measured before (issue 14): ``GET /statistiques?de=0001-01&a=9999-12``, without a token, took 106 s, returned
268 MB and grew the server to 3.6 GB, while ``/sante`` timed out. The period is now bounded by the document
itself (:mod:`.periods`), and these guards bound what is left: how often, how many at once, how long.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from .errors import ApiError

#: the headers of every answer: nothing is framed, sniffed, sent to another site or loaded from one
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Buckets:
    """A token bucket per key (a token id, a client address): ``burst`` at once, then ``rate`` per second. The
    table is bounded: past ``size`` keys, the full buckets (keys at rest) are forgotten first."""

    def __init__(self, rate: float, burst: float, size: int = 50_000):
        self.rate, self.burst, self.size = rate, float(burst), size
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, key: Any, clock: float) -> float:
        tokens, last = self._buckets.get(key, (self.burst, clock))
        return min(self.burst, tokens + (clock - last) * self.rate)

    def take(self, key: Any) -> float:
        """0 when the call may go (one token taken), else the seconds to wait."""
        with self._lock:
            clock = time.monotonic()
            tokens = self._level(key, clock)
            if tokens >= 1:
                self._store(key, tokens - 1, clock)
                return 0.0
            self._store(key, tokens, clock)
            return (1 - tokens) / self.rate

    def wait(self, key: Any) -> float:
        """The seconds before the next call may go, without taking anything."""
        with self._lock:
            tokens = self._level(key, time.monotonic())
            return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def _store(self, key: Any, tokens: float, clock: float) -> None:
        if key not in self._buckets and len(self._buckets) >= self.size:
            full = [k for k in self._buckets if self._level(k, clock) >= self.burst]
            for k in full or list(self._buckets)[: self.size // 2]:
                del self._buckets[k]
        self._buckets[key] = (tokens, clock)


def too_many(wait: float, message: str, hint: str) -> ApiError:
    return ApiError(429, message, hint, headers={"Retry-After": str(int(wait) + 1)})


class Cache:
    """Answers kept ``seconds`` by key (at most ``size`` of them); one computation per key at a time: callers
    asking the same key meanwhile wait for it rather than compute it again."""

    def __init__(self, seconds: float, size: int = 32):
        self.seconds, self.size = seconds, size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Any, threading.Lock] = {}

    def get(self, key: Any) -> Any | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept[0] < time.monotonic():
                return None
            self._items.move_to_end(key)
            return kept[1]

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            found = self.get(key)
            if found is None:
                found = make()
                with self._lock:
                    self._items[key] = (time.monotonic() + self.seconds, found)
                    self._items.move_to_end(key)
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            with self._lock:
                self._computing.pop(key, None)
            return found


class Seats:
    """At most ``count`` costly computations at once; a caller finding no free seat is told to come back (it
    never queues: a queue of waiting threads is what starved the service before)."""

    def __init__(self, count: int):
        self._free = threading.BoundedSemaphore(count)

    def __enter__(self) -> "Seats":
        if not self._free.acquire(blocking=False):
            raise too_many(1, "le serveur calcule déjà d'autres statistiques",
                           "réessayez dans une seconde ; les statistiques publiques changent peu : gardez la "
                           "réponse (elle est la même pendant une minute)")
        return self

    def __exit__(self, *exc) -> None:
        self._free.release()


class Guard:
    """ASGI middleware: a body larger than ``max_body`` is refused (413) before it is read whole; a request whose
    answer has not begun after ``timeout`` seconds is answered 503; every answer carries the security headers."""

    def __init__(self, app, max_body: int, timeout: float):
        self.app, self.max_body, self.timeout = app, max_body, timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in _LOWER_SECURITY]
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return await _answer(send_guarded, 413, "corps de la requête trop gros",
                                 f"au plus {self.max_body // 1000} ko : envoyez les visites en plusieurs lots")
        # The body is read here, up to the limit, then handed to the app: a chunked body (no Content-Length) is
        # bounded too, and the app never sees half of one.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                return await _answer(send_guarded, 413, "corps de la requête trop gros",
                                     f"au plus {self.max_body // 1000} ko : envoyez les visites en plusieurs lots")
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        begun = asyncio.Event()

        async def send_marked(message):
            if message["type"] == "http.response.start":
                begun.set()
            await send_guarded(message)

        task = asyncio.ensure_future(self.app(scope, replay, send_marked))
        marker = asyncio.ensure_future(begun.wait())
        try:
            await asyncio.wait({task, marker}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            marker.cancel()
        if not begun.is_set() and not task.done():
            task.cancel()  # a handler in a thread goes on until the database's own time limit stops it
            return await _answer(send_guarded, 503, "la requête a pris trop de temps",
                                 f"au plus {self.timeout:g} s : demandez une période plus courte, ou réessayez "
                                 "plus tard", {"Retry-After": "5"})
        await task  # once the answer has begun (a streamed export), the time limit no longer applies


_LOWER_SECURITY = {k.lower() for k in SECURITY_HEADERS}


async def _answer(send, status: int, erreur: str, indice: str, headers: dict[str, str] | None = None) -> None:
    import json

    body = json.dumps(ApiError(status, erreur, indice).body(), ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
