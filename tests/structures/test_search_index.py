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


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 indexes")
def test_an_index_with_the_words_positions_is_made_again_without_them():
    structure = StructureFactory(name="Tiers-lieu des Marais")
    structure_search_refresh(structures=[structure])
    tables = {"structures_structure_fts": "search_document"}
    tables["structures_structure_name_fts"] = "search_name"
    with connection.cursor() as cursor:
        for table, column in tables.items():  # as they were made before migration 0012
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({column}, "
                "content='structures_structure', content_rowid='id', "
                "tokenize='unicode61', prefix='2 3 4')"
            )
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
    assert search_index_ensure(connection) is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name IN (%s, %s)", list(tables))
        assert [("detail=column" in sql) for (sql,) in cursor.fetchall()] == [True, True]
    assert [s.name for s in search(Structure.objects.all(), "marais")] == ["Tiers-lieu des Marais"]
    assert RankedSearch(Structure.objects.all(), "marais").keys(limit=5) == [(structure.pk, 3)]
    # Written after: found through the triggers, as before.
    other = StructureFactory(name="Atelier du Marais")
    structure_search_refresh(structures=[other])
    assert {s.name for s in search(Structure.objects.all(), "marai")} == {
        "Tiers-lieu des Marais",
        "Atelier du Marais",
    }
    assert search_index_ensure(connection) is False
