"""French formatting of dates, numbers, percentages and distances, as the pages, the reports and the browser
show them (the portal's templates use them as filters)."""
from __future__ import annotations

from typing import Any


MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


def date_fr(value: Any) -> str:
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MOIS[value.month - 1]} {value.year}"


def nombre(value: int) -> str:
    """3 000 with a narrow no-break space, as French typography wants."""
    return f"{value:,}".replace(",", "\u202f")


def pourcent(value: float) -> str:
    """0.654 → « 65 % » (narrow no-break space before the sign, as for thousands)."""
    return f"{round(value * 100)}\u202f%"


def mois_fr(value: str) -> str:
    """« 2026-01 » → « janvier 2026 »."""
    return f"{MOIS[int(value[5:7]) - 1]} {value[:4]}"


def km(value: float) -> str:
    """3,2 km (one decimal, French comma): what the locator shows in the browser too."""
    return f"{value:.1f}".replace(".", ",") + "\u00a0km"
