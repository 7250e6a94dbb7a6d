"""The atlas as of a dated edition, read from the edition's frozen file: the map's payload
and the insights' selection, in the same shapes as the live ones, so the same pages and
analyses show an edition.

Places come from the file; a structure the file left without coordinates is placed at its
commune's centre from the referential (which is not versioned), as the live map does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from maillage.analyses.selection import MULTI_VALUED, Item, Selection, vocabulary_load
from maillage.contributions.editions import edition_document_cached
from maillage.contributions.models import Edition
from maillage.referential.models import Commune
from maillage.structures.filters import StructureFilters
from maillage.structures.map_data import SCALE, _delta, _uid_column
from maillage.structures.text_search import fold


def edition_map_version(edition: Edition) -> str:
    return f"edition-{edition.number}-{edition.sha256[:12]}"


def _communes(codes: set[str]) -> dict[str, tuple]:
    return {
        code: (lat, lon, size)
        for code, lat, lon, size in Commune.objects.filter(code__in=codes).values_list(
            "code", "latitude", "longitude", "size_class"
        )
    }


def _items(edition: Edition) -> tuple[list[dict[str, Any]], dict[str, tuple]]:
    items = edition_document_cached(edition).get("structures", [])
    communes = _communes({item.get("commune_code") or "" for item in items} - {""})
    return items, communes


def _point(item: dict[str, Any], communes: dict[str, tuple]) -> tuple[float | None, float | None]:
    lat, lon = item.get("latitude"), item.get("longitude")
    if lat is None or lon is None:
        lat, lon, _size = communes.get(item.get("commune_code") or "", (None, None, ""))
    return lat, lon


def edition_map_payload(edition: Edition) -> dict[str, Any]:
    """The map payload (maillage.structures.map_data format) of the edition's structures."""
    items, communes = _items(edition)
    rows = []
    for item in items:
        lat, lon = _point(item, communes)
        if lat is None or lon is None:
            continue
        rows.append(
            (
                item["id"],
                item.get("name") or "",
                item.get("main_type") or "",
                item.get("commune_code") or "",
                item.get("commune_name") or "",
                lon,
                lat,
            )
        )
    rows.sort(key=lambda row: (row[3], fold(row[1]), row[0]))
    types: dict[str, int] = {}
    commune_index: dict[str, int] = {"": 0}
    names = [""]
    type_column, commune_column, lons, lats = [], [], [], []
    for _uid, _name, type_slug, code, commune_name, lon, lat in rows:
        type_column.append(types.setdefault(type_slug, len(types)))
        if code not in commune_index:
            commune_index[code] = len(commune_index)
            names.append(commune_name)
        commune_column.append(commune_index[code])
        lons.append(round(lon * SCALE))
        lats.append(round(lat * SCALE))
    return {
        "version": edition_map_version(edition),
        "count": len(rows),
        "scale": SCALE,
        "types": list(types),
        "communes": names,
        **_uid_column([row[0] for row in rows]),
        "name": [row[1] for row in rows],
        "type": type_column,
        "commune": _delta(commune_column),
        "lon": _delta(lons),
        "lat": _delta(lats),
    }


def edition_map_counts(edition: Edition) -> tuple[int, int]:
    """(structures in the edition, those placed on its map)."""
    payload = edition_map_payload(edition)
    return edition.structure_count, payload["count"]


def _matches(item: dict[str, Any], filters: StructureFilters) -> bool:
    """The insights page's own filters (region, type, theme), applied to a frozen record."""
    if filters.region and (item.get("region_code") or "") not in filters.region:
        return False
    if filters.type and item.get("main_type") not in filters.type:
        return False
    return not (filters.theme and not set(item.get("themes") or ()) & set(filters.theme))


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def edition_selection(edition: Edition, *, filters: StructureFilters) -> Selection:
    """The insights' selection (maillage.analyses.selection) from the edition's file, with
    its resilience initiatives."""
    items, communes = _items(edition)
    selected = []
    initiatives = []
    for index, item in enumerate(items, start=1):
        if item.get("status", "published") != "published" or not _matches(item, filters):
            continue
        lat, lon = _point(item, communes)
        code = item.get("commune_code") or ""
        selected.append(
            Item(
                id=index,
                uid=item["id"],
                slug=item.get("slug") or "",
                name=item.get("name") or "",
                type=item.get("main_type") or "",
                commune=code,
                commune_name=item.get("commune_name") or "",
                department=item.get("department_code") or "",
                region=item.get("region_code") or "",
                epci=item.get("epci_code") or "",
                epci_kind=item.get("epci_kind") or "",
                size_class=communes.get(code, (None, None, ""))[2] or "",
                latitude=lat,
                longitude=lon,
                **{name: frozenset(item.get(name) or ()) for name in MULTI_VALUED},
            )
        )
        for initiative in item.get("resilience_initiatives") or ():
            initiatives.append(
                (
                    index,
                    initiative.get("title") or "",
                    initiative.get("category") or "",
                    _date(initiative.get("started_on")),
                )
            )
    selected.sort(key=lambda item: (item.name.lower(), item.id))
    initiatives.sort(key=lambda row: row[1])
    initiatives.sort(key=lambda row: row[3] or dt.date.min, reverse=True)
    return Selection(
        filters=filters,
        items=selected,
        vocabulary=vocabulary_load(),
        initiatives=initiatives,
    )
