"""The data version changes with every committed write to the public data, whoever writes."""

import pytest
from django.db import connection, transaction

from maillage.structures.data_version import data_version
from maillage.structures.models import Structure, Term

pytestmark = pytest.mark.django_db


def test_a_save_changes_the_version(atlas):
    before = data_version()
    atlas["a"].name = "A renommée"
    atlas["a"].save()
    assert data_version() != before


def test_many_to_many_rows_written_with_raw_sql_change_the_version(atlas):
    """Imports write link rows with executemany, without Django's signals."""
    through = Structure.themes.through
    health = Term.objects.get(slug="sante")
    before = data_version()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {through._meta.db_table} (structure_id, term_id) VALUES (%s, %s)",
            [(atlas["a"].pk, health.pk)],
        )
    assert data_version() != before


def test_deleting_and_editing_vocabularies_and_links_change_the_version(atlas):
    before = data_version()
    atlas["b"].themes.clear()
    after_clear = data_version()
    assert after_clear != before
    Term.objects.filter(slug="sante").update(label_en="Health care")
    after_label = data_version()
    assert after_label != after_clear
    Structure.objects.filter(pk=atlas["d"].pk).delete()
    assert data_version() != after_label


def test_a_rolled_back_write_leaves_the_version(atlas):
    before = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        atlas["a"].name = "jamais"
        atlas["a"].save()
        raise RuntimeError("rolled back")
    assert data_version() == before


def test_reading_changes_nothing(atlas, client):
    before = data_version()
    client.get("/api/v1/structures")
    list(Structure.objects.all())
    assert data_version() == before


def test_an_upsert_changes_the_version(atlas):
    """The referential loader writes with INSERT … ON CONFLICT DO UPDATE: on SQLite the
    outer statement's conflict policy governs the trigger's, so the trigger must not rely on
    one of its own."""
    commune = atlas["a"].commune
    region = commune.department.region
    before = data_version()
    type(region).objects.bulk_create(
        [type(region)(code=region.code, name="Région renommée")],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
    )
    assert data_version() != before
