"""The many-to-many link tables keep one index per way of reading them (migration 0011):
from a structure to its terms, from a term to its structures; no index duplicates the
leading column of another."""

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
