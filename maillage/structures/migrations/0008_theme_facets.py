"""The facet values of published structures beside their theme links
(`structures_themefacet`), kept in step by triggers on both engines.

The statements live in maillage.structures.theme_facets, which also runs after every
`migrate` (a later SQLite table rebuild drops the triggers of the rebuilt table). This
migration creates the table, its index and triggers, and fills it from the existing
structures and links (one INSERT … SELECT).
"""

from django.db import migrations

from maillage.structures.theme_facets import (
    theme_facets_drop,
    theme_facets_ensure,
    theme_facets_rebuild,
)


def forward(apps, schema_editor):
    theme_facets_ensure(schema_editor.connection)
    theme_facets_rebuild(schema_editor.connection)


def backward(apps, schema_editor):
    theme_facets_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("structures", "0007_search_name_index")]

    operations = [migrations.RunPython(forward, backward)]
