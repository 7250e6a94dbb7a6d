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
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    Term,
    ValueExample,
)

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


def _rows_query(connection, name: str, queryset_for) -> tuple:
    """What _read_rows needs of a query of export rows on this connection, compiled once
    per thread and connection (its SQL is the same whatever the keys: one parameter holds
    them all): (sql, params, index of the keys' parameter, compiler, the columns'
    converters, field names, first and last field's positions, related populators,
    annotations' positions, the related rows' positions for ListRow).

    queryset_for(connection): the query, with _KEYS_PARAMETER where the keys go."""
    key = (name, connection.alias, connection.vendor)
    cached = getattr(_compiled, "rows", {}).get(key)
    if cached is None:
        queryset = queryset_for(connection)
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
            # Found once: compiler.results_iter() looks them up again for every query
            # (74 columns, a third of a detail's time in the ORM).
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            [column[0].target.attname for column in select[start:end]],
            start,
            end,
            get_related_populators(klass_info, select, connection.alias),
            tuple(compiler.annotation_col_map.items()),
            _plain_populators(klass_info, select),
        )
        if not hasattr(_compiled, "rows"):
            _compiled.rows = {}
        _compiled.rows[key] = cached
    return cached


def _plain_populators(klass_info: dict, select: list) -> tuple:
    """Where each related row of a compiled query sits in its rows, for ListRow: (the
    relation's name, first and last column's positions, the columns' names, the primary
    key's position among them, the same for its own related rows), as Django's
    RelatedPopulator finds them (forward relations of select_related())."""
    found = []
    for info in klass_info.get("related_klass_infos", ()):
        if info["from_parent"] or info["reverse"]:
            raise ValueError("ListRow reads forward relations only")
        fields = info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        found.append(
            (
                info["field"].name,
                start,
                end,
                names,
                names.index(info["model"]._meta.pk.attname),
                _plain_populators(info, select),
            )
        )
    return tuple(found)


class ListRow:
    """A structure of a list page as record() and the page's links read it: its fields,
    its related rows (type, source, commune, its department, region and EPCI) and the
    joined slugs as plain attributes, with the same values as the model instances that
    export_queryset() gives, without making seven instances per structure (BENCHMARKS.md,
    "search8"). Not a model: nothing to save, no other method."""

    pk: int
    slug: str

    def get_absolute_url(self) -> str:
        return Structure.get_absolute_url(self)  # type: ignore[arg-type]


class _RelatedRow:
    """A related row of a ListRow (a term, a source, a commune…): its fields as attributes."""


def _populate_plain(row: tuple, populators: tuple, into) -> None:
    for attribute, start, end, names, pk, children in populators:
        values = row[start:end]
        if values[pk] is None:  # no related row (a LEFT JOIN): None, as Django's
            into.__dict__[attribute] = None
            continue
        related = _RelatedRow()
        related.__dict__.update(zip(names, values, strict=True))
        if children:
            _populate_plain(row, children, related)
        into.__dict__[attribute] = related


def _read_rows(name: str, queryset_for, keys, *, plain: bool = False) -> list:
    """The structures of the compiled query name for keys, made into instances as Django's
    ModelIterable does (django/db/models/query.py; to check on upgrades); plain: into
    ListRow, with the same attributes and values."""
    connection = connections[DEFAULT_DB_ALIAS]
    (
        sql,
        params,
        index,
        compiler,
        converters,
        names,
        start,
        end,
        populators,
        annotations,
        plain_populators,
    ) = _rows_query(connection, name, queryset_for)
    params = list(params)
    params[index] = keys(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = compiler.apply_converters(fetched, converters) if converters else fetched
    if plain:
        plain_rows = []
        for row in rows:
            structure = ListRow()
            attributes = structure.__dict__
            attributes.update(zip(names, row[start:end], strict=True))
            attributes["pk"] = attributes[Structure._meta.pk.attname]
            _populate_plain(row, plain_populators, structure)
            for attribute, position in annotations:
                attributes[attribute] = row[position]
            plain_rows.append(structure)
        return plain_rows
    structures = []
    for row in rows:
        structure = Structure.from_db(connection.alias, names, row[start:end])
        for populator in populators:
            populator.populate(row, structure)
        for attribute, position in annotations:
            setattr(structure, attribute, row[position])
        structures.append(structure)
    return structures


def _list_query(connection) -> QuerySet:
    if connection.vendor == "postgresql":
        keys = RawSQL("SELECT unnest(%s::bigint[])", [_KEYS_PARAMETER])
    else:
        keys = RawSQL("SELECT value FROM json_each(%s)", [_KEYS_PARAMETER])
    return export_queryset(Structure.objects.filter(pk__in=keys), nested=False)


def list_rows(pks: list[int]) -> list[ListRow]:
    """The structures of these keys as export_queryset(..., nested=False) reads them (the
    same fields, related rows and joined slugs, as ListRow: what record() and
    get_absolute_url() read; in no particular order), for the API's list pages.

    The ORM would build and compile that query for every page, which took longer than
    running it (BENCHMARKS.md, "search5"): its SQL is compiled once. Its rows are not
    made into models (BENCHMARKS.md, "search8").
    """
    if not pks:
        return []
    pks = list(pks)
    return _read_rows(
        "list",
        _list_query,
        lambda connection: pks if connection.vendor == "postgresql" else json.dumps(pks),
        plain=True,
    )


# The nested records, read with the structure's row (one more column: a JSON array of
# [part, position, values...], part the index in _NESTED_PARTS, position the record's
# place in its model's default ordering, primary key last).
_NESTED_PARTS = ("partners", "value_examples", "contacts", "resilience_initiatives")
_NESTED_ATTRIBUTE = "_nested_records"


def _ordering_sql(model, alias: str, quote) -> str:
    """ORDER BY of the model's default ordering then its key, as the ORM writes it."""
    terms = []
    for name in (*model._meta.ordering, "pk"):
        descending = name.startswith("-")
        field = (
            model._meta.pk if name.lstrip("-") == "pk" else model._meta.get_field(name.lstrip("-"))
        )
        terms.append(f"{alias}.{quote(field.column)} {'DESC' if descending else 'ASC'}")
    return ", ".join(terms)


def _nested_records_sql(connection) -> str:
    """A correlated subquery: the structure's nested records as one JSON array (the
    consenting contacts only), each model's rows numbered in its default ordering."""
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        array, group = "json_build_array", "json_agg"
    else:
        array, group = "json_array", "json_group_array"
    structure = f"{q(Structure._meta.db_table)}.{q('id')}"
    term, structures = q(Term._meta.db_table), q(Structure._meta.db_table)

    def part(index, model, alias, columns, joins="", where=""):
        table = q(model._meta.db_table)
        values = ", ".join(columns)
        # Table and column names come from the models; no value is written into the SQL.
        return (
            f"SELECT {array}({index}, ROW_NUMBER() OVER "  # noqa: S608
            f"(ORDER BY {_ordering_sql(model, alias, q)}), {values}) AS item "
            f"FROM {table} {alias} {joins}"
            f"WHERE {alias}.{q('structure_id')} = {structure}{where}"
        )

    parts = [
        part(
            0,
            NamedPartner,
            "p",
            ["p.name", "k.slug", "s.uid"],
            f"LEFT JOIN {term} k ON k.id = p.kind_id "
            f"LEFT JOIN {structures} s ON s.id = p.partner_structure_id ",
        ),
        part(1, ValueExample, "e", ["e.title", "e.description"]),
        part(
            2,
            Contact,
            "c",
            ["c.name", "c.role", "c.email", "c.phone"],
            # Contacts leave Maillage only with the person's consent.
            where=" AND c.publication_consent",
        ),
        part(
            3,
            ResilienceInitiative,
            "i",
            ["i.title", "i.description", "r.slug", "i.started_on", "i.ended_on"],
            f"LEFT JOIN {term} r ON r.id = i.category_id ",
        ),
    ]
    # SQLite: json() marks each item as JSON again (its subtype is lost in the subquery).
    item = "item" if connection.vendor == "postgresql" else "json(item)"
    return f"(SELECT {group}({item}) FROM ({' UNION ALL '.join(parts)}) nested)"  # noqa: S608


def _detail_query(connection) -> QuerySet:
    return export_queryset(
        Structure.objects.published().filter(uid=_KEYS_PARAMETER), nested=False
    ).annotate(**{_NESTED_ATTRIBUTE: RawSQL(_nested_records_sql(connection), [])})  # noqa: S611


def published_structure(uid: str) -> Structure | None:
    """The published structure of this uid as export_queryset(..., nested=True) gives it
    for nested_object(), in one query: its row, the term slugs and its nested records
    (instead of one more query per relation and a model instance per record), its SQL
    compiled once (BENCHMARKS.md, "reads6"). None when no published structure has it."""
    found = _read_rows("detail", _detail_query, lambda connection: uid)
    return found[0] if found else None


def _nested_from_row(value) -> dict[str, list[dict[str, Any]]]:
    """The nested records of published_structure()'s JSON column, as nested_object()
    writes them."""
    items = json.loads(value) if isinstance(value, str) else (value or [])
    items.sort(key=lambda item: (item[0], item[1]))
    nested: dict[str, list[dict[str, Any]]] = {name: [] for name in _NESTED_PARTS}
    for part, _position, *values in items:
        if part == 0:
            name, kind, uid = values
            nested["partners"].append(partner_item(name, kind or "", uid or ""))
        elif part == 1:
            nested["value_examples"].append(value_example_item(*values))
        elif part == 2:
            nested["contacts"].append(contact_item(*values))
        else:
            title, description, category, started_on, ended_on = values
            nested["resilience_initiatives"].append(
                {
                    "title": title,
                    "description": description,
                    "category": category or "",
                    # ISO dates: SQLite's text, PostgreSQL's JSON of a date.
                    "started_on": started_on,
                    "ended_on": ended_on,
                }
            )
    return nested


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
    """The structure as a JSON object: the columns, lists as arrays, related records nested
    (read with its row by published_structure(), or prefetched by export_queryset())."""
    item = record(structure)
    if _NESTED_ATTRIBUTE in structure.__dict__:
        item.update(_nested_from_row(structure.__dict__[_NESTED_ATTRIBUTE]))
        return item
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
