"""The territorial referential as plain arrays: one row per commune, loaded in one query.

The analyses count populations, find nearest structures and compare territories over the
~35,000 communes; numpy arrays keep that under a second and the number of queries constant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from maillage.referential.models import Commune, Department, Epci, Region

EARTH_RADIUS_KM = 6371.0


@dataclass
class Communes:
    """Column arrays over every commune of the referential (same order in each)."""

    code: np.ndarray
    name: np.ndarray
    department: np.ndarray
    region: np.ndarray
    epci: np.ndarray  # '' when the commune belongs to no EPCI
    epci_kind: np.ndarray  # '' likewise
    size_class: np.ndarray
    population: np.ndarray  # int64
    latitude: np.ndarray  # float, NaN when unknown
    longitude: np.ndarray

    @cached_property
    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.code)}

    def __len__(self) -> int:
        return len(self.code)

    def mask(
        self,
        *,
        region: tuple[str, ...] = (),
        department: tuple[str, ...] = (),
        epci: tuple[str, ...] = (),
        territory: tuple[str, ...] = (),
        size: tuple[str, ...] = (),
    ) -> np.ndarray:
        """The communes inside the geographic filters (all of them without any)."""
        keep = np.ones(len(self), dtype=bool)
        for values, column in (
            (region, self.region),
            (department, self.department),
            (epci, self.epci),
            (territory, self.epci_kind),
            (size, self.size_class),
        ):
            if values:
                keep &= np.isin(column, list(values))
        return keep


def communes_load() -> Communes:
    rows = list(
        Commune.objects.order_by("code").values_list(
            "code",
            "name",
            "department_id",
            "department__region_id",
            "epci_id",
            "epci__kind",
            "size_class",
            "population",
            "latitude",
            "longitude",
        )
    )
    if not rows:
        empty = np.array([], dtype=object)
        return Communes(
            empty, empty, empty, empty, empty, empty, empty,
            np.array([], dtype=np.int64), np.array([], dtype=float), np.array([], dtype=float),
        )  # fmt: skip
    columns = list(zip(*rows, strict=True))

    def text(values):
        return np.array([v or "" for v in values], dtype=object)

    def number(values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    return Communes(
        code=text(columns[0]),
        name=text(columns[1]),
        department=text(columns[2]),
        region=text(columns[3]),
        epci=text(columns[4]),
        epci_kind=text(columns[5]),
        size_class=text(columns[6]),
        population=np.array(columns[7], dtype=np.int64),
        latitude=number(columns[8]),
        longitude=number(columns[9]),
    )


@dataclass
class Names:
    """Names of regions, departments and EPCI, and each department's region."""

    regions: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    department_region: dict[str, str] = field(default_factory=dict)
    epcis: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (name, kind)


def names_load(*, with_epcis: bool = False) -> Names:
    names = Names(regions=dict(Region.objects.values_list("code", "name")))
    for code, name, region in Department.objects.values_list("code", "name", "region_id"):
        names.departments[code] = name
        names.department_region[code] = region
    if with_epcis:
        names.epcis = {code: (name, kind) for code, name, kind in Epci.objects.values_list(
            "code", "name", "kind"
        )}  # fmt: skip
    return names


def unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: Euclidean (chord) order is great-circle order."""
    phi = np.radians(latitude)
    lam = np.radians(longitude)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def km_to_chord(km: float) -> float:
    return float(2 * np.sin(km / (2 * EARTH_RADIUS_KM)))


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (arrays broadcast)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
