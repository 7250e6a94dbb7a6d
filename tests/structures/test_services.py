"""Structure services keep the search columns right, whichever way a structure is written."""

import pytest

from maillage.structures.models import Structure, Term
from maillage.structures.services import structure_create, structure_update
from maillage.structures.text_search import search, structure_documents
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    RegionFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    TermFactory(kind=Term.Kind.TYPE, slug="fablab", label_fr="Fablab", label_en="Fablab")
    TermFactory(slug="mobilite", label_fr="Mobilité", label_en="Mobility")
    SourceFactory(slug="tests")
    return CommuneFactory(nantes=True)


def test_a_created_structure_is_found_by_its_theme_and_commune(vocabulary):
    created = structure_create(
        values={
            "name": "L'Atelier des Vélos",
            "main_type": "fablab",
            "themes": ["mobilite"],
            "commune_code": "44109",
            "source": "tests",
            "description": "Réparation et fabrication de vélos cargos.",
        }
    )
    stored = Structure.objects.get(pk=created.pk)
    # Filled at creation from plain values: the same as computing them from the row.
    assert (stored.search_document, stored.search_name) == structure_documents(stored)
    for query in ("mobility", "nantes", "velos cargo", "fabriq"):
        assert list(search(Structure.objects.all(), query)) == [stored], query


def test_an_update_refreshes_the_search_columns(vocabulary):
    created = structure_create(values={"name": "Atelier", "main_type": "fablab", "source": "tests"})
    structure_update(structure=created, values={"description": "Couture et broderie"})
    assert [s.pk for s in search(Structure.objects.all(), "broderie")] == [created.pk]


@pytest.mark.django_db
def test_structures_analyze_refreshes_planner_statistics():
    # Runs after large imports; must work on both databases, inside or outside a transaction.
    from maillage.structures.services import structures_analyze

    structures_analyze()


@pytest.mark.django_db(transaction=True)
def test_structures_analyze_after_a_commit_lets_postgresql_scan_indexes_only(vocabulary):
    # Outside a transaction (as after an import) PostgreSQL also vacuums: the pages of the
    # new rows are marked all-visible, so index-only scans need not read the table.
    from django.db import connection

    from maillage.structures.services import structures_analyze

    for number in range(3):
        structure_create(
            values={"name": f"Atelier {number}", "main_type": "fablab", "source": "tests"}
        )
    structures_analyze()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relallvisible FROM pg_class WHERE relname = %s",
                [Structure._meta.db_table],
            )
            assert cursor.fetchone()[0] > 0
    assert Structure.objects.count() == 3


def test_a_structure_keeps_the_department_and_region_of_its_commune(vocabulary):
    # Copied on the structure for the territory filters and facets: every way of writing
    # a structure (the services' bulk write, save() from the admin or a form) keeps them.
    elsewhere = CommuneFactory(
        code="T2901",
        department=DepartmentFactory(code="29", name="Finistère", region=RegionFactory(code="53")),
    )
    created = structure_create(
        values={
            "name": "Atelier",
            "main_type": "fablab",
            "source": "tests",
            "commune_code": "44109",
        }
    )
    stored = Structure.objects.get(pk=created.pk)
    assert (stored.department_code, stored.region_code) == ("44", "52")
    structure_update(structure=stored, values={"commune_code": elsewhere.code})
    stored = Structure.objects.get(pk=created.pk)
    assert (stored.department_code, stored.region_code) == ("29", "53")
    stored.commune = vocabulary
    stored.save()
    stored = Structure.objects.get(pk=created.pk)
    assert (stored.department_code, stored.region_code) == ("44", "52")
    stored.commune = None
    stored.save(update_fields=["commune"])
    stored = Structure.objects.get(pk=created.pk)
    assert (stored.department_code, stored.region_code) == ("", "")
    assert list(Structure.objects.filter(region_code="53")) == []


def test_homonyms_get_the_next_free_number():
    from maillage.structures.services import SlugAllocator

    slugs = SlugAllocator(["atelier", "atelier-nantes", "atelier-nantes-3"])
    allocated = [slugs.allocate(name="Atelier", commune_name="Nantes") for _ in range(4)]
    assert allocated == [
        "atelier-nantes-2",
        "atelier-nantes-4",
        "atelier-nantes-5",
        "atelier-nantes-6",
    ]
    assert slugs.allocate(name="Atelier", commune_name="Nantes", preferred="atelier-nantes-7")
    assert slugs.allocate(name="Atelier", commune_name="Nantes") == "atelier-nantes-8"
