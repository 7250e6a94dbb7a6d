"""The facet values of published structures beside their theme links
(`structures_themefacet`), kept in step by triggers on both engines.

The statements live in maillage.structures.theme_facets, which also runs after every
`migrate` (a later SQLite table rebuild drops the triggers of the rebuilt table). This
migration creates the table, its index and triggers, and fills it from the existing
structures and links (one INSERT … SELECT), in one transaction; on PostgreSQL it then
vacuums and analyses the table (outside a transaction, which VACUUM needs), so that the
counts read it index-only from the first request (BENCHMARKS.md).
"""

from django.db import migrations, transaction

from maillage.structures.theme_facets import (
    TABLE,
    theme_facets_drop,
    theme_facets_ensure,
    theme_facets_rebuild,
)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias):
        theme_facets_ensure(connection)
        theme_facets_rebuild(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {TABLE}"
            )


def backward(apps, schema_editor):
    theme_facets_drop(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [("structures", "0007_search_name_index")]

    operations = [migrations.RunPython(forward, backward)]
