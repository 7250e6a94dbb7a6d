"""Visitors without JavaScript can still contribute: the form's <noscript> asks a sum
instead of the proof of work; what passes that way is single use, held to a stricter rate,
and reaches moderators flagged « sans vérification anti-robot »."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains

from maillage.contributions import spam
from maillage.contributions.models import Proposal
from tests.contributions.conftest import proposal_data

pytestmark = pytest.mark.django_db

PROPOSE = "/contribuer/"


def _question(html: str) -> tuple[str, int]:
    """(token, right answer) read from the <noscript> part of a form, as a person would."""
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    token = re.search(rf'name="{spam.FALLBACK_TOKEN_FIELD}" value="([^"]+)"', noscript).group(1)
    a, b = map(int, re.search(r"Combien font (\d+) plus (\d+)", noscript).groups())
    return token, a + b


def test_a_proposal_without_javascript_is_queued_and_flagged(
    client, atlas, moderator, django_capture_on_commit_callbacks
):
    token, answer = _question(client.get(PROPOSE).content.decode())
    data = proposal_data(
        **{spam.FALLBACK_TOKEN_FIELD: token, spam.FALLBACK_ANSWER_FIELD: str(answer)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROPOSE, data)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.without_proof_of_work
    assert "sans vérification anti-robot" in mail.outbox[0].body
    # The same answer cannot be sent twice.
    response = client.post(PROPOSE, {**data, "name": "Autre atelier"})
    assertContains(response, "Cette question anti-robot a déjà servi", status_code=400)
    assert Proposal.objects.count() == 1


def test_the_moderation_page_shows_the_flag(atlas, admin_client, lenient_templates):
    proposal = Proposal.objects.create(
        kind=Proposal.Kind.NEW, payload={"name": "Sans JS"}, without_proof_of_work=True
    )
    page = admin_client.get(reverse("admin:contributions_proposal_moderate", args=[proposal.pk]))
    assertContains(page, "Sans vérification anti-robot")


def test_a_wrong_or_missing_answer_keeps_the_input_and_asks_again(client, atlas):
    token, answer = _question(client.get(PROPOSE).content.decode())
    data = proposal_data(
        **{spam.FALLBACK_TOKEN_FIELD: token, spam.FALLBACK_ANSWER_FIELD: str(answer + 1)}
    )
    response = client.post(PROPOSE, data)
    assertContains(response, "La réponse au calcul n&#x27;est pas la bonne", status_code=400)
    html = response.content.decode()
    assert 'value="Atelier partagé de Rezé"' in html
    new_token, _answer = _question(html)
    assert new_token != token
    response = client.post(PROPOSE, {**data, spam.FALLBACK_ANSWER_FIELD: ""})
    assertContains(response, "Répondez au calcul", status_code=400)
    response = client.post(PROPOSE, {**data, spam.FALLBACK_TOKEN_FIELD: "forgé"})
    assertContains(response, "a échoué", status_code=400)
    assert not Proposal.objects.exists()


def test_the_fallback_has_a_stricter_rate_limit(client, atlas, settings):
    settings.CONTRIBUTION_RATE_LIMIT = 10
    assert spam.fallback_rate_limit() == 2
    for number in range(3):
        token, answer = _question(client.get(PROPOSE).content.decode())
        data = proposal_data(
            name=f"Atelier {number}",
            **{spam.FALLBACK_TOKEN_FIELD: token, spam.FALLBACK_ANSWER_FIELD: str(answer)},
        )
        response = client.post(PROPOSE, data)
    assertContains(response, "Trop d&#x27;envois sans vérification anti-robot", status_code=400)
    assert 'value="Atelier 2"' in response.content.decode()
    assert Proposal.objects.count() == 2


def test_an_expired_question_is_refused(client, atlas, settings):
    token, answer = _question(client.get(PROPOSE).content.decode())
    settings.ALTCHA_EXPIRES_SECONDS = -1
    assert spam.fallback_check(token, str(answer)) is spam.ChallengeProblem.EXPIRED


def test_a_related_addition_and_the_relay_work_without_javascript(client, atlas):
    structure = atlas["fabrique"]
    url = reverse("contributions:add_related", args=[structure.slug, "exemple"])
    token, answer = _question(client.get(url).content.decode())
    response = client.post(
        url,
        {
            "title": "Un exemple",
            spam.FALLBACK_TOKEN_FIELD: token,
            spam.FALLBACK_ANSWER_FIELD: str(answer),
        },
    )
    assert response.status_code == 302
    assert Proposal.objects.get().without_proof_of_work
    contact = f"/structures/{structure.slug}/contacter/"
    token, answer = _question(client.get(contact).content.decode())
    response = client.post(
        contact,
        {
            "sender_name": "Alex",
            "sender_email": "alex@exemple.org",
            "message": "Bonjour",
            spam.FALLBACK_TOKEN_FIELD: token,
            spam.FALLBACK_ANSWER_FIELD: str(answer),
        },
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1


def test_with_javascript_the_question_is_inert(client, atlas, solve):
    # The proof of work, when sent, is what counts (the <noscript> fields are not sent).
    response = client.post(PROPOSE, proposal_data(altcha=solve()))
    assert response.status_code == 302
    assert not Proposal.objects.get().without_proof_of_work
