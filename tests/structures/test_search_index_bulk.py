"""Structures written in bulk (an import) are found by search, on both databases, and the
index keeps following single writes afterwards (SQLite indexes a bulk insert at its end)."""

import pytest
from django.db import connection, transaction

from maillage.structures.models import Structure
from maillage.structures.search_index import (
    FTS_TABLE,
    search_index_bulk_insert,
    search_index_ensure,
)
from maillage.structures.services import _BULK_INDEX_FROM, NewStructure, structures_write
from maillage.structures.text_search import RankedSearch, search, structure_search_refresh
from tests.factories import SourceFactory, StructureFactory, TermFactory

pytestmark = pytest.mark.django_db


def _names(query: str) -> list[str]:
    found = sorted(s.name for s in search(Structure.objects.all(), query))
    # The index of the names (SQLite's ranking by tiers) follows as the document's does.
    ranked = RankedSearch(Structure.objects.all(), query).keys(limit=100)
    by_rank = list(search(Structure.objects.all(), query).values_list("pk", "search_rank"))
    assert ranked == by_rank
    return found


def test_structures_written_in_bulk_are_found_and_later_ones_too():
    TermFactory(kind="type", slug="fablab", label_fr="Fablab", label_en="Fablab")
    SourceFactory(slug="tests")
    existing = StructureFactory(name="Atelier des Marais")
    structure_search_refresh(structures=[existing])
    structures_write(
        creates=[
            NewStructure(
                uid=f"mlg-bulk{n:04d}",
                slug=f"atelier-{n}",
                values={"name": f"Atelier {word}", "main_type": "fablab", "source": "tests"},
            )
            # Enough structures for the bulk path (an import), three of them to look for.
            for n, word in enumerate(
                ["des Marais", "du Canal", "de la Forge"]
                + [f"numéro {k}" for k in range(_BULK_INDEX_FROM)]
            )
        ]
    )
    assert _names("marais") == ["Atelier des Marais", "Atelier des Marais"]
    assert _names("forge") == ["Atelier de la Forge"]
    later = StructureFactory(name="Forge solidaire")
    structure_search_refresh(structures=[later])
    assert _names("forge") == ["Atelier de la Forge", "Forge solidaire"]
    if connection.vendor == "sqlite":  # every trigger is in place (PostgreSQL has none)
        assert search_index_ensure(connection) is False


def test_a_failed_bulk_insert_leaves_the_index_as_it_was():
    with (
        pytest.raises(RuntimeError, match="un incident"),
        transaction.atomic(),
        search_index_bulk_insert(connection),
    ):
        raise RuntimeError("un incident pendant l'écriture")
    assert search_index_ensure(connection) is False
    structure = StructureFactory(name="Tiers-lieu des Forges")
    structure_search_refresh(structures=[structure])
    assert _names("forges") == ["Tiers-lieu des Forges"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 (SQLite)")
def test_a_bulk_insert_leaves_the_index_merging_as_it_was():
    """The segments of a bulk insert are written without merging; FTS5's own setting is
    put back after it, for the writes that follow."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 8)")
    with transaction.atomic(), search_index_bulk_insert(connection):
        StructureFactory.create_batch(3, name="Atelier de la Forge")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v FROM {FTS_TABLE}_config WHERE k = 'automerge'")
        assert cursor.fetchone()[0] == 8
    assert search_index_ensure(connection) is False  # and the insert trigger is back
