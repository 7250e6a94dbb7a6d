"""The export's records read term slugs with the structure's row; the same record as
read from the relations (the history's snapshots and other callers do)."""

from maillage.exports.serialize import export_queryset, record
from maillage.structures.models import Structure


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
