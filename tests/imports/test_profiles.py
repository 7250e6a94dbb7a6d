"""Stage 2: profiles recognised from the header, mapping files, and the census profile."""

import json

import pytest

from maillage.imports.mapping import map_rows
from maillage.imports.parsing import parse_file
from maillage.imports.profile_cget import precision_from_score
from maillage.imports.profiles import (
    profile_for_header,
    profile_from_mapping_file,
    profile_named,
)
from maillage.imports.records import ImportFileError

CENSUS_HEADER = "ID,NOM_TL,ADRESSE,CP,INSEECOM,NOMCOM,WEB,TWITTER,FACEBOOK,TYPO,LAT,LONG,PRECISION"


def test_profiles_are_recognised_from_the_header():
    assert profile_for_header(tuple(CENSUS_HEADER.split(","))).name == "cget-tiers-lieux-2019"
    assert profile_for_header(("ID", "Name", "Main_Type")).name == "maillage"


def test_an_unknown_header_asks_for_a_profile_or_a_mapping():
    with pytest.raises(ImportFileError, match="--mapping"):
        profile_for_header(("Nom", "Ville"))


def test_an_unknown_profile_lists_the_known_ones():
    with pytest.raises(ImportFileError, match="cget-tiers-lieux-2019, maillage"):
        profile_named("enquete")


def _census_row(write, **cells):
    values = dict.fromkeys(CENSUS_HEADER.split(","), "")
    values.update({"ID": "7", "NOM_TL": "Le Lieu", "INSEECOM": "44109", "CP": "44000"})
    values.update(cells)
    text = CENSUS_HEADER + "\n" + ",".join(f'"{values[c]}"' for c in CENSUS_HEADER.split(","))
    parsed = parse_file(write("census.csv", text + "\n"))
    return map_rows(parsed, profile_named("cget-tiers-lieux-2019"))[0]


@pytest.mark.parametrize(
    ("typo", "main_type", "noted"),
    [
        ("Tiers lieux à dominante coworking", "tiers-lieu", False),
        ("Tiers lieux à dominante fablab", "fablab", False),
        ("", "tiers-lieu", True),
    ],
)
def test_census_types(write, typo, main_type, noted):
    row = _census_row(write, TYPO=typo)
    assert row.fields["main_type"] == main_type
    assert any("Type absent" in note for note in row.notes) is noted


def test_census_links_become_https_urls_of_the_right_network(write):
    row = _census_row(
        write,
        WEB="www.ade-coworking.net",
        TWITTER="https://www.instagram.com/atelier",
        FACEBOOK="www.facebook.com/alzire.fr ftp://x",
    )
    assert row.fields["website"] == "https://www.ade-coworking.net"
    assert row.fields["twitter"] == ""
    assert row.fields["facebook"] == "https://www.facebook.com/alzire.fr"
    assert any("instagram" in note for note in row.notes)


def test_census_zero_codes_are_empty_and_score_gives_precision(write):
    row = _census_row(write, INSEECOM="0", CP="0", LAT="47.2", LONG="-1.5", PRECISION="0.94")
    assert row.fields["commune_code"] == row.fields["postcode"] == ""
    assert row.fields["geo_precision"] == "housenumber"
    assert row.fields["geo_source"] == "Géocodage CGET 2019 (score 0.94)"


@pytest.mark.parametrize(
    ("score", "precision"),
    [(0.95, "housenumber"), (0.8, "street"), (0.55, "locality"), (0.3, "commune"), (8, "street")],
)
def test_precision_from_score(score, precision):
    assert precision_from_score(score) == precision


def test_mapping_file(write, tmp_path):
    mapping = write(
        "mapping.json",
        json.dumps(
            {
                "name": "enquete-2021",
                "source": "maillage",
                "columns": {"name": "Nom", "main_type": "Type", "commune_code": "Code INSEE"},
                "values": {"main_type": {"Incubateur universitaire": "incubateur"}},
                "defaults": {"status": "pending"},
            }
        ),
    )
    profile = profile_from_mapping_file(mapping)
    parsed = parse_file(write("f.csv", "Nom,Type,Code INSEE\nX,incubateur universitaire,44109\n"))
    row = map_rows(parsed, profile)[0]
    assert row.fields == {"name": "X", "main_type": "incubateur", "commune_code": "44109"}
    assert row.columns["main_type"] == "Type"
    assert profile.defaults == {"status": "pending"}


def test_mapping_file_errors(write):
    with pytest.raises(ImportFileError, match="Champs inconnus.*colour"):
        profile_from_mapping_file(write("m.json", '{"columns": {"colour": "Couleur"}}'))
    with pytest.raises(ImportFileError, match="clé « columns »"):
        profile_from_mapping_file(write("m2.json", "[]"))
    with pytest.raises(ImportFileError, match="JSON lisible"):
        profile_from_mapping_file(write("m3.json", "{"))
    profile = profile_from_mapping_file(write("m4.json", '{"columns": {"name": "Nom"}}'))
    parsed = parse_file(write("f.csv", "Name\nX\n"))
    with pytest.raises(ImportFileError, match="Colonnes absentes du fichier.*Nom"):
        map_rows(parsed, profile)
