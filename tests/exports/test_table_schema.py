"""The Table Schema is valid and describes the CSV export exactly."""

from frictionless import Resource, Schema, validate

from maillage.exports.columns import COLUMNS
from maillage.exports.table_schema import table_schema
from maillage.exports.writers import export_structures
from maillage.structures.models import Structure


def test_schema_is_a_valid_table_schema():
    report = validate(table_schema(), type="schema")
    assert report.valid, report.flatten(["type", "note"])


def test_every_column_is_described():
    names = [field["name"] for field in table_schema()["fields"]]
    assert names == [column.name for column in COLUMNS]
    derived = {f["name"] for f in table_schema()["fields"] if f.get("maillage:derived")}
    assert {"commune_name", "department_name", "region_name", "epci_name", "epci_kind"} <= derived


def test_the_csv_export_validates_against_its_schema(structures, tmp_path):
    path = tmp_path / "structures.csv"
    with path.open("wb") as stream:
        export_structures(queryset=Structure.objects.published(), format="csv", stream=stream)
    resource = Resource(
        path=path.name, basepath=str(tmp_path), schema=Schema.from_descriptor(table_schema())
    )
    report = validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
