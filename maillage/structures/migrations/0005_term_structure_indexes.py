"""Covering indexes (term_id, structure_id) on the many-to-many link tables.

Django indexes each link table on (structure_id, term_id) (unique) and on each column alone.
Filters and facets go from a term to its structures ("every structure with theme X"): with
(term_id, structure_id) that is read from the index alone, without a lookup of each row.
"""

from django.db import migrations

TABLES = (
    "structures_structure_secondary_types",
    "structures_structure_themes",
    "structures_structure_formats",
    "structures_structure_audiences",
    "structures_structure_partner_kinds",
)


def _name(table: str) -> str:
    return f"{table.removeprefix('structures_structure_')}_term_structure_idx"


class Migration(migrations.Migration):
    dependencies = [("structures", "0004_data_version")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {_name(table)} ON {table} (term_id, structure_id)",
            f"DROP INDEX IF EXISTS {_name(table)}",
        )
        for table in TABLES
    ]
