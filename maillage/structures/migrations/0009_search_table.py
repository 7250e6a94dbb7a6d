"""PostgreSQL: a narrow table of what a search reads, its GIN index in place of the one on
the structures' table (maillage.structures.search_index: why, and how it is kept in step).

Filled from the existing structures (one INSERT … SELECT), then indexed, in one
transaction; then vacuumed and analysed (outside a transaction, which VACUUM needs), so
that searches are planned on its statistics from the first request. SQLite: nothing (its
FTS5 tables already hold what a search reads).
"""

from django.db import migrations, transaction

from maillage.structures.search_index import (
    DOCUMENT,
    SEARCH_TABLE,
    search_table_create,
    search_table_remove,
)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias):
        search_table_create(connection, layout=DOCUMENT)  # its layout then (0010: VECTOR)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {SEARCH_TABLE}"
        )


def backward(apps, schema_editor):
    search_table_remove(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [("structures", "0008_theme_facets")]

    operations = [migrations.RunPython(forward, backward)]
