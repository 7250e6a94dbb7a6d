"""Drop the many-to-many link tables' single-column indexes, which other indexes cover.

Django indexes each link table (structure, term) on its unique pair (structure_id, term_id)
and on each column alone; migration 0005 added (term_id, structure_id). An index on
structure_id alone duplicates the leading column of the unique pair's index, one on
term_id alone that of 0005's: the queries reading the link tables (facets, filters,
selections, a structure's terms) are planned on the wider indexes without them, as are
the foreign keys' checks (EXPLAIN QUERY PLAN at 100,000 structures: BENCHMARKS.md,
import7). Each link written updated all four: the two redundant ones were about half of
inserting an import's 770,000 links on SQLite, a third on PostgreSQL (BENCHMARKS.md).

The indexes are found by their columns (Django's names carry a hash); reversing creates
them again under Django's names. Django's model state is unchanged (it still describes the
auto-created through tables with their foreign keys' indexes): a later migration that
rebuilt one of these tables (SQLite's table remake) would create them again, to be dropped
again after it.
"""

from django.db import migrations

COLUMNS = ("structure_id", "term_id")


def _tables(apps) -> list[str]:
    """The link tables of the structures' many-to-many fields (to terms)."""
    structure = apps.get_model("structures", "Structure")
    return [field.remote_field.through._meta.db_table for field in structure._meta.many_to_many]


def _redundant(connection, table: str) -> list[str]:
    """Names of table's non-unique indexes on exactly one column of COLUMNS."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(
        name
        for name, constraint in constraints.items()
        if constraint["index"]
        and not constraint["unique"]
        and not constraint["primary_key"]
        and len(constraint["columns"]) == 1
        and constraint["columns"][0] in COLUMNS
    )


def forward(apps, schema_editor):
    quote = schema_editor.quote_name
    for table in _tables(apps):
        for name in _redundant(schema_editor.connection, table):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def backward(apps, schema_editor):
    quote = schema_editor.quote_name
    for table in _tables(apps):
        for column in COLUMNS:
            name = schema_editor._create_index_name(table, [column], suffix="")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})"
            )


class Migration(migrations.Migration):
    dependencies = [("structures", "0010_search_vector")]

    operations = [migrations.RunPython(forward, backward)]
