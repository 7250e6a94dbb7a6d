"""Work done beside an import (a forked process on the other core) gives what the import
gives alone: the same report, structures, identifiers, slugs and history."""

import json

import pytest

from maillage.contributions.models import StructureRevision
from maillage.contributions.records import snapshots
from maillage.imports import apply as apply_stage
from maillage.imports import pipeline
from maillage.imports.beside import Beside, BesideError
from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure
from maillage.structures.services import M2M_KINDS
from tests.imports.test_revisions import BARE, FULL, ORDERED

HEADER = "name,main_type,commune_code,themes,website,latitude,longitude,source,source_record_id\n"
ROWS = [
    "La Cantine,tiers-lieu,44109,mobilite,cantine.example.org,47.21,-1.55,curated-2026,c1",
    "La Cantine,fablab,75056,,,,,curated-2026,c2",
    "Hub,observatoire,44109,,,,,curated-2026,c3",  # unknown type: rejected
    "La Cantine,fablab,44109,sante|mobilite,,47.2101,-1.5501,curated-2026,c4",
    "Atelier,fablab,44109,inconnu,,,,curated-2026,c5",  # unknown theme: rejected
    "Autre cantine,fablab,75056,,https://cantine.example.org/,,,curated-2026,c6",
    "La Cantine,fablab,44109,,,,,curated-2026,c1",  # the same record again: rejected
]


def _beside(monkeypatch, on: bool) -> None:
    monkeypatch.setattr(pipeline, "VALIDATE_BESIDE_FROM", 1 if on else 10**9)
    monkeypatch.setattr(apply_stage, "BESIDE_FROM", 1 if on else 10**9)
    # Some rows of the structures prepared here, the others beside, even in a small file.
    monkeypatch.setattr(apply_stage, "_HERE_SHARE", 0.5)


def _outcome(report) -> tuple:
    return (
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        report.duplicates,
        report.notes,
    )


def _written() -> dict:
    structures = {
        row["uid"]: row
        for row in Structure.objects.values().order_by("pk")
        for _ in [row.pop("id"), row.pop("created_at"), row.pop("updated_at")]
    }
    history = [
        (r.structure_uid, r.origin, r.note, r.before, r.changed_fields)
        for r in StructureRevision.objects.order_by("pk")
    ]
    afters = {r.structure_uid: r.after for r in StructureRevision.objects.all()}
    for after in afters.values():
        after.pop("updated_at")
    links = {
        name: sorted(
            getattr(Structure, name).through.objects.values_list("structure__uid", "term__slug")
        )
        for name in M2M_KINDS
    }
    return {"structures": structures, "history": history, "afters": afters, "links": links}


def test_an_import_gives_the_same_with_work_beside(loaded, write, monkeypatch):
    path = write("a.csv", HEADER + "\n".join(ROWS) + "\n")
    results = []
    for on in (False, True):
        _beside(monkeypatch, on)
        report = run_import(path=path, accept_valid_rows=True)
        results.append((_outcome(report), _written()))
        StructureRevision.objects.all().delete()
        Structure.objects.all().delete()
    alone, beside = results
    assert beside == alone
    report_alone = alone[0]
    assert [outcome.line for outcome in report_alone[0]] == [2, 3, 5, 7]
    assert sorted(report_alone[3]) == [4, 6, 8]
    error = report_alone[3][4][0]
    assert (error.line, error.column, error.value) == (4, "main_type", "observatoire")
    assert report_alone[4], "duplicates are reported"


def test_an_import_whose_process_beside_cannot_start_is_done_here(loaded, write, monkeypatch):
    """A fork that fails (memory, process limit) leaves the import to one core, not
    failed."""
    import multiprocessing.context

    path = write("a.csv", HEADER + "\n".join(ROWS) + "\n")
    _beside(monkeypatch, False)
    report = run_import(path=path, accept_valid_rows=True)
    alone = (_outcome(report), _written())
    StructureRevision.objects.all().delete()
    Structure.objects.all().delete()

    def no_fork(process):
        raise OSError(12, "Cannot allocate memory")

    _beside(monkeypatch, True)
    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", no_fork)
    report = run_import(path=path, accept_valid_rows=True)

    assert (_outcome(report), _written()) == alone
    assert Structure.objects.count() == 4


def test_records_of_structures_created_beside_are_what_reading_them_back_gives(
    loaded, write, monkeypatch
):
    _beside(monkeypatch, True)
    path = write("lot.json", json.dumps([FULL, BARE, ORDERED]))
    report = run_import(path=path, source="maillage")
    assert len(report.created) == 3
    revisions = {r.structure_id: r for r in StructureRevision.objects.filter(origin="import")}
    read_back = snapshots(list(revisions))
    for pk, revision in revisions.items():
        assert revision.before is None
        assert revision.after == read_back[pk], pk
        assert revision.changed_fields
    for structure in Structure.objects.all():
        # One write, one time: created and changed when the import wrote.
        assert structure.created_at == structure.updated_at


def test_structures_created_beside_take_keys_never_given_before(loaded, write, monkeypatch):
    """The keys reserved before the write follow every key the table ever gave (deleted
    structures' keys are not given again), and the links and history name them."""
    _beside(monkeypatch, True)
    path = write("a.csv", HEADER + "\n".join(ROWS) + "\n")
    run_import(path=path, accept_valid_rows=True)
    first = set(Structure.objects.values_list("pk", flat=True))
    StructureRevision.objects.all().delete()
    Structure.objects.all().delete()

    report = run_import(path=path, accept_valid_rows=True)

    structures = dict(Structure.objects.values_list("uid", "pk"))
    assert len(structures) == len(report.created) == 4
    assert min(structures.values()) > max(first)
    history = dict(StructureRevision.objects.values_list("structure_uid", "structure_id"))
    assert history == structures
    themes = Structure.themes.through.objects.values_list("structure__uid", "structure_id")
    assert themes and all(structures[uid] == pk for uid, pk in themes)
    # The next structure written one by one takes the key after them.
    later = Structure.objects.create(
        uid="mlg-later",
        slug="later",
        name="Later",
        source=Structure.objects.first().source,
        main_type=Structure.objects.first().main_type,
    )
    assert later.pk > max(structures.values())


def test_a_failure_beside_is_raised_where_its_results_are_read():
    def produce():
        yield 1
        raise ValueError("boom")

    with Beside(produce) as beside, pytest.raises(BesideError, match="ValueError: boom"):
        list(beside.items())


@pytest.mark.django_db
def test_the_process_beside_cannot_query_the_database():
    def produce():
        yield Structure.objects.count()

    with Beside(produce) as beside, pytest.raises(BesideError, match="no database access"):
        list(beside.items())
