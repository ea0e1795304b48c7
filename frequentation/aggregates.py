"""Aggregates over a period, read from the monthly rollups (never from the visits: national figures over
millions of visits stay a small query), and their public form with small counts hidden."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, and_, func, select

from .referentiel import DIMENSIONS, RESULTATS
from .tables import cumul


def months(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` (AAAA-MM), both included."""
    year, month = map(int, start.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def default_period(today: dt.date | None = None, count: int = 12) -> tuple[str, str]:
    """The last ``count`` months, the current one included."""
    today = today or dt.date.today()
    index = today.year * 12 + today.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", today.strftime("%Y-%m")


class Raw:
    """Counts of one scope: total per month, (dimension, value) -> n, whether demonstration data are in."""

    def __init__(self) -> None:
        self.per_month: dict[str, int] = defaultdict(int)
        self.values: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.demo = 0

    def add(self, dimension: str, value: str, month: str, n: int) -> None:
        if dimension == "total":
            self.per_month[month] += n
        elif dimension == "demonstration":
            self.demo += n
        else:
            self.values[dimension][value] += n

    def as_dict(self, period: list[str], hide=lambda n: n) -> dict[str, Any]:
        total = sum(self.per_month.values())
        out: dict[str, Any] = {"visites": hide(total),
                               "par_mois": _protected([{"mois": m, "visites": self.per_month.get(m, 0)}
                                                       for m in period], hide)}
        for dimension in DIMENSIONS:
            items = sorted(((v, n) for v, n in self.values.get(dimension, {}).items() if n > 0),
                           key=lambda item: (-item[1], item[0]))
            out[dimension] = _protected([{"id": v, "visites": n} for v, n in items], hide)
        outcomes = self.values.get("resultats", {})
        known = total - outcomes.get("en-cours", 0)
        # a rate next to hidden outcome cells would give them back (rate × known = resolved)
        hidden = hide(known) is None or any(cell["visites"] is None for cell in out["resultats"])
        out["taux_resolution"] = None if hidden or not known else round(outcomes.get("resolu", 0) / known, 4)
        return out


def _protected(cells: list[dict], hide) -> list[dict]:
    """Hide small cells; when only one cell of a breakdown is hidden, the total would give it away: hide the
    next smallest too (secondary suppression)."""
    shown = [{**c, "visites": hide(c["visites"]) if c["visites"] else c["visites"]} for c in cells]
    hidden = [i for i, c in enumerate(shown) if c["visites"] is None]
    if len(hidden) == 1:
        others = [i for i, c in enumerate(shown) if c["visites"]]
        if others:
            smallest = min(others, key=lambda i: shown[i]["visites"])
            shown[smallest] = {**shown[smallest], "visites": None}
    return shown


def scope(engine: Engine, portee: str, cle: str | None, start: str, end: str) -> Raw:
    """The counts of one Maison (portee « maison »), one département, or the nation (« departement », None)."""
    where = [cumul.c.portee == portee, cumul.c.mois >= start, cumul.c.mois <= end]
    if cle is not None:
        where.append(cumul.c.cle == cle)
    query = (select(cumul.c.dimension, cumul.c.valeur, cumul.c.mois, func.sum(cumul.c.n))
             .where(and_(*where)).group_by(cumul.c.dimension, cumul.c.valeur, cumul.c.mois))
    raw = Raw()
    with engine.connect().execution_options(lecture=True) as conn:
        for dimension, value, month, n in conn.execute(query):
            raw.add(dimension, value, month, int(n))
    return raw


def every(engine: Engine, portee: str, start: str, end: str) -> dict[str, Raw]:
    """The counts of every Maison (or every département) at once, in one pass over the rollups."""
    query = (select(cumul.c.cle, cumul.c.dimension, cumul.c.valeur, cumul.c.mois, cumul.c.n)
             .where(and_(cumul.c.portee == portee, cumul.c.mois >= start, cumul.c.mois <= end)))
    out: dict[str, Raw] = defaultdict(Raw)
    with engine.connect().execution_options(lecture=True) as conn:
        for key, dimension, value, month, n in conn.execute(query):
            out[key].add(dimension, value, month, int(n))
    return out


def hider(threshold: int):
    return lambda n: None if 0 < n < threshold else n


def public(engine: Engine, start: str, end: str, threshold: int) -> dict[str, Any]:
    """What the portal publishes: every Maison, every département and the nation, small counts hidden."""
    period, hide = months(start, end), hider(threshold)
    deps = every(engine, "departement", start, end)
    nation = Raw()
    for raw in deps.values():
        nation.demo += raw.demo
        for m, n in raw.per_month.items():
            nation.per_month[m] += n
        for dimension, values in raw.values.items():
            for v, n in values.items():
                nation.values[dimension][v] += n
    maisons = every(engine, "maison", start, end)
    return {
        "genere_le": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "periode": {"de": start, "a": end},
        "seuil": threshold,
        "demonstration": nation.demo > 0,
        "national": nation.as_dict(period, hide),
        "departements": {k: r.as_dict(period, hide) for k, r in sorted(deps.items())},
        "maisons": {k: r.as_dict(period, hide) for k, r in sorted(maisons.items())},
    }


assert set(RESULTATS) >= {"resolu", "en-cours"}  # the resolution rate depends on these two ids
