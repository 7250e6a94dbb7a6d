"""The whole matrix of roles × actions: who may do what, and everyone else is refused."""

import pytest
from django.urls import reverse

from maillage.contributions.models import Edition, Proposal, StructureRevision
from maillage.contributions.services import structure_edit
from tests.contributions.conftest import make_user, proposal_data

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "member", "manager", "moderator", "editor", "administrator"]

# action → the roles allowed to do it
ALLOWED = {
    "propose": set(ROLES),
    "edit_managed_structure": {"manager", "moderator", "editor", "administrator"},
    "edit_other_structure": {"moderator", "editor", "administrator"},
    "moderate_queue": {"moderator", "editor", "administrator"},
    "accept_proposal": {"moderator", "editor", "administrator"},
    "revert_revision": {"moderator", "editor", "administrator"},
    "edit_vocabulary": {"editor", "administrator"},
    "publish_edition": {"editor", "administrator"},
    "manage_accounts": {"administrator"},
}


@pytest.fixture
def people(db, atlas, manager, moderator, editor, administrator, member):
    return {
        "visitor": None,
        "member": member,
        "manager": manager,
        "moderator": moderator,
        "editor": editor,
        "administrator": administrator,
    }


def _do(action, client, atlas, solve, people, role):
    fabrique, hub = atlas["fabrique"], atlas["hub"]
    if action == "propose":
        data = proposal_data()
        data["altcha"] = solve()
        response = client.post("/contribuer/", data)
        return response.status_code == 302 and Proposal.objects.exists()
    if action == "edit_managed_structure":
        return client.get(f"/structures/{fabrique.slug}/modifier/").status_code == 200
    if action == "edit_other_structure":
        return client.get(f"/structures/{hub.slug}/modifier/").status_code == 200
    if action == "moderate_queue":
        return client.get(reverse("admin:contributions_proposal_changelist")).status_code == 200
    if action == "accept_proposal":
        proposal = Proposal.objects.create(
            kind=Proposal.Kind.CORRECTION, structure=hub, payload={"acronym": "HDT"}
        )
        url = reverse("admin:contributions_proposal_moderate", args=[proposal.pk])
        form_page = client.get(url)
        if form_page.status_code != 200:
            return False
        form = form_page.context["form"]
        data = {
            k: v for k, v in ((n, form.initial.get(n)) for n in form.fields) if v not in (None, "")
        }
        client.post(url, {**data, "action": "accept"})
        proposal.refresh_from_db()
        return proposal.status == Proposal.Status.ACCEPTED
    if action == "revert_revision":
        revision = structure_edit(
            structure=hub,
            payload={"acronym": "X"},
            base_updated_at=hub.updated_at,
            user=people["administrator"],
        )
        client.post(reverse("admin:contributions_structurerevision_revert", args=[revision.pk]))
        return StructureRevision.objects.filter(origin="revert").exists()
    if action == "edit_vocabulary":
        return client.get(reverse("admin:structures_term_add")).status_code == 200
    if action == "publish_edition":
        client.post("/editions/publier/", {"title": "Édition de test"})
        return Edition.objects.exists()
    if action == "manage_accounts":
        return client.get(reverse("admin:auth_user_changelist")).status_code == 200
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_role_action_matrix(client, atlas, solve, people, role, action, lenient_templates):
    if people[role] is not None:
        client.force_login(people[role])
    assert _do(action, client, atlas, solve, people, role) is (role in ALLOWED[action])


def test_roles_are_groups_with_permissions(db):
    from django.contrib.auth.models import Group

    moderators = Group.objects.get(name="Modérateurs")
    codes = set(moderators.permissions.values_list("codename", flat=True))
    assert {"moderate_proposal", "revert_structurerevision", "change_structure"} <= codes
    assert "publish_edition" not in codes
    editors = set(Group.objects.get(name="Éditeurs").permissions.values_list("codename", flat=True))
    assert {"publish_edition", "add_term", "view_importrun"} <= editors
    user = make_user("x@exemple.org")
    assert not user.has_perm("contributions.moderate_proposal")
