"""PostgreSQL's search table (maillage.structures.search_index) holds, for every structure,
what a search reads of it, whatever wrote the structure: the ORM, the services behind
editions and moderation, a refresh of the search columns, an import (COPY), a deletion, a
TRUNCATE; and a search gives the same answers through it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.imports import apply as apply_stage
from maillage.imports import pipeline
from maillage.imports.pipeline import run_import
from maillage.structures import text_search
from maillage.structures.bulk import rows_copy_binary
from maillage.structures.models import Structure, Term
from maillage.structures.search_index import (
    DOCUMENT,
    SEARCH_COLUMNS,
    SEARCH_TABLE,
    VECTOR,
    search_index_ensure,
    search_rows_copy,
    search_table_create,
    tsvector_binary,
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
    """Each structure's row as the search table should hold it: its document's lexemes
    (a tsvector without positions) as PostgreSQL makes them from the structure's own
    column."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status = %s, search_name, "
            "strip(to_tsvector('simple'::regconfig, search_document))::text "
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


class Written:
    """A structure's attributes as search_rows_copy reads them."""

    def __init__(self, pk: int, document: str):
        self.id, self.search_document = pk, document
        self.search_name, self.status = " atelier ", Structure.Status.PUBLISHED


@pytest.mark.parametrize(
    "document",
    [
        "",
        "cantin numer cantin numeriqu tiers lieu cantin",
        "2020 007 3d a1b2 12345678901234567890123 e1 0x1f 1e 1e5 2e3 19e siecl 2eme",
        " ".join(["atelier"] * 300 + ["fabriqu", "a", "ab", "abc", "b"]),
        "x" * 2046,
    ],
)
def test_a_vector_computed_here_is_postgresqls(document):
    """The rows search_rows_copy gives, copied in, hold the lexemes PostgreSQL makes of
    the document."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE copied (LIKE {SEARCH_TABLE})")
        rows_copy_binary("copied", SEARCH_COLUMNS, search_rows_copy([Written(7, document)]))
        cursor.execute(
            "SELECT id, published, search_name, search_vector::text, "
            "strip(to_tsvector('simple'::regconfig, %s))::text FROM copied",
            [document],
        )
        [(pk, published, name, here, postgresql)] = cursor.fetchall()
    assert (pk, published, name) == (7, True, " atelier ")
    assert here == postgresql


@pytest.mark.parametrize(
    "document",
    [
        "lab 5e5x",  # read by PostgreSQL as the number 5e5, then the word x
        "x" * 2047,  # too long to be indexed
        "cantine numérique",  # not terms
    ],
)
def test_documents_outside_what_is_computed_here_are_left_to_postgresql(document):
    assert tsvector_binary(document) is None
    assert search_rows_copy([Written(7, document)]) == b""


def test_an_import_in_bulk_writes_the_search_rows_and_postgresql_the_others(
    loaded,  # noqa: F811 (fixture)
    write,  # noqa: F811 (fixture)
    monkeypatch,
):
    """An import large enough to prepare its rows beside writes its structures' search
    rows itself, but for documents that PostgreSQL reads otherwise: those by the trigger."""
    monkeypatch.setattr(pipeline, "VALIDATE_BESIDE_FROM", 1)
    monkeypatch.setattr(apply_stage, "BESIDE_FROM", 1)
    monkeypatch.setattr(apply_stage, "_HERE_SHARE", 0.5)
    path = write(
        "a.csv",
        "name,main_type,commune_code,themes,source,source_record_id,status\n"
        "La Cantine numérique,tiers-lieu,44109,mobilite,curated-2026,c1,published\n"
        "Fabrique des énergies,fablab,44109,,curated-2026,c2,pending\n"
        "Lab 5e5x,fablab,44109,,curated-2026,c3,published\n"
        "Atelier 2e3 du 19e,fablab,44109,sante,curated-2026,c4,published\n",
    )
    with CaptureQueriesContext(connection) as queries:
        report = run_import(path=path, accept_valid_rows=True)
    assert len(report.created) == 4
    assert [q["sql"] for q in queries if q["sql"].startswith(f'COPY "{SEARCH_TABLE}"')]
    assert_in_step()
    assert [row[1] for row in stored()] == [True, False, True, True]
    found = text_search.search(Structure.objects.published(), "5e5")
    assert [structure.name for structure in found] == ["Lab 5e5x"]


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
