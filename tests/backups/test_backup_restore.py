"""`maillage backup` then `maillage restore` gives back identical data, on both databases."""

import io

import pytest
from django.core.management import CommandError, call_command

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


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "missing.backup"), "--yes")


def test_backup_into_a_missing_folder_says_so(tmp_path, db):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("backup", "-o", str(tmp_path / "nowhere" / "x.backup"))
