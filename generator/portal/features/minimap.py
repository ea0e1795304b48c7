"""The small access map of a fiche: the département's outline with the Maison's pin.

No tiles, nothing loaded from another host: one light SVG per département
(shared by all its fiches and cached by the browser) and the pin placed over it
in percent. The outline comes from ``data/geo/departements.geojson``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

WIDTH = 320.0


@dataclass(frozen=True)
class Frame:
    """Where a département sits in its SVG: an equirectangular projection of its bounding box."""

    west: float
    south: float
    east: float
    north: float
    kx: float  # cos(mid-latitude): keeps shapes from stretching

    @property
    def height(self) -> float:
        width_deg = (self.east - self.west) * self.kx or 1e-9
        return max(WIDTH * (self.north - self.south) / width_deg, 1.0)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        width_deg = (self.east - self.west) * self.kx or 1e-9
        scale = WIDTH / width_deg
        return (lon - self.west) * self.kx * scale, (self.north - lat) * scale

    def percent(self, lon: float, lat: float) -> tuple[float, float] | None:
        x, y = self.xy(lon, lat)
        px, py = 100 * (x + 2) / (WIDTH + 4), 100 * (y + 2) / (self.height + 4)
        if not (-2 <= px <= 102 and -2 <= py <= 102):
            return None  # pin outside its département's outline: better no pin than a wrong one
        return round(min(max(px, 0), 100), 2), round(min(max(py, 0), 100), 2)


def rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        best, index = 0.0, -1
        for i in range(a + 1, b):
            x, y = points[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm > 1e-12 else math.hypot(x - x1, y - y1)
            if d > best:
                best, index = d, i
        if best > tolerance and index > 0:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep) if k]


class MiniMaps:
    def __init__(self, geojson: Path):
        self.source = geojson
        self.features = {}
        if geojson.exists():
            data = json.loads(geojson.read_text(encoding="utf-8"))
            for feature in data["features"]:
                self.features[feature["properties"]["insee_dep"]] = feature["geometry"]
        self._frames: dict[str, Frame] = {}

    def frame(self, code: str) -> Frame | None:
        if code not in self._frames:
            geometry = self.features.get(code)
            if geometry is None:
                return None
            pts = [p for ring in rings(geometry) for p in ring]
            west, east = min(p[0] for p in pts), max(p[0] for p in pts)
            south, north = min(p[1] for p in pts), max(p[1] for p in pts)
            self._frames[code] = Frame(west, south, east, north, math.cos(math.radians((south + north) / 2)))
        return self._frames[code]

    def svg(self, code: str) -> str | None:
        frame = self.frame(code)
        if frame is None:
            return None
        paths = []
        for ring in rings(self.features[code]):
            pts = simplify([frame.xy(lon, lat) for lon, lat in ring], 0.6)
            if len(pts) < 3:
                continue
            paths.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
        height = frame.height
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {WIDTH + 4:.0f} {height + 4:.0f}">'
                f'<path d="{"".join(paths)}" fill="#e3e3fd" stroke="#000091" stroke-width="1.2" '
                f'stroke-linejoin="round"/></svg>\n')

    def write_all(self, folder: Path) -> int:
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for code in self.features:
            svg = self.svg(code)
            if svg:
                (folder / f"{code}.svg").write_text(svg, encoding="utf-8")
                count += 1
        return count


def position(maps: MiniMaps, maison) -> dict | None:
    """Where the pin goes over the département's SVG, or None when it would be wrong or missing."""
    frame = maps.frame(maison.departement)
    if frame is None or maison.coordonnees is None:
        return None
    where = frame.percent(maison.coordonnees.lon, maison.coordonnees.lat)
    if where is None:
        return None
    return {"x": where[0], "y": where[1], "width": int(WIDTH + 4), "height": round(frame.height + 4)}
