"""Full-text index over PracticeSheet.search_document, in each database's own engine.

The statements live in maillage.practices.search_index, which also runs after every
`migrate`: on SQLite, a later migration that rebuilds the table drops its triggers.
"""

from django.db import migrations

from maillage.practices.search_index import search_index_drop, search_index_ensure


def forward(apps, schema_editor):
    search_index_ensure(schema_editor.connection)


def backward(apps, schema_editor):
    search_index_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
