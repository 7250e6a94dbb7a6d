"""The database objects behind full-text search, kept in place after every migration.

SQLite: an FTS5 table over Structure.search_document (external content) and the triggers
that keep it in step. Django rebuilds a SQLite table for some schema changes, which drops
its triggers; `search_index_ensure` runs after every `migrate` (post_migrate) and puts back
whatever is missing, rebuilding the index when it had to.
PostgreSQL: a GIN index on the 'simple' tsvector of the already-stemmed document.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "structures_structure_fts"

_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_document, content='structures_structure', content_rowid='id', "
    "tokenize='unicode61', prefix='2 3 4')"
)
_SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_insert": (
        "AFTER INSERT ON structures_structure BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);"
        " END"
    ),
    f"{FTS_TABLE}_delete": (
        "AFTER DELETE ON structures_structure BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document) "
        "VALUES ('delete', old.id, old.search_document); END"
    ),
    f"{FTS_TABLE}_update": (
        "AFTER UPDATE OF search_document ON structures_structure BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document) "
        "VALUES ('delete', old.id, old.search_document); "
        f"INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);"
        " END"
    ),
}
_POSTGRESQL_INDEX = (
    "CREATE INDEX IF NOT EXISTS structures_structure_search_gin ON structures_structure "
    "USING gin (to_tsvector('simple'::regconfig, search_document))"
)


def search_index_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing of the search index; True when the index had to be rebuilt."""
    if "structures_structure" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_INDEX)
            return False
        if connection.vendor != "sqlite":
            return False
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _SQLITE_TRIGGERS if name not in present]
        if not missing:
            return False
        cursor.execute(_SQLITE_TABLE)
        for name in missing:
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {_SQLITE_TRIGGERS[name]}")
        # Rows written while a trigger was missing are not indexed: index them all again.
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        return True


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS structures_structure_search_gin")
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


_INSERT_TRIGGER = f"{FTS_TABLE}_insert"
_FTS5_DEFAULT_AUTOMERGE = 4


@contextmanager
def search_index_bulk_insert(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Index the structures inserted inside the block with one statement at its end.

    On SQLite the insert trigger indexes each new row on its own: 85 % of the time of
    inserting 10,000 structures, four to five times what one INSERT … SELECT into the FTS5
    table takes for the same rows (BENCHMARKS.md). The trigger is dropped for the block and
    created again after it, inside the caller's transaction (required): the database holds
    its write lock throughout, so no other writer inserts an unindexed row, and a failure or
    a kill rolls the trigger back with everything else. Rows are only inserted in the
    block, so the new ones are those above the largest id before it. Elsewhere, nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_index_bulk_insert needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [_INSERT_TRIGGER]
        )
        if cursor.fetchone() is None:  # search_index_ensure will rebuild the whole index
            yield
            return
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM structures_structure")
        (last_id,) = cursor.fetchone()
        cursor.execute(f"DROP TRIGGER {_INSERT_TRIGGER}")
    yield
    with connection.cursor() as cursor:
        # FTS5 merges its segments as they are written (automerge): for one INSERT of
        # 100,000 documents, half of its 6.3 s. Set to 0 for that INSERT, then back to what
        # it was (FTS5's default is 4): later writes merge the new segments a few at a time
        # as usual; a search over them was as fast (0.7 ms for a prefix over 100,000).
        cursor.execute(
            f"SELECT v FROM {FTS_TABLE}_config WHERE k = 'automerge'"  # noqa: S608 (constant)
        )
        found = cursor.fetchone()
        automerge = found[0] if found else _FTS5_DEFAULT_AUTOMERGE
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, search_document) "  # noqa: S608 (constants)
            "SELECT id, search_document FROM structures_structure WHERE id > %s",
            [last_id],
        )
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', %s)", [automerge]
        )
        cursor.execute(f"CREATE TRIGGER {_INSERT_TRIGGER} {_SQLITE_TRIGGERS[_INSERT_TRIGGER]}")
