"""Stage 2: rename the file's columns to Maillage's fields with a profile."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from maillage.imports.cells import cell_text
from maillage.imports.profiles import Profile
from maillage.imports.records import ImportFileError, MappedRow, ParsedFile, RawRow
from maillage.structures.text_search import fold


def check_columns(parsed: ParsedFile, profile: Profile) -> dict[str, str]:
    """Target field → actual column name of the file (matched case-insensitively).

    A mapping file naming a column the file lacks is an error; the shipped profiles only read
    the columns present, so that a file may carry a subset of Maillage's columns.
    """
    by_lower = {column.lower(): column for column in parsed.header}
    resolved = {}
    missing = []
    for target, column in profile.columns.items():
        actual = by_lower.get(column.lower())
        if actual is not None:
            resolved[target] = actual
        elif not profile.signature:
            missing.append(column)
    if missing:
        raise ImportFileError(
            _(
                "Colonnes absentes du fichier mais nommées dans la correspondance : %(missing)s. "
                "Colonnes du fichier : %(header)s."
            )
            % {"missing": ", ".join(missing), "header": ", ".join(parsed.header)}
        )
    return resolved


def map_rows(parsed: ParsedFile, profile: Profile) -> list[MappedRow]:
    map_row = row_mapper(parsed, profile)
    return [map_row(raw) for raw in parsed.rows]


def row_mapper(parsed: ParsedFile, profile: Profile) -> Callable[[RawRow], MappedRow]:
    """The function that maps one row of parsed with profile (the columns checked here:
    raises ImportFileError as map_rows does)."""
    columns = check_columns(parsed, profile)
    translations = {
        target: {fold(key): value for key, value in table.items()}
        for target, table in profile.values.items()
    }

    def map_row(raw: RawRow) -> MappedRow:
        fields = {target: raw.values.get(column) for target, column in columns.items()}
        row = MappedRow(line=raw.line, fields=fields, columns=dict(columns))
        geometry = raw.values.get("__geometry__")
        if geometry is not None and not (
            cell_text(fields.get("latitude")) and cell_text(fields.get("longitude"))
        ):
            _take_geometry(row, geometry)
        for target, table in translations.items():
            value = fields.get(target)
            if isinstance(value, str) and fold(value) in table:
                fields[target] = table[fold(value)]
        if profile.adapt is not None:
            profile.adapt(row)
        return row

    return map_row


def _take_geometry(row: MappedRow, geometry) -> None:
    from maillage.imports.records import FieldError

    if (
        isinstance(geometry, dict)
        and geometry.get("type") == "Point"
        and isinstance(geometry.get("coordinates"), list)
        and len(geometry["coordinates"]) >= 2
    ):
        longitude, latitude = geometry["coordinates"][:2]
        row.fields["longitude"], row.fields["latitude"] = longitude, latitude
        row.columns["longitude"] = row.columns["latitude"] = "geometry"
    else:
        row.errors.append(
            FieldError(
                line=row.line,
                column="geometry",
                value=str(geometry)[:80],
                message=_("La géométrie doit être un point (type « Point »)."),
            )
        )
