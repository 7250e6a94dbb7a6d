"""PostgreSQL: the search table stores each document's tsvector instead of its text, its GIN
index on that column instead of on `to_tsvector('simple', search_document)`
(maillage.structures.search_index: why).

The table is made again in the new layout from the structures (one INSERT … SELECT, then
the index built once), in one transaction that keeps the structures' writers waiting;
then vacuumed and analysed outside it. Backwards, the same in 0009's layout. SQLite:
nothing.
"""

from django.db import migrations, transaction

from maillage.structures.search_index import DOCUMENT, SEARCH_TABLE, VECTOR, search_table_create


def _remake(schema_editor, layout) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias):
        search_table_create(connection, layout=layout)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {SEARCH_TABLE}"
        )


def forward(apps, schema_editor):
    _remake(schema_editor, VECTOR)


def backward(apps, schema_editor):
    _remake(schema_editor, DOCUMENT)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [("structures", "0009_search_table")]

    operations = [migrations.RunPython(forward, backward)]
