"""An import's number of queries does not grow with its number of rows.

Every stage reads what it needs once (vocabularies, communes, existing structures) and
writes in bulk (structures, many-to-many rows, revisions): 50 rows and 500 rows, described
with every many-to-many field, take the same queries to create their structures, and
nearly the same to update them. A per-row query (an N+1) adds hundreds and fails here.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.contributions.models import StructureRevision
from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure

HEADER = (
    "name,main_type,secondary_types,themes,formats,audiences,partner_kinds,commune_code,"
    "latitude,longitude,website,siret,status,source,source_record_id\n"
)


def _csv(count: int, *, theme: str) -> str:
    rows = [
        f"Atelier partagé {n},fablab,tiers-lieu,{theme}|sante,formation|prototypage,"
        f"startups|collectivites,pme,{'44109' if n % 2 else '75056'},"
        f"{47.2 + n / 10_000:.5f},{-1.55 + n / 10_000:.5f},https://atelier-{n}.example.org/,"
        f",published,curated-2026,q-{n}\n"
        for n in range(count)
    ]
    return HEADER + "".join(rows)


def _queries(path) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        report = run_import(path=path)
    return len(captured), report


def test_fifty_and_five_hundred_rows_take_the_same_queries(loaded, write):
    counts = {}
    for count in (50, 500):
        Structure.objects.all().delete()
        StructureRevision.objects.all().delete()
        created, report = _queries(write(f"a{count}.csv", _csv(count, theme="mobilite")))
        assert len(report.created) == count and not report.rejected
        # The same file with another theme on every row: every structure is updated.
        updated, report = _queries(write(f"b{count}.csv", _csv(count, theme="industrie")))
        assert len(report.updated) == count
        assert Structure.objects.filter(themes__slug="industrie").count() == count
        # Every write is in the structures' history, creations and updates alike.
        assert StructureRevision.objects.filter(origin="import").count() == 2 * count
        counts[count] = (created, updated)
    (created_50, updated_50), (created_500, updated_500) = counts[50], counts[500]
    assert created_500 == created_50, counts
    # Updates of changed columns go through bulk_update, in batches of a few hundred rows
    # (SQLite's 999 parameters): a few more queries for 450 more rows, never one per row.
    assert updated_50 <= updated_500 <= updated_50 + 6, counts
    assert created_500 < 60 and updated_500 < 90, counts  # a few per stage
