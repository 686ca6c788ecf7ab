"""The outlines of France's régions and départements, projected once into SVG paths: a package asset.

The asset (``assets/france-outlines.json``) is derived, never edited by hand: rebuild it from the
public GeoJSON files (IGN Admin Express COG and INSEE COG 2018 via france-geojson, Licence Ouverte 2.0)
with::

    python -m observatory.pages.outlines ../shared/data/geo observatory/pages/assets/france-outlines.json

Metropolitan France is drawn in an equirectangular projection scaled by the cosine of its mean
latitude (what a page-sized map needs, without a projection library); each overseas territory is
fitted in an inset box of its own, not to scale. Coordinates are rounded to a tenth of a pixel and
simplified (Douglas–Peucker, 0.4 px), which keeps the asset small and the map offline. The asset has no
words: the map's attribution is a text of each language's catalogue (``map_attribution``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

WIDTH = 400  # the metropolitan map's width in SVG units; its height follows France's shape
INSET = 70  # the side of an overseas territory's inset box
TOLERANCE = 0.4  # Douglas–Peucker tolerance, in SVG units
OVERSEAS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}  # région → its one département


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            x, y = points[i]
            # A closed ring starts and ends on one point: then the distance is to that point.
            distance = (abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length if length
                        else math.hypot(x - x1, y - y1))
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def _path(rings: list[list[tuple[float, float]]], project) -> str:
    parts = []
    for ring in rings:
        points = []
        for lon, lat in ring:
            x, y = project(lon, lat)
            point = (round(x, 1), round(y, 1))
            if not points or point != points[-1]:
                points.append(point)
        points = _simplify(points, TOLERANCE)
        if len(points) < 3:
            continue
        parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    return "".join(parts)


def _fit(rings: list, width: float, height: float | None = None):
    """A projection fitting ``rings`` into the box (the height follows the shape when not given)."""
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    cos = math.cos(math.radians(sum(lats) / len(lats)))
    span_x, span_y = (max(lons) - min(lons)) * cos, max(lats) - min(lats)
    scale = width / span_x if height is None else min(width / span_x, height / span_y)
    left, top = min(lons), max(lats)
    off_x = 0 if height is None else (width - span_x * scale) / 2
    off_y = 0 if height is None else (height - span_y * scale) / 2
    return (lambda lon, lat: (off_x + (lon - left) * cos * scale, off_y + (top - lat) * scale)), span_y * scale


def build_asset(source: Path) -> dict:
    regions = json.loads((source / "regions-version-simplifiee.geojson").read_text(encoding="utf-8"))["features"]
    departements = json.loads((source / "departements-version-simplifiee.geojson").read_text(encoding="utf-8"))[
        "features"]
    overseas = [f for f in json.loads((source / "departements-avec-outre-mer.geojson").read_text(encoding="utf-8"))[
        "features"] if f["properties"]["code"] in OVERSEAS.values()]
    everything = [ring for f in regions for ring in _rings(f["geometry"])]
    project, height = _fit(everything, WIDTH)
    asset = {"width": WIDTH, "height": round(height, 1), "inset": INSET, "regions": {}, "departements": {}, "insets": {}}
    for level, features in (("regions", regions), ("departements", departements)):
        for feature in features:
            code = feature["properties"]["code"]
            asset[level][code] = {"name": feature["properties"]["nom"], "d": _path(_rings(feature["geometry"]), project)}
    for feature in overseas:
        rings = _rings(feature["geometry"])
        fit, _ = _fit(rings, INSET - 8, INSET - 8)
        code = feature["properties"]["code"]
        asset["insets"][code] = {"name": feature["properties"]["nom"],
                                 "region": next(r for r, d in OVERSEAS.items() if d == code),
                                 "d": _path(rings, lambda lon, lat, fit=fit: tuple(v + 4 for v in fit(lon, lat)))}
    asset["project"] = {"left": min(lon for ring in everything for lon, _ in ring),
                        "top": max(lat for ring in everything for _, lat in ring),
                        "scale": WIDTH / ((max(lon for r in everything for lon, _ in r)
                                           - min(lon for r in everything for lon, _ in r))
                                          * math.cos(math.radians(sum(lat for r in everything for _, lat in r)
                                                                  / sum(len(r) for r in everything)))),
                        "cos": math.cos(math.radians(sum(lat for r in everything for _, lat in r)
                                                     / sum(len(r) for r in everything)))}
    return asset


if __name__ == "__main__":  # pragma: no cover - run by hand to rebuild the asset
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps(build_asset(source), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {target}: {target.stat().st_size:,} bytes")
