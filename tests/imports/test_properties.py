"""Property-based tests (Hypothesis): the parser survives any file, and export then import
gives back the same data whatever the text."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.exports.writers import export_structures
from maillage.imports.parsing import parse_file
from maillage.imports.pipeline import run_import
from maillage.imports.records import ImportFileError
from maillage.structures.models import Structure
from maillage.structures.services import structure_create

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]
# Text as people type it: any printable character, accents, quotes, separators, newlines.
cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=6), min_size=0, max_size=8),
    separator=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(ENCODINGS),
)
def test_any_csv_is_read_or_refused_with_a_message(tmp_path_factory, rows, separator, encoding):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator).writerows(rows)  # ragged rows included
    path = tmp_path_factory.mktemp("csv") / "fichier.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    try:
        parsed = parse_file(path)
    except ImportFileError as error:
        assert str(error)  # a message for the user, never a traceback
    else:
        assert parsed.rows


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".xlsx", ".json", ".geojson"]))
def test_any_bytes_are_read_or_refused_with_a_message(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("bin") / f"fichier{suffix}"
    path.write_bytes(content)
    try:
        parse_file(path)
    except ImportFileError as error:
        assert str(error)


printable = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="|;"
        ),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=printable,
    description=st.text(max_size=200).map(str.strip),
    fmt=st.sampled_from(["csv", "xlsx", "json", "geojson"]),
)
def test_export_then_import_changes_nothing(loaded, tmp_path_factory, name, description, fmt):
    Structure.objects.all().delete()
    structure_create(
        values={
            "name": name,
            "main_type": "fablab",
            "commune_code": "44109",
            "source": "maillage",
            "source_record_id": "propriete-1",
            "description": description.replace("\x00", ""),
            "status": "published",
        }
    )
    path = tmp_path_factory.mktemp("export") / f"export.{fmt}"
    with path.open("wb") as stream:
        export_structures(queryset=Structure.objects.all(), format=fmt, stream=stream)
    report = run_import(path=path, dry_run=True)
    assert not report.rejected, report.rejected
    assert (len(report.unchanged), len(report.created), len(report.updated)) == (1, 0, 0)
