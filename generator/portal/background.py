"""Work the build runs in a forked process beside its main line (the theme, the open data), with its failure
brought back as one French message, never a traceback."""
from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Callable
from ..diagnostics import CommandError


class BackgroundError(CommandError):
    """The background work failed; the message says what, with a hint."""


class Background:
    """``fn(*args)`` in a forked child (it shares the loaded content without copying it); :meth:`join` waits
    for it and raises :class:`BackgroundError` if it failed. ``what`` names the work in messages; ``hint``
    ends a message about an unexpected error."""

    def __init__(self, fn: Callable[..., Any], *args: Any, what: str, hint: str):
        self.what, self.hint = what, hint
        ctx = multiprocessing.get_context("fork")
        self._errors = ctx.SimpleQueue()
        self._proc = ctx.Process(target=self._run, args=(fn, args))
        self._proc.start()

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            fn(*args)
        except BackgroundError as exc:
            self._errors.put(str(exc)[:4000])
        except Exception as exc:  # noqa: BLE001 - reported by the parent, never a traceback for the user
            self._errors.put(f"{self.what} : échec inattendu ({exc!r:.2000}) — Indice : {self.hint}")

    def join(self) -> None:
        self._proc.join()
        if not self._errors.empty():
            raise BackgroundError(self._errors.get())  # indice : mis par l'enfant (ci-dessus, ou self.hint)
        if self._proc.exitcode:
            raise BackgroundError(f"{self.what} : le processus s'est arrêté (code {self._proc.exitcode}) — "
                                  f"Indice : {self.hint}")

    def kill(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


class InThread:
    """``fn(*args)`` in a thread of this process, for work that waits on nothing the main line does (imports,
    compiling templates) while it waits on other processes; :meth:`result` returns its value or raises its
    exception."""

    def __init__(self, fn: Callable[..., Any], *args: Any):
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - raised again by result(), in the caller's thread
                self._error = exc
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
