"""PostgreSQL: the revisions' JSON compressed with lz4 instead of pglz, where the server
has it (built with lz4, PostgreSQL 14+). Nothing elsewhere.

A revision's record is 1.5 to 2 KB of jsonb (the structure's nested export object, and
its changed fields): most of them pass the 2 KB above which PostgreSQL compresses a row,
so a national import compressed 100,000 of them with pglz while writing them. Inserting
the same 100,000 revisions took 3.7 to 4.4 s with lz4 against 6.4 to 7.7 s with pglz
(BENCHMARKS.md, import6). The values are the same; only how the server stores new ones
changes (existing rows keep theirs until rewritten). No table rewrite: a catalog change.
"""

from django.db import migrations

TABLE = "contributions_structurerevision"
COLUMNS = ("before", "after", "changed_fields")


def _lz4_available(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    found = cursor.fetchone()
    return bool(found and found[0])


def _set_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if method == "lz4" and not _lz4_available(cursor):
            return
        quote = connection.ops.quote_name
        cursor.execute(
            f"ALTER TABLE {quote(TABLE)} "  # noqa: S608 (constant names)
            + ", ".join(
                f"ALTER COLUMN {quote(column)} SET COMPRESSION {method}" for column in COLUMNS
            )
        )


def forward(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def backward(apps, schema_editor):
    _set_compression(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0006_edition_state")]

    operations = [migrations.RunPython(forward, backward)]
