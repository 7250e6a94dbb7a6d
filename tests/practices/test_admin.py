"""The admin of practice sheets, as an editor uses it: list, filter, correct a sheet; the
rendered body and the search columns follow the correction."""

import pytest
from django.urls import reverse

from maillage.practices.models import PracticeSheet
from maillage.practices.selectors import PracticeFilters, practice_list

pytestmark = pytest.mark.django_db


def test_an_editor_lists_and_corrects_a_sheet(client, editor, write, atlas, lenient_templates):
    sheet = write()
    client.force_login(editor)
    listing = client.get(reverse("admin:practices_practicesheet_changelist") + "?status=published")
    assert listing.status_code == 200
    assert "Hackathon des mobilités rurales" in listing.content.decode()
    url = reverse("admin:practices_practicesheet_change", args=[sheet.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": sheet.title,
            "slug": sheet.slug,
            "kind": sheet.kind,
            "summary": sheet.summary,
            "body": "Des **navettes** <img src=x onerror=alert(1)> autonomes.",
            "participants": "",
            "outcomes": "",
            "structures": [atlas["fabrique"].pk],
            "status": PracticeSheet.Status.PUBLISHED,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sheet.refresh_from_db()
    assert sheet.body_html == "<p>Des <strong>navettes</strong>  autonomes.</p>"
    found = practice_list(filters=PracticeFilters.parse({"q": "navette"}))
    assert [s.pk for s in found] == [sheet.pk]


def test_people_without_the_role_cannot_open_it(client, manager, lenient_templates):
    client.force_login(manager)
    response = client.get(reverse("admin:practices_practicesheet_changelist"))
    assert response.status_code == 302  # to the admin login: managers are not staff
