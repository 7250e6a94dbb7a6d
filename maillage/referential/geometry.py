"""Commune boundaries: the compact bundled file, and the point-in-commune index built on it.

The file is a NumPy `.npz` archive (no pickled objects) holding every commune's simplified
(multi)polygon as a ragged array: coordinates quantised to 1e-5 degree (about 1 m) and
delta-encoded, so that zip compression shrinks them to a few MB. It is written by
`scripts/build_referential.py` and read here; this module imports nothing from Django so the
build script can use it without settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

BOUNDARIES_FILE_NAME = "commune-boundaries.npz"
FORMAT_VERSION = 1
# 1e-5 degree is about 1.1 m in latitude: far finer than the simplification tolerance.
QUANTUM = 1e-5
# About 1 km in latitude; the fallback radius for points that simplification left outside.
NEAREST_MAX_DEGREES = 0.01
_METRES_PER_DEGREE = 111_320.0


def boundaries_write(
    path: Path, *, codes: Sequence[str], geometries: Sequence[BaseGeometry]
) -> None:
    """Write `geometries` (Polygon or MultiPolygon, one per INSEE code) to `path`."""
    if len(codes) != len(geometries):
        raise ValueError("codes and geometries must have the same length")
    geometry_type, coords, offsets = shapely.to_ragged_array(np.asarray(geometries, dtype=object))
    if geometry_type != shapely.GeometryType.MULTIPOLYGON:
        # to_ragged_array promotes a mix of Polygon and MultiPolygon to MultiPolygon; all
        # Polygon input comes back as Polygon, which we store the same way.
        multi = shapely.multipolygons(np.asarray(geometries, dtype=object)[:, None])
        geometry_type, coords, offsets = shapely.to_ragged_array(multi)
    quantised = np.rint(coords / QUANTUM).astype(np.int64)
    deltas = np.diff(quantised, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    ring_offsets, polygon_offsets, geometry_offsets = offsets
    np.savez_compressed(
        path,
        format_version=np.array([FORMAT_VERSION], dtype=np.int32),
        codes=np.asarray(codes, dtype="<U5"),
        dx=deltas[:, 0].astype(np.int32),
        dy=deltas[:, 1].astype(np.int32),
        ring_sizes=np.diff(ring_offsets).astype(np.int32),
        polygon_sizes=np.diff(polygon_offsets).astype(np.int32),
        geometry_sizes=np.diff(geometry_offsets).astype(np.int32),
    )


def boundaries_read(path: Path) -> tuple[list[str], np.ndarray]:
    """Read the codes and the MultiPolygon array written by `boundaries_write`."""
    with np.load(path, allow_pickle=False) as archive:
        version = int(archive["format_version"][0])
        if version != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported boundary file version {version}")
        codes = [str(code) for code in archive["codes"]]
        coords = (
            np.column_stack(
                [np.cumsum(archive["dx"], dtype=np.int64), np.cumsum(archive["dy"], dtype=np.int64)]
            ).astype(np.float64)
            * QUANTUM
        )
        offsets = tuple(
            np.concatenate([[0], np.cumsum(archive[name], dtype=np.int64)])
            for name in ("ring_sizes", "polygon_sizes", "geometry_sizes")
        )
    geometries = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
    return codes, geometries


@dataclass
class BoundaryIndex:
    """Finds the commune containing a point, with an STRtree over the simplified boundaries."""

    codes: list[str]
    geometries: np.ndarray

    def __post_init__(self) -> None:
        shapely.prepare(self.geometries)
        self._tree = shapely.STRtree(self.geometries)

    @classmethod
    def from_file(cls, path: Path) -> BoundaryIndex:
        codes, geometries = boundaries_read(path)
        return cls(codes=codes, geometries=geometries)

    def locate(
        self, *, latitude: float, longitude: float, max_distance_m: float = 1_000.0
    ) -> str | None:
        """The INSEE code of the commune containing the point, else of the nearest one.

        Simplification moves boundaries by up to about a hundred metres, so a point on a
        coast or a border can fall just outside every polygon: it then goes to the nearest
        commune within `max_distance_m`. Farther than that (at sea, abroad) gives None.
        """
        point = shapely.Point(longitude, latitude)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            # Two hits only on a shared edge; the lowest code makes the answer stable.
            return min(self.codes[i] for i in hits)
        # Degrees of longitude shrink with latitude; search in the wider (latitude) unit
        # then check the true distance in metres.
        max_degrees = max_distance_m / (_METRES_PER_DEGREE * max(np.cos(np.radians(latitude)), 0.1))
        nearest, distances = self._tree.query_nearest(
            point, max_distance=max_degrees, return_distance=True
        )
        if not len(nearest):
            return None
        best = int(nearest[np.argmin(distances)])
        (lon_on_edge, lat_on_edge), _ = shapely.shortest_line(self.geometries[best], point).coords
        if _distance_m(latitude, longitude, lat_on_edge, lon_on_edge) > max_distance_m:
            return None
        return self.codes[best]


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance, exact enough below a few kilometres."""
    x = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    y = np.radians(lat2 - lat1)
    return float(np.hypot(x, y) * 6_371_000.0)
