"""A token that changes with every write to the data the public reads.

Caches of derived data (the map's payload, facet counts, API answers) are keyed on it, so
that they can be kept without ever being stale, and reading it costs one primary-key lookup
instead of an aggregate over every structure.

The database maintains it, not the application: a trigger on every table the public data
is read from (structures, their many-to-many links, vocabularies, sources, partners,
examples, contacts, initiatives, the territorial referential, practice sheets and editions)
replaces the single row of
`structures_dataversion` with a new random token. So every writer is covered, bulk imports
and raw SQL included, and the new token becomes visible in the same commit as the data it
describes (a reader never caches old data under a new token). A rolled-back write leaves the
old token, with the old data.

SQLite: row-level triggers (the only kind it has), an UPDATE of the one row per written
row. PostgreSQL: statement-level triggers, one upsert per statement (but an executemany
is one statement per row). Bulk writes (imports) set both aside and bump the token once at
their end (data_version_bulk). On PostgreSQL a trigger on the version's own table also
notifies every replacement of the token (`NOTIFY maillage_data_version`, at commit), so that
server processes keep the token between two changes (data_version_of_request,
maillage.structures.version_watch).
Like the full-text triggers, they are put back after every `migrate` (post_migrate): on
SQLite, a migration that rebuilds a table drops its triggers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from maillage.structures import version_watch

TABLE = "structures_dataversion"
_PREFIX = "structures_data_changed"

# Tables whose rows make up what the public reads (pages, API, map, exports).
WATCHED_TABLES = (
    "structures_structure",
    "structures_structure_secondary_types",
    "structures_structure_themes",
    "structures_structure_formats",
    "structures_structure_audiences",
    "structures_structure_partner_kinds",
    "structures_term",
    "structures_source",
    "structures_namedpartner",
    "structures_valueexample",
    "structures_contact",
    "structures_resilienceinitiative",
    "referential_region",
    "referential_department",
    "referential_epci",
    "referential_commune",
    # Other apps' public data, read by the API (its answers are cached under the version).
    "practices_practicesheet",
    "practices_practicesheet_themes",
    "practices_practicesheet_formats",
    "practices_practicesheet_structures",
    "contributions_edition",
)

_TABLE_DDL = f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token text NOT NULL)"
# An UPDATE, not an INSERT OR REPLACE: inside a trigger, the conflict policy of the outer
# statement (an upsert's, for one) overrides the trigger's own, and the REPLACE would fail.
_SQLITE_FIRST = f"INSERT OR IGNORE INTO {TABLE}(id, token) VALUES (1, lower(hex(randomblob(8))));"
_SQLITE_BUMP = f"UPDATE {TABLE} SET token = lower(hex(randomblob(8))) WHERE id = 1;"
# Set (transaction-local) by data_version_bulk: the statements of a bulk write leave the
# token to the one bump at the block's end.
_DEFERRED = "maillage.data_version_deferred"
_POSTGRESQL_BUMP = (
    f"INSERT INTO {TABLE}(id, token) "
    "VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16)) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_PREFIX}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{_DEFERRED}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO {TABLE}(id, token)
    VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16))
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    RETURN NULL;
END
$$
"""


def _trigger_name(table: str, event: str = "") -> str:
    return f"{_PREFIX}_{table}{'_' + event if event else ''}"


def data_version_ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the version table and whatever trigger is missing (idempotent)."""
    tables = set(connection.introspection.table_names())
    watched = [table for table in WATCHED_TABLES if table in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(_TABLE_DDL)
            # A first token, so that two databases never share "no version yet".
            cursor.execute(_SQLITE_FIRST)
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            present = set()
            for name, sql in cursor.fetchall():
                if name.startswith(_PREFIX) and _SQLITE_BUMP not in sql:
                    # Written by an earlier version of this module: replaced below.
                    cursor.execute(f"DROP TRIGGER {name}")
                else:
                    present.add(name)
            for table in watched:
                for event in ("insert", "update", "delete"):
                    name = _trigger_name(table, event)
                    if name not in present:
                        cursor.execute(_sqlite_trigger(table, event))
        elif connection.vendor == "postgresql":
            cursor.execute(_TABLE_DDL)
            cursor.execute(
                f"INSERT INTO {TABLE}(id, token) VALUES (1, substr(md5(random()::text), 1, 16)) "
                "ON CONFLICT (id) DO NOTHING"
            )
            cursor.execute(_POSTGRESQL_FUNCTION)
            cursor.execute(version_watch.NOTIFY_FUNCTION_SQL)
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            present = {row[0] for row in cursor.fetchall()}
            if version_watch.NOTIFY_TRIGGER not in present:
                cursor.execute(
                    f"CREATE TRIGGER {version_watch.NOTIFY_TRIGGER} AFTER INSERT OR UPDATE "
                    f"ON {TABLE} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION {version_watch.NOTIFY_FUNCTION}()"
                )
            for table in watched:
                name = _trigger_name(table)
                if name not in present:
                    cursor.execute(
                        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_PREFIX}()"
                    )


def data_version_drop(connection: BaseDatabaseWrapper) -> None:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in WATCHED_TABLES:
            if table not in tables:
                continue
            if connection.vendor == "sqlite":
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_PREFIX}()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {version_watch.NOTIFY_FUNCTION}()")


def data_version(connection: BaseDatabaseWrapper | None = None) -> str:
    """The current token: a short string that differs after any committed write.

    "0" only if the table's row was removed by hand (the migration writes a first token).
    """
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else "0"


def data_version_checking_connection(connection: BaseDatabaseWrapper | None = None) -> str:
    """data_version(), read as a request's first query, standing in for the health check
    of a kept connection.

    With CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of each
    request with a query of its own (`SELECT 1` on PostgreSQL): a second round trip to the
    server for a cached answer, whose only query is this one (a quarter of the time of such
    an answer under load, BENCHMARKS.md). When Django would check, this read is the check:
    if it fails and the connection is no longer usable (the server restarted, the
    connection was cut), the connection is closed and the read done again on a new one,
    which is what the health check would have done. Inside a transaction, or once the
    request's connection has been checked, a plain read.

    It mirrors Django's BaseDatabaseWrapper.close_if_health_check_failed() and sets the
    attribute that method reads (health_check_done): check both after a Django upgrade
    (tests/reliability/test_kept_connection.py fails if the replacement stops working).
    """
    connection = connection or default_connection
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return data_version(connection)
    connection.health_check_done = True
    try:
        return data_version(connection)
    except DatabaseError:
        if connection.is_usable():
            raise
        connection.close()
        return data_version(connection)


def data_version_of_request(connection: BaseDatabaseWrapper | None = None) -> str:
    """The version a request reads first: data_version_checking_connection(), or on
    PostgreSQL, outside a transaction, the version kept in the process while it listens
    for the database's notifications of a change (maillage.structures.version_watch)."""
    connection = connection or default_connection
    watch = None if connection.in_atomic_block else version_watch.watch_for(connection.alias)
    if watch is None:
        return data_version_checking_connection(connection)
    return watch.version(lambda: data_version_checking_connection(connection))


@contextmanager
def data_version_bulk(
    connection: BaseDatabaseWrapper, writes: Iterable[tuple[str, str]]
) -> Iterator[None]:
    """One new token for a bulk write inside the block, instead of one per row written.

    writes: the (table, event) pairs the block does, event "insert", "update" or "delete".

    SQLite's row-level triggers bump the token once per row: for an import's 750,000 link
    rows, that is 750,000 UPDATEs of the version row, two thirds of the time of inserting
    them (BENCHMARKS.md; a WHEN clause that skips the UPDATE saves little: running the
    trigger program is the cost). In the block, the triggers of those writes are dropped;
    at its end the token is replaced once and the triggers are created again, inside the
    caller's transaction (required): the database holds its write lock from the first
    DROP, so no other writer writes unseen, and a failure or a kill rolls everything back
    together, triggers included.

    PostgreSQL's triggers fire per statement, but an executemany is one statement per row:
    750,000 upserts of the one version row in one transaction, each slower to find the row
    among its dead versions (100 s for the links of 10,000 structures). In the block, a
    transaction-local setting tells the trigger function to do nothing; the token is
    replaced once at its end. A rollback undoes the setting with the rest, and other
    sessions' triggers are untouched (no lock, no DDL).
    """
    if connection.vendor not in ("sqlite", "postgresql"):
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("data_version_bulk needs a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [_DEFERRED])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [_DEFERRED])
            cursor.execute(_POSTGRESQL_BUMP)
        return
    writes = sorted({(table, event) for table, event in writes if table in WATCHED_TABLES})
    with connection.cursor() as cursor:
        for table, event in writes:
            cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_BUMP)
        for table, event in writes:
            cursor.execute(_sqlite_trigger(table, event))


def _sqlite_trigger(table: str, event: str) -> str:
    return (
        f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event.upper()} ON {table} "
        f"BEGIN {_SQLITE_BUMP} END"
    )
