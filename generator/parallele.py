"""Every way the build works on several cores, in one place: how many processes (``MSAP_JOBS``), the pools of
forked workers (reading the fiches, rendering the pages), the forked processes beside the main line (the
theme, the open data) and the threads (compiling the templates, loading the communes).

With ``MSAP_JOBS=1`` the same plan runs in this one process, in the same order of results: no fork, no thread,
byte-identical output (``tests/test_parallele.py``) — for a machine of one core, a debugger, a profile.

The rule every caller keeps: a process is forked while this one has no other thread running (forking a process
that runs threads can leave the child blocked on a lock another thread held: Python 3.12 warns of it); the
build forks first, then starts its threads.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import Any, Callable, Iterable, Iterator

from .diagnostics import CommandError

ENV = "MSAP_JOBS"
MAX_DEFAULT = 4  # past four processes the build of the real network gets no faster (its stages wait on each other)


class BackgroundError(CommandError):
    """Work done beside the main line failed; the message says what, with a hint."""


def jobs(asked: int | None = None) -> int:
    """How many processes: ``MSAP_JOBS`` when set, else ``asked``, else the CPUs (at most four)."""
    value = os.environ.get(ENV, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise CommandError(f"{ENV}={value!r} n'est pas un nombre de processus",
                               f"donnez un entier ≥ 1 (« {ENV}=1 » : tout dans un seul processus), ou retirez "
                               "la variable")
        return int(value)
    return asked or min(os.cpu_count() or 1, MAX_DEFAULT)


def sequential() -> bool:
    """Everything in this process (``MSAP_JOBS=1``, or a system that cannot fork)."""
    return jobs() <= 1 or "fork" not in multiprocessing.get_all_start_methods()


def fork_pool(count: int, nice: int = 0) -> Any:
    """Worker processes (fork): children share the loaded content without copying it. Leaving the pool
    terminates them with SIGTERM: they take the default action, not a handler inherited from the parent (`msap
    serve` has one), which a signal arriving just before a worker blocks on the task queue would leave pending
    forever — a hang seen once in CI. ``nice``: how much lower the workers' priority is than the parent's."""
    return multiprocessing.get_context("fork").Pool(count, initializer=_worker_setup, initargs=(nice,))


def _worker_setup(nice: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if nice:
        try:
            os.nice(nice)
        except OSError:  # pragma: no cover - lowering one's own priority is always allowed on Linux
            pass


class Workers:
    """``map`` over worker processes, or in this process when there is one job or too little to do.
    ``before_start()`` runs once the workers exist (the caller's threads may start then: no fork after it)."""

    def __init__(self, count: int, items: int, least: int, nice: int = 0,
                 before_start: Callable[[], None] | None = None):
        self.parallel = count > 1 and items >= least and not sequential()
        self._pool = fork_pool(count, nice) if self.parallel else None
        if before_start is not None:
            before_start()

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Results in the order of ``items``."""
        return self._pool.imap(fn, items) if self._pool is not None else map(fn, items)

    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Results as they come (callers sum or collect them: the order does not matter to them)."""
        return self._pool.imap_unordered(fn, items) if self._pool is not None else map(fn, items)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()


class Background:
    """``fn(*args)`` in a forked child (it shares the loaded content without copying it); :meth:`join` waits
    for it and raises :class:`BackgroundError` if it failed. ``what`` names the work in messages; ``hint``
    ends a message about an unexpected error. Sequential: ``fn`` runs in :meth:`join`, where the main line
    would have waited for it."""

    def __init__(self, fn: Callable[..., Any], *args: Any, what: str, hint: str):
        self.what, self.hint = what, hint
        self._call: tuple[Callable[..., Any], tuple] | None = None
        self._proc: Any = None
        if sequential():
            self._call = (fn, args)
            return
        ctx = multiprocessing.get_context("fork")
        self._errors = ctx.SimpleQueue()
        self._proc = ctx.Process(target=self._run, args=(fn, args))
        self._proc.start()

    def _failure(self, exc: Exception) -> str:
        if isinstance(exc, BackgroundError):
            return str(exc)[:4000]
        return f"{self.what} : échec inattendu ({exc!r:.2000}) — Indice : {self.hint}"

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported by the parent, never a traceback for the user
            self._errors.put(self._failure(exc))

    def join(self) -> None:
        if self._call is not None:
            (fn, args), self._call = self._call, None
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - the same message as from a child
                raise BackgroundError(self._failure(exc)) from None  # indice : _failure le met
            return
        if self._proc is None:
            return
        self._proc.join()
        if not self._errors.empty():
            raise BackgroundError(self._errors.get())  # indice : mis par l'enfant (_failure)
        if self._proc.exitcode:
            raise BackgroundError(f"{self.what} : le processus s'est arrêté (code {self._proc.exitcode}) — "
                                  f"Indice : {self.hint}")

    def kill(self) -> None:
        self._call = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join()


class InThread:
    """``fn(*args)`` in a thread of this process, for work that waits on nothing the main line does (imports,
    compiling templates) while it waits on other processes; :meth:`result` returns its value or raises its
    exception. Sequential: ``fn`` runs in :meth:`result`."""

    def __init__(self, fn: Callable[..., Any], *args: Any):
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - raised again by result(), in the caller's thread
                self._error = exc
        self._run: Callable[[], None] | None = run
        self._thread: threading.Thread | None = None
        if not sequential():
            self._thread = threading.Thread(target=run, daemon=True)
            self._thread.start()

    def result(self) -> Any:
        if self._thread is not None:
            self._thread.join()
        elif self._run is not None:
            run, self._run = self._run, None
            run()
        if self._error is not None:
            raise self._error
        return self._value
