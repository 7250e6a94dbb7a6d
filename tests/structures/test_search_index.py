"""The search index is put back when a schema change on SQLite dropped its triggers."""

import pytest
from django.db import connection

from maillage.structures.models import Structure
from maillage.structures.search_index import search_index_ensure
from maillage.structures.text_search import RankedSearch, search, structure_search_refresh
from tests.factories import StructureFactory


@pytest.mark.django_db
def test_index_is_complete_after_migrate():
    assert search_index_ensure(connection) is False


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")
def test_lost_triggers_are_recreated_and_the_index_rebuilt():
    # What Django's table rebuild on SQLite does to the triggers of structures_structure.
    with connection.cursor() as cursor:
        for event in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER structures_structure_fts_{event}")
            cursor.execute(f"DROP TRIGGER structures_structure_name_fts_{event}")
    structure = StructureFactory(name="Tiers-lieu des Marais")
    structure_search_refresh(structures=[structure])
    assert search_index_ensure(connection) is True
    assert [s.name for s in search(Structure.objects.all(), "marais")] == ["Tiers-lieu des Marais"]
    # The names' index too: the name's match ranks first.
    assert RankedSearch(Structure.objects.all(), "marais").keys(limit=5) == [(structure.pk, 3)]
