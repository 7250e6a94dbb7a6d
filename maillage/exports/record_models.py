"""Pydantic models of Maillage's structure record, generated from the export columns.

One definition (maillage.exports.columns.COLUMNS) gives the flat export, its Table Schema,
the "maillage" import profile and, through these models, the API's OpenAPI schema: the API
serves exactly the records that the JSON export writes and the import reads back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field, create_model

from maillage.exports.columns import COLUMNS, Column


class PartnerRecord(Schema):
    name: str
    kind: str = Field(description="Type d'acteur (vocabulaire « actor »), vide si inconnu.")
    structure_id: str = Field(
        description="Identifiant Maillage du partenaire s'il est dans l'atlas."
    )


class ValueExampleRecord(Schema):
    title: str
    description: str


class ContactRecord(Schema):
    name: str
    role: str
    email: str
    phone: str
    publication_consent: bool = Field(
        description="Toujours vrai : seules les personnes qui l'ont accepté sont publiées."
    )


class InitiativeRecord(Schema):
    title: str
    description: str
    category: str = Field(description="Catégorie (vocabulaire « resilience »).")
    started_on: dt.date | None
    ended_on: dt.date | None


def _annotation(column: Column) -> Any:
    if column.multiple:
        return list[str]
    return {
        "string": str,
        "number": float | None,
        "integer": int | None,
    }[column.type]


def _fields() -> dict[str, Any]:
    fields = {}
    for column in COLUMNS:
        extra = {}
        if column.type == "datetime":
            # Kept as the export writes it (ISO 8601, UTC, to the microsecond).
            annotation, extra = str | None, {"format": "date-time"}
        else:
            annotation = _annotation(column)
        fields[column.name] = (
            annotation,
            Field(title=column.title, description=column.description, json_schema_extra=extra),
        )
    return fields


StructureRecord = create_model(
    "StructureRecord",
    __base__=Schema,
    __doc__="A structure as Maillage publishes it (the columns of the exports).",
    **_fields(),
)

StructureRecordNested = create_model(
    "StructureRecordNested",
    __base__=StructureRecord,
    __doc__="A structure with its partners, examples, public contacts and initiatives "
    "(the JSON export's objects).",
    partners=(list[PartnerRecord], ...),
    value_examples=(list[ValueExampleRecord], ...),
    contacts=(list[ContactRecord], ...),
    resilience_initiatives=(list[InitiativeRecord], ...),
)
