"""Writing a sheet: what is validated, what is computed, who may write it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from maillage.practices.models import PracticeSheet
from maillage.practices.services import practice_create, practice_update
from maillage.structures.models import Structure
from tests.practices.conftest import values

pytestmark = pytest.mark.django_db


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_a_published_sheet_is_rendered_dated_and_linked(write, atlas, vocabularies):
    sheet = write(
        themes=[vocabularies["theme"]["mobilite"]],
        formats=[vocabularies["format"]["hackathons"]],
    )
    assert sheet.slug == "hackathon-des-mobilites-rurales"
    assert sheet.get_absolute_url() == "/pratiques/hackathon-des-mobilites-rurales/"
    assert "<strong>prototypé</strong>" in sheet.body_html
    assert sheet.published_at is not None
    assert list(sheet.structures.all()) == [atlas["fabrique"]]
    assert [t.slug for t in sheet.themes.all()] == ["mobilite"]


def test_slugs_stay_unique_and_stable(write):
    first, second = write(), write()
    assert (first.slug, second.slug) == (
        "hackathon-des-mobilites-rurales",
        "hackathon-des-mobilites-rurales-2",
    )
    updated = practice_update(
        sheet=second,
        values=values(title="Un autre titre", structures=[*second.structures.all()]),
        user=second.author,
    )
    assert updated.slug == "hackathon-des-mobilites-rurales-2"


def test_a_draft_has_no_publication_date_until_published_and_keeps_the_first(write, editor):
    sheet = write(status=PracticeSheet.Status.DRAFT)
    assert sheet.published_at is None
    structures = list(sheet.structures.all())
    sheet = practice_update(sheet=sheet, values=values(structures=structures), user=editor)
    first_publication = sheet.published_at
    assert first_publication is not None
    back = values(structures=structures, status=PracticeSheet.Status.DRAFT)
    practice_update(sheet=sheet, values=back, user=editor)
    sheet = practice_update(sheet=sheet, values=values(structures=structures), user=editor)
    assert sheet.published_at == first_publication


def test_missing_and_inconsistent_values_are_named_by_field(editor, atlas, vocabularies):
    errors = _errors(
        lambda: practice_create(
            values=values(
                title=" ",
                summary="",
                kind="tombola",
                structures=[],
                started_on=dt.date(2024, 5, 1),
                ended_on=dt.date(2024, 4, 1),
                themes=[vocabularies["format"]["hackathons"]],
            ),
            author=editor,
        )
    )
    assert set(errors) == {"title", "summary", "kind", "structures", "ended_on", "themes"}
    assert "2024-04-01" in errors["ended_on"][0] and "2024-05-01" in errors["ended_on"][0]
    assert PracticeSheet.objects.count() == 0


def test_a_pending_structure_cannot_be_linked(write, atlas):
    hub = atlas["hub"]
    Structure.objects.filter(pk=hub.pk).update(status=Structure.Status.PENDING)
    hub.refresh_from_db()
    errors = _errors(lambda: write(structures=[hub]))
    assert "modération" in errors["structures"][0]


def test_a_manager_must_link_one_of_their_structures(write, manager, atlas):
    errors = _errors(lambda: write(author=manager, structures=[atlas["hub"]]))
    assert errors["structures"] == ["Reliez la fiche à au moins une des structures que vous gérez."]
    sheet = write(author=manager, structures=[atlas["fabrique"], atlas["hub"]])
    # Removing their own structure would take the sheet out of their hands: refused.
    errors = _errors(
        lambda: practice_update(sheet=sheet, values=values(structures=[atlas["hub"]]), user=manager)
    )
    assert "structures" in errors


def test_people_without_a_role_cannot_write(write, member, other_manager, atlas):
    with pytest.raises(PermissionError):
        write(author=member)
    sheet = write()
    with pytest.raises(PermissionError):
        practice_update(sheet=sheet, values=values(structures=[atlas["hub"]]), user=other_manager)


def test_the_database_refuses_a_period_out_of_order(write):
    sheet = write()
    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeSheet.objects.filter(pk=sheet.pk).update(
            started_on=dt.date(2024, 5, 1), ended_on=dt.date(2024, 4, 1)
        )
