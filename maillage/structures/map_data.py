"""The map's data: every placed published structure in one compact, versioned payload.

The payload is built once per data version, off the request, and kept on disk
(maillage.structures.map_kept); it is served from an immutable URL, so browsers and any HTTP
cache keep it until the data changes. It is columnar and integer-coded so that
100,000 structures stay well under 2 MB once gzipped:

    {"version": "…", "count": n, "scale": 50000,
     "types": ["fablab", …],                       # type slugs, indexed by `type`
     "communes": ["Nantes", …],                    # commune names, indexed by `commune`
     "uid_prefix": "mlg-", "uid": "ab12cd34,…",    # the uids, their common prefix apart
     "name": […],                                  # one entry per point
     "type": […],                                  # index into types
     "commune": […],                               # index into communes, delta-encoded
     "lon": […], "lat": […]}                       # degrees × scale, delta-encoded

Points are ordered by commune (INSEE code), then name: neighbours in the payload are
neighbours on the ground, so the delta-encoded coordinates are small numbers and the commune
column is almost all zeros, which is what lets gzip shrink them. The uids are one string,
comma-separated, without the prefix they share (a list of quoted strings costs about 30 KB
more gzipped at 100,000 points; they are random, so they are the largest column after the
names); a uid holding a comma (none can be imported) turns the column back into a list.
(Ordering by name instead costs about 0.6 MB more for 100,000 points; the browser sorts the
names once, after the map is drawn, for the list.)

Filtering stays on the server, where the same `StructureFilters` serve the API and exports:
`map_selection` answers which points (as a bitset over the payload order) match the filters,
with the facet counts. The payload therefore carries nothing but what is drawn and listed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from maillage.referential.models import Commune
from maillage.release import release
from maillage.structures import text_search
from maillage.structures.data_version import data_version
from maillage.structures.facets import facet_counts, query_rows
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term
from maillage.structures.text_search import fold

# Coordinates in units of 2e-5 degree: 2.2 m north-south, 1.5 m east-west in France, finer
# than a point drawn at the deepest zoom; a unit of 1e-5 degree costs 34 KB more gzipped
# at 100,000 points. The structure's page and card give its exact coordinates.
SCALE = 50_000
_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class MapPayload:
    version: str
    body: bytes  # the JSON
    gzipped: bytes
    count: int


def map_data_version() -> str:
    """A short token that changes whenever the public data changes (see data_version), or
    the code that builds the payload (a new release): the payload's URL names it, and
    browsers keep that URL for a year."""
    return data_version() + hashlib.blake2b(release().encode(), digest_size=3).hexdigest()


def same_data(version: str, other: str) -> bool:
    """Whether two payload versions name the same data, built by two releases: during a
    deployment, processes of both answer, each naming its own."""
    return version[:-_RELEASE_CHARACTERS] == other[:-_RELEASE_CHARACTERS]


def same_release(version: str, other: str) -> bool:
    """Whether two payload versions were built by the same release (of the same data or
    not): another release may build another payload."""
    return version[-_RELEASE_CHARACTERS:] == other[-_RELEASE_CHARACTERS:]


_RELEASE_CHARACTERS = 6


def _placed_rows() -> list[tuple]:
    """(pk, uid, name, type slug, commune code, commune name, longitude, latitude) in map order.

    A structure without coordinates is placed at its commune's centre; one with neither is
    left off the map (the selection still counts it). The structures are read without
    joining their communes (a third of the build at 100,000 structures: two index lookups
    per structure); the communes are joined here, from one read of their table.
    """
    communes = {
        code: (name, longitude, latitude)
        for code, name, longitude, latitude in Commune.objects.values_list(
            "code", "name", "longitude", "latitude"
        ).order_by()
    }
    no_commune = ("", None, None)
    rows = []
    for pk, uid, name, type_slug, commune_code, lon, lat in (
        Structure.objects.published()
        .values_list("pk", "uid", "name", "main_type__slug", "commune_id", "longitude", "latitude")
        .order_by()
        .iterator(chunk_size=10_000)
    ):
        commune_name, commune_lon, commune_lat = communes.get(commune_code, no_commune)
        lon = commune_lon if lon is None else lon
        lat = commune_lat if lat is None else lat
        if lon is not None and lat is not None:
            rows.append((pk, uid, name, type_slug, commune_code, commune_name, lon, lat))
    rows.sort(key=lambda row: (row[4] or "", fold(row[2]), row[0]))
    return rows


def _delta(values: list[int]) -> list[int]:
    previous = 0
    encoded = []
    for value in values:
        encoded.append(value - previous)
        previous = value
    return encoded


def build_map_payload(version: str) -> tuple[dict, list[int]]:
    """The payload as a dict, and the primary keys of its points in payload order."""
    rows = _placed_rows()
    types: dict[str, int] = {}
    communes: dict[str, int] = {"": 0}
    commune_names = [""]  # index 0: no commune
    type_column, commune_column, lons, lats = [], [], [], []
    for _pk, _uid, _name, type_slug, commune_code, commune_name, lon, lat in rows:
        type_column.append(types.setdefault(type_slug, len(types)))
        code = commune_code or ""
        if code not in communes:
            communes[code] = len(communes)
            commune_names.append(commune_name or "")
        commune_column.append(communes[code])
        lons.append(round(lon * SCALE))
        lats.append(round(lat * SCALE))
    payload = {
        "version": version,
        "count": len(rows),
        "scale": SCALE,
        "types": list(types),
        "communes": commune_names,
        **_uid_column([row[1] for row in rows]),
        "name": [row[2] for row in rows],
        "type": type_column,
        "commune": _delta(commune_column),
        "lon": _delta(lons),
        "lat": _delta(lats),
    }
    return payload, [row[0] for row in rows]


def _uid_column(uids: list[str]) -> dict:
    """The uids as one comma-separated string without their common prefix."""
    if any("," in uid for uid in uids):
        return {"uid_prefix": "", "uid": uids}
    prefix = os.path.commonprefix(uids) if uids else ""
    # Keep at least one character of each uid, so that no entry is empty.
    prefix = prefix[: min((len(uid) for uid in uids), default=1) - 1] if prefix else ""
    return {"uid_prefix": prefix, "uid": ",".join(uid[len(prefix) :] for uid in uids)}


def map_payload(*, version: str) -> tuple[MapPayload, list[int]]:
    """The payload of the published data as it is now, named version, encoded (its JSON and
    gzip), and the primary keys of its points in payload order. Built in a request only by
    the writer of the kept payloads (maillage.structures.map_kept), which serves them."""
    payload, order = build_map_payload(version)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    built = MapPayload(
        version=version,
        body=body,
        # Level 7: 0.6 s instead of 1.2 s at level 9 for 100,000 points, for 0.5 % more
        # bytes (1.995 instead of 1.985 MB; BENCHMARKS.md, "Uncached answers at 100,000").
        gzipped=gzip.compress(body, compresslevel=7, mtime=0),
        count=payload["count"],
    )
    return built, order


@dataclass(frozen=True)
class MapSelection:
    version: str  # of the payload the bitset is over
    count: int  # every matching published structure, placed or not
    placed: int  # those drawn on the map (in the payload)
    matches: str | None  # base64 bitset over the payload order; None when all points match
    facets: dict[str, dict[str, int]]
    # The payload holds the data as it is now (False: an older payload, kept while the
    # current one is written; the structures added or placed since are not in it).
    current: bool = True

    def as_dict(self) -> dict:
        return {
            "version": self.version,
            "current": self.current,
            "count": self.count,
            "placed": self.placed,
            "matches": self.matches,
            "facets": self.facets,
        }


def map_selection(
    *, filters: StructureFilters, version: str, order: Sequence[int], now: str | None = None
) -> MapSelection:
    """Which points of the payload `version` match the filters, and the facet counts.

    The filters are applied to the data as it is now, whatever the payload: over an older
    one (maillage.structures.map_kept serves it while the current one is written), the
    structures published since are counted and not drawn, and those withdrawn since are
    not drawn. order: the primary keys of the payload's points (maillage.structures.map_kept);
    now: the current data's version, when the caller read it. The bitset has one bit per
    point in payload order (bit i is bit i % 8 of byte i // 8).
    """
    now = now or map_data_version()
    key = "map-selection:" + hashlib.sha256(f"{version}:{now}:{filters!r}".encode()).hexdigest()
    cached = cache.get(key) if settings.ANSWER_CACHE else None
    if cached is None:
        cached = _selection(filters, version, order, current=same_data(version, now))
        cache.set(key, cached, _CACHE_SECONDS)
    return cached


def map_selection_of_all(*, version: str, order: Sequence[int]) -> MapSelection:
    """The selection with no filter of the payload version (of the data as it is now): what
    every visit of /carte/ asks first, kept with the payload (maillage.structures.map_kept)."""
    return _selection(StructureFilters.parse({}), version, order, current=True)


def _selection(
    filters: StructureFilters, version: str, order: Sequence[int], *, current: bool
) -> MapSelection:
    published = Structure.objects.published()
    counts = facet_counts(filters=filters, queryset=published)
    if filters.is_empty() and current:
        count = published.count()
        return MapSelection(version, count, len(order), None, counts)
    matching = _primary_keys(filters.apply(published, rank=False).order_by())
    # The positions of the matching points, found by C loops over the 100,000 points
    # (map and compress); only the matching ones are then set one by one.
    positions = list(itertools.compress(itertools.count(), map(matching.__contains__, order)))
    bits = bytearray((len(order) + 7) // 8)
    for index in positions:
        bits[index >> 3] |= 1 << (index & 7)
    encoded = base64.b64encode(bytes(bits)).decode("ascii")
    return MapSelection(version, len(matching), len(positions), encoded, counts, current)


def _primary_keys(structures) -> set[int]:
    """The primary keys of a queryset of structures, read by one query without building a
    row object per structure (13,000 under a theme at 100,000 structures)."""
    return {pk for (pk,) in query_rows(structures.values("pk"))}


# -- suggestions ---------------------------------------------------------------------------


def _communes_with_structures(version: str) -> list[tuple]:
    """(folded name, code, name, department code, latitude, longitude, structures), cached."""
    key = f"map-communes:{version}"
    communes = cache.get(key) if settings.ANSWER_CACHE else None
    if communes is None:
        rows = (
            Structure.objects.published()
            .filter(commune__isnull=False)
            .values_list(
                "commune_id",
                "commune__name",
                "commune__department_id",
                "commune__latitude",
                "commune__longitude",
            )
            .annotate(structures=Count("pk"))
            .order_by()
        )
        communes = sorted(
            (
                (fold(name), code, name, department, lat, lon, n)
                for code, name, department, lat, lon, n in rows
            ),
            key=lambda row: -row[6],
        )
        cache.set(key, communes, _CACHE_SECONDS)
    return communes


def map_suggestions(*, query: str, limit: int = 5, version: str | None = None) -> dict:
    """Structures, communes and themes matching what the user is typing.

    Structures use the full-text search (every word as a prefix); communes (only those with
    published structures) and themes match when their name, accents and case aside, starts
    with the query or has a word starting with it.
    """
    folded = fold(query)
    if not folded:
        return {"structures": [], "communes": [], "themes": []}
    version = version or map_data_version()
    structures = [
        {"uid": uid, "name": name, "commune": commune or "", "type": type_slug}
        for uid, name, commune, type_slug in text_search.search(
            Structure.objects.published(), query
        ).values_list("uid", "name", "commune__name", "main_type__slug")[:limit]
    ]

    def matches(text: str) -> bool:
        return text.startswith(folded) or f" {folded}" in f" {text}"

    communes = []
    for name_folded, code, name, department, lat, lon, count in _communes_with_structures(version):
        if matches(name_folded):
            communes.append(
                {
                    "code": code,
                    "name": name,
                    "department": department,
                    "latitude": lat,
                    "longitude": lon,
                    "structures": count,
                }
            )
            if len(communes) == limit:
                break
    themes = [
        {"slug": term.slug, "label": term.label}
        for term in Term.objects.filter(kind=Term.Kind.THEME)
        if matches(fold(term.label_fr)) or matches(fold(term.label_en))
    ][:limit]
    return {"structures": structures, "communes": communes, "themes": themes}
