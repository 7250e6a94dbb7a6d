"""Write structures as CSV, XLSX, GeoJSON or JSON to a binary stream.

The writers write exactly the structures of the queryset they are given (the `export`
command gives the published ones; the API and the map give filtered selections).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from maillage.exports.columns import COLUMNS
from maillage.exports.formulas import neutralise
from maillage.exports.serialize import export_queryset, flat_row, nested_object

FORMATS = ("csv", "xlsx", "geojson", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "json": "application/json",
}
_CHUNK = 2000


def _structures(queryset: QuerySet, *, nested: bool) -> Iterator:
    return export_queryset(queryset, nested=nested).iterator(chunk_size=_CHUNK)


def _safe_cells(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


def write_csv(queryset: QuerySet, stream: IO[bytes]) -> int:
    # UTF-8 with a byte order mark, so that spreadsheets show accents right.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    stream.write("\ufeff".encode())
    writer.writerow([column.name for column in COLUMNS])
    count = 0
    for structure in _structures(queryset, nested=False):
        writer.writerow(["" if v is None else v for v in _safe_cells(flat_row(structure))])
        count += 1
        if count % 500 == 0:
            stream.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    stream.write(buffer.getvalue().encode("utf-8"))
    return count


def write_xlsx(queryset: QuerySet, stream: IO[bytes]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Structures"))
    sheet.append([column.name for column in COLUMNS])
    count = 0
    for structure in _structures(queryset, nested=False):
        cells = [
            ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
            for value in _safe_cells(flat_row(structure))
        ]
        sheet.append(cells)
        count += 1
    workbook.save(stream)
    return count


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write_items(stream: IO[bytes], head: dict, key: str, items: Iterator[dict]) -> int:
    opening = _json_dumps(head)[:-1] + f',"{key}":['
    stream.write(opening.encode("utf-8"))
    count = 0
    for item in items:
        stream.write(((",\n" if count else "\n") + _json_dumps(item)).encode("utf-8"))
        count += 1
    stream.write(b"\n]}\n")
    return count


def _metadata() -> dict:
    return {
        "generator": "Maillage",
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "licence": "Licence Ouverte 2.0",
    }


def write_json(queryset: QuerySet, stream: IO[bytes]) -> int:
    head = {**_metadata(), "format": "maillage-structures", "version": 1}
    items = (nested_object(s) for s in _structures(queryset, nested=True))
    return _write_items(stream, head, "structures", items)


def _feature(structure) -> dict:
    properties = nested_object(structure)
    geometry = None
    if structure.latitude is not None and structure.longitude is not None:
        geometry = {"type": "Point", "coordinates": [structure.longitude, structure.latitude]}
    return {"type": "Feature", "id": structure.uid, "geometry": geometry, "properties": properties}


def write_geojson(queryset: QuerySet, stream: IO[bytes]) -> int:
    head = {"type": "FeatureCollection", **_metadata()}
    items = (_feature(s) for s in _structures(queryset, nested=True))
    return _write_items(stream, head, "features", items)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "geojson": write_geojson, "json": write_json}


def export_structures(*, queryset: QuerySet, format: str, stream: IO[bytes]) -> int:  # noqa: A002
    """Write the structures of queryset to the binary stream; return how many were written.

    format is one of FORMATS; raises ValueError otherwise. Contacts are written only where
    their publication was consented; spreadsheet formulas are neutralised in CSV and XLSX.
    """
    if format not in WRITERS:
        raise ValueError(f"unknown export format {format!r}; expected one of {FORMATS}")
    return WRITERS[format](queryset, stream)
