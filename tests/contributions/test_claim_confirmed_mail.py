"""A moderator's confirmation of a claim e-mails the claimant, in the language they used
on the site when they asked (French, or English)."""

import pytest
from django.core import mail
from django.urls import reverse

from maillage.contributions.models import StructureManager

pytestmark = pytest.mark.django_db


def _claim(client, structure, django_capture_on_commit_callbacks, language=None):
    if language:
        client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/structures/{structure.slug}/gerer/", {"message": "Je la dirige."})
    mail.outbox.clear()
    return StructureManager.objects.get()


def _confirm(admin_client, claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:contributions_structuremanager_changelist"),
            {"action": "confirm", "_selected_action": [claim.pk]},
        )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        (None, "Vous gérez désormais « Hub des territoires »", "Modifier la fiche"),
        ("en", "You now manage “Hub des territoires”", "Edit the record"),
    ],
)
def test_moderator_confirmation_mails_the_claimant_in_their_language(
    client,
    admin_client,
    atlas,
    member,
    settings,
    django_capture_on_commit_callbacks,
    language,
    subject,
    phrase,
):
    structure = atlas["hub"]
    client.force_login(member)
    claim = _claim(client, structure, django_capture_on_commit_callbacks, language)
    assert claim.language == (language or "fr")
    _confirm(admin_client, claim, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    assert claim.status == StructureManager.Status.CONFIRMED
    (message,) = mail.outbox
    assert message.bcc == [member.email]
    assert message.subject == f"[Maillage] {subject}"
    assert phrase in message.body
    assert f"https://maillage.test/structures/{structure.slug}/modifier/" in message.body


def test_confirming_from_the_change_form_also_mails(
    client, admin_client, atlas, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    claim = _claim(client, atlas["hub"], django_capture_on_commit_callbacks)
    url = reverse("admin:contributions_structuremanager_change", args=[claim.pk])
    data = {
        "user": member.pk,
        "structure": claim.structure.pk,
        "status": "confirmed",
        "method": claim.method,
        "claim_email": "",
        "message": claim.message,
        "language": claim.language,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.status == StructureManager.Status.CONFIRMED and claim.confirmed_at
    assert len(mail.outbox) == 1


def test_a_claim_confirmed_by_its_own_link_sends_no_second_mail(
    client, atlas, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/structures/{atlas['fabrique'].slug}/gerer/",
            {"email": "direction@fabrique-des-communs.example"},
        )
    (link_mail,) = mail.outbox
    link = next(line for line in link_mail.body.splitlines() if "/gerer/confirmer/" in line)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(link.replace("https://maillage.test", ""))
    assert len(mail.outbox) == 1
