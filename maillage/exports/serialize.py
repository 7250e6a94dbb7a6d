"""Structures as export rows: flat (CSV, XLSX) or nested (JSON, GeoJSON)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet

from maillage.exports.columns import COLUMNS, MULTI_VALUE_SEPARATOR
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    Term,
)


def export_queryset(queryset: QuerySet, *, nested: bool) -> QuerySet:
    """The queryset with everything the export reads, in a fixed number of queries."""
    queryset = queryset.select_related(
        "main_type", "source", "commune__department__region", "commune__epci"
    ).prefetch_related(*TERM_RELATIONS)
    if nested:
        queryset = queryset.prefetch_related(
            Prefetch(
                "partners",
                queryset=NamedPartner.objects.select_related("kind", "partner_structure"),
            ),
            "value_examples",
            # Contacts leave Maillage only with the person's consent.
            Prefetch("contacts", queryset=Contact.objects.filter(publication_consent=True)),
            Prefetch(
                "resilience_initiatives",
                queryset=ResilienceInitiative.objects.select_related("category"),
            ),
        )
    return queryset.order_by("uid")


# The vocabulary relations of a structure's record (the `_terms` columns).
TERM_RELATIONS = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")


def list_rows(queryset: QuerySet) -> list[Structure]:
    """The structures of queryset (a page: a few dozen) with what record() reads: the
    related rows joined, and the slugs of their vocabulary relations from one query over
    the five link tables, as `term_slugs` ({relation: [slug, …]}).

    The same records as export_queryset(nested=False) gives, for less: its five prefetches
    made a query, a model per term and a queryset per structure and relation (12 of the
    17 ms of loading an API page of 20 structures at 100,000, BENCHMARKS.md).
    """
    rows = list(
        queryset.select_related(
            "main_type", "source", "commune__department__region", "commune__epci"
        ).order_by("uid")
    )
    if not rows:
        return rows
    pks = [row.pk for row in rows]
    placeholders = ", ".join(["%s"] * len(pks))
    slugs: dict[int, dict[str, list[str]]] = {pk: {} for pk in pks}
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT {number}, link.{structure}, term.slug FROM {table} link "  # noqa: S608
                f"JOIN {Term._meta.db_table} term ON term.id = link.{term} "
                f"WHERE link.{structure} IN ({placeholders})"
                for number, (table, structure, term) in enumerate(_LINK_TABLES())
            ),
            pks * len(TERM_RELATIONS),
        )
        for number, pk, slug in cursor.fetchall():
            slugs[pk].setdefault(TERM_RELATIONS[number], []).append(slug)
    for row in rows:
        row.term_slugs = slugs[row.pk]
    return rows


@functools.cache
def _LINK_TABLES() -> tuple[tuple[str, str, str], ...]:  # noqa: N802 (a constant, read late)
    """(table, structure column, term column) of each relation of TERM_RELATIONS."""
    quote = connection.ops.quote_name
    result = []
    for name in TERM_RELATIONS:
        field = Structure._meta.get_field(name)
        result.append(
            (
                quote(field.remote_field.through._meta.db_table),
                quote(field.m2m_column_name()),
                quote(field.m2m_reverse_name()),
            )
        )
    return tuple(result)


def _datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def flat_row(structure: Structure) -> list[Any]:
    """One value per column of COLUMNS: text, int, float or None; lists joined with "|"."""
    row = []
    for column in COLUMNS:
        value = column.get(structure)
        if column.multiple:
            value = MULTI_VALUE_SEPARATOR.join(value)
        elif isinstance(value, dt.datetime):
            value = _datetime(value)
        row.append(value)
    return row


def record(structure: Structure) -> dict[str, Any]:
    """The structure's columns as a JSON object, lists as arrays (the API's list items)."""
    item: dict[str, Any] = {}
    for column in COLUMNS:
        value = column.get(structure)
        if isinstance(value, dt.datetime):
            value = _datetime(value)
        item[column.name] = value
    return item


# The nested records of a structure, as nested_object() and the history's snapshots
# (maillage.contributions.records) write them, whatever they are read from.


def partner_item(name: str, kind: str, structure_id: str) -> dict[str, Any]:
    return {"name": name, "kind": kind, "structure_id": structure_id}


def value_example_item(title: str, description: str) -> dict[str, Any]:
    return {"title": title, "description": description}


def contact_item(name: str, role: str, email: str, phone: str) -> dict[str, Any]:
    # Only contacts who consented are ever written out.
    return {"name": name, "role": role, "email": email, "phone": phone, "publication_consent": True}


def initiative_item(
    title: str, description: str, category: str, started_on, ended_on
) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "category": category,
        "started_on": started_on.isoformat() if started_on else None,
        "ended_on": ended_on.isoformat() if ended_on else None,
    }


def nested_object(structure: Structure) -> dict[str, Any]:
    """The structure as a JSON object: the columns, lists as arrays, related records nested."""
    item = record(structure)
    item["partners"] = [
        partner_item(
            partner.name,
            partner.kind.slug if partner.kind else "",
            partner.partner_structure.uid if partner.partner_structure else "",
        )
        for partner in structure.partners.all()
    ]
    item["value_examples"] = [
        value_example_item(example.title, example.description)
        for example in structure.value_examples.all()
    ]
    item["contacts"] = [
        contact_item(contact.name, contact.role, contact.email, contact.phone)
        for contact in structure.contacts.all()
    ]
    item["resilience_initiatives"] = [
        initiative_item(
            initiative.title,
            initiative.description,
            initiative.category.slug if initiative.category else "",
            initiative.started_on,
            initiative.ended_on,
        )
        for initiative in structure.resilience_initiatives.all()
    ]
    return item
