"""Read opening hours written as free text in the national list.

The list writes one cell per weekday, ``09:00 - 12:00 / 13:30 - 17:00``, with
every variation people type: no spaces, commas, ``13 :30``, ``9h30``, a dash
between the two slots (``09:00-12:30-13:30-17:00``), a lone ``-`` for closed.
"""
from __future__ import annotations

import re

_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hH]\s*(\d{2})?(?!\d)")
_CLOSED = re.compile(r"^\s*(?:-+|fermée?|ferme|closed|/)\s*$", re.IGNORECASE)


class HoursError(ValueError):
    """Text that does not read as opening hours."""


def parse_day(text: str | None) -> tuple[list[str], str | None]:
    """Read one cell: « 09:00 - 12:00 / 13:30 - 17:00 » -> (["09:00-12:00", "13:30-17:00"], None).

    Empty, « - » or « 00:00 - 00:00 » mean closed. Slots repeated or overlapping
    are merged into their union, and the second value says so (a note for the
    import report). Raises HoursError when the times cannot be paired into slots
    that follow each other through the day.
    """
    if text is None or not text.strip() or _CLOSED.match(text):
        return [], None
    times = []
    for h, m in _TIME.findall(text):
        hour, minute = int(h), int(m or 0)
        if hour > 24 or minute > 59:
            raise HoursError(f"heure impossible « {h}:{m} » dans « {text.strip()} »")
        times.append(hour * 60 + minute)
    leftovers = _TIME.sub("", text)
    if not times or re.search(r"\d", leftovers) or len(times) % 2:
        raise HoursError(f"« {text.strip()} » ne se lit pas comme des créneaux")
    pairs = [(a, b) for a, b in zip(times[::2], times[1::2]) if (a, b) != (0, 0)]
    if not pairs:
        return [], "« 00:00 - 00:00 » lu comme « fermé »"
    if any(b <= a for a, b in pairs) or any(n[0] < p[0] for p, n in zip(pairs, pairs[1:])):
        raise HoursError(f"« {text.strip()} » : heures dans le désordre")
    merged: list[list[int]] = []
    for a, b in pairs:
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    slots = [f"{_hhmm(a)}-{_hhmm(b)}" for a, b in merged]
    reasons = (["« 00:00 - 00:00 » ignoré"] if len(pairs) * 2 != len(times) else []) + (
        ["créneaux répétés ou qui se chevauchent fusionnés"] if len(merged) != len(pairs) else [])
    note = f"« {text.strip()} » lu comme « {' / '.join(slots)} » ({', '.join(reasons)})" if reasons else None
    return slots, note


def _hhmm(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"
