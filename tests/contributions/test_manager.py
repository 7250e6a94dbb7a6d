"""Structure managers: claiming a structure, editing it directly, and never silently
overwriting someone else's change."""

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains

from maillage.contributions.models import StructureManager
from maillage.contributions.roles import MANAGERS
from maillage.contributions.services import structure_edit
from tests.contributions.conftest import make_user

pytestmark = pytest.mark.django_db


def test_claim_by_a_link_sent_to_the_structure_domain(
    client, atlas, member, django_capture_on_commit_callbacks
):
    structure = atlas["fabrique"]
    client.force_login(member)
    url = f"/structures/{structure.slug}/gerer/"
    assertContains(client.get(url), "@fabrique-des-communs.example")
    response = client.post(url, {"email": "direction@gmail.example"})
    assertContains(response, "domaine du site", status_code=400)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Direction@Fabrique-des-Communs.example"})
    assert response.status_code == 200
    claim = StructureManager.objects.get()
    assert claim.status == StructureManager.Status.PENDING
    (message,) = mail.outbox
    assert message.bcc == ["direction@fabrique-des-communs.example"]
    link = next(line for line in message.body.splitlines() if "/gerer/confirmer/" in line)
    confirm = client.get(link.replace("https://maillage.test", ""))
    assert confirm.status_code == 200
    claim.refresh_from_db()
    assert claim.status == StructureManager.Status.CONFIRMED
    assert member.groups.filter(name=MANAGERS).exists()
    assert client.get(f"/structures/{structure.slug}/modifier/").status_code == 200


def test_a_forged_claim_link_is_refused(client, atlas):
    assert client.get("/gerer/confirmer/nimporte-quoi/").status_code == 400


def test_claim_without_domain_goes_to_moderators(
    client, atlas, member, moderator, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/structures/{atlas['hub'].slug}/gerer/", {"message": "Je suis la directrice."}
        )
    claim = StructureManager.objects.get()
    assert claim.method == StructureManager.Method.MODERATOR
    assert mail.outbox[0].bcc == ["moderatrice@maillage.test"]


def test_claiming_needs_an_account(client, atlas):
    response = client.get(f"/structures/{atlas['hub'].slug}/gerer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_manager_edits_and_publishes_directly(client, atlas, manager):
    structure = atlas["fabrique"]
    client.force_login(manager)
    form = client.get(f"/structures/{structure.slug}/modifier/").context["form"]
    data = {
        k: v for k, v in form.initial.items() if v not in (None, "") and not isinstance(v, list)
    }
    data["twitter"] = ""
    data["short_description"] = "Nouvelle présentation."
    data["confirm_current"] = "on"
    response = client.post(f"/structures/{structure.slug}/modifier/", data)
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.short_description == "Nouvelle présentation."
    assert structure.verified_by == "Prénom Nom"
    page = client.get(structure.get_absolute_url())
    assertContains(page, "Nouvelle présentation.")
    assertContains(page, "La fiche est enregistrée et publiée.")


def test_two_people_editing_never_silently_overwrite_each_other(client, atlas, manager, moderator):
    structure = atlas["fabrique"]
    client.force_login(manager)
    form = client.get(f"/structures/{structure.slug}/modifier/").context["form"]
    opened = {
        k: v for k, v in form.initial.items() if v not in (None, "") and not isinstance(v, list)
    }
    opened["twitter"] = ""
    # Meanwhile a moderator changes the acronym.
    structure_edit(
        structure=structure,
        payload={"acronym": "MOD"},
        base_updated_at=structure.updated_at,
        user=moderator,
    )
    opened["short_description"] = "Ma version."
    response = client.post(f"/structures/{structure.slug}/modifier/", opened)
    assert response.status_code == 409
    assertContains(response, "a modifié la fiche pendant que vous l", status_code=409)
    assertContains(response, "MOD", status_code=409)
    assertContains(response, 'value="Ma version."', status_code=409)
    structure.refresh_from_db()
    assert structure.acronym == "MOD"
    assert structure.short_description != "Ma version."
    # Saving again, now knowingly, from the refreshed version.
    again = dict(opened, version=response.context["form"]["version"].value(), acronym="MOD")
    assert client.post(f"/structures/{structure.slug}/modifier/", again).status_code == 302
    structure.refresh_from_db()
    assert (structure.acronym, structure.short_description) == ("MOD", "Ma version.")


def test_a_manager_of_another_structure_cannot_edit(client, atlas, manager):
    client.force_login(manager)
    response = client.get(f"/structures/{atlas['hub'].slug}/modifier/")
    assertContains(response, "Modification réservée", status_code=403)


def test_structure_page_links(client, atlas, manager):
    structure = atlas["fabrique"]
    page = client.get(structure.get_absolute_url())
    assertContains(page, f'href="/structures/{structure.slug}/corriger/"')
    assertContains(page, f'href="/structures/{structure.slug}/contacter/"')
    assertContains(page, f'href="/structures/{structure.slug}/gerer/"')
    client.force_login(manager)
    page = client.get(structure.get_absolute_url())
    assertContains(page, f'href="/structures/{structure.slug}/modifier/"')
    other = make_user("autre@exemple.org")
    client.force_login(other)
    page = client.get(structure.get_absolute_url())
    assert f'href="/structures/{structure.slug}/modifier/"' not in page.content.decode()
    assert (
        reverse("contributions:edit", args=[structure.slug])
        == f"/structures/{structure.slug}/modifier/"
    )
