"""The data version changes with every committed write to the public data, whoever writes."""

import pytest
from django.db import connection, transaction

from maillage.structures.data_version import data_version, data_version_bulk
from maillage.structures.models import Structure, Term
from maillage.structures.services import NewStructure, structures_write

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


def _data_triggers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
        else:
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                "WHERE NOT tgisinternal ORDER BY tgname"
            )
        return cursor.fetchall()


def test_a_bulk_write_changes_the_version_once_and_keeps_the_triggers(atlas):
    """An import writes with the per-row triggers set aside (SQLite) and bumps the version
    once at the end: readers see a new version, later writes keep changing it."""
    triggers = _data_triggers()
    before = data_version()
    structures_write(
        creates=[
            NewStructure(
                uid=f"mlg-bulkdv{n}",
                slug=f"bulk-dv-{n}",
                values={
                    "name": f"Lot {n}",
                    "main_type": "fablab",
                    "source": "tests",
                    "themes": ("sante",),
                },
            )
            for n in range(3)
        ]
    )
    after = data_version()
    assert after != before
    assert _data_triggers() == triggers
    atlas["a"].name = "A renommée après l'import"
    atlas["a"].save()
    assert data_version() != after


def test_a_failed_bulk_write_leaves_the_version_and_the_triggers(atlas):
    triggers = _data_triggers()
    before = data_version()
    with (
        pytest.raises(RuntimeError, match="incident"),
        transaction.atomic(),
        data_version_bulk(connection, [("structures_structure", "update")]),
    ):
        Structure.objects.filter(pk=atlas["a"].pk).update(name="jamais")
        raise RuntimeError("un incident pendant l'écriture")
    assert data_version() == before
    assert _data_triggers() == triggers
    atlas["a"].name = "A renommée"
    atlas["a"].save()
    assert data_version() != before
