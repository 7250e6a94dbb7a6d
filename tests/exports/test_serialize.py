"""The export's records read term slugs with the structure's row; the same record as
read from the relations (the history's snapshots and other callers do)."""

import pytest

from maillage.exports.serialize import TERM_RELATIONS, export_queryset, record
from maillage.structures.models import Structure
from tests.web.builders import load_vocabularies, make_structure


def test_slugs_read_with_the_row_are_those_of_the_relations(structures):
    exported = {s.pk: s for s in export_queryset(Structure.objects.all(), nested=True)}
    assert exported
    for structure in Structure.objects.prefetch_related(
        "secondary_types", "themes", "formats", "audiences", "partner_kinds"
    ):
        assert record(exported[structure.pk]) == record(structure)
    full = next(s for s in exported.values() if s.name == "Atelier partagé")
    assert record(full)["themes"] == ["mobilite", "sante"]  # sorted
    assert record(full)["formats"] == ["prototypage"]
    assert record(full)["audiences"] == []


@pytest.mark.django_db
def test_every_vocabulary_relation_is_read_with_the_row():
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
    from_relations = [
        record(row) for row in Structure.objects.order_by("uid").prefetch_related(*TERM_RELATIONS)
    ]
    exported = [record(row) for row in export_queryset(Structure.objects.all(), nested=False)]
    assert exported == from_relations
    full = next(item for item in exported if item["name"] == "Avec tout")
    assert full["secondary_types"] == ["tiers-lieu"]
    assert len(full["audiences"]) == 3 and len(full["partner_kinds"]) == 2
    assert next(item for item in exported if item["name"] == "Sans relation")["themes"] == []
