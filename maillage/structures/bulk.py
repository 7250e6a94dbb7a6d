"""Writing many rows at once with one prepared statement, for imports.

Django's bulk_create compiles one multi-row INSERT per batch: on SQLite batches of 24
structures (999 parameters ÷ 41 columns), each compiled value by value by the ORM; on
PostgreSQL (Django 5.2) an INSERT … SELECT FROM UNNEST of one array per column, which the
client-side cursor quotes element by element with regular expressions. For the 100,000
structures and revisions of a national import, that compiling was most of the writing time
(cProfile, BENCHMARKS.md). `cursor.executemany` of one prepared INSERT sends the rows
as they are (SQLite's executemany, psycopg's pipeline mode).
"""

from __future__ import annotations

import datetime
import itertools
import json
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, DateTimeField, Field, Model, signals
from django.db.models.base import ModelState
from django.utils import timezone

_ROWS_PER_CALL = 5_000


@contextmanager
def bulk_write_cache(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """A larger page cache for a bulk write on SQLite (this connection only, then back).

    The default 2 MiB holds a few hundred pages: inserting 100,000 structures, 750,000
    links and their revisions into indexes on random keys (uid, slug, terms) read and
    wrote the same pages again and again (BENCHMARKS.md).
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


_BULK_CACHE_KIB = 256 * 1024


def instances_new(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> list[Model]:
    """Unsaved instances of model from mappings of field attname → value, the other fields
    at their default: what model(**row) gives, built through the positional constructor
    Django uses for rows read from the database (no keyword matching, no default looked
    up again for each field of each instance). A third of writing 10,000 structures and
    their revisions was model(**kwargs) (cProfile, BENCHMARKS.md)."""
    fields = model._meta.concrete_fields
    unknown = {name for row in rows for name in row} - {field.attname for field in fields}
    if unknown:
        raise TypeError(f"{model.__name__}: unknown fields {sorted(unknown)}")
    # Fields without a callable default take the same value every time.
    constant = {
        field.attname: field.get_default()
        for field in fields
        if not (field.has_default() and callable(field.default))
    }
    varying = [field for field in fields if field.attname not in constant]
    names = [field.attname for field in fields]
    instances = []
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        for row in rows:
            values = {**constant, **{f.attname: f.get_default() for f in varying}, **row}
            instances.append(model(*[values[name] for name in names]))
        return instances
    # What the constructor does when no signal is listened to: a fresh state, then each
    # field's value in the instance's dictionary (the descriptors of concrete fields and
    # foreign key ids only read it, or clear a cached related object a new instance has
    # not). Half the time of the constructor.
    new = model.__new__
    for row in rows:
        instance = new(model)
        instance.__dict__.update(constant)
        for field in varying:
            instance.__dict__[field.attname] = field.get_default()
        instance.__dict__.update(row)
        instance._state = ModelState()
        instances.append(instance)
    return instances


def instances_insert(
    model: type[Model], instances: Sequence[Model], *, as_given: Iterable[str] = ()
) -> None:
    """INSERT unsaved instances of model, every concrete field but the automatic primary key.

    Fields are prepared as Model.save() and bulk_create() prepare them (pre_save, then
    get_db_prep_save: auto_now dates, JSON, datetimes for SQLite), but those named in
    as_given (attnames), written as the instances hold them, without pre_save: auto_now
    dates the caller set to the time of its write. No signals are sent and the instances
    get no primary key: read them back by a unique field when needed.
    """
    if not instances:
        return
    rows_insert(
        model._meta.db_table,
        insert_columns(model),
        instances_prepared(model, instances, as_given=as_given),
    )


def _insert_fields(model: type[Model], with_pk: bool) -> list[Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and (with_pk or not (field.primary_key and field.db_returning))
    ]


def insert_columns(model: type[Model], *, with_pk: bool = False) -> list[str]:
    """The columns of the rows instances_prepared() gives, in order."""
    return [field.column for field in _insert_fields(model, with_pk)]


def instances_prepared(
    model: type[Model],
    instances: Iterable[Model],
    *,
    as_given: Iterable[str] = (),
    with_pk: bool = False,
) -> Iterator[tuple]:
    """The database rows instances_insert() writes for instances (columns: insert_columns()),
    with the primary key first among them when with_pk (instances whose keys were reserved,
    see ids_reserve). Pure Python: a process that may not query can compute them."""
    # The connection itself, not django.db.connection: that proxy looks the connection up
    # in a context-local store on each attribute read, once per value prepared.
    connection = connections[DEFAULT_DB_ALIAS]
    as_given = set(as_given)
    preparers = [
        _preparer(field, connection, field.attname in as_given)
        for field in _insert_fields(model, with_pk)
    ]
    for instance in instances:
        yield tuple([prepare(instance) for prepare in preparers])


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """count primary keys for new rows of model, taken now: rows written later with them
    (and rows that refer to them) need no key read back.

    PostgreSQL: values of the key's sequence (nextval, safe beside other writers; in order,
    not necessarily consecutive). SQLite: the keys after the largest the table ever had
    (AUTOINCREMENT's rule; inserting them moves sqlite_sequence on), which needs the
    write lock held until they are written: call it inside a transaction that has it
    (Maillage's SQLite transactions are IMMEDIATE; a deferred one that read before another
    writer committed could not write at all).
    """
    if count <= 0:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0), "  # noqa: S608
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


def instances_written(model: type[Model], keys: Iterable[tuple[int, str]], field: str) -> list:
    """Instances of rows just written, holding only their primary key and field (what
    model.objects.only(field) reads; the other fields are deferred, read on access)."""
    alias = connections[DEFAULT_DB_ALIAS].alias
    pk_attname = model._meta.pk.attname
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return [model.from_db(alias, [pk_attname, field], [pk, value]) for pk, value in keys]
    new = model.__new__
    instances = []
    for pk, value in keys:
        instance = new(model)
        instance.__dict__[pk_attname] = pk
        instance.__dict__[field] = value
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        instances.append(instance)
    return instances


def values_insert(
    model: type[Model], rows: Sequence[Mapping[str, Any]], *, prepared: Iterable[str] = ()
) -> None:
    """INSERT rows of model given as mappings of field attname → value, without model
    instances: what instances_insert(model, instances_new(model, rows)) writes (defaults
    for the other fields, auto_now dates set to now, values prepared as save() prepares
    them), for rows nobody reads back as instances (an import's revisions).

    prepared: attnames whose values in rows are already database values, written as they
    are (a JSON field's text, encoded beside the import)."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not (field.primary_key and field.db_returning)
    ]
    unknown = {name for row in rows for name in row} - {field.attname for field in fields}
    if unknown:
        raise TypeError(f"{model.__name__}: unknown fields {sorted(unknown)}")
    prepared = set(prepared)
    preparers = [
        operator.itemgetter(field.attname)
        if field.attname in prepared
        else _value_preparer(field, connection)
        for field in fields
    ]
    rows_insert(
        model._meta.db_table,
        [field.column for field in fields],
        (tuple([prepare(row) for prepare in preparers]) for row in rows),
    )


def _value_preparer(
    field: Field, connection: BaseDatabaseWrapper
) -> Callable[[Mapping[str, Any]], Any]:
    """row → the field's database value, as _preparer gives it for an instance made of row."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        # DateField.pre_save on an insert: now, whatever the instance held.
        now = timezone.now if isinstance(field, DateTimeField) else datetime.date.today
        return lambda row: field.get_db_prep_save(now(), connection)
    if type(field).pre_save is not Field.pre_save:
        raise TypeError(f"{field}: pre_save needs an instance, use instances_insert")
    if field.has_default() and callable(field.default):
        default = field.get_default
    else:
        constant = field.get_default()

        def default():
            return constant

    target = field.target_field if field.is_relation else field
    unchanged = _UNCHANGED.get(target.get_internal_type(), frozenset())

    def prepare(row: Mapping[str, Any]) -> Any:
        value = row[attname] if attname in row else default()
        if type(value) in unchanged:
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


def rows_copy_binary(table: str, columns: Sequence[str], data: bytes) -> None:
    """PostgreSQL: COPY rows given whole in COPY's binary format (signature and end
    included), as prepared beside an import, into table."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    sql = f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor:
        debug = getattr(cursor, "debug_sql", None)
        with debug(sql) if debug else nullcontext(), cursor.cursor.copy(sql) as copy:
            copy.write(data)


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT rows of database-ready values (as get_db_prep_save gives them) into table.

    PostgreSQL: one COPY. psycopg's executemany sends one statement per row, each quoted
    client-side by Django's cursor, and each firing the table's statement-level triggers;
    COPY is one statement, its rows written by psycopg's C code. Elsewhere (SQLite), one
    prepared INSERT through executemany, in chunks.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {quote(table)} ({names}) FROM STDIN"
            # Logged like any query when queries are (DEBUG, tests counting queries).
            debug = getattr(cursor, "debug_sql", None)
            with debug(sql) if debug else nullcontext(), cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from _meta)
            quote(table), names, ", ".join(["%s"] * len(columns))
        )
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, _ROWS_PER_CALL)):
            cursor.executemany(sql, chunk)


@dataclass(frozen=True)
class EncodedRows:
    """Rows of integers as the database is sent them (integer_rows_encoded): text that a
    process beside an import computes and sends instead of the rows themselves (a string
    crosses the pipe whole; 750,000 pairs of integers were pickled and read back one by
    one)."""

    vendor: str
    text: str


def integer_rows_encoded(rows: Sequence[Sequence[int | None]]) -> EncodedRows | None:
    """rows as integer_rows_insert() sends them to SQLite (their JSON array), or None where
    it sends them otherwise. Pure Python: a process that may not query can compute it."""
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):
        return EncodedRows(vendor, json.dumps(rows))
    return None


def integer_rows_insert(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[int | None]] | EncodedRows
) -> None:
    """rows_insert() of rows of integers only (the links of many-to-many tables), given as
    they are or encoded beforehand (integer_rows_encoded, for this database).

    SQLite: one INSERT … SELECT over the rows given as one JSON array (json_each), in
    their order: binding two parameters and stepping the statement once per row cost a
    third more than SQLite parsing the array (750,000 links of a national import: 3.9 s →
    2.7 s of CPU, BENCHMARKS.md). Integers read from JSON are the same integers.
    Elsewhere, rows_insert() (PostgreSQL: one COPY).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    if isinstance(rows, EncodedRows):
        if rows.vendor != connection.vendor:
            raise ValueError(f"rows encoded for {rows.vendor}, not {connection.vendor}")
        with connection.cursor() as cursor:
            cursor.execute(_json_rows_sql(quote(table), names, len(columns)), [rows.text])
        return
    if connection.vendor != "sqlite" or sqlite3.sqlite_version_info < (3, 38) or not rows:
        rows_insert(table, columns, rows)
        return
    sql = _json_rows_sql(quote(table), names, len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _JSON_ROWS_PER_CALL):
            cursor.execute(sql, [json.dumps(rows[start : start + _JSON_ROWS_PER_CALL])])


def _json_rows_sql(table: str, names: str, count: int) -> str:
    values = ", ".join(f"value ->> {index}" for index in range(count))
    return f"INSERT INTO {table} ({names}) SELECT {values} FROM json_each(%s)"  # noqa: S608


_JSON_ROWS_PER_CALL = 200_000


# Values whose preparation is kept for the same object coming again (_preparer).
_IMMUTABLE = frozenset(
    {datetime.datetime, datetime.date, datetime.time, bool, int, float, str, bytes, Decimal, UUID}
)

# Values that a field's preparation would return unchanged, by the field's internal type.
_TEXT, _NUMBER = frozenset({str, type(None)}), frozenset({int, float, type(None)})
_UNCHANGED = {
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), _TEXT),
    **dict.fromkeys(
        (
            "AutoField",
            "BigAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "FloatField",
        ),
        _NUMBER,
    ),
    "BooleanField": frozenset({bool, type(None)}),
}


def _preparer(
    field: Field, connection: BaseDatabaseWrapper, as_given: bool = False
) -> Callable[[Model], Any]:
    """instance → the field's database value, as Model.save() prepares it, with a shortcut
    for values whose preparation changes nothing (text for a text field, numbers for a
    number or a foreign key to one): three method calls per value otherwise, 4 million
    for an import of 100,000 structures and their revisions."""
    # A date without auto_now or auto_now_add: its pre_save reads the value, as Field's.
    plain_date = isinstance(field, DateField) and not (field.auto_now or field.auto_now_add)
    if type(field).pre_save is not Field.pre_save and not (as_given or plain_date):
        # auto_now dates, files…
        return lambda instance: field.get_db_prep_save(field.pre_save(instance, True), connection)
    attname = field.attname
    target = field.target_field if field.is_relation else field
    unchanged = _UNCHANGED.get(target.get_internal_type(), frozenset())
    # The value last prepared and what it gave: the same object again (the time of an
    # import's write on each of its structures, None) is not prepared again.
    last: list[Any] = [_NOTHING, None]

    def prepare(instance: Model) -> Any:
        value = getattr(instance, attname)
        if type(value) in unchanged:
            return value
        if value is last[0]:
            return last[1]
        prepared = field.get_db_prep_save(value, connection)
        if type(value) in _IMMUTABLE:  # a dict or list could change before it comes again
            last[0], last[1] = value, prepared
        return prepared

    return prepare


_NOTHING = object()
