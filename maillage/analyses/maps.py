"""Region and department outlines projected to SVG paths, for server-side choropleths,
and points (commune centres) projected the same way.

Metropolitan France (with Corsica) is drawn in an equirectangular projection scaled at its
mean latitude, which keeps shapes recognisable at this size; the five overseas departments
are insets down the left side, each at its own scale. A map of a few territories (a region's
departments) is fitted to those territories alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shapely.geometry import shape

GEO_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "maillage" / "geo"
WIDTH, HEIGHT = 600, 560
METRO_BOX = (130.0, 8.0, 592.0, 552.0)  # x0, y0, x1, y1
INSET_BOX_WIDTH, INSET_BOX_HEIGHT, INSET_GAP = 112.0, 96.0, 12.0
# Overseas regions and departments, top to bottom in the insets column (region codes 01-06
# are also the codes of Ain, Aisne and Allier, hence one list per level).
OVERSEAS = {
    "region": ("01", "02", "03", "04", "06"),
    "department": ("971", "972", "973", "974", "976"),
}
SIMPLIFY_DEGREES = 0.01


@dataclass(frozen=True)
class Feature:
    code: str
    name: str
    parent: str  # the region of a department, '' for a region
    geometry: object  # shapely geometry (lon, lat)


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str  # SVG path data in the map's coordinates
    inset: tuple[float, float, float, float] | None  # the inset frame, for overseas


@lru_cache(maxsize=2)
def features(level: str) -> tuple[Feature, ...]:
    """The outlines of every region ('region') or department ('department')."""
    name = "regions.geojson" if level == "region" else "departments.geojson"
    data = json.loads((GEO_DIR / name).read_text(encoding="utf-8"))
    return tuple(
        Feature(
            code=f["properties"]["code"],
            name=f["properties"]["name"],
            parent=f["properties"].get("region", ""),
            geometry=shape(f["geometry"]).simplify(SIMPLIFY_DEGREES, preserve_topology=True),
        )
        for f in data["features"]
    )


def _fit(geometries, box):
    """A function projecting (lon, lat) into box, keeping the aspect ratio."""
    west = min(g.bounds[0] for g in geometries)
    south = min(g.bounds[1] for g in geometries)
    east = max(g.bounds[2] for g in geometries)
    north = max(g.bounds[3] for g in geometries)
    k = math.cos(math.radians((south + north) / 2))
    width, height = max((east - west) * k, 1e-6), max(north - south, 1e-6)
    x0, y0, x1, y1 = box
    scale = min((x1 - x0) / width, (y1 - y0) / height)
    dx = x0 + ((x1 - x0) - width * scale) / 2
    dy = y0 + ((y1 - y0) - height * scale) / 2

    def project(lon, lat):
        return dx + (lon - west) * k * scale, dy + (north - lat) * scale

    return project


def _path(geometry, project) -> str:
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            points = [project(lon, lat) for lon, lat in ring.coords]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


@lru_cache(maxsize=32)
def _layout(level: str, only: frozenset[str] | None):
    """The chosen features, each with its projection and its inset frame (overseas)."""
    chosen = [f for f in features(level) if only is None or f.code in only]
    if not chosen:
        return ()
    if only is not None:
        project = _fit([f.geometry for f in chosen], (8.0, 8.0, WIDTH - 8.0, HEIGHT - 8.0))
        return tuple((f, project, None) for f in chosen)
    insets = OVERSEAS[level]
    metro = [f for f in chosen if f.code not in insets]
    overseas = sorted((f for f in chosen if f.code in insets), key=lambda f: insets.index(f.code))
    project = _fit([f.geometry for f in metro], METRO_BOX)
    result = [(f, project, None) for f in metro]
    for position, feature in enumerate(overseas):
        top = 8.0 + position * (INSET_BOX_HEIGHT + INSET_GAP)
        frame = (8.0, top, 8.0 + INSET_BOX_WIDTH, top + INSET_BOX_HEIGHT)
        inner = (frame[0] + 6, frame[1] + 16, frame[2] - 6, frame[3] - 6)
        result.append((feature, _fit([feature.geometry], inner), frame))
    return tuple(result)


@lru_cache(maxsize=32)
def shapes(level: str, only: frozenset[str] | None = None) -> tuple[Shape, ...]:
    """Projected shapes of a level; `only` restricts to some codes and fits the map to them."""
    return tuple(
        Shape(f.code, f.name, _path(f.geometry, project), frame)
        for f, project, frame in _layout(level, only)
    )


def project_points(level: str, only: frozenset[str] | None, points) -> list[tuple[float, float]]:
    """(code, lon, lat) points, code being the territory of that level holding each point,
    projected like the map's shapes (an overseas point lands in its inset); points outside the
    drawn territories are left out."""
    projections = {f.code: project for f, project, _frame in _layout(level, only)}
    result = []
    for code, lon, lat in points:
        project = projections.get(code)
        if project is not None:
            result.append(project(lon, lat))
    return result


def department_codes_of(regions: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f.code for f in features("department") if f.parent in regions)
