"""SQLite: the full-text indexes made again without the words' positions (FTS5
`detail=column`; maillage.structures.search_index._SQLITE_DETAIL), which no search reads.

Made by search_index_ensure, which also runs after every `migrate`: this migration makes
the change at this step of existing databases (4 s at 100,000 structures). Going back
leaves the indexes as they are: the code before it searches them the same way. Nothing on
PostgreSQL.
"""

from django.db import migrations

from maillage.structures.search_index import search_index_ensure


def forward(apps, schema_editor):
    search_index_ensure(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("structures", "0011_link_indexes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
