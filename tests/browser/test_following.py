"""Subscribing to the e-mail digest in a real browser: the form, its anti-robot check solved
in the page, the confirmation e-mail and page; and the /flux/ page's feed address builder."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from maillage.following.models import Subscription
from tests.browser.conftest import axe_violations
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def atlas(transactional_db, settings):
    settings.ALTCHA_MAX_NUMBER = 50
    settings.ALTCHA_COST = 10
    settings.SITE_URL = "https://maillage.test"
    cache.clear()
    return build_atlas(load_vocabularies())


def test_subscribe_to_the_digest(page, live_server, atlas, screenshot):
    page.goto(live_server.url + "/flux/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivre les nouveautés")
    page.get_by_label("Mobilité", exact=True).check()
    page.get_by_role("button", name="Afficher les adresses des flux").click()
    expect(
        page.get_by_text(live_server.url + "/flux/structures.atom?theme=mobilite")
    ).to_be_visible()
    assert axe_violations(page) == []
    screenshot("following-feeds")

    page.get_by_role("link", name="Recevoir cette sélection par e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recevoir les nouveautés par e-mail")
    expect(page.get_by_label("Mobilité", exact=True)).to_be_checked()
    assert axe_violations(page) == []
    page.get_by_label("Votre adresse e-mail").fill("lou@exemple.org")
    page.get_by_label("Région").select_option(label="Pays de la Loire")
    page.get_by_label("chaque jour").check()
    widget = page.locator("altcha-widget")
    expect(widget.locator("[data-state='verified']")).to_have_count(1, timeout=20_000)
    screenshot("following-subscribe")
    page.get_by_role("button", name="M'abonner").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre adresse")
    subscription = Subscription.objects.get()
    assert subscription.filters == {"region": ["52"], "theme": ["mobilite"]}
    assert subscription.frequency == "daily"
    assert not subscription.is_confirmed
    assert len(mail.outbox) == 1

    link = re.search(
        r"https://maillage\.test(/flux/abonnement/confirmer/\S+/)", mail.outbox[0].body
    )
    page.goto(live_server.url + link.group(1))
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement confirmé")
    assert axe_violations(page) == []
    subscription.refresh_from_db()
    assert subscription.is_confirmed
