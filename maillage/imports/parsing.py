"""Stage 1: read a file into rows, whatever its format and encoding.

Every way a file can be unreadable ends in one ImportFileError with a message for the user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from maillage.exports.formulas import unneutralise
from maillage.imports.records import ImportFileError, ParsedFile, RawRow

FORMATS_BY_EXTENSION = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "json",
}
# Control characters never found in a text table; their presence means binary data.
_BINARY_MARKERS = {chr(code) for code in range(32) if chr(code) not in "\t\n\r"}


def parse_file(path: Path) -> ParsedFile:
    """Read path (CSV, XLSX, GeoJSON or JSON, told apart by extension and content)."""
    if not path.exists():
        raise ImportFileError(_("Le fichier %s n'existe pas.") % path)
    if not path.is_file():
        raise ImportFileError(_("%s n'est pas un fichier.") % path)
    file_format = FORMATS_BY_EXTENSION.get(path.suffix.lower())
    if file_format is None:
        raise ImportFileError(
            _(
                "Format de fichier non reconnu (%(ext)s). Formats acceptés : CSV (.csv), "
                "Excel (.xlsx), GeoJSON (.geojson) et JSON (.json)."
            )
            % {"ext": path.suffix or _("sans extension")}
        )
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("Le fichier %s est vide.") % path.name)
    limit = settings.MAILLAGE_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _(
                "Le fichier %(name)s pèse %(size)s Mo, plus que la limite de %(limit)s Mo. "
                "Découpez-le en plusieurs fichiers."
            )
            % {"name": path.name, "size": size // 1_000_000, "limit": limit // 1_000_000}
        )
    if file_format == "xlsx":
        _check_xlsx_container(path, limit=limit)
        parsed = _parse_xlsx(path)
    else:
        reader = _parse_csv if file_format == "csv" else _parse_json
        parsed = reader(path, _decode(path))
    if not parsed.rows:
        raise ImportFileError(_("Le fichier %s ne contient aucune ligne de données.") % path.name)
    return parsed


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportFileError(
            _(
                "Le fichier %s n'est pas un texte UTF-8 ou Windows-1252 (il semble encodé en "
                "UTF-16 ou binaire). Enregistrez-le en « CSV UTF-8 » et réessayez."
            )
            % path.name
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "L'encodage du fichier %s n'est pas reconnu (ni UTF-8 ni Windows-1252). "
                    "Enregistrez-le en « CSV UTF-8 » et réessayez."
                )
                % path.name
            ) from None
    if any(char in _BINARY_MARKERS for char in text[:4096]):
        raise ImportFileError(
            _("Le fichier %s contient des données binaires : ce n'est pas un fichier texte.")
            % path.name
        )
    return text


def _sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])


def _clean_header(header: list[str]) -> tuple[str, ...]:
    return tuple(name.strip().lstrip("\ufeff") for name in header)


def _parse_csv(path: Path, text: str) -> ParsedFile:
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _clean_header(next(reader, []))
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                values = {
                    column: unneutralise(cell.strip())
                    for column, cell in zip(header, cells, strict=False)
                }
                rows.append(RawRow(line=line, values=values))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(
            _("Le fichier CSV %(name)s est mal formé ligne %(line)s : %(error)s")
            % {"name": path.name, "line": reader.line_num, "error": error}
        ) from None
    if not any(header):
        raise ImportFileError(_("Le fichier %s n'a pas de ligne d'en-tête.") % path.name)
    return ParsedFile(path=path, format="csv", header=header, rows=rows, delimiter=delimiter)


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return unneutralise(value.strip())
    return str(value)


# An XLSX is a zip of XML files. A real workbook's XML compresses about 10 to 1; a "zip bomb"
# packs gigabytes into a few kilobytes to exhaust memory when it is opened.
_XLSX_MAX_RATIO = 100
_XLSX_MAX_UNPACKED_FACTOR = 20


def _check_xlsx_container(path: Path, *, limit: int) -> None:
    """Refuse what is not an XLSX by its content, and a zip that would unpack too large."""
    unreadable = ImportFileError(
        _(
            "Le fichier %s n'est pas un classeur Excel (.xlsx) lisible. Ouvrez-le dans "
            "un tableur et enregistrez-le au format .xlsx ou CSV UTF-8."
        )
        % path.name
    )
    if not zipfile.is_zipfile(path):
        raise unreadable
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise unreadable
        unpacked = sum(entry.file_size for entry in entries)
        packed = sum(entry.compress_size for entry in entries) or 1
    if unpacked > limit * _XLSX_MAX_UNPACKED_FACTOR or unpacked / packed > _XLSX_MAX_RATIO:
        raise ImportFileError(
            _(
                "Le classeur %s se décompresse en un volume anormal (archive piégée ?) : "
                "il est refusé. Enregistrez les données au format CSV UTF-8."
            )
            % path.name
        )


def _parse_xlsx(path: Path) -> ParsedFile:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            _(
                "Le fichier %s n'est pas un classeur Excel (.xlsx) lisible. Ouvrez-le dans "
                "un tableur et enregistrez-le au format .xlsx ou CSV UTF-8."
            )
            % path.name
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header: tuple[str, ...] = ()
        rows = []
        for number, cells in enumerate(rows_iter, start=1):
            texts = [_cell_text(cell) for cell in cells]
            if not any(texts):
                continue
            if not header:
                header = _clean_header([str(text) for text in texts])
                continue
            rows.append(RawRow(line=number, values=dict(zip(header, texts, strict=False))))
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError):
        raise ImportFileError(
            _("Le classeur %s est endommagé : sa première feuille ne peut pas être lue.")
            % path.name
        ) from None
    finally:
        workbook.close()
    return ParsedFile(path=path, format="xlsx", header=header, rows=rows)


def _parse_json(path: Path, text: str) -> ParsedFile:
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("Le fichier %(name)s n'est pas un JSON valide (ligne %(line)s : %(msg)s).")
            % {"name": path.name, "line": error.lineno, "msg": error.msg}
        ) from None
    if isinstance(content, dict) and content.get("type") == "FeatureCollection":
        return _parse_geojson(path, content)
    if path.suffix.lower() == ".geojson":
        raise ImportFileError(
            _("Le fichier GeoJSON %s doit contenir une FeatureCollection.") % path.name
        )
    if isinstance(content, dict) and isinstance(content.get("structures"), list):
        items = content["structures"]  # Maillage's own JSON export
    elif isinstance(content, list):
        items = content
    else:
        raise ImportFileError(
            _(
                "Le fichier JSON %s doit contenir une liste d'objets (ou un export Maillage "
                "avec une clé « structures »)."
            )
            % path.name
        )
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ImportFileError(
                _("L'élément %(number)s du fichier %(name)s n'est pas un objet JSON.")
                % {"number": number, "name": path.name}
            )
        rows.append(RawRow(line=number, values=item))
    header = tuple(dict.fromkeys(key for row in rows for key in row.values))
    return ParsedFile(path=path, format="json", header=header, rows=rows, row_label="élément")


def _parse_geojson(path: Path, content: dict) -> ParsedFile:
    features = content.get("features")
    if not isinstance(features, list):
        raise ImportFileError(_("Le fichier GeoJSON %s n'a pas de liste « features ».") % path.name)
    rows = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise ImportFileError(
                _("L'objet %(number)s du fichier GeoJSON %(name)s n'a pas de « properties ».")
                % {"number": number, "name": path.name}
            )
        values = dict(feature["properties"])
        values["__geometry__"] = feature.get("geometry")
        rows.append(RawRow(line=number, values=values))
    header = tuple(
        dict.fromkeys(key for row in rows for key in row.values if key != "__geometry__")
    )
    return ParsedFile(path=path, format="geojson", header=header, rows=rows, row_label="élément")
