"""The Table Schema (frictionless data) of Maillage's flat export."""

from __future__ import annotations

from typing import Any

from maillage.exports.columns import COLUMNS


def table_schema() -> dict[str, Any]:
    """A Table Schema describing every column of the CSV / XLSX export.

    Columns marked "derived" come from the territorial referential and are ignored by
    `maillage import`.
    """
    fields = []
    for column in COLUMNS:
        field: dict[str, Any] = {
            "name": column.name,
            "type": column.type,
            "title": column.title,
            "description": column.description,
        }
        constraints: dict[str, Any] = {}
        if column.required:
            constraints["required"] = True
        if column.name == "id":
            constraints["unique"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            field["constraints"] = constraints
        if column.derived:
            field["maillage:derived"] = True
        fields.append(field)
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "fields": fields,
        "primaryKey": ["id"],
        "missingValues": [""],
    }
