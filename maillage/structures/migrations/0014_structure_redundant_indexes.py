"""Drop the structures' table's indexes that no query uses: the one on status alone, and
on PostgreSQL the `varchar_pattern_ops` copies of five indexes.

- status: the three indexes of Structure.Meta that start with it (with main_type, and the
  facets' and the search's covering indexes) answer every lookup on it.
- PostgreSQL: Django adds a `varchar_pattern_ops` index beside the index of every indexed
  text column (uid, slug, siret, status, the commune's code), for `LIKE 'prefix%'`
  lookups; Maillage makes none on these columns (the admin's searches are `ILIKE '%…%'`,
  which no B-tree serves).

Each index is written by every insert: the six took 3 of the 8 seconds of server CPU that
the indexes of 100,000 new structures cost (BENCHMARKS.md, "Import, ninth pass").

The model state says status is no longer indexed (`db_index` off); the database is changed
by dropping the indexes found by their columns and operator class, without the table
remake by which SQLite would alter the field. Backwards, they are made again under
Django's names.
"""

from django.db import migrations, models

TABLE = "structures_structure"
PATTERN_COLUMNS = ("uid", "slug", "siret", "status", "commune_id")


def _status_indexes(connection) -> list[str]:
    """Names of the non-unique indexes on status alone (with its pattern copy)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return sorted(
        name
        for name, constraint in constraints.items()
        if constraint["index"]
        and not constraint["unique"]
        and not constraint["primary_key"]
        and constraint["columns"] == ["status"]
    )


def _pattern_indexes(connection) -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE %s ORDER BY indexname",
            [TABLE, "%varchar_pattern_ops%"],
        )
        return [name for (name,) in cursor.fetchall()]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    for name in sorted({*_status_indexes(connection), *_pattern_indexes(connection)}):
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def backward(apps, schema_editor):
    quote = schema_editor.quote_name
    name = schema_editor._create_index_name(TABLE, ["status"], suffix="")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {TABLE} (status)")
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in PATTERN_COLUMNS:
        name = schema_editor._create_index_name(TABLE, [column], suffix="_like")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {TABLE} "
            f"({quote(column)} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("structures", "0013_search_vector_lexemes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="structure",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("published", "publiée"),
                            ("pending", "en attente de modération"),
                            ("closed", "fermée"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="statut",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
