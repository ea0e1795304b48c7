"""The coverage map: Maisons per département as an SVG choropleth (no script, no tiles), with the same
figures as a table in the page. Metropolitan France is drawn whole; the overseas départements in insets."""
from __future__ import annotations

import math
from html import escape
from typing import Any

from .minimap import WIDTH as FRAME_WIDTH
from .minimap import Frame, MiniMaps, rings, simplify

WIDTH = 600.0
CLASSES = ((0, "0"), (1, "1 à 9"), (10, "10 à 19"), (20, "20 à 39"), (40, "40 et plus"))  # lower bound, label
COLOURS = ("#f6f6f6", "#dfe5fb", "#9fb0ef", "#5770d8", "#000091")
OVERSEAS = ("971", "972", "973", "974", "976")
INSET = 110.0


def classe(count: int) -> int:
    return max(i for i, (low, _label) in enumerate(CLASSES) if count >= low)


def _frame(geometries: list[dict], width: float) -> tuple[Frame, float]:
    pts = [p for g in geometries for ring in rings(g) for p in ring]
    west, east = min(p[0] for p in pts), max(p[0] for p in pts)
    south, north = min(p[1] for p in pts), max(p[1] for p in pts)
    frame = Frame(west, south, east, north, math.cos(math.radians((south + north) / 2)))
    return frame, width / FRAME_WIDTH  # Frame.xy draws at the mini-maps' width


def _path(geometry: dict, frame: Frame, scale: float, dx: float, dy: float) -> str:
    parts = []
    for ring in rings(geometry):
        pts = simplify([frame.xy(lon, lat) for lon, lat in ring], 0.5 / scale)
        if len(pts) >= 3:
            parts.append("M" + "L".join(f"{x * scale + dx:.1f} {y * scale + dy:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def geometry(maps: MiniMaps) -> dict[str, Any]:
    """The drawing of the départements (metropolitan France whole, overseas in insets): it depends on the
    outlines only, so the build keeps it between builds (:func:`cache.value`). Plain JSON values."""
    metro = {code: g for code, g in maps.features.items() if code not in OVERSEAS and len(code) <= 2}
    if not metro:
        return {}
    frame, scale = _frame(list(metro.values()), WIDTH)
    height = frame.height * scale
    shapes: list[list[Any]] = [[code, _path(geometry, frame, scale, 0, 0), None]
                               for code, geometry in sorted(metro.items())]
    x = 0.0
    for code in OVERSEAS:
        geometry = maps.features.get(code)
        if geometry is None:
            continue
        inset, k = _frame([geometry], INSET - 10)
        dy = height + 10 + (INSET - inset.height * k) / 2
        shapes.append([code, _path(geometry, inset, k, x + 5, dy), x])  # x: where its inset's frame goes
        x += INSET + 8
    return {"height": height, "shapes": shapes}


def svg(drawing: dict[str, Any], counts: dict[str, dict[str, int]], names: dict[str, str]) -> str:
    """The choropleth; each département is a path with a class and a <title> (« Creuse (23) : 12 Maisons »)."""
    if not drawing:
        return ""
    height, parts = drawing["height"], []
    for code, d, inset_x in drawing["shapes"]:
        if inset_x is not None:
            parts.append(f'<rect x="{inset_x:.0f}" y="{height + 10:.0f}" width="{INSET:.0f}" height="{INSET:.0f}" '
                         'class="msap-encart"/>')
        n = counts.get(code, {}).get("maisons", 0)
        label = f"{names.get(code, code)} ({code}) : {n} Maison{'s' if n > 1 else ''}"
        parts.append(f'<path d="{d}" class="msap-classe-{classe(n)}"><title>{escape(label)}</title></path>')
    total_h = height + 20 + INSET
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {WIDTH + 4:.0f} {total_h + 4:.0f}" '
            f'class="msap-choroplethe" role="img" aria-labelledby="couverture-titre">'
            f'<title id="couverture-titre">Nombre de Maisons par département (le tableau qui suit donne les '
            f'mêmes chiffres)</title>{"".join(parts)}</svg>')


def legend() -> list[dict[str, Any]]:
    return [{"label": label, "couleur": colour, "classe": i} for i, ((_low, label), colour)
            in enumerate(zip(CLASSES, COLOURS))]
