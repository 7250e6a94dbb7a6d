"""Who may do what with practice sheets, as a matrix of roles × actions over HTTP:
visitors and people without a role only read published sheets; a manager writes for their
own structure; an editor writes and edits every sheet. Drafts stay invisible to the others."""

import pytest
from django.urls import reverse

from maillage.contributions.roles import EDITORS, ROLES
from maillage.practices.models import PracticeSheet

pytestmark = pytest.mark.django_db

PEOPLE = ["visitor", "member", "unrelated manager", "linked manager", "editor"]

ALLOWED = {
    "open the new sheet form": {"unrelated manager", "linked manager", "editor"},
    "create a sheet linked to the Fabrique": {"linked manager", "editor"},
    "open the edit form of a Fabrique sheet": {"linked manager", "editor"},
    "save a Fabrique sheet": {"linked manager", "editor"},
    "see a Fabrique draft": {"linked manager", "editor"},
    "see a published sheet": set(PEOPLE),
}


@pytest.fixture
def people(member, manager, other_manager, editor):
    return {
        "visitor": None,
        "member": member,
        "unrelated manager": other_manager,
        "linked manager": manager,
        "editor": editor,
    }


def _form(atlas, **overrides) -> dict:
    data = {
        "title": "Appel à projets mobilité",
        "kind": PracticeSheet.Kind.CALL_FOR_PROJECTS,
        "summary": "Un appel à projets pour les mobilités du quotidien.",
        "body": "Texte.",
        "structures": atlas["fabrique"].name,
        "status": PracticeSheet.Status.PUBLISHED,
        "action": "save",
    }
    data.update(overrides)
    return data


def _do(action, client, atlas, write) -> bool:
    if action == "open the new sheet form":
        return client.get(reverse("practices:new")).status_code == 200
    if action == "create a sheet linked to the Fabrique":
        before = PracticeSheet.objects.count()
        response = client.post(reverse("practices:new"), _form(atlas))
        return response.status_code == 302 and PracticeSheet.objects.count() == before + 1
    sheet = write(title="Fiche de la Fabrique")
    if action == "open the edit form of a Fabrique sheet":
        return client.get(reverse("practices:edit", args=[sheet.slug])).status_code == 200
    if action == "save a Fabrique sheet":
        response = client.post(
            reverse("practices:edit", args=[sheet.slug]), _form(atlas, title="Nouveau titre")
        )
        sheet.refresh_from_db()
        return response.status_code == 302 and sheet.title == "Nouveau titre"
    if action == "see a Fabrique draft":
        draft = write(title="Brouillon", status=PracticeSheet.Status.DRAFT)
        response = client.get(draft.get_absolute_url())
        listed = "Brouillon" in client.get(reverse("practices:list")).content.decode()
        assert not listed  # never in the public list, whoever looks
        return response.status_code == 200
    if action == "see a published sheet":
        return client.get(sheet.get_absolute_url()).status_code == 200
    raise AssertionError(action)


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("person", PEOPLE)
def test_matrix(action, person, client, atlas, write, people):
    if people[person] is not None:
        client.force_login(people[person])
    assert _do(action, client, atlas, write) is (person in ALLOWED[action])


def test_refusals_explain_and_anonymous_people_are_sent_to_log_in(client, member, write):
    sheet = write()
    response = client.get(reverse("practices:edit", args=[sheet.slug]))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]
    client.force_login(member)
    response = client.get(reverse("practices:new"))
    assert response.status_code == 403
    assert "Gérer la fiche" in response.content.decode()


def test_the_editor_role_carries_the_practices_permissions():
    assert {
        "practices.add_practicesheet",
        "practices.change_practicesheet",
    } <= set(ROLES[EDITORS])
