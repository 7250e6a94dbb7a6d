"""Stage 3: values are typed, vocabularies matched, and every rejection explained."""

import pytest

from maillage.imports.records import MappedRow, Record
from maillage.imports.validation import ValidationContext, validate_row
from maillage.imports.vocabulary_index import VocabularyIndex


@pytest.fixture
def context(loaded):
    return ValidationContext(
        vocabulary=VocabularyIndex(),
        sources={"maillage", "curated-2026"},
        default_source="maillage",
    )


def validate(context, **fields):
    fields = {"name": "Le Lieu", "main_type": "fablab", **fields}
    row = MappedRow(line=5, fields=fields, columns={name: name.upper() for name in fields})
    return validate_row(row, context, {})


@pytest.mark.parametrize(
    "given",
    ["tiers-lieu", "Tiers-lieu / coworking", "TIERS LIEU", "coworking", "Third place / coworking"],
)
def test_types_by_slug_or_label_whatever_case_and_accents(context, given):
    assert validate(context, main_type=given).values["main_type"] == "tiers-lieu"


def test_multi_values_with_pipe_semicolon_or_json_list(context):
    record = validate(context, themes="Mobilité | santé;economie-circulaire")
    assert record.values["themes"] == ("economie-circulaire", "mobilite", "sante")
    assert validate(context, themes=["Health"]).values["themes"] == ("sante",)


def test_unknown_vocabulary_values_list_the_accepted_ones(context):
    errors = validate(context, themes="mobilité|astronomie")
    assert errors[0].line == 5
    assert errors[0].column == "THEMES"
    assert "astronomie" in errors[0].message
    assert "mobilite (Mobilité)" in errors[0].message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "obligatoire"),
        ("main_type", "", "obligatoire"),
        ("website", "ftp://exemple.fr", "http ou https"),
        ("website", "javascript:alert(1)", "http ou https"),
        ("siret", "1234", "14 chiffres"),
        ("postcode", "4400A", "5 chiffres"),
        ("commune_code", "123456", "code INSEE"),
        ("latitude", "nord", "Nombre décimal"),
        ("year_founded", "deux mille", "Année"),
        ("status", "brouillon", "published, pending, closed"),
        ("source", "inconnue", "Sources connues"),
        ("last_verified_at", "31/03/2025", "AAAA-MM-JJ"),
        ("contacts", [{"name": "Jeanne"}], "accord de publication"),
    ],
)
def test_rejections_say_what_is_expected(context, field, value, message):
    errors = validate(context, **{field: value})
    assert isinstance(errors, list)
    assert message in errors[0].message


def test_latitude_without_longitude_is_rejected(context):
    errors = validate(context, latitude="47.2")
    assert "Latitude et longitude" in errors[0].message


def test_valid_values_are_typed(context):
    record = validate(
        context,
        id="mlg-abcd1234",
        website="www.exemple.fr",
        siret="123 456 789 00012",
        postcode="1000",
        commune_code="1053",
        latitude="46,2",
        longitude="5.2",
        status="Publiée",
        year_founded="2015",
        last_verified_at="2025-03-31",
    )
    assert isinstance(record, Record)
    assert record.uid == "mlg-abcd1234"
    assert record.values["website"] == "https://www.exemple.fr"
    assert record.values["siret"] == "12345678900012"
    assert record.values["postcode"] == "01000"
    assert record.commune_hints["commune_code"] == "01053"
    assert record.values["latitude"] == 46.2
    assert record.values["status"] == "published"
    assert record.values["year_founded"] == 2015
    assert record.values["last_verified_at"].year == 2025
    assert record.values["source"] == "maillage"
