"""PostgreSQL's search table (maillage.structures.search_index) holds, for every structure,
what a search reads of it, whatever wrote the structure: the ORM, the services behind
editions and moderation, a refresh of the search columns, an import (COPY), a deletion, a
TRUNCATE; and a search gives the same answers through it."""

import pytest
from django.db import connection

from maillage.imports.pipeline import run_import
from maillage.structures import text_search
from maillage.structures.models import Structure, Term
from maillage.structures.search_index import (
    DOCUMENT,
    SEARCH_TABLE,
    VECTOR,
    search_index_ensure,
    search_table_create,
)
from maillage.structures.services import structure_create, structure_update
from tests.factories import CommuneFactory, SourceFactory, StructureFactory, TermFactory
from tests.imports.conftest import loaded, write  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search table"),
]


def stored() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, published, search_name, search_vector::text "  # noqa: S608 (constant)
            f"FROM {SEARCH_TABLE} ORDER BY id"
        )
        return cursor.fetchall()


def expected() -> list[tuple]:
    """Each structure's row as the search table should hold it: its document's tsvector
    as PostgreSQL makes it from the structure's own column."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status = %s, search_name, "
            "to_tsvector('simple'::regconfig, search_document)::text "
            "FROM structures_structure ORDER BY id",
            [Structure.Status.PUBLISHED],
        )
        return cursor.fetchall()


def assert_in_step() -> None:
    assert stored() == expected()


def test_orm_writes_services_refresh_and_deletion():
    fablab = TermFactory(kind=Term.Kind.TYPE, slug="fablab", label_fr="Fablab")
    commune = CommuneFactory()
    first = StructureFactory(name="Fabrique solidaire", main_type=fablab, commune=commune)
    second = StructureFactory(name="Atelier", main_type=fablab, commune=commune)
    text_search.structure_search_refresh(structures=Structure.objects.all())
    assert_in_step()
    assert "solidair" in stored()[0][2]

    SourceFactory(slug="tests")
    created = structure_create(
        values={
            "name": "Énergies renouvelables",
            "main_type": "fablab",
            "commune_code": commune.code,
            "source": "tests",
            "status": Structure.Status.PENDING,
        }
    )
    assert_in_step()
    assert [row[1] for row in stored()] == [True, True, False]
    structure_update(structure=created, values={"status": Structure.Status.PUBLISHED})
    assert_in_step()
    structure_update(
        structure=Structure.objects.get(pk=created.pk),
        values={"name": "Mobilité douce", "description": "Vélos"},
    )
    assert_in_step()
    found = text_search.search(Structure.objects.published(), "velo mobil")
    assert [structure.pk for structure in found] == [created.pk]
    assert not text_search.matching(Structure.objects.all(), "renouvel").exists()

    Structure.objects.filter(pk=second.pk).update(status=Structure.Status.CLOSED)
    assert_in_step()
    first.delete()
    assert_in_step()
    assert len(stored()) == 2


def test_truncate_empties_it():
    StructureFactory(name="Fabrique")
    assert len(stored()) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys' checks, pending
        cursor.execute("TRUNCATE structures_structure CASCADE")
    assert stored() == []


def test_an_import(loaded, write):  # noqa: F811 (fixtures)
    path = write(
        "a.csv",
        "name,main_type,commune_code,themes,source,source_record_id\n"
        "La Cantine numérique,tiers-lieu,44109,mobilite,curated-2026,c1\n"
        "Fabrique des énergies,fablab,44109,,curated-2026,c2\n",
    )
    report = run_import(path=path, accept_valid_rows=True)
    assert len(report.created) == 2
    assert_in_step()
    assert len(stored()) == 2
    found = text_search.search(Structure.objects.published(), "numeriq")
    assert [structure.name for structure in found] == ["La Cantine numérique"]


def test_migration_0010_and_back():
    """0010 backwards (0009's layout, the document's text), the post_migrate step that
    follows every migrate, writes, then 0010 again: the table stays in step throughout."""
    first = StructureFactory(name="Fabrique solidaire")
    search_table_create(connection, layout=DOCUMENT)
    assert search_index_ensure(connection) is False  # keeps 0009's layout and its triggers
    second = StructureFactory(name="Atelier numérique")
    Structure.objects.filter(pk=first.pk).update(search_document=" mobilit douc")
    documents = list(Structure.objects.order_by("pk").values_list("pk", "search_document"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, search_document FROM {SEARCH_TABLE} ORDER BY id")  # noqa: S608
        assert cursor.fetchall() == documents

    search_table_create(connection, layout=VECTOR)
    assert search_index_ensure(connection) is False
    assert_in_step()
    Structure.objects.filter(pk=second.pk).update(search_document=" numeriq atelier")
    assert_in_step()
    assert [s.pk for s in text_search.matching(Structure.objects.all(), "mobil")] == [first.pk]
