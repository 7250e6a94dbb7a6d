"""The whole pipeline: buckets, dry run, all-or-nothing, idempotent re-import, identifiers."""

import pytest

from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure

HEADER = "name,main_type,commune_code,themes,source,source_record_id\n"


def test_creates_structures_with_stable_uid_unique_slug_and_search(loaded, write):
    path = write(
        "a.csv",
        HEADER
        + "La Cantine,tiers-lieu,44109,mobilite,curated-2026,c1\n"
        + "La Cantine,fablab,75056,,curated-2026,c2\n"
        + "La Cantine,fablab,44109,,curated-2026,c3\n",
    )
    report = run_import(path=path)
    assert report.written and len(report.created) == 3
    structures = {s.source_record_id: s for s in Structure.objects.all()}
    assert [structures[k].slug for k in ("c1", "c2", "c3")] == [
        "la-cantine",
        "la-cantine-paris",
        "la-cantine-nantes",
    ]
    uid = structures["c1"].uid
    assert uid.startswith("mlg-") and len(uid) == 12
    assert structures["c1"].status == "published"
    assert "cantin" in structures["c1"].search_name.split()
    assert list(structures["c1"].themes.values_list("slug", flat=True)) == ["mobilite"]
    # Reloading the same source into an empty database gives the same identifiers.
    Structure.objects.all().delete()
    run_import(path=path)
    assert Structure.objects.get(source_record_id="c1").uid == uid


def test_dry_run_writes_nothing(loaded, write):
    report = run_import(path=write("a.csv", HEADER + "A,fablab,44109,,maillage,\n"), dry_run=True)
    assert len(report.created) == 1 and not report.written
    assert not Structure.objects.exists()


def test_a_file_with_errors_writes_nothing_unless_valid_rows_are_accepted(loaded, write):
    path = write(
        "a.csv",
        HEADER
        + "A,fablab,44109,,maillage,\nB,observatoire,44109,,maillage,\nC,fablab,44109,,maillage,\n",
    )
    report = run_import(path=path)
    assert not report.written and list(report.rejected) == [3]
    error = report.rejected[3][0]
    assert (error.line, error.column, error.value) == (3, "main_type", "observatoire")
    assert not Structure.objects.exists()
    report = run_import(path=path, accept_valid_rows=True)
    assert report.written and len(report.created) == 2
    assert set(Structure.objects.values_list("name", flat=True)) == {"A", "C"}


def test_reimport_updates_changed_records_and_leaves_the_others(loaded, write):
    run_import(
        path=write("a.csv", HEADER + "A,fablab,44109,,maillage,1\nB,fablab,44109,,maillage,2\n")
    )
    before = Structure.objects.get(source_record_id="1").updated_at
    report = run_import(
        path=write(
            "b.csv", HEADER + "A,fablab,44109,,maillage,1\nB2,fablab,44109,sante,maillage,2\n"
        )
    )
    assert [o.line for o in report.unchanged] == [2]
    assert [(o.line, o.changed) for o in report.updated] == [(3, ("name", "themes"))]
    assert Structure.objects.count() == 2
    assert Structure.objects.get(source_record_id="1").updated_at == before
    renamed = Structure.objects.get(source_record_id="2")
    assert renamed.name == "B2" and renamed.search_name.strip() == "b2"


def test_records_without_source_identifier_match_by_name_and_commune(loaded, write):
    path = write("a.csv", "name,main_type,commune_code,source\nA,fablab,44109,curated-2026\n")
    run_import(path=path)
    report = run_import(path=path)
    assert len(report.unchanged) == 1 and Structure.objects.count() == 1


def test_the_same_record_twice_in_a_file_is_rejected(loaded, write):
    report = run_import(
        path=write(
            "a.csv", HEADER + "A,fablab,44109,,maillage,1\nA bis,fablab,44109,,maillage,1\n"
        ),
        accept_valid_rows=True,
    )
    assert "ligne 2" in report.rejected[3][0].message
    assert Structure.objects.count() == 1


def test_status_is_kept_on_update_when_the_file_has_no_status_column(loaded, write):
    path = write("a.csv", HEADER + "A,fablab,44109,,maillage,1\n")
    run_import(path=path)
    Structure.objects.update(status=Structure.Status.CLOSED)
    assert len(run_import(path=path).unchanged) == 1
    assert Structure.objects.get().status == "closed"


def test_unknown_default_source_is_an_error(loaded, write):
    from maillage.imports.records import ImportFileError

    with pytest.raises(ImportFileError, match="Source inconnue"):
        run_import(path=write("a.csv", "name,main_type,commune_code\nA,fablab,44109\n"), source="x")


def test_unread_columns_are_reported_once(loaded, write):
    report = run_import(
        path=write("a.csv", "name,main_type,commune_code,remarque\nA,fablab,44109,x\n"),
        source="maillage",
        dry_run=True,
    )
    assert report.warnings == ["Colonnes ignorées : remarque."]


def test_the_garbage_collector_is_put_back_after_an_import(loaded, write):
    import gc

    from maillage.imports.records import ImportFileError

    thresholds = gc.get_threshold()
    run_import(path=write("a.csv", HEADER + "A,fablab,44109,,maillage,\n"))
    with pytest.raises(ImportFileError):
        run_import(path=write("b.csv", ""))
    assert gc.get_threshold() == thresholds
