"""Write structures as CSV, XLSX, GeoJSON or JSON to a binary stream.

The writers write exactly the structures of the queryset they are given (the `export`
command gives the published ones; the API and the map give filtered selections).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
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


def _safe_cells(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _metadata() -> dict:
    return {
        "generator": "Maillage",
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "licence": "Licence Ouverte 2.0",
    }


class _Writer:
    """One format written to one stream, a structure at a time: several can be fed from a
    single read of the structures (published_files writes the four formats that way).

    nested: the writer reads nested objects (json, geojson), not flat rows (csv, xlsx)."""

    nested = False

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.count = 0

    def add(self, structure, *, flat: list | None, nested: dict | None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CsvWriter(_Writer):
    def __init__(self, stream: IO[bytes]):
        super().__init__(stream)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        # UTF-8 with a byte order mark, so that spreadsheets show accents right.
        stream.write("\ufeff".encode())
        self.writer.writerow([column.name for column in COLUMNS])

    def add(self, structure, *, flat, nested) -> None:
        self.writer.writerow(["" if v is None else v for v in _safe_cells(flat)])
        self.count += 1
        if self.count % 500 == 0:
            self._flush()

    def _flush(self) -> None:
        self.stream.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()

    def close(self) -> None:
        self._flush()


class _XlsxWriter(_Writer):
    def __init__(self, stream: IO[bytes]):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        super().__init__(stream)
        self.illegal = ILLEGAL_CHARACTERS_RE
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(_("Structures"))
        self.sheet.append([column.name for column in COLUMNS])

    def add(self, structure, *, flat, nested) -> None:
        self.sheet.append(
            [
                self.illegal.sub("", value) if isinstance(value, str) else value
                for value in _safe_cells(flat)
            ]
        )
        self.count += 1

    def close(self) -> None:
        self.workbook.save(self.stream)


class _ItemsWriter(_Writer):
    """A JSON object whose `key` member is the list of items, one per line."""

    nested = True
    key = ""

    def __init__(self, stream: IO[bytes]):
        super().__init__(stream)
        opening = _json_dumps(self.head())[:-1] + f',"{self.key}":['
        stream.write(opening.encode("utf-8"))

    def head(self) -> dict:
        raise NotImplementedError

    def item(self, structure, nested: dict) -> dict:
        return nested

    def add(self, structure, *, flat, nested) -> None:
        line = _json_dumps(self.item(structure, nested))
        self.stream.write(((",\n" if self.count else "\n") + line).encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        self.stream.write(b"\n]}\n")


class _JsonWriter(_ItemsWriter):
    key = "structures"

    def head(self) -> dict:
        return {**_metadata(), "format": "maillage-structures", "version": 1}


class _GeojsonWriter(_ItemsWriter):
    key = "features"

    def head(self) -> dict:
        return {"type": "FeatureCollection", **_metadata()}

    def item(self, structure, nested: dict) -> dict:
        geometry = None
        if structure.latitude is not None and structure.longitude is not None:
            geometry = {"type": "Point", "coordinates": [structure.longitude, structure.latitude]}
        return {"type": "Feature", "id": structure.uid, "geometry": geometry, "properties": nested}


WRITERS: dict[str, type[_Writer]] = {
    "csv": _CsvWriter,
    "xlsx": _XlsxWriter,
    "geojson": _GeojsonWriter,
    "json": _JsonWriter,
}


def export_formats(*, queryset: QuerySet, streams: dict[str, IO[bytes]]) -> int:
    """Write the structures of queryset in several formats at once, {format: stream}, from
    one read of the structures (each row serialised once per shape, flat and nested);
    return how many structures were written."""
    unknown = set(streams) - set(WRITERS)
    if unknown:
        raise ValueError(f"unknown export format {sorted(unknown)[0]!r}; expected one of {FORMATS}")
    writers = [WRITERS[name](stream) for name, stream in streams.items()]
    needs_flat = any(not writer.nested for writer in writers)
    needs_nested = any(writer.nested for writer in writers)
    count = 0
    rows = export_queryset(queryset, nested=needs_nested).iterator(chunk_size=_CHUNK)
    for structure in rows:
        flat = flat_row(structure) if needs_flat else None
        nested = nested_object(structure) if needs_nested else None
        for writer in writers:
            writer.add(structure, flat=flat, nested=nested)
        count += 1
    for writer in writers:
        writer.close()
    return count


def write_json(queryset: QuerySet, stream: IO[bytes]) -> int:
    """The JSON export (a dated edition keeps it whole)."""
    return export_formats(queryset=queryset, streams={"json": stream})


def export_structures(*, queryset: QuerySet, format: str, stream: IO[bytes]) -> int:  # noqa: A002
    """Write the structures of queryset to the binary stream; return how many were written.

    format is one of FORMATS; raises ValueError otherwise. Contacts are written only where
    their publication was consented; spreadsheet formulas are neutralised in CSV and XLSX.
    """
    if format not in WRITERS:
        raise ValueError(f"unknown export format {format!r}; expected one of {FORMATS}")
    return export_formats(queryset=queryset, streams={format: stream})
