"""Snapshots (the records kept in a structure's history) are its nested export object.

snapshots() reads them with plain value queries so that an import can record 100,000
revisions; these tests hold it to what the export's nested_object() gives, field by field
and in the same order, on structures described in full and on bare ones.
"""

import datetime as dt

import pytest

from maillage.contributions.records import changed_fields, snapshots
from maillage.exports.serialize import export_queryset, nested_object
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    Term,
    ValueExample,
)
from tests.factories import StructureFactory, TermFactory

pytestmark = pytest.mark.django_db


def _exported(pks):
    queryset = export_queryset(Structure.objects.filter(pk__in=pks), nested=True)
    return {structure.pk: nested_object(structure) for structure in queryset}


def test_snapshots_are_the_nested_export_objects(atlas):
    fabrique = atlas["fabrique"]
    # More nested records than the atlas has, in an order their insertion does not give.
    NamedPartner.objects.create(structure=fabrique, name="Association des riverains")
    ValueExample.objects.create(structure=fabrique, title="Un second exemple")
    ResilienceInitiative.objects.create(
        structure=fabrique, title="Sans date", category=None, started_on=None
    )
    ResilienceInitiative.objects.create(
        structure=fabrique,
        title="Plus récente",
        category=Term.objects.get(kind=Term.Kind.RESILIENCE, slug="equipements"),
        started_on=dt.date(2024, 1, 2),
    )
    Contact.objects.create(
        structure=atlas["hub"], name="Alex Dupont", publication_consent=True, phone="01"
    )
    without_commune = StructureFactory(
        commune=None, latitude=None, longitude=None, main_type=atlas["hub"].main_type
    )
    pks = [structure.pk for structure in atlas.values()] + [without_commune.pk]

    expected = _exported(pks)
    found = snapshots(pks)

    assert found.keys() == expected.keys()
    for pk in pks:
        assert list(found[pk].items()) == list(expected[pk].items()), pk
    # What the comparison covers: the full structure's relations, the consented contact only.
    full = found[fabrique.pk]
    assert [p["name"] for p in full["partners"]] == sorted(p["name"] for p in full["partners"])
    assert [c["name"] for c in full["contacts"]] == ["Camille Martin"]
    assert full["region_name"] == "Pays de la Loire" and full["last_verified_at"].endswith("Z")
    assert found[without_commune.pk]["commune_name"] == ""


def test_snapshots_of_many_structures_take_a_fixed_number_of_queries(
    atlas, django_assert_max_num_queries
):
    theme = TermFactory(kind=Term.Kind.THEME, slug="theme-en-plus")
    extra = [StructureFactory(main_type=atlas["hub"].main_type, themes=[theme]) for _ in range(30)]
    pks = [structure.pk for structure in [*atlas.values(), *extra]]
    with django_assert_max_num_queries(14):
        found = snapshots(pks)
    assert found[extra[0].pk]["themes"] == ["theme-en-plus"]


def test_a_creation_changes_every_field_that_holds_something(atlas):
    after = snapshots([atlas["fabrique"].pk])[atlas["fabrique"].pk]
    fields = changed_fields(None, after)
    assert "name" in fields and "themes" in fields and "partners" in fields
    assert "updated_at" not in fields
    assert "acronym" in fields  # "FDC"
    bare = snapshots([atlas["hub"].pk])[atlas["hub"].pk]
    assert "acronym" not in changed_fields(None, bare)  # empty text is no change
    # The same as comparing with an empty record field by field.
    assert changed_fields(None, after) == [
        name
        for name in after
        if name != "updated_at" and changed_fields({name: None}, {name: after[name]})
    ]
