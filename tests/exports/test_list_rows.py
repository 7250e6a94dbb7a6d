"""list_rows (the API list's page loader) gives the records export_queryset gives."""

import pytest

from maillage.exports.serialize import export_queryset, list_rows, record
from maillage.structures.models import Structure
from tests.web.builders import load_vocabularies, make_structure

pytestmark = pytest.mark.django_db


def test_records_are_those_of_the_export():
    vocabularies = load_vocabularies()
    types, themes = vocabularies["type"], vocabularies["theme"]
    formats, actors = list(vocabularies["format"].values()), list(vocabularies["actor"].values())
    make_structure(name="Sans relation", main_type=types["fablab"])
    make_structure(
        name="Avec tout",
        main_type=types["fablab"],
        secondary_types=[types["tiers-lieu"]],
        themes=[themes["mobilite"], themes["sante"]],
        formats=formats[:2],
        audiences=actors[:3],
        partner_kinds=actors[3:5],
    )
    pks = list(Structure.objects.values_list("pk", flat=True))
    expected = [record(row) for row in export_queryset(Structure.objects.all(), nested=False)]
    assert [record(row) for row in list_rows(Structure.objects.filter(pk__in=pks))] == expected
    assert any(item["themes"] == ["mobilite", "sante"] for item in expected)
    assert list_rows(Structure.objects.none()) == []
