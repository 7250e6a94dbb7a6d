"""Coverage: the communes farther than a distance from the nearest structure of a type.

A KD-tree over the structures' points on the unit sphere answers the nearest-structure
distance of the ~35,000 commune centres in a few milliseconds per type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from scipy.spatial import cKDTree

from maillage.analyses.geography import Communes, chord_to_km, unit_vectors
from maillage.analyses.numbers import fmt, share
from maillage.analyses.selection import Selection
from maillage.analyses.tables import PERCENT, Column, Row, Table
from maillage.structures.models import Term

DEFAULT_DISTANCE_KM = 20.0
MIN_DISTANCE_KM = 1.0
MAX_DISTANCE_KM = 200.0
ALL_TYPES = "all"


def nearest_km(
    points_lat: np.ndarray, points_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """Distance in km from each (lat, lon) to the nearest point; inf without any point."""
    if len(points_lat) == 0:
        return np.full(len(lat), np.inf)
    tree = cKDTree(unit_vectors(points_lat, points_lon))
    chord, _index = tree.query(unit_vectors(lat, lon), k=1)
    return chord_to_km(chord)


@dataclass
class Coverage:
    distance_km: float
    table: Table
    map_type: str  # the type the map shows, or ALL_TYPES
    map_label: str
    # department code → share of its population farther than distance_km (within scope)
    department_shares: dict[str, float | None] = field(default_factory=dict)
    communes_far: list[tuple[str, str, int, float | None]] = field(default_factory=list)
    # (department code, lon, lat) of every commune of the scope beyond distance_km, for the map
    far_points: list[tuple[str, float, float]] = field(default_factory=list)


def coverage_compute(
    selection: Selection,
    communes: Communes,
    scope: np.ndarray,
    *,
    distance_km: float = DEFAULT_DISTANCE_KM,
    map_type: str = ALL_TYPES,
) -> Coverage:
    """Per type: communes and population of the scope farther than distance_km from the
    nearest structure of that type in the selection. Types without structures leave the
    whole scope uncovered; an empty scope gives shares of None, never a division by zero."""
    located = ~np.isnan(communes.latitude) & scope
    lat, lon = communes.latitude[located], communes.longitude[located]
    population = communes.population[located]
    departments = communes.department[located]
    total_population = int(population.sum())
    points = [item for item in selection.items if item.latitude is not None]
    table = Table(
        key="coverage",
        caption=_(
            "Zones blanches : communes à plus de %(distance)s km de la structure la plus proche"
        )
        % {"distance": f"{distance_km:g}"},
        row_header=_("Type"),
        columns=[
            Column(_("Structures localisées")),
            Column(_("Communes au-delà")),
            Column(_("Habitants au-delà")),
            Column(_("Part de la population au-delà"), PERCENT),
        ],
        note=_(
            "Distance à vol d'oiseau entre le centre de chaque commune du périmètre "
            "(%(communes)s communes, %(population)s habitants) et la structure la plus proche "
            "de la sélection."
        )
        % {"communes": fmt(int(located.sum()), 0), "population": fmt(total_population, 0)},
    )
    groups = [(ALL_TYPES, _("Tous types confondus"), "")] + [
        (term.slug, term.label, term.color) for term in selection.vocabulary.of(Term.Kind.TYPE)
    ]
    result = Coverage(distance_km=distance_km, table=table, map_type=ALL_TYPES, map_label="")
    for slug, label, color in groups:
        mine = [p for p in points if slug == ALL_TYPES or p.type == slug]
        distances = nearest_km(
            np.array([p.latitude for p in mine], dtype=float),
            np.array([p.longitude for p in mine], dtype=float),
            lat,
            lon,
        )
        far = distances > distance_km
        far_population = int(population[far].sum())
        table.rows.append(
            Row(
                label,
                [
                    len(mine),
                    int(far.sum()),
                    far_population,
                    share(far_population, total_population),
                ],
                key=slug,
                color=color,
            )
        )
        if slug == map_type or (slug == ALL_TYPES and not result.map_label):
            result.map_type, result.map_label = slug, label
            result.department_shares = {}
            for code in np.unique(departments):
                in_department = departments == code
                result.department_shares[code] = share(
                    int(population[far & in_department].sum()),
                    int(population[in_department].sum()),
                )
            result.far_points = list(
                zip(
                    departments[far].tolist(),
                    lon[far].tolist(),
                    lat[far].tolist(),
                    strict=True,
                )
            )
            # The most populated uncovered communes, for the page and the guide.
            order = np.argsort(-population[far])[:10]
            codes, names = communes.code[located][far], communes.name[located][far]
            result.communes_far = [
                (
                    codes[i],
                    names[i],
                    int(population[far][i]),
                    float(distances[far][i]) if np.isfinite(distances[far][i]) else None,
                )
                for i in order
            ]
    return result
