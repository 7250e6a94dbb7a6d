"""Exports in four formats, their safety, and the round trip through the import."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from maillage.exports.writers import export_structures
from maillage.imports.pipeline import run_import
from maillage.structures.models import Contact, Structure

FORMATS = ["csv", "xlsx", "geojson", "json"]


def export(format_: str, queryset=None) -> bytes:
    stream = io.BytesIO()
    export_structures(
        queryset=queryset or Structure.objects.published(), format=format_, stream=stream
    )
    return stream.getvalue()


def test_csv_has_territory_columns_multi_values_and_neutralised_formulas(structures):
    rows = list(csv.DictReader(io.StringIO(export("csv").decode("utf-8-sig"))))
    by_name = {row["name"]: row for row in rows}
    assert "En attente" not in by_name
    full = by_name["Atelier partagé"]
    assert full["themes"] == "mobilite|sante"
    assert full["commune_name"] == "Nantes" and full["epci_kind"] == "ME"
    assert full["description"].startswith("Deux lignes,\navec")
    formula = by_name['\'=HYPERLINK("http://evil")']
    assert formula["acronym"] == "'+33"
    assert formula["longitude"] == "-1.55"  # numbers are not neutralised


def test_xlsx_neutralises_formulas(structures):
    sheet = load_workbook(io.BytesIO(export("xlsx")), read_only=True).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in names


@pytest.mark.parametrize("format_", ["json", "geojson"])
def test_json_nests_related_records_and_only_consented_contacts(structures, format_):
    content = json.loads(export(format_))
    items = (
        content["structures"]
        if format_ == "json"
        else [f["properties"] for f in content["features"]]
    )
    full = next(item for item in items if item["name"] == "Atelier partagé")
    assert full["themes"] == ["mobilite", "sante"]
    assert full["partners"] == [
        {"name": "Nantes Métropole", "kind": "collectivites", "structure_id": ""}
    ]
    assert full["value_examples"] == [{"title": "Visières", "description": "10 000 pièces"}]
    assert full["resilience_initiatives"][0]["category"] == "solidarite"
    assert [c["name"] for c in full["contacts"]] == ["Jeanne Public"]
    if format_ == "geojson":
        feature = content["features"][0]
        assert feature["geometry"]["type"] == "Point"


def test_csv_and_xlsx_never_carry_contacts(structures):
    assert b"jeanne@example.org" not in export("csv")


@pytest.mark.parametrize("format_", FORMATS)
def test_export_then_import_changes_nothing(structures, tmp_path, format_):
    path = tmp_path / f"structures.{format_}"
    path.write_bytes(export(format_))
    before = {s.uid: s.updated_at for s in Structure.objects.all()}
    report = run_import(path=path)
    assert report.profile == "maillage"
    assert not report.rejected and not report.created and not report.updated, report.lines(
        verbose=True
    )
    assert len(report.unchanged) == 2
    assert {s.uid: s.updated_at for s in Structure.objects.all()} == before
    assert Contact.objects.filter(publication_consent=False).count() == 1


@pytest.mark.parametrize("format_", FORMATS)
def test_export_imports_into_an_empty_database(structures, tmp_path, format_):
    path = tmp_path / f"structures.{format_}"
    path.write_bytes(export(format_))
    expected = {s.uid: (s.name, s.acronym, s.slug) for s in Structure.objects.published()}
    Structure.objects.all().delete()
    report = run_import(path=path)
    assert len(report.created) == 2 and not report.rejected
    assert {s.uid: (s.name, s.acronym, s.slug) for s in Structure.objects.all()} == expected
    full = Structure.objects.get(name="Atelier partagé")
    assert sorted(full.themes.values_list("slug", flat=True)) == ["mobilite", "sante"]
    nested = format_ in ("json", "geojson")
    assert full.partners.exists() is nested
    assert full.contacts.filter(publication_consent=True).exists() is nested


def test_export_command_writes_file_and_schema(structures, tmp_path):
    output = tmp_path / "atlas.csv"
    call_command("export", "--format", "csv", "-o", str(output), stderr=io.StringIO())
    assert output.exists()
    schema = json.loads((tmp_path / "atlas.schema.json").read_text())
    assert schema["fields"][0]["name"] == "id"


def test_export_command_writes_text_formats_to_stdout(structures, capsysbinary):
    call_command("export", "--format", "json")
    content = json.loads(capsysbinary.readouterr().out)
    assert {item["name"] for item in content["structures"]} == {
        "Atelier partagé",
        '=HYPERLINK("http://evil")',
    }


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_structures(queryset=Structure.objects.none(), format="pdf", stream=io.BytesIO())
