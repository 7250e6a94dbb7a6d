"""SQLite: a full-text index over Structure.search_name (the ranking's name matches).

Created by maillage.structures.search_index, which also runs after every `migrate`: this
migration only makes the index appear at this step of existing databases. Going back
leaves it (search_index_ensure would put it back after the migrate anyway); 0002's
backward step drops it with the document's index. Nothing on PostgreSQL.
"""

from django.db import migrations

from maillage.structures.search_index import search_index_ensure


def forward(apps, schema_editor):
    search_index_ensure(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("structures", "0006_territory_codes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
