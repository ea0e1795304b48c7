"""Problems found in content: collected, never raised, reported all at once.

Every problem names a file, a line (front matter offset included), the field it
is about, a message and a hint (« Indice »), so that a contributor who has never
read Python can act on it:

    content/maisons/23/gueret.md:14: horaires.mardi.1: « 9h-12h » n'est pas un créneau valide — Indice : écrivez « 09:00-12:00 »
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

# What a terminal or a CI runner would act on rather than show: C0 and C1 controls (line breaks, carriage
# return, escape sequences), Unicode line and paragraph separators, and the bidirectional overrides that make
# a text read otherwise than it is stored (« Trojan Source »), and lone surrogates (unprintable: an error).
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def shown(value: object) -> str:
    """A value as one printable line: every control character is written as its escape (« \\n », « \\x1b »,
    « \\u202e »), never emitted; a file name with a line break cannot start a line of its own in a CI log."""
    return _UNSHOWN.sub(_escape, str(value))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


HINT_MARK = " — Indice : "


class CommandError(Exception):
    """A command cannot run: a French message and a hint. ``msap`` prints « message — Indice : hint » and exits 2
    (see :func:`generator.cli.run`); every command error of the project is one of these (each module's own kind,
    ``BuildError``, ``ImportFailure``…, is a subclass; ``tests/test_errors.py`` checks that each one raised
    carries a hint). ``hint`` omitted: the message already ends with « — Indice : … » (a message passed on from
    another error), and is split there."""

    def __init__(self, message: str, hint: str | None = None):
        if hint is None:
            head, mark, tail = message.rpartition(HINT_MARK)
            message, hint = (head, tail) if mark else (message, "")
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return f"{self.message}{HINT_MARK}{self.hint}" if self.hint else self.message


class Severity(enum.Enum):
    ERROR = "erreur"
    WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    hint: str
    severity: Severity = Severity.ERROR

    def text(self) -> str:
        """One line, whatever the file name or the quoted value holds (see :func:`shown`)."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f"{self.field}: " if self.field else ""
        tag = "" if self.severity is Severity.ERROR else "avertissement : "
        return shown(f"{where}: {what}{tag}{self.message} — Indice : {self.hint}")

    def github(self) -> str:
        """A GitHub Actions workflow command, shown as an annotation on the pull request."""
        kind = "error" if self.severity is Severity.ERROR else "warning"
        title = self.field or "contenu"
        body = f"{self.message} — Indice : {self.hint}"
        return (f"::{kind} file={_esc_prop(self.file)},line={self.line or 1},"
                f"title={_esc_prop(title)}::{_esc_data(body)}")


def _esc_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(value: str) -> str:
    return _esc_data(value).replace(":", "%3A").replace(",", "%2C")


@dataclass
class Report:
    """Collects problems from every stage; the command decides once, at the end."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, field_: str, message: str, hint: str,
            severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(file, line, field_, message, hint, severity))

    def warn(self, file: str, line: int, field_: str, message: str, hint: str) -> None:
        self.add(file, line, field_, message, hint, Severity.WARNING)

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems), key=lambda p: (p.file, p.line, p.field, p.message))

    def render(self, fmt: str = "text") -> str:
        rows = self.sorted()
        if fmt == "github":
            return "\n".join(p.github() for p in rows)
        return "\n".join(p.text() for p in rows)


def plural(n: int, singular: str, plural_: str | None = None) -> str:
    """« 1 erreur », « 2 erreurs », « 2 683 fiches » (French thousands separator)."""
    word = singular if n <= 1 else (plural_ or singular + "s")
    return f"{n:,}".replace(",", "\u202f") + " " + word
