"""A structure's API detail is read in one query (its row, term slugs and nested records:
maillage.exports.serialize.published_structure); its JSON is the object the ORM's
prefetches give (export_queryset(..., nested=True), then nested_object()), whatever the
structure holds, in the same order."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from maillage.api import schemas
from maillage.api.api import api
from maillage.exports.serialize import export_queryset, nested_object, published_structure
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    Term,
    ValueExample,
)
from tests.factories import CommuneFactory, StructureFactory, TermFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def structures(db):
    theme, other_theme = TermFactory(slug="energie"), TermFactory(slug="culture")
    secondary = TermFactory(kind=Term.Kind.TYPE, slug="tiers-lieu")
    actor, other_actor = (
        TermFactory(kind=Term.Kind.ACTOR, slug="pme"),
        TermFactory(kind=Term.Kind.ACTOR, slug="collectivite"),
    )
    fmt = TermFactory(kind=Term.Kind.FORMAT, slug="atelier")
    category = TermFactory(kind=Term.Kind.RESILIENCE, slug="sante")
    full = StructureFactory(
        name="Fiche complète",
        themes=[theme, other_theme],
        commune=CommuneFactory(),
        year_founded=2012,
        last_verified_at=dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC),
    )
    full.secondary_types.add(secondary)
    full.formats.add(fmt)
    full.audiences.add(actor, other_actor)
    full.partner_kinds.add(actor)
    elsewhere = StructureFactory(name="Partenaire de l'atlas")
    closed = StructureFactory(name="Fermée", status=Structure.Status.CLOSED)
    # Partners: names sorted by the database's collation (accents, case), two of one name
    # (then by key), with and without a kind, an atlas structure, a closed one.
    for name, kind, partner in [
        ("Zèbre", actor, None),
        ("abeille", None, elsewhere),
        ("Élan", other_actor, None),
        ("Abeille", actor, closed),
        ("Abeille", None, None),
        ("Ours", None, None),
    ]:
        NamedPartner.objects.create(structure=full, name=name, kind=kind, partner_structure=partner)
    for title in ("Deuxième exemple", "Premier exemple", "Troisième « exemple »"):
        ValueExample.objects.create(structure=full, title=title, description=f"{title}\nligne 2")
    for name, consent in [("Zoé", True), ("Bob Privé", False), ("Anne", True)]:
        Contact.objects.create(
            structure=full,
            name=name,
            role="Direction",
            email=f"{name[0].lower()}@example.org",
            phone="0102030405" if consent else "",
            publication_consent=consent,
        )
    # Initiatives: newest first, without a date where the database puts them, ties by title.
    for title, started, ended, with_category in [
        ("Visières", dt.date(2020, 3, 20), dt.date(2020, 6, 1), True),
        ("Sans date", None, None, False),
        ("Masques", dt.date(2020, 3, 20), None, True),
        ("Ancienne", dt.date(2019, 1, 2), dt.date(2019, 12, 31), False),
        ("Autre sans date", None, dt.date(2021, 1, 1), True),
    ]:
        ResilienceInitiative.objects.create(
            structure=full,
            title=title,
            description="Fabriquées sur place",
            category=category if with_category else None,
            started_on=started,
            ended_on=ended,
        )
    bare = StructureFactory(name="Sans rien", commune=None, latitude=None, longitude=None)
    quoted = StructureFactory(name="Équipe « accentuée » & co", slug="fiche-été")
    return {"full": full, "bare": bare, "elsewhere": elsewhere, "quoted": quoted, "closed": closed}


def _by_orm(uid: str) -> dict:
    structure = export_queryset(Structure.objects.published(), nested=True).get(uid=uid)
    return {**nested_object(structure), "url": structure.get_absolute_url()}


def _validated_json(item: dict) -> bytes:
    """What the API wrote when it validated the object through its schema."""
    validated = schemas.StructureDetail.model_validate(item).model_dump()
    rendered = api.renderer.render(RequestFactory().get("/"), validated, response_status=200)
    return rendered.encode()


# A value the schema does not expect would be written with a warning: none is.
@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("name", ["full", "bare", "elsewhere", "quoted"])
def test_the_detail_is_the_orm_object(client, structures, name):
    uid = structures[name].uid
    expected = _by_orm(uid)
    structure = published_structure(uid)
    assert {**nested_object(structure), "url": structure.get_absolute_url()} == expected
    response = client.get(f"/api/v1/structures/{uid}")
    assert response.status_code == 200
    assert response.json() == expected
    assert response.content == _validated_json(expected)
    # Again, from the query compiled by the first call.
    assert nested_object(published_structure(uid)) == nested_object(structure)


def test_every_relation_is_there_in_order(structures):
    got = nested_object(published_structure(structures["full"].uid))
    assert [partner["name"] for partner in got["partners"]] == [
        partner.name for partner in NamedPartner.objects.filter(structure=structures["full"])
    ]
    assert len(got["partners"]) == 6
    assert {partner["structure_id"] for partner in got["partners"]} == {
        "",
        structures["elsewhere"].uid,
        structures["closed"].uid,
    }
    assert [example["title"] for example in got["value_examples"]] == [
        "Deuxième exemple",
        "Premier exemple",
        "Troisième « exemple »",
    ]
    assert [contact["name"] for contact in got["contacts"]] == ["Zoé", "Anne"]
    assert len(got["resilience_initiatives"]) == 5
    assert got["resilience_initiatives"][0]["started_on"] in ("2020-03-20", None)
    assert got["secondary_types"] == ["tiers-lieu"]
    assert got["audiences"] == ["collectivite", "pme"]


def test_a_structure_not_published_or_unknown_is_404(client, structures):
    closed = structures["closed"].uid
    assert published_structure(closed) is None
    assert client.get(f"/api/v1/structures/{closed}").status_code == 404
    assert client.get("/api/v1/structures/mlg-nope").status_code == 404
    assert client.get("/api/v1/structures/mlg-nope").json() == {"detail": "Not Found"}


def test_one_query_for_the_structure(structures):
    with CaptureQueriesContext(connection) as queries:
        published_structure(structures["full"].uid)
    assert len(queries) == 1
