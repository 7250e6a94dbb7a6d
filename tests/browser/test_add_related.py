"""Proposing a contact for a structure in a real browser: the consent rule explained, a
field-level error that keeps the input, the proof of work, then moderation."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from maillage.contributions.models import Proposal
from maillage.contributions.services import proposal_accept
from tests.browser.conftest import axe_violations
from tests.contributions.conftest import make_user
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def atlas(transactional_db, settings):
    settings.ALTCHA_MAX_NUMBER = 50
    settings.ALTCHA_COST = 10
    cache.clear()
    return build_atlas(load_vocabularies())


def test_propose_a_contact(page, live_server, atlas, screenshot, expected_error_urls):
    structure = atlas["fabrique"]
    url = live_server.url + f"/structures/{structure.slug}/ajouter/contact/"
    expected_error_urls.add(url)
    page.goto(live_server.url + structure.get_absolute_url())
    page.get_by_role("link", name="un contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposer un contact")
    assert axe_violations(page) == []

    page.get_by_label("Nom de la personne").fill("Lou Ouverte")
    page.get_by_label("Fonction").fill("Médiatrice numérique")
    page.get_by_label("Adresse e-mail de la personne").fill("lou@exemple.org")
    page.get_by_label("La personne a accepté que ces coordonnées soient publiées").check()
    widget = page.locator("altcha-widget")
    expect(widget.locator("[data-state='verified']")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name="Envoyer la proposition").click()

    # The consent date is missing: said next to the field, input kept.
    summary = page.get_by_role("alert").filter(has_text="Le formulaire n'a pas été envoyé")
    expect(summary).to_be_visible()
    expect(page.locator("#id_consent_date_error")).to_contain_text("date")
    expect(page.get_by_label("Fonction")).to_have_value("Médiatrice numérique")
    assert axe_violations(page) == []
    screenshot("add-contact-error")

    page.get_by_label("Date de son accord").fill("2026-10-02")
    expect(widget.locator("[data-state='verified']")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name="Envoyer la proposition").click()
    expect(page).to_have_url(re.compile(r"/contribuer/merci/"))

    proposal = Proposal.objects.get()
    assert proposal.payload["contacts"][0]["consent_date"] == "2026-10-02"
    proposal_accept(proposal=proposal, moderator=make_user("m@maillage.test"))
    page.goto(live_server.url + structure.get_absolute_url())
    expect(page.get_by_text("lou@exemple.org")).to_be_visible()


def test_propose_an_example_without_javascript(browser, live_server, atlas, settings):
    """With JavaScript off, the form asks a sum instead of the proof of work."""
    settings.LANGUAGE_CODE = "fr"
    structure = atlas["fabrique"]
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/structures/{structure.slug}/ajouter/exemple/")
        page.get_by_label("Titre de l'exemple").fill("Atelier vélo solidaire")
        question = page.get_by_label(re.compile(r"Combien font \d+ plus \d+"))
        expect(question).to_be_visible()
        label = page.locator("label", has_text="Combien font").inner_text()
        a, b = map(int, re.findall(r"\d+", label)[:2])
        question.fill(str(a + b))
        page.get_by_role("button", name="Envoyer la proposition").click()
        expect(page).to_have_url(re.compile(r"/contribuer/merci/"))
    finally:
        context.close()
    proposal = Proposal.objects.get()
    assert proposal.without_proof_of_work
    assert proposal.payload["value_examples"][0]["title"] == "Atelier vélo solidaire"
