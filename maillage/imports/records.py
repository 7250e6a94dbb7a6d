"""Typed results passed from one import stage to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ImportFileError(Exception):
    """The file as a whole cannot be imported. The message is for the user, in French."""


@dataclass(frozen=True)
class RawRow:
    """One record as read from the file: column name → cell value (str, number, list, dict)."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    format: str  # csv, xlsx, geojson, json
    header: tuple[str, ...]
    rows: list[RawRow]
    # How a record is located in messages: "ligne" in tables, "élément" in JSON.
    row_label: str = "ligne"
    delimiter: str = ""


@dataclass(frozen=True)
class FieldError:
    line: int
    column: str
    value: str
    message: str


@dataclass
class MappedRow:
    """A record in Maillage's terms: target field → raw value, before validation."""

    line: int
    fields: dict[str, Any]
    columns: dict[str, str]  # target field → column of the file, for messages
    notes: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class Record:
    """A valid record: structure values ready for the services, plus what placed it."""

    line: int
    values: dict[str, Any]
    columns: dict[str, str]
    uid: str = ""  # explicit identifier from the file (Maillage exports)
    derived_uid: str = ""  # cached by identity.target_uid
    slug: str = ""  # wished slug of a new structure (Maillage exports), used when free
    commune_hints: dict[str, str] = field(default_factory=dict)
    creation_defaults: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Set by the placement stage when the file gave no commune name to build a slug.
    commune_name: str = ""
    # Computed beside the validation in a large import (see pipeline.run_import): what
    # duplicates.find_duplicates compares and services.slug_bases() of the record.
    duplicate_keys: tuple[str, str] | None = None
    slug_bases: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return self.values.get("name", "")
