import csv

import pytest
from django.conf import settings

from maillage.referential.resolution import normalize_name

pytestmark = pytest.mark.django_db

CENSUS_2019 = settings.BUNDLED_DATA_DIR / "tiers-lieux-cget-2019" / "tiers-lieux-2019.csv"


@pytest.mark.parametrize(
    ("fields", "code", "method"),
    [
        ({"insee": "44109"}, "44109", "insee"),
        ({"insee": "1053"}, "01053", "insee"),
        ({"insee": "13201"}, "13055", "insee-alias"),
        ({"insee": "75110"}, "75056", "insee-alias"),
        ({"name": "St-Étienne", "department": "42"}, "42218", "name-department"),
        ({"name": "Saint Malo"}, "35288", "name"),
        ({"name": "L'Haÿ-les-Roses"}, "94038", "name"),
        ({"name": "Haÿ-les-Roses (L')"}, "94038", "name"),
        ({"name": "HAY LES ROSES", "department": "94"}, "94038", "name-department"),
        ({"name": "Ulis", "postcode": "91940"}, "91692", "postcode-name"),
        ({"name": "Ste-Maxime", "department": "83"}, "83115", "name-department"),
        ({"name": "NANTES CEDEX 1", "postcode": "44035"}, "44109", "name-department"),
        ({"name": "Marseille", "postcode": "13001"}, "13055", "postcode-name"),
        ({"name": "Paris 10e Arrondissement"}, "75056", "name-alias"),
        ({"name": "Lyon 3ème"}, "69123", "name-alias"),
        ({"name": "Saint-Denis", "department": "93"}, "93066", "name-department"),
        ({"name": "Saint-Denis", "postcode": "97490"}, "97411", "postcode-name"),
        # Annecy absorbed Annecy-le-Vieux, Cran-Gevrier, Meythet, Pringy and Seynod in 2017.
        ({"name": "Cran-Gevrier", "department": "74"}, "74010", "name-alias"),
    ],
)
def test_resolves(resolver, fields, code, method):
    resolution = resolver.resolve(**fields)
    assert resolution is not None
    assert (resolution.commune_code, resolution.method) == (code, method)


def test_alias_resolution_explains_itself(resolver):
    resolution = resolver.resolve(insee="13201")
    assert "Marseille" in resolution.note
    assert "arrondissement" in resolution.note


def test_commune_merged_since_2019_resolves_by_its_old_code_and_name(resolver):
    # Germagnat (01172), a commune in 2019, is now part of Nivigne et Suran (01095) and,
    # unlike Béon in Culoz-Béon, not a delegated commune.
    resolution = resolver.resolve(insee="01172")
    assert (resolution.commune_code, resolution.method) == ("01095", "insee-alias")
    assert resolution.note == "ancienne commune Germagnat (01172) rattachée à Nivigne et Suran"
    resolution = resolver.resolve(name="Germagnat", postcode="01250")
    assert (resolution.commune_code, resolution.method) == ("01095", "name-alias")
    resolution = resolver.resolve(insee="01039")
    assert (resolution.commune_code, resolution.method) == ("01138", "insee-alias")
    assert resolution.note == "commune déléguée Béon (01039) rattachée à Culoz-Béon"


def test_delegated_commune_resolves_by_its_code(resolver):
    resolution = resolver.resolve(insee="01340")
    assert (resolution.commune_code, resolution.method) == ("01015", "insee-alias")
    assert "Saint-Bois" in resolution.note


def test_ambiguous_names_are_not_guessed(resolver):
    assert resolver.resolve(name="Saint-Denis") is None
    assert resolver.resolve(name="Sainte-Marie") is None


def test_unknown_input_resolves_to_nothing(resolver):
    assert resolver.resolve() is None
    assert resolver.resolve(insee="0") is None
    assert resolver.resolve(name="Atlantide", department="44") is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("St-Étienne", "saint etienne"),
        ("Ste Foy-lès-Lyon", "sainte foy les lyon"),
        ("L'Haÿ-les-Roses", "hay les roses"),
        ("Paris 10ème arrondissement", "paris 10"),
        ("Marseille 1er Arrondissement", "marseille 1"),
        ("NANTES CEDEX 09", "nantes"),
        ("Œuilly", "oeuilly"),
    ],
)
def test_normalize_name(raw, key):
    assert normalize_name(raw) == key


def test_locate(resolver):
    assert resolver.locate(latitude=47.2184, longitude=-1.5536) == "44109"
    assert resolver.locate(latitude=48.8566, longitude=2.3522) == "75056"
    # Bay of Biscay, far from any coast.
    assert resolver.locate(latitude=46.0, longitude=-5.0) is None


def test_every_row_of_the_2019_census_resolves(resolver):
    with open(CENSUS_2019, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    unresolved = []
    for row in rows:
        if row["INSEECOM"] not in ("", "0"):
            resolution = resolver.resolve(insee=row["INSEECOM"])
            if resolution is None or resolution.method not in ("insee", "insee-alias"):
                unresolved.append(row)
            continue
        resolution = resolver.resolve(postcode=row["CP"], name=row["NOMCOM"] or row["COMINIT"])
        if resolution is None and not (
            row["LAT"] and resolver.locate(latitude=float(row["LAT"]), longitude=float(row["LONG"]))
        ):
            unresolved.append(row)
    assert len(rows) == 1512
    assert unresolved == []
