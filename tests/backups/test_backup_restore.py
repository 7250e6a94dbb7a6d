"""`maillage backup` then `maillage restore` gives back identical data, on both databases."""

import io
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from maillage.structures.models import Structure
from maillage.structures.text_search import search


def snapshot() -> str:
    out = io.StringIO()
    call_command("dumpdata", "structures", "referential", format="json", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_round_trip_gives_back_identical_data(atlas, tmp_path):
    before = snapshot()
    backup = tmp_path / "maillage.backup"
    call_command("backup", "-o", str(backup), stdout=io.StringIO())
    assert backup.stat().st_size > 0

    Structure.objects.filter(name="A").delete()
    Structure.objects.filter(name="B").update(name="B changed")
    assert snapshot() != before

    call_command("restore", str(backup), "--yes", stdout=io.StringIO())
    assert snapshot() == before
    # The search index comes back with the rows.
    assert [s.name for s in search(Structure.objects.all(), "nantes")] == ["A", "B"]


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup(atlas, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), "--yes", stdout=io.StringIO())
    assert Structure.objects.count() == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["empty", "other database"])
def test_restore_refuses_a_database_that_is_not_maillages(atlas, tmp_path, kind):
    """An empty file opens as an empty SQLite database, and another program's database is
    one too: restoring either would have emptied the atlas."""
    other = tmp_path / "other.sqlite3"
    other.touch()
    if kind == "other database":
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
        db.close()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(other), "--yes", stdout=io.StringIO())
    # SQLite names what is wrong; on PostgreSQL, pg_restore says the file is no archive.
    assert "pas une sauvegarde" in str(refused.value) or "pg_restore" in str(refused.value)
    assert Structure.objects.count() == 4


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "missing.backup"), "--yes")


def test_backup_into_a_missing_folder_says_so(tmp_path, db):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("backup", "-o", str(tmp_path / "nowhere" / "x.backup"))


@pytest.mark.django_db(transaction=True)
def test_a_backup_with_another_page_size_is_restored(atlas, tmp_path):
    """A backup of a database created before 8 KiB pages (4 KiB ones) restores into one of
    8 KiB: SQLite's backup refuses to copy pages of another size into a WAL or in-memory
    database, so the restore converts a copy of the file first."""
    if connection.vendor != "sqlite":
        pytest.skip("page sizes are SQLite's")
    before = snapshot()
    backup = tmp_path / "maillage.backup"
    call_command("backup", "-o", str(backup), stdout=io.StringIO())
    with sqlite3.connect(backup, isolation_level=None) as old:
        old.execute("PRAGMA journal_mode=DELETE")
        old.execute("PRAGMA page_size=4096")
        old.execute("VACUUM")
        assert old.execute("PRAGMA page_size").fetchone() == (4096,)
    old.close()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        assert cursor.fetchone() == (8192,)

    Structure.objects.filter(name="A").delete()
    call_command("restore", str(backup), "--yes", stdout=io.StringIO())
    assert snapshot() == before
    assert [s.name for s in search(Structure.objects.all(), "nantes")] == ["A", "B"]
    # The backup file itself is left as it was.
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as old:
        assert old.execute("PRAGMA page_size").fetchone() == (4096,)
    old.close()
