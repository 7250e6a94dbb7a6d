"""Stage 7: probable duplicates are reported, never merged."""

from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure
from tests.factories import StructureFactory

HEADER = "name,main_type,commune_code,latitude,longitude,website,siret\n"


def test_duplicates_within_the_file(loaded, write):
    report = run_import(
        path=write(
            "a.csv",
            HEADER
            + "Le Cent Sept,fablab,44109,47.2100,-1.5500,,\n"
            + "Le Centsept,fablab,44109,47.2110,-1.5500,,\n"  # about 110 m away
            + "Le Cent Sept,fablab,75056,47.2300,-1.5500,,\n"  # about 2 km away
            + "Autre,fablab,44109,47.3,-1.6,https://www.lieu.fr/,\n"
            + "Encore,fablab,44109,47.31,-1.6,http://lieu.fr,\n",
        ),
        source="maillage",
    )
    found = {(d.line, d.other.split(" «")[0], d.reason) for d in report.duplicates}
    assert found == {
        (3, "ligne 2", "même nom à moins de 300 m"),
        (6, "ligne 5", "même site web"),
    }
    assert Structure.objects.count() == 5


def test_duplicates_against_the_database(loaded, write):
    existing = StructureFactory(name="Atelier", siret="12345678900012", commune=loaded["nantes"])
    report = run_import(
        path=write("a.csv", HEADER + "Autre nom,fablab,44109,45.0,-1.0,,12345678900012\n"),
        source="maillage",
        dry_run=True,
    )
    assert len(report.duplicates) == 1
    assert existing.uid in report.duplicates[0].other
    assert report.duplicates[0].reason == "même SIRET"
