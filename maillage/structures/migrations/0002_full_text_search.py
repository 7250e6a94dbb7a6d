"""Full-text index over Structure.search_document, in each database's own engine.

SQLite: an FTS5 table holding the documents (external content), kept in step by triggers.
PostgreSQL: a GIN index on the 'simple' tsvector of the already-stemmed document.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE structures_structure_fts USING fts5("
    "search_document, content='structures_structure', content_rowid='id', "
    "tokenize='unicode61', prefix='2 3 4')",
    "CREATE TRIGGER structures_structure_fts_insert AFTER INSERT ON structures_structure BEGIN "
    "INSERT INTO structures_structure_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER structures_structure_fts_delete AFTER DELETE ON structures_structure BEGIN "
    "INSERT INTO structures_structure_fts(structures_structure_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER structures_structure_fts_update AFTER UPDATE OF search_document "
    "ON structures_structure BEGIN "
    "INSERT INTO structures_structure_fts(structures_structure_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO structures_structure_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "INSERT INTO structures_structure_fts(structures_structure_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS structures_structure_fts_update",
    "DROP TRIGGER IF EXISTS structures_structure_fts_delete",
    "DROP TRIGGER IF EXISTS structures_structure_fts_insert",
    "DROP TABLE IF EXISTS structures_structure_fts",
]
POSTGRESQL_FORWARD = [
    "CREATE INDEX structures_structure_search_gin ON structures_structure "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
]
POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS structures_structure_search_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("structures", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        )
    ]
