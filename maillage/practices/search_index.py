"""The full-text index of practice sheets, built like the structures' one
(maillage.structures.search_index) and kept in place after every migrate.

SQLite: an FTS5 table over PracticeSheet.search_document (external content) with triggers.
PostgreSQL: a GIN index on the 'simple' tsvector of the already-stemmed document.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "practices_practicesheet"
FTS_TABLE = "practices_practicesheet_fts"

_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f"search_document, content='{TABLE}', content_rowid='id', "
    "tokenize='unicode61', prefix='2 3 4')"
)
_SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_insert": (
        f"AFTER INSERT ON {TABLE} BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);"
        " END"
    ),
    f"{FTS_TABLE}_delete": (
        f"AFTER DELETE ON {TABLE} BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document) "
        "VALUES ('delete', old.id, old.search_document); END"
    ),
    f"{FTS_TABLE}_update": (
        f"AFTER UPDATE OF search_document ON {TABLE} BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document) "
        "VALUES ('delete', old.id, old.search_document); "
        f"INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);"
        " END"
    ),
}
_POSTGRESQL_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {TABLE}_search_gin ON {TABLE} "
    "USING gin (to_tsvector('simple'::regconfig, search_document))"
)


def search_index_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing of the index; True when the SQLite index had to be rebuilt."""
    if TABLE not in connection.introspection.table_names():
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
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        return True


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {TABLE}_search_gin")
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
