"""The public history page of a structure: dated changes by role, never a name or an
e-mail address, field by field in French, values escaped, the editions carrying them, and
a revert button for moderators only."""

import pytest
from django.urls import reverse

from maillage.contributions.editions import edition_publish
from maillage.contributions.history import author_pseudonym
from maillage.contributions.models import Proposal
from maillage.contributions.services import proposal_accept, structure_edit

pytestmark = pytest.mark.django_db


def _edit(structure, user, **payload):
    structure.refresh_from_db()
    return structure_edit(
        structure=structure, payload=payload, base_updated_at=structure.updated_at, user=user
    )


def test_history_lists_changes_by_role_without_names_or_addresses(client, atlas, manager):
    structure = atlas["fabrique"]
    _edit(structure, manager, acronym="<b>LFC</b>", themes=["mobilite"])
    page = client.get(reverse("contributions:history", args=[structure.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gestionnaire de la structure" in html
    assert author_pseudonym(manager.pk) in html
    # Neither the account's e-mail nor its name is shown.
    assert manager.email not in html
    assert "Prénom Nom" not in html
    # French field titles, term labels, escaped values.
    assert "Sigle" in html and "Thématiques" in html
    assert "&lt;b&gt;LFC&lt;/b&gt;" in html and "<b>LFC</b>" not in html
    rows = page.context["entries"][0].rows
    themes = next(row for row in rows if row.name == "themes")
    assert "Inclusion numérique" in themes.before
    assert themes.after == "Mobilité"


def test_the_structure_page_links_to_its_history(client, atlas):
    structure = atlas["fabrique"]
    page = client.get(structure.get_absolute_url())
    assert reverse("contributions:history", args=[structure.slug]) in page.content.decode()


def test_accepted_proposal_shows_without_the_proposers_identity(client, atlas, moderator):
    structure = atlas["fabrique"]
    proposal = Proposal.objects.create(
        kind=Proposal.Kind.CORRECTION,
        structure=structure,
        payload={"legal_form": "SCIC"},
        proposer_name="Alex Contributeur",
        proposer_email="alex@exemple.org",
    )
    proposal_accept(proposal=proposal, moderator=moderator)
    html = client.get(reverse("contributions:history", args=[structure.slug])).content.decode()
    assert "Proposition du public acceptée par la modération" in html
    assert "SCIC" in html and "Association loi 1901" in html
    for secret in ("Alex", "alex@exemple.org", moderator.email):
        assert secret not in html


def test_contacts_show_by_name_never_by_address(client, atlas, manager):
    structure = atlas["fabrique"]
    contact = structure.contacts.filter(publication_consent=True).first()
    assert contact is not None and contact.email
    structure.contacts.filter(pk=contact.pk).delete()
    from maillage.contributions.records import structure_snapshot
    from maillage.contributions.services import revision_record

    before = structure_snapshot(structure.pk)
    before["contacts"] = [
        {"name": contact.name, "role": contact.role, "email": contact.email, "phone": "0102"}
    ]
    revision_record(structure=structure, before=before, origin="moderator", author=manager)
    html = client.get(reverse("contributions:history", args=[structure.slug])).content.decode()
    assert contact.name in html
    assert contact.email not in html and "0102" not in html


def test_history_names_the_editions_carrying_each_change(client, atlas, manager, editor):
    structure = atlas["fabrique"]
    _edit(structure, manager, acronym="V1")
    first = edition_publish(title="Première édition", user=editor)
    _edit(structure, manager, acronym="V2")
    page = client.get(reverse("contributions:history", args=[structure.slug]))
    newest, older = page.context["entries"][0], page.context["entries"][1]
    assert newest.editions == []
    assert older.editions == [first]
    assert "Première édition" in page.content.decode()


def test_only_moderators_see_and_use_the_revert_button(client, atlas, manager, moderator):
    structure = atlas["fabrique"]
    revision = _edit(structure, manager, acronym="LFC")
    url = reverse("contributions:history", args=[structure.slug])
    revert = reverse("admin:contributions_structurerevision_revert", args=[revision.pk])
    assert revert not in client.get(url).content.decode()
    client.force_login(manager)
    assert revert not in client.get(url).content.decode()
    assert client.post(revert, {"next": url}).status_code in (302, 403)
    structure.refresh_from_db()
    assert structure.acronym == "LFC"
    client.force_login(moderator)
    assert revert in client.get(url).content.decode()
    response = client.post(revert, {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    structure.refresh_from_db()
    assert structure.acronym == "FDC"
    page = client.get(url)
    assert "La modification est annulée." in page.content.decode()
    assert "Modération (retour arrière)" in page.content.decode()


def test_revert_does_not_follow_an_outside_next(client, atlas, manager, moderator):
    structure = atlas["fabrique"]
    revision = _edit(structure, manager, acronym="LFC")
    client.force_login(moderator)
    response = client.post(
        reverse("admin:contributions_structurerevision_revert", args=[revision.pk]),
        {"next": "https://ailleurs.example/"},
    )
    assert response["Location"] == reverse("admin:contributions_structurerevision_changelist")


def test_history_of_an_unknown_or_pending_structure_is_404(client, atlas):
    assert client.get(reverse("contributions:history", args=["inconnue"])).status_code == 404
    pending = atlas["pending"]
    assert client.get(reverse("contributions:history", args=[pending.slug])).status_code == 404


def test_empty_history_says_so(client, atlas):
    page = client.get(reverse("contributions:history", args=[atlas["hub"].slug]))
    assert "Aucune modification" in page.content.decode()
