"""Records as contributions carry them: proposal payloads, snapshots and their differences.

A payload uses the export's column names (maillage.exports.columns), which are also the
names the structure services take, so a payload becomes service values by turning lists into
tuples. A snapshot is the structure's nested export object (maillage.exports.serialize).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from maillage.exports.columns import COLUMNS, DERIVED_COLUMNS
from maillage.exports.serialize import export_queryset, nested_object
from maillage.structures.models import Structure
from maillage.structures.services import (
    M2M_KINDS,
    ContactData,
    PartnerData,
    ResilienceData,
    ValueExampleData,
)

# The fields a visitor may propose, in the form's order.
TEXT_FIELDS = (
    "name",
    "acronym",
    "short_description",
    "description",
    "address",
    "postcode",
    "website",
    "linkedin",
    "twitter",
    "facebook",
    "legal_form",
    "siret",
)
TERM_LIST_FIELDS = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")
PROPOSABLE_FIELDS = (
    "name",
    "acronym",
    "main_type",
    "secondary_types",
    "short_description",
    "description",
    "address",
    "postcode",
    "commune_code",
    "website",
    "linkedin",
    "twitter",
    "facebook",
    "year_founded",
    "legal_form",
    "siret",
    "themes",
    "formats",
    "audiences",
    "partner_kinds",
)
# Fields a snapshot holds that never count as a change (they move with every write).
_IGNORED_IN_DIFF = {"updated_at"}
_COLUMN_TITLES = {column.name: column.title for column in COLUMNS}
_NESTED_TITLES = {
    "partners": "Partenaires",
    "value_examples": "Exemples de valeur créée",
    "contacts": "Contacts",
    "resilience_initiatives": "Initiatives de résilience",
}


def field_title(name: str) -> str:
    """The French title of a record field, for diff tables."""
    return _COLUMN_TITLES.get(name) or _NESTED_TITLES.get(name) or name


def payload_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Service values (maillage.structures.services) from a proposal payload."""
    values: dict[str, Any] = {}
    for name in PROPOSABLE_FIELDS:
        if name not in payload:
            continue
        value = payload[name]
        if name in M2M_KINDS:
            value = tuple(value or ())
        elif name == "year_founded":
            value = int(value) if value not in (None, "") else None
        elif value is None:
            value = ""
        values[name] = value
    return values


def structure_payload(structure: Structure) -> dict[str, Any]:
    """The proposable fields of a structure, as a payload (to prefill a correction)."""
    snapshot = structure_snapshot(structure.pk)
    return {name: snapshot.get(name) for name in PROPOSABLE_FIELDS}


def structure_snapshot(pk: int) -> dict[str, Any]:
    """The structure's nested export object now (contacts only with consent)."""
    return snapshots([pk])[pk]


def snapshots(pks: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Nested export objects of many structures, in a fixed number of queries per chunk."""
    pks = list(pks)
    result = {}
    for start in range(0, len(pks), 500):
        queryset = export_queryset(
            Structure.objects.filter(pk__in=pks[start : start + 500]), nested=True
        )
        for structure in queryset:
            result[structure.pk] = nested_object(structure)
    return result


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((_comparable(item) for item in value), key=lambda item: repr(item))
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if value == "":
        return None
    return value


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Names of the fields that differ between two records (all of after's for a creation)."""
    before, after = before or {}, after or {}
    names = [name for name in after if name not in before] + list(before)
    return [
        name
        for name in dict.fromkeys(names)
        if name not in _IGNORED_IN_DIFF
        and _comparable(before.get(name)) != _comparable(after.get(name))
    ]


def diff_rows(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, only_changed: bool = True
) -> list[dict[str, Any]]:
    """[{name, title, before, after, changed}] for a diff table, in the record's order."""
    before, after = before or {}, after or {}
    changed = set(changed_fields(before, after))
    names = list(dict.fromkeys([*after, *before]))
    rows = []
    for name in names:
        if name in _IGNORED_IN_DIFF or name in DERIVED_COLUMNS:
            continue
        if only_changed and name not in changed:
            continue
        rows.append(
            {
                "name": name,
                "title": field_title(name),
                "before": display(before.get(name)),
                "after": display(after.get(name)),
                "changed": name in changed,
            }
        )
    return rows


def display(value: Any) -> str:
    """A record value as plain text for people (escaped by the templates)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "\n".join(display(item) for item in value)
    if isinstance(value, dict):
        parts = [str(item) for item in value.values() if item not in (None, "", True, False)]
        return " · ".join(parts) or "—"
    return str(value)


def _date(value: Any) -> dt.date | None:
    return parse_date(value) if isinstance(value, str) and value else None


def snapshot_values(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Service values that put a structure back as a snapshot describes it."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column.derived or column.name == "id" or column.name not in snapshot:
            continue
        value = snapshot[column.name]
        if column.multiple:
            value = tuple(value or ())
        elif column.name == "last_verified_at":
            value = parse_datetime(value) if value else None
        elif value is None and column.type == "string":
            value = ""
        values[column.name] = value
    values["partners"] = tuple(
        PartnerData(p["name"], p.get("kind") or "", p.get("structure_id") or "")
        for p in snapshot.get("partners", [])
    )
    values["value_examples"] = tuple(
        ValueExampleData(e["title"], e.get("description") or "")
        for e in snapshot.get("value_examples", [])
    )
    values["contacts"] = tuple(
        ContactData(c["name"], c.get("role") or "", c.get("email") or "", c.get("phone") or "")
        for c in snapshot.get("contacts", [])
    )
    values["resilience_initiatives"] = tuple(
        ResilienceData(
            r["title"],
            r.get("description") or "",
            r.get("category") or "",
            _date(r.get("started_on")),
            _date(r.get("ended_on")),
        )
        for r in snapshot.get("resilience_initiatives", [])
    )
    return values
