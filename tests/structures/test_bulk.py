"""Rows written in bulk without model instances are the rows instances would give."""

import pytest

from maillage.contributions.models import StructureRevision
from maillage.structures.bulk import instances_insert, instances_new, values_insert
from tests.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_values_are_written_as_instances_of_them_are():
    structure = StructureFactory()
    rows = [
        {
            "structure_id": structure.pk,
            "structure_uid": structure.uid,
            "origin": StructureRevision.Origin.IMPORT,
            "note": "lot.csv",
            "before": None,
            "after": {"name": "Atelier", "themes": ["sante"], "latitude": 47.2},
            "changed_fields": ["name", "themes"],
        },
        # Fields left out take their defaults (changed_fields: a new empty list).
        {"structure_id": structure.pk, "structure_uid": structure.uid, "origin": "import"},
    ]
    instances_insert(StructureRevision, instances_new(StructureRevision, rows))
    values_insert(StructureRevision, rows)
    written = list(StructureRevision.objects.order_by("pk").values())
    assert len(written) == 4
    for by_instance, by_values in zip(written[:2], written[2:], strict=True):
        assert by_values["created_at"] >= by_instance["created_at"]  # auto_now_add: now
        for name in ("id", "created_at"):
            by_instance.pop(name), by_values.pop(name)
        assert by_values == by_instance
    assert written[3]["changed_fields"] == [] and written[3]["after"] is None


def test_new_instances_are_what_the_constructor_gives():
    from maillage.structures.models import Structure

    row = {"uid": "mlg-abcdefgh", "slug": "atelier", "name": "Atelier", "main_type_id": 3}
    (built,) = instances_new(Structure, [row])
    constructed = Structure(**row)
    fields = [field.attname for field in Structure._meta.concrete_fields]
    assert [getattr(built, name) for name in fields] == [
        getattr(constructed, name) for name in fields
    ]
    assert (built._state.adding, built._state.db) == (True, None)
    assert built.pk is None and built.status == Structure.Status.PENDING
    # A default computed per instance is not shared between instances.
    first, second = instances_new(StructureRevision, [{}, {}])
    assert first.changed_fields == [] and first.changed_fields is not second.changed_fields


def test_rows_of_integers_are_written_in_their_order():
    from maillage.structures.bulk import integer_rows_insert
    from maillage.structures.models import Structure, Term

    structures = [StructureFactory() for _ in range(3)]
    terms = list(Term.objects.filter(kind=Term.Kind.THEME)[:2]) or [
        Term.objects.create(kind=Term.Kind.THEME, slug=slug, label_fr=slug) for slug in ("a", "b")
    ]
    through = Structure.themes.through
    through.objects.all().delete()
    rows = [(s.pk, t.pk) for s in reversed(structures) for t in terms]
    integer_rows_insert(through._meta.db_table, ["structure_id", "term_id"], rows)
    assert list(through.objects.order_by("pk").values_list("structure_id", "term_id")) == rows


def test_rows_of_integers_encoded_beforehand_are_written_as_the_rows_are():
    from maillage.structures.bulk import integer_rows_encoded, integer_rows_insert
    from maillage.structures.models import Structure, Term

    structures = [StructureFactory() for _ in range(3)]
    terms = list(Term.objects.filter(kind=Term.Kind.THEME)[:2]) or [
        Term.objects.create(kind=Term.Kind.THEME, slug=slug, label_fr=slug) for slug in ("a", "b")
    ]
    through = Structure.themes.through
    columns = ["structure_id", "term_id"]
    written = []
    for encode in (False, True):
        through.objects.all().delete()
        rows = [(s.pk, t.pk) for s in reversed(structures) for t in terms]
        # None where the rows are sent as they are (PostgreSQL's COPY)
        encoded = integer_rows_encoded(rows) if encode else None
        integer_rows_insert(through._meta.db_table, columns, encoded or rows)
        written.append(list(through.objects.order_by("pk").values_list(*columns)))
    assert written[1] == written[0] == rows
