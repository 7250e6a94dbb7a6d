"""Proposing a related record of a structure (partner, example, contact, initiative):
public forms with the spam checks, the moderation queue, acceptance that appends without
overwriting, and the consent rule for contacts."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from maillage.contributions.models import Proposal, StructureRevision
from maillage.contributions.personal_data import person_erase
from maillage.contributions.services import proposal_accept
from maillage.exports.serialize import export_queryset, nested_object
from maillage.structures.models import Contact, Structure

pytestmark = pytest.mark.django_db


def _url(structure, segment):
    return reverse("contributions:add_related", args=[structure.slug, segment])


def _exported(structure):
    (item,) = [
        nested_object(s)
        for s in export_queryset(Structure.objects.filter(pk=structure.pk), nested=True)
    ]
    return item


def test_the_structure_page_offers_the_four_forms(client, atlas):
    structure = atlas["fabrique"]
    html = client.get(structure.get_absolute_url()).content.decode()
    for segment in ("partenaire", "exemple", "contact", "initiative"):
        assert _url(structure, segment) in html
    assert client.get(_url(structure, "inconnu")).status_code == 404
    assert client.get(_url(atlas["pending"], "partenaire")).status_code == 404


def test_a_partner_waits_for_moderation_then_is_added_beside_the_others(
    client, atlas, solve, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    structure = atlas["fabrique"]
    before = list(structure.partners.values_list("name", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(structure, "partenaire"),
            {
                "name": "Région Pays de la Loire",
                "kind": "collectivites",
                "proposer_email": "alex@exemple.org",
                "altcha": solve(),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.get()
    assert proposal.kind == Proposal.Kind.ADDITION
    assert proposal.payload == {
        "partners": [{"name": "Région Pays de la Loire", "kind": "collectivites"}]
    }
    # Published nowhere yet.
    assert (
        "Région Pays de la Loire" not in client.get(structure.get_absolute_url()).content.decode()
    )
    assert len(mailoutbox) == 1 and "Ajout proposé" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        proposal_accept(proposal=proposal, moderator=moderator)
    names = list(structure.partners.values_list("name", flat=True))
    assert sorted(names) == sorted([*before, "Région Pays de la Loire"])
    assert "Région Pays de la Loire" in client.get(structure.get_absolute_url()).content.decode()
    revision = StructureRevision.objects.get(proposal=proposal)
    assert revision.changed_fields == ["partners"]
    assert "publiée" in mailoutbox[-1].subject


def test_two_additions_accepted_in_turn_both_stay(atlas, moderator):
    structure = atlas["fabrique"]
    first, second = (
        Proposal.objects.create(
            kind=Proposal.Kind.ADDITION,
            structure=structure,
            payload={"value_examples": [{"title": title, "description": ""}]},
        )
        for title in ("Atelier vélo", "Repair café")
    )
    proposal_accept(proposal=second, moderator=moderator)
    proposal_accept(proposal=first, moderator=moderator)
    titles = set(structure.value_examples.values_list("title", flat=True))
    assert {"Atelier vélo", "Repair café"} <= titles


def test_an_initiative_with_bad_dates_keeps_the_input_and_says_where(client, atlas, solve):
    structure = atlas["fabrique"]
    response = client.post(
        _url(structure, "initiative"),
        {
            "title": "Masques en tissu",
            "description": "Un texte <em>long</em> à ne pas perdre.",
            "category": "equipements",
            "started_on": "2020-05-01",
            "ended_on": "2020-03-01",
            "altcha": solve(),
        },
    )
    assertContains(response, "La date de fin précède la date de début.", status_code=400)
    assertContains(response, 'href="#id_ended_on"', status_code=400)
    html = response.content.decode()
    assert 'value="Masques en tissu"' in html
    assert "Un texte &lt;em&gt;long&lt;/em&gt; à ne pas perdre." in html
    response = client.post(
        _url(structure, "initiative"),
        {"title": "Masques", "started_on": "2020-13-45", "altcha": solve()},
    )
    assert response.status_code == 400
    assert "started_on" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_a_contact_without_consent_needs_an_address_and_is_never_published(
    client, atlas, solve, moderator
):
    structure = atlas["fabrique"]
    url = _url(structure, "contact")
    response = client.post(url, {"name": "Sam Discret", "altcha": solve()})
    assertContains(response, "son adresse e-mail est nécessaire", status_code=400)
    response = client.post(
        url, {"name": "Sam Discret", "email": "Sam@Exemple.org", "altcha": solve()}
    )
    assert response.status_code == 302
    proposal_accept(proposal=Proposal.objects.get(), moderator=moderator)
    contact = Contact.objects.get(name="Sam Discret")
    assert not contact.publication_consent and contact.consent_recorded_at is None
    assert contact.email == "sam@exemple.org"
    page = client.get(structure.get_absolute_url()).content.decode()
    assert "Sam Discret" not in page and "sam@exemple.org" not in page
    assert all(c["name"] != "Sam Discret" for c in _exported(structure)["contacts"])
    history = client.get(reverse("contributions:history", args=[structure.slug]))
    assert "sam@exemple.org" not in history.content.decode()
    assert "Contact non publié ajouté" in history.content.decode()
    # The relay form reaches them.
    from maillage.contributions.personal_data import relay_recipients

    assert "sam@exemple.org" in relay_recipients(structure)


def test_a_consented_contact_needs_the_date_and_is_published_with_it(
    client, atlas, solve, moderator
):
    structure = atlas["fabrique"]
    url = _url(structure, "contact")
    data = {
        "name": "Lou Ouverte",
        "role": "Médiatrice",
        "email": "lou@exemple.org",
        "publication_consent": "on",
        "altcha": solve(),
    }
    response = client.post(url, data)
    assertContains(
        response, "Indiquez la date à laquelle la personne a donné son accord", status_code=400
    )
    assert 'value="lou@exemple.org"' in response.content.decode()
    response = client.post(url, {**data, "consent_date": "2099-01-01", "altcha": solve()})
    assertContains(response, "ne peut pas être dans le futur", status_code=400)
    response = client.post(url, {**data, "consent_date": "2026-10-02", "altcha": solve()})
    assert response.status_code == 302
    proposal_accept(proposal=Proposal.objects.get(), moderator=moderator)
    contact = Contact.objects.get(name="Lou Ouverte")
    assert contact.publication_consent
    assert contact.consent_recorded_at.date().isoformat() == "2026-10-02"
    assert "lou@exemple.org" in client.get(structure.get_absolute_url()).content.decode()


def test_the_spam_checks_apply(client, atlas, solve, mailoutbox):
    structure = atlas["fabrique"]
    url = _url(structure, "exemple")
    response = client.post(url, {"title": "Un exemple"})
    assertContains(response, "La vérification anti-robot n&#x27;a pas été faite", status_code=400)
    assert 'value="Un exemple"' in response.content.decode()
    response = client.post(
        url, {"title": "Un exemple", "site_web_confirmation": "x", "altcha": solve()}
    )
    assert response.status_code == 400
    assert not Proposal.objects.exists() and not mailoutbox


def test_moderator_edits_then_accepts_an_addition(atlas, admin_client, lenient_templates):
    structure = atlas["fabrique"]
    proposal = Proposal.objects.create(
        kind=Proposal.Kind.ADDITION,
        structure=structure,
        payload={"partners": [{"name": "Metropole de Nantes", "kind": ""}]},
    )
    url = reverse("admin:contributions_proposal_moderate", args=[proposal.pk])
    page = admin_client.get(url)
    (row,) = page.context["rows"]
    assert row["title"] == "Partenaires"
    assert "Metropole de Nantes" in row["after"] and "Metropole de Nantes" not in row["before"]
    response = admin_client.post(
        url, {"action": "accept", "name": "Nantes Métropole", "kind": "collectivites"}
    )
    assert response.status_code == 302
    assert structure.partners.filter(name="Nantes Métropole", kind__slug="collectivites").exists()
    proposal.refresh_from_db()
    assert proposal.payload["partners"][0]["name"] == "Nantes Métropole"


def test_erasure_removes_a_proposed_contact(atlas):
    structure = atlas["fabrique"]
    Proposal.objects.create(
        kind=Proposal.Kind.ADDITION,
        structure=structure,
        payload={"contacts": [{"name": "Sam", "email": "sam@exemple.org"}]},
    )
    person_erase(email="SAM@exemple.org")
    assert not Proposal.objects.exists()
