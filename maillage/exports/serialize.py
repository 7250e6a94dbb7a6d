"""Structures as export rows: flat (CSV, XLSX) or nested (JSON, GeoJSON)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Aggregate, CharField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators

from maillage.exports.columns import COLUMNS, MULTI_VALUE_SEPARATOR, joined_slugs_attribute
from maillage.structures.models import Contact, NamedPartner, ResilienceInitiative, Structure

# Many-to-many relations to vocabulary terms, of which the export writes the slugs.
TERM_RELATIONS = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")


class _JoinedSlugs(Aggregate):
    """The group's values joined with "|" (slugs never hold one), in no particular order."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '|')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _joined_slugs(relation: str) -> Subquery:
    links = getattr(Structure, relation).through.objects.filter(structure_id=OuterRef("pk"))
    return Subquery(
        links.order_by()
        .values("structure_id")
        .annotate(slugs=_JoinedSlugs("term__slug"))
        .values("slugs")
    )


def export_queryset(queryset: QuerySet, *, nested: bool) -> QuerySet:
    """The queryset with everything the export reads, in a fixed number of queries.

    The term slugs of the five vocabulary relations come with each structure's row (one
    correlated subquery each, read by the columns): a prefetch would be a query per
    relation and a Term instance per link (750,000 for an export of 100,000 structures).
    """
    queryset = queryset.select_related(
        "main_type", "source", "commune__department__region", "commune__epci"
    ).annotate(
        **{joined_slugs_attribute(relation): _joined_slugs(relation) for relation in TERM_RELATIONS}
    )
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


_compiled = threading.local()
_KEYS_PARAMETER = "<the keys>"  # what the compiled SQL's parameter for the keys is, once


def _rows_query(connection) -> tuple:
    """What list_rows needs of its query on this connection, compiled once per thread and
    connection (its SQL is the same whatever the keys: one parameter holds them all):
    (sql, params, index of the keys' parameter, compiler, field names, first and last
    field's positions, related populators, annotations' positions)."""
    key = (connection.alias, connection.vendor)
    cached = getattr(_compiled, "rows", {}).get(key)
    if cached is None:
        if connection.vendor == "postgresql":
            keys = RawSQL("SELECT unnest(%s::bigint[])", [_KEYS_PARAMETER])
        else:
            keys = RawSQL("SELECT value FROM json_each(%s)", [_KEYS_PARAMETER])
        queryset = export_queryset(Structure.objects.filter(pk__in=keys), nested=False)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        cached = (
            sql,
            tuple(params),
            list(params).index(_KEYS_PARAMETER),
            compiler,
            [column[0].target.attname for column in select[start:end]],
            start,
            end,
            get_related_populators(klass_info, select, connection.alias),
            tuple(compiler.annotation_col_map.items()),
        )
        if not hasattr(_compiled, "rows"):
            _compiled.rows = {}
        _compiled.rows[key] = cached
    return cached


def list_rows(pks: list[int]) -> list[Structure]:
    """The structures of these keys as export_queryset(..., nested=False) gives them (the
    same instances, related objects and joined slugs; in no particular order), for the
    API's list pages.

    The ORM would build and compile that query for every page, which took longer than
    running it (BENCHMARKS.md, "search5"): its SQL is compiled once, and its rows made into
    instances as Django's ModelIterable does (django/db/models/query.py; to check on
    upgrades).
    """
    if not pks:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params, index, compiler, names, start, end, populators, annotations = _rows_query(
        connection
    )
    params = list(params)
    params[index] = list(pks) if connection.vendor == "postgresql" else json.dumps(list(pks))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    structures = []
    for row in compiler.results_iter(results=[fetched]):
        structure = Structure.from_db(connection.alias, names, row[start:end])
        for populator in populators:
            populator.populate(row, structure)
        for name, position in annotations:
            setattr(structure, name, row[position])
        structures.append(structure)
    return structures


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
