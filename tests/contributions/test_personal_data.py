"""Contacts and personal data: hidden without consent, reachable through a relay, removed
on request everywhere (editions included), and purged after their retention period."""

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from maillage.contributions.editions import edition_document, edition_publish
from maillage.contributions.models import ErasureRequest, StructureRevision
from maillage.contributions.personal_data import email_hash
from maillage.contributions.services import structure_edit
from maillage.exports.published import published_file_path, published_files
from maillage.structures.models import Contact

pytestmark = pytest.mark.django_db


def test_unconsented_contacts_are_reached_through_the_relay(client, atlas, solve):
    structure = atlas["fabrique"]
    page = client.get(structure.get_absolute_url())
    assertNotContains(page, "secret@example.org")
    form = client.get(f"/structures/{structure.slug}/contacter/")
    assertContains(form, "sans vous montrer leur adresse")
    assertNotContains(form, "secret@example.org")
    response = client.post(
        f"/structures/{structure.slug}/contacter/",
        {
            "sender_name": "Élue de Rezé",
            "sender_email": "elue@reze.example",
            "message": "Pouvons-nous nous rencontrer ?",
            "altcha": solve(),
        },
    )
    assertContains(response, "Message transmis")
    (message,) = mail.outbox
    assert message.bcc == ["camille@fabrique-des-communs.example", "secret@example.org"]
    assert message.to == []
    assert message.reply_to == ["elue@reze.example"]
    assert "Pouvons-nous nous rencontrer ?" in message.body


def test_the_relay_has_the_same_spam_checks(client, atlas, solve):
    structure = atlas["fabrique"]
    url = f"/structures/{structure.slug}/contacter/"
    data = {"sender_name": "Bot", "sender_email": "bot@spam.example", "message": "Achetez"}
    assertContains(client.post(url, data), "anti-robot", status_code=400)
    data.update(altcha=solve(), site_web_confirmation="x")
    assert client.post(url, data).status_code == 400
    assert mail.outbox == []


def test_a_structure_without_contact_says_so(client, atlas):
    response = client.get(f"/structures/{atlas['hub'].slug}/contacter/")
    assertContains(response, "pas encore de contact")


def test_removal_on_request_everywhere(
    client, atlas, solve, manager, django_capture_on_commit_callbacks
):
    structure = atlas["fabrique"]
    edition = edition_publish(title="Édition avec Camille")
    structure_edit(
        structure=structure,
        payload={"acronym": "LFC"},
        base_updated_at=structure.updated_at,
        user=manager,
    )
    written_before = published_files().version
    address = "camille@fabrique-des-communs.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/donnees-personnelles/", {"email": address.upper(), "altcha": solve()}
        )
    assertContains(response, "Vérifiez votre messagerie")
    request = ErasureRequest.objects.get()
    assert request.email_hash == email_hash(address)
    assert address not in json.dumps(list(ErasureRequest.objects.values()), default=str)
    assert Contact.objects.filter(email=address).exists()  # nothing before confirmation
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/confirmer/" in line)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.get(link.replace("https://maillage.test", ""))
    assertContains(done, "Vos données sont supprimées")

    assert not Contact.objects.filter(email__iexact=address).exists()
    assert Contact.objects.filter(email="secret@example.org").exists()
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.DONE
    assert request.contacts_removed == 1 and request.editions_rewritten == 1
    edition.refresh_from_db()
    assert address not in json.dumps(edition_document(edition))
    assert edition.rewritten_at is not None
    assert address not in client.get(f"/editions/{edition.slug}/donnees.csv").content.decode()
    for revision in StructureRevision.objects.all():
        assert address not in json.dumps([revision.before, revision.after])
    api = client.get(f"/api/v1/structures/{structure.uid}").json()
    assert api["contacts"] == []
    assertNotContains(client.get(structure.get_absolute_url()), "Camille Martin")
    # The files written before the erasure are gone; the new ones do not hold the address.
    assert published_file_path(version=written_before, name="maillage-structures.json") is None
    version = published_files().version
    path = published_file_path(version=version, name="maillage-structures.json")
    assert address not in path.read_text()
    # A second click changes nothing and says it is done.
    assert client.get(link.replace("https://maillage.test", "")).status_code == 200


def test_a_forged_removal_link_is_refused(client, atlas):
    assertContains(
        client.get("/donnees-personnelles/confirmer/faux/"), "pas valable", status_code=400
    )


def test_purge_contacts_after_the_retention_period(
    atlas, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_RETENTION_DAYS = 365
    old = timezone.now() - dt.timedelta(days=400)
    Contact.objects.filter(name="Camille Martin").update(consent_recorded_at=old)
    Contact.objects.filter(name="Dominique Secret").update(consent_recorded_at=timezone.now())
    written_before = published_files().version
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_contacts")
    assert list(Contact.objects.values_list("name", flat=True)) == ["Dominique Secret"]
    # The downloads that held the expired contact are withdrawn at once.
    assert published_file_path(version=written_before, name="maillage-structures.json") is None
    revision = StructureRevision.objects.get(origin=StructureRevision.Origin.RETENTION)
    assert revision.changed_fields == ["contacts"]


def test_purge_contacts_rewrites_past_editions_and_the_history(client, atlas, settings, editor):
    import gzip

    settings.CONTACT_RETENTION_DAYS = 365
    structure = atlas["fabrique"]
    # A change recorded while the contact was published keeps it in the history's snapshots.
    structure_edit(
        structure=structure,
        payload={"acronym": "LFC"},
        base_updated_at=structure.updated_at,
        user=editor,
    )
    edition = edition_publish(title="Première édition", user=editor)
    old_sha = edition.sha256
    frozen = next(i for i in edition_document(edition)["structures"] if i["id"] == structure.uid)
    assert [c["email"] for c in frozen["contacts"]] == ["camille@fabrique-des-communs.example"]

    old = timezone.now() - dt.timedelta(days=400)
    Contact.objects.filter(name="Camille Martin").update(consent_recorded_at=old)
    out = io.StringIO()
    call_command("purge_contacts", stdout=out)
    assert "1 contact(s) removed" in out.getvalue()
    assert "1 past edition file(s) rewritten" in out.getvalue()

    edition.refresh_from_db()
    assert edition.sha256 != old_sha and edition.rewritten_at is not None
    for name in ("json", "csv", "geojson"):
        data = client.get(f"/editions/{edition.slug}/donnees.{name}").content.decode("utf-8-sig")
        assert "camille@fabrique-des-communs.example" not in data
        assert "Camille Martin" not in data
        assert "La Fabrique des communs" in data
    raw = gzip.decompress(bytes(edition.data_gz))
    assert json.loads(raw)["structures"] and b"Camille" not in raw
    for revision in StructureRevision.objects.filter(structure=structure):
        assert "camille@" not in json.dumps([revision.before, revision.after])
    # An edition without the contact is left as it was.
    second = edition_publish(title="Deuxième édition", user=editor)
    call_command("purge_contacts", stdout=io.StringIO())
    second.refresh_from_db()
    assert second.rewritten_at is None
