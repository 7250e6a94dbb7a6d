"""PostgreSQL: the search table stores each document's tsvector instead of its text, its GIN
index on that column instead of on `to_tsvector('simple', search_document)`
(maillage.structures.search_index: why).

The table is made again in the new layout from the structures (one INSERT … SELECT, then
the index built once), in one transaction that keeps the structures' writers waiting;
then vacuumed and analysed outside it. Backwards, the same in 0009's layout. SQLite:
nothing.
"""

from django.db import migrations

from maillage.structures.search_index import DOCUMENT, VECTOR, search_table_remake


def forward(apps, schema_editor):
    search_table_remake(schema_editor.connection, VECTOR)


def backward(apps, schema_editor):
    search_table_remake(schema_editor.connection, DOCUMENT)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [("structures", "0009_search_table")]

    operations = [migrations.RunPython(forward, backward)]
