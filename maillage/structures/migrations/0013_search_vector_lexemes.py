"""PostgreSQL: the search table's vectors without positions (strip), which no search reads
(maillage.structures.search_index: why). The table is made again from the structures, as
0010 made it, in one transaction that keeps the structures' writers waiting, then vacuumed
and analysed outside it.

Backwards, nothing: vectors without positions give the same matches to the code before.
SQLite: nothing.
"""

from django.db import migrations

from maillage.structures.search_index import VECTOR, search_table_remake


def forward(apps, schema_editor):
    search_table_remake(schema_editor.connection, VECTOR)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [("structures", "0012_search_index_detail_column")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
