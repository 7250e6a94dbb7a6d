"""The data version: a token replaced by a trigger on every write to the public data.

The statements live in maillage.structures.data_version, which also runs after every
`migrate` (a later SQLite table rebuild drops the triggers of the rebuilt table).
"""

from django.db import migrations

from maillage.structures.data_version import data_version_drop, data_version_ensure


def forward(apps, schema_editor):
    data_version_ensure(schema_editor.connection)


def backward(apps, schema_editor):
    data_version_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0003_structure_provenance_note"),
        ("referential", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
