"""Cells that a spreadsheet opens as text, whatever a contributor wrote (OWASP's « CSV injection » rule).

A Maison named ``=HYPERLINK("https://…";"clic")`` becomes a live formula when an agent opens the open-data CSV
or a visits export in a spreadsheet. Every CSV the project writes passes its text cells through
:func:`cell`: a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe, which spreadsheets show as text (and hide). Numbers stay numbers: a longitude of -1.5 is written
as it is, and so does a sign followed by digits, spaces and dots only (an international phone number, « +33 5 55
51 00 00 »): without a letter, a quote or a parenthesis, no function or reference can be called, and the value
stays what the Table Schema of the export says it is. ``msap check`` warns about such values (:func:`formula_like`), so that the prefix is rarely needed.
"""
from __future__ import annotations

import re
from typing import Any

#: what makes a spreadsheet read a cell as a formula (or, for tab and carriage return, hide one)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    return text.startswith(TRIGGERS)


_NUMERIC = re.compile(r"[+-][\d .]*")


def cell(value: Any) -> Any:
    """A value ready for a CSV writer: text neutralised, numbers and empty cells unchanged."""
    if isinstance(value, str) and formula_like(value) and not _NUMERIC.fullmatch(value):
        return "'" + value
    return value


def row(values: list[Any]) -> list[Any]:
    return [cell(v) for v in values]
