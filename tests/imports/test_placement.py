"""Stages 4 and 5: every structure gets a commune and says how it was placed."""

from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure


def test_coordinates_without_commune_are_placed_by_boundary(loaded, write):
    report = run_import(
        path=write("a.csv", "name,main_type,latitude,longitude\nA,fablab,47.2184,-1.5536\n"),
        source="maillage",
    )
    structure = Structure.objects.get()
    assert structure.commune_id == "44109"
    assert structure.geo_precision == "locality"
    assert structure.geo_source == "Coordonnées fournies par la source « maillage »"
    assert "Commune déduite des coordonnées" in report.notes[2][0]


def test_commune_without_coordinates_goes_to_its_centre(loaded, write):
    run_import(
        path=write("a.csv", "name,main_type,commune_name,postcode\nA,fablab,Nantes,44000\n"),
        source="maillage",
    )
    structure = Structure.objects.get()
    assert (structure.latitude, structure.longitude) == (47.2316, -1.5483)
    assert structure.geo_precision == "commune"
    assert structure.geo_source == "Centre de la commune (référentiel Maillage)"


def test_a_row_that_cannot_be_placed_is_rejected_with_a_reason(loaded, write):
    report = run_import(
        path=write(
            "a.csv",
            "name,main_type,commune_code,latitude,longitude\n"
            "A,fablab,99999,,\nB,fablab,,,\nC,fablab,,40.0,-30.0\n",
        ),
        source="maillage",
    )
    messages = {line: errors[0].message for line, errors in report.rejected.items()}
    assert "Commune introuvable" in messages[2]
    assert "indiquez sa commune" in messages[3]
    assert "aucune commune française" in messages[4]
