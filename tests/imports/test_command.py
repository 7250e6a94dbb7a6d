"""`maillage import`: the report it prints and its exit status."""

import json

import pytest
from django.core.management.base import CommandError

from maillage.structures.models import Structure

GOOD = "name,main_type,commune_code,source\nA,fablab,44109,maillage\n"
BAD = GOOD + "B,observatoire,44109,maillage\n"


def test_import_prints_the_buckets(loaded, write, run_command):
    output = run_command("import", write("a.csv", GOOD))
    assert "Import terminé." in output
    assert "1 enregistrements lus : 1 créés, 0 modifiés, 0 inchangés, 0 rejetés" in output
    assert Structure.objects.count() == 1


def test_dry_run_option(loaded, write, run_command):
    output = run_command("import", write("a.csv", GOOD), "--dry-run")
    assert "Simulation (--dry-run)" in output
    assert not Structure.objects.exists()


def test_rejected_rows_fail_the_command_and_are_listed(loaded, write, run_command, capsys):
    path = write("a.csv", BAD)
    with pytest.raises(CommandError, match="1 enregistrement\\(s\\) rejeté\\(s\\)") as error:
        run_command("import", path)
    assert error.value.returncode == 1
    assert not Structure.objects.exists()


def test_rejection_details_are_printed(loaded, write):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(write("a.csv", BAD)), stdout=out)
    text = out.getvalue()
    assert "Rien n'a été enregistré" in text
    assert "ligne 3, colonne « main_type » (valeur « observatoire ») : Valeur inconnue." in text


def test_accept_valid_rows_option(loaded, write, run_command):
    output = run_command("import", write("a.csv", BAD), "--accept-valid-rows")
    assert "1 rejetés" in output
    assert Structure.objects.count() == 1


def test_profile_and_mapping_options(loaded, write, run_command):
    mapping = write(
        "m.json",
        json.dumps(
            {
                "source": "maillage",
                "columns": {"name": "Nom", "main_type": "Type", "commune_code": "Commune"},
            }
        ),
    )
    run_command(
        "import", write("f.csv", "Nom,Type,Commune\nX,Fablab,44109\n"), "--mapping", mapping
    )
    assert Structure.objects.get().name == "X"
    with pytest.raises(CommandError, match="Profil d'import inconnu"):
        run_command("import", write("g.csv", GOOD), "--profile", "nope")
