"""The API's list pages: their records are those of the exports (list_rows reads what
export_queryset reads), their JSON is what the schema gives, and the links are the
structures' pages, whatever the structure holds."""

import json

import pytest

from maillage.api import schemas
from maillage.api.api import api
from maillage.exports.serialize import export_queryset, list_rows, record
from maillage.structures.models import Structure, Term
from tests.factories import (
    CommuneFactory,
    StructureFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def structures(db):
    themes = [TermFactory(slug="energie"), TermFactory(slug="culture")]
    audience = TermFactory(kind=Term.Kind.ACTOR, slug="etudiants")
    secondary = TermFactory(kind=Term.Kind.TYPE, slug="tiers-lieu")
    made = [
        StructureFactory(themes=themes, commune=CommuneFactory(), year_founded=2012),
        StructureFactory(themes=themes[:1], latitude=None, longitude=None, commune=None),
        StructureFactory(name="Équipe « accentuée » & co", slug="equipe-accentuee-co"),
        StructureFactory(slug="fiche-été"),  # a slug that reverse() quotes
        StructureFactory(status=Structure.Status.PENDING),
    ]
    made[0].audiences.add(audience)
    made[2].secondary_types.add(secondary)
    return made


def test_list_rows_are_the_export_rows(structures):
    pks = [structure.pk for structure in structures]
    expected = {
        row.pk: (record(row), row.get_absolute_url())
        for row in export_queryset(Structure.objects.filter(pk__in=pks), nested=False)
    }
    got = {row.pk: (record(row), row.get_absolute_url()) for row in list_rows(pks)}
    assert got == expected
    assert list_rows([]) == []
    # Again, from the query compiled by the first call.
    assert {row.pk: record(row) for row in list_rows(pks[:2])} == {
        pk: expected[pk][0] for pk in pks[:2]
    }


@pytest.mark.parametrize(
    "query",
    ["", "?limit=2", "?sort=-name&limit=3", "?q=structure", "?near=47.2,-1.5&limit=2"],
)
def test_list_json_is_the_schemas(client, structures, query):
    response = client.get(f"/api/v1/structures{query}")
    assert response.status_code == 200
    body = json.loads(response.content)
    # What validating the answer against the documented schema gives: the same.
    validated = schemas.StructureList.model_validate(body)
    assert validated.model_dump(mode="json") == body
    # Byte for byte what the API writes of the schema's instance (fields in its order).
    assert response.content.decode() == api.renderer.render(
        response.wsgi_request, validated.model_dump(), response_status=200
    )
    assert response["Content-Type"] == "application/json; charset=utf-8"
    published = {s.uid: s for s in structures if s.status == Structure.Status.PUBLISHED}
    for item in body["results"]:
        structure = published[item["id"]]
        assert item["url"] == structure.get_absolute_url()
        assert {key: item[key] for key in record(structure)} == json.loads(
            json.dumps(record(structure))
        )
