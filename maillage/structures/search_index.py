"""The database objects behind full-text search, kept in place after every migration.

SQLite: two FTS5 tables over Structure (external content), one over search_document (what
a search matches) and one over search_name (which matches have a query word in their name,
for the ranking by tiers of text_search.RankedSearch), and the triggers that keep them in
step. Django rebuilds a SQLite table
for some schema changes, which drops its triggers; `search_index_ensure` runs after every
`migrate` (post_migrate) and puts back whatever is missing, rebuilding an index when it had
to.
PostgreSQL: a GIN index on the 'simple' tsvector of the already-stemmed document (no index
on the name: PostgreSQL ranks in one sorted pass, see text_search.ranked_search).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "structures_structure_fts"
NAME_FTS_TABLE = "structures_structure_name_fts"


def _sqlite_table(table: str, column: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
        f"{column}, content='structures_structure', content_rowid='id', "
        "tokenize='unicode61', prefix='2 3 4')"
    )


def _sqlite_triggers(table: str, column: str) -> dict[str, str]:
    return {
        f"{table}_insert": (
            "AFTER INSERT ON structures_structure BEGIN "
            f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column}); END"
        ),
        f"{table}_delete": (
            "AFTER DELETE ON structures_structure BEGIN "
            f"INSERT INTO {table}({table}, rowid, {column}) "
            f"VALUES ('delete', old.id, old.{column}); END"
        ),
        f"{table}_update": (
            f"AFTER UPDATE OF {column} ON structures_structure BEGIN "
            f"INSERT INTO {table}({table}, rowid, {column}) "
            f"VALUES ('delete', old.id, old.{column}); "
            f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column}); END"
        ),
    }


# table → indexed column of structures_structure
_SQLITE_INDEXES = {FTS_TABLE: "search_document", NAME_FTS_TABLE: "search_name"}
_SQLITE_TRIGGERS = {
    name: sql
    for table, column in _SQLITE_INDEXES.items()
    for name, sql in _sqlite_triggers(table, column).items()
}
_POSTGRESQL_INDEXES = {
    "structures_structure_search_gin": (
        "CREATE INDEX IF NOT EXISTS structures_structure_search_gin ON structures_structure "
        "USING gin (to_tsvector('simple'::regconfig, search_document))"
    ),
}


def search_index_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing of the search indexes; True when one had to be rebuilt."""
    if "structures_structure" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _POSTGRESQL_INDEXES.values():
                cursor.execute(sql)
            return False
        if connection.vendor != "sqlite":
            return False
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        rebuilt = False
        for table, column in _SQLITE_INDEXES.items():
            triggers = _sqlite_triggers(table, column)
            missing = [name for name in triggers if name not in present]
            if not missing:
                continue
            cursor.execute(_sqlite_table(table, column))
            for name in missing:
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {triggers[name]}")
            # Rows written while a trigger was missing are not indexed: index them all again.
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
            rebuilt = True
        return rebuilt


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in _POSTGRESQL_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for table in _SQLITE_INDEXES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def search_index_tidy(connection: BaseDatabaseWrapper) -> None:
    """After a large write on PostgreSQL, move the GIN indexes' pending entries into the
    indexes proper.

    GIN keeps new entries in a pending list (up to 4 MB) that every search reads in full
    until a VACUUM merges it: after the 100,000-structure import, 490 pages read by every
    search (the index scan of `solidaire` took 8.6 ms, 1.0 ms once merged). Merging took
    0.1 s. Elsewhere, nothing.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in _POSTGRESQL_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


_INSERT_TRIGGERS = {table: f"{table}_insert" for table in _SQLITE_INDEXES}
_FTS5_DEFAULT_AUTOMERGE = 4


@contextmanager
def search_index_bulk_insert(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Index the structures inserted inside the block with one statement per index at its end.

    On SQLite the insert triggers index each new row on its own: 85 % of the time of
    inserting 10,000 structures, four to five times what one INSERT … SELECT into the FTS5
    table takes for the same rows (BENCHMARKS.md). The triggers are dropped for the block and
    created again after it, inside the caller's transaction (required): the database holds
    its write lock throughout, so no other writer inserts an unindexed row, and a failure or
    a kill rolls the triggers back with everything else. Rows are only inserted in the
    block, so the new ones are those above the largest id before it. Elsewhere, nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_index_bulk_insert needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        # An index without its trigger is rebuilt whole by search_index_ensure.
        tables = [table for table, trigger in _INSERT_TRIGGERS.items() if trigger in present]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM structures_structure")
        (last_id,) = cursor.fetchone()
        for table in tables:
            cursor.execute(f"DROP TRIGGER {_INSERT_TRIGGERS[table]}")
    yield
    with connection.cursor() as cursor:
        for table in tables:
            column = _SQLITE_INDEXES[table]
            insert = (
                f"INSERT INTO {table}(rowid, {column}) "  # noqa: S608 (constants)
                f"SELECT id, {column} FROM structures_structure WHERE id > %s"
            )
            if table != FTS_TABLE:  # the names, short: 0.7 s for 100,000, merging as usual
                cursor.execute(insert, [last_id])
            else:
                # FTS5 merges its segments as they are written (automerge): for one INSERT
                # of 100,000 documents, half of its 6.3 s. Set to 0 for that INSERT, then
                # back to what it was (FTS5's default is 4): later writes merge the new
                # segments a few at a time as usual; a search over them was as fast (0.7 ms
                # for a prefix over 100,000).
                cursor.execute(
                    f"SELECT v FROM {table}_config WHERE k = 'automerge'"  # noqa: S608
                )
                found = cursor.fetchone()
                automerge = found[0] if found else _FTS5_DEFAULT_AUTOMERGE
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
                cursor.execute(insert, [last_id])
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('automerge', %s)", [automerge]
                )
            trigger = _INSERT_TRIGGERS[table]
            cursor.execute(f"CREATE TRIGGER {trigger} {_SQLITE_TRIGGERS[trigger]}")
