"""The many-to-many link tables keep one index per way of reading them (migration 0011):
from a structure to its terms, from a term to its structures; no index duplicates the
leading column of another."""

import importlib

import pytest
from django.db import connection

from maillage.structures.models import Structure
from maillage.structures.services import M2M_KINDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", list(M2M_KINDS))
def test_link_tables_are_indexed_once_each_way(name):
    table = getattr(Structure, name).through._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = sorted(
        (tuple(c["columns"]), bool(c["unique"]))
        for c in constraints.values()
        # PostgreSQL reports the unique pair as a constraint, SQLite as an index.
        if (c["index"] or c["unique"]) and not c["primary_key"]
    )
    assert indexed == [
        (("structure_id", "term_id"), True),
        (("term_id", "structure_id"), False),
    ]


def _structure_indexes() -> list[tuple[tuple[str, ...], str]]:
    """(columns, definition on PostgreSQL) of the structures' table's plain indexes."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "structures_structure")
        definitions = {}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
                ["structures_structure"],
            )
            definitions = dict(cursor.fetchall())
    return sorted(
        (tuple(c["columns"]), definitions.get(name, ""))
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    )


def test_the_structures_table_has_no_index_that_no_query_uses():
    """Migration 0014: no index on status alone (three indexes start with it), and no
    `varchar_pattern_ops` copy (no `LIKE 'prefix%'` on these columns); backwards, they
    are made again."""
    migration = importlib.import_module(
        "maillage.structures.migrations.0014_structure_redundant_indexes"
    )
    indexes = _structure_indexes()
    assert ("status",) not in [columns for columns, _ in indexes]
    assert not [d for _, d in indexes if "pattern_ops" in d]
    assert ("status", "main_type_id") in [columns for columns, _ in indexes]

    # Not entered: SQLite's editor refuses to run inside the test's transaction, and these
    # steps only execute statements.
    editor = connection.schema_editor(atomic=False)
    migration.backward(None, editor)
    restored = _structure_indexes()
    assert ("status",) in [columns for columns, _ in restored]
    patterns = sorted(columns for columns, d in restored if "varchar_pattern_ops" in d)
    if connection.vendor == "postgresql":
        assert patterns == [("commune_id",), ("siret",), ("slug",), ("status",), ("uid",)]

    migration.forward(None, editor)
    assert _structure_indexes() == indexes
