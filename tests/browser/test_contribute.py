"""Proposing a structure in a real browser: the vocabularies, the live duplicate hints, the
ALTCHA widget solving its proof of work in the page, then moderation and publication."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from maillage.contributions.models import Proposal
from maillage.contributions.services import proposal_accept
from tests.browser.conftest import DESKTOP, MOBILE, axe_violations
from tests.contributions.conftest import make_user
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def atlas(transactional_db, settings):
    # A challenge the widget solves in a blink; the check itself is the real one.
    settings.ALTCHA_MAX_NUMBER = 50
    settings.ALTCHA_COST = 10
    cache.clear()
    return build_atlas(load_vocabularies())


def test_propose_a_structure_end_to_end(page, live_server, atlas, screenshot):
    page.goto(live_server.url + "/contribuer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposer une structure")
    assert axe_violations(page) == []
    screenshot("contribute-desktop")

    # Possible duplicates appear while typing.
    page.get_by_label("Nom de la structure").fill("Fabrique des communs")
    duplicates = page.get_by_role("region", name="Cette structure est peut-être déjà dans l'atlas")
    expect(duplicates.get_by_role("link", name="La Fabrique des communs")).to_be_visible()

    page.get_by_label("Nom de la structure").fill("Atelier partagé de Rezé")
    expect(duplicates).to_be_hidden()
    page.get_by_label("Type principal").select_option(label="Fablab / makerspace")
    page.get_by_label("Présentation en une phrase").fill("Un atelier ouvert à tous.")
    page.get_by_label("Commune").fill("Nantes")
    page.get_by_label("Mobilité", exact=True).check()
    page.get_by_label("Prototypage et fabrication").check()
    page.get_by_label("Votre adresse e-mail").fill("alex@exemple.org")

    # Filling the form started the proof of work (auto="onfocus"); it ends verified.
    widget = page.locator("altcha-widget")
    expect(widget.locator("[data-state='verified']")).to_have_count(1, timeout=20_000)
    expect(widget.get_by_text("Vérifié")).to_be_visible()
    assert page.locator("input[name='altcha']").input_value()
    screenshot("contribute-verified")
    page.get_by_role("button", name="Envoyer la proposition").click()

    expect(page).to_have_url(re.compile(r"/contribuer/merci/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Merci")
    proposal = Proposal.objects.get()
    assert proposal.payload["themes"] == ["mobilite"]
    assert proposal.payload["commune_code"] == "44109"

    # Nothing is public until a moderator accepts it.
    page.goto(live_server.url + "/recherche/?q=atelier+reze")
    expect(page.get_by_text("Atelier partagé de Rezé")).to_have_count(0)
    structure = proposal_accept(proposal=proposal, moderator=make_user("m@maillage.test"))
    page.goto(live_server.url + structure.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier partagé de Rezé")


def test_refused_form_keeps_input_and_explains(
    page, live_server, atlas, screenshot, expected_error_urls
):
    # A refused form answers 400, which the browser reports on its console.
    expected_error_urls.add(live_server.url + "/contribuer/")
    page.goto(live_server.url + "/contribuer/")
    page.get_by_label("Nom de la structure").fill("Atelier sans commune")
    page.get_by_label("Code postal").fill("44")
    page.get_by_role("button", name="Envoyer la proposition").click()
    summary = page.get_by_role("alert").filter(has_text="Le formulaire n'a pas été envoyé")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Nom de la structure")).to_have_value("Atelier sans commune")
    expect(page.locator("#id_postcode_error")).to_contain_text("5 chiffres")
    screenshot("contribute-errors")


def test_contribution_pages_on_a_phone(page, live_server, atlas, screenshot):
    page.set_viewport_size(MOBILE)
    for path, name in [
        ("/contribuer/", "contribute-mobile"),
        ("/structures/la-fabrique-des-communs/", "structure-contribute-mobile"),
        ("/compte/connexion/", "login-mobile"),
        ("/donnees-personnelles/", "personal-data-mobile"),
    ]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        screenshot(name)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/compte/connexion/")
    screenshot("login-desktop")
    page.goto(live_server.url + "/structures/la-fabrique-des-communs/")
    screenshot("structure-contribute-desktop")
