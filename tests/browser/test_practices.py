"""Practice sheets in a real browser: an editor writes a sheet, previews it, publishes it,
and a visitor finds it in the list, on its page and on its structure's page."""

import re

import pytest
from playwright.sync_api import expect

from maillage.contributions.roles import EDITORS
from maillage.practices.models import PracticeSheet
from tests.browser.conftest import axe_violations
from tests.contributions.conftest import make_user
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-long"


@pytest.fixture
def atlas(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    atlas = build_atlas(load_vocabularies())
    make_user("editrice@maillage.test", role=EDITORS, password=PASSWORD)
    return atlas


def test_an_editor_writes_previews_and_publishes_a_sheet(
    page, live_server, atlas, screenshot, browser, expected_error_urls
):
    page.goto(live_server.url + "/compte/connexion/?next=/pratiques/nouvelle/")
    page.get_by_label("Adresse e-mail").fill("editrice@maillage.test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire une fiche pratique")

    page.get_by_label("Titre").fill("Hackathon des mobilités rurales")
    page.get_by_label("Nature de la pratique").select_option(label="Hackathon")
    page.get_by_label("Résumé").fill("Deux jours pour prototyper du covoiturage entre villages.")
    page.get_by_label("Récit").fill(
        "## Déroulé\n\nDes équipes **mixtes** ont prototypé.\n\n<script>alert(1)</script>"
    )
    page.get_by_label("Ce qu'elle a produit").fill("Trois prototypes.")
    page.get_by_label("Structures liées").fill("La Fabrique des communs")
    page.get_by_label("Mobilité", exact=True).check()
    page.get_by_label("Publiée").check()

    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_role("region", name="Aperçu (rien n'est encore enregistré)")
    expect(preview.get_by_role("heading", name="Déroulé")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("mixtes")
    assert PracticeSheet.objects.count() == 0
    # Everything typed is still in the form after the preview.
    expect(page.get_by_label("Titre")).to_have_value("Hackathon des mobilités rurales")
    expect(page.get_by_label("Mobilité", exact=True)).to_be_checked()
    assert axe_violations(page) == []
    screenshot("practice-form-preview")

    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/pratiques/hackathon-des-mobilites-rurales/$"))
    expect(page.get_by_text("La fiche est enregistrée et publiée.")).to_be_visible()

    # A visitor (another browser context, no session) finds it.
    visitor = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    public = visitor.new_page()
    public.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    try:
        public.goto(live_server.url + "/")
        public.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Pratiques"
        ).click()
        expect(public.get_by_role("heading", level=1)).to_have_text("Fiches pratiques")
        public.get_by_label("Mots recherchés").fill("prototypes covoit")
        public.get_by_role("button", name="Afficher les fiches").click()
        public.get_by_role("link", name="Hackathon des mobilités rurales").click()
        expect(public.get_by_role("heading", level=1)).to_have_text(
            "Hackathon des mobilités rurales"
        )
        expect(public.get_by_role("heading", name="Déroulé", exact=True)).to_be_visible()
        expect(public.get_by_role("link", name="Modifier la fiche pratique")).to_have_count(0)
        assert axe_violations(public) == []
        public.get_by_role("link", name="La Fabrique des communs").click()
        section = public.get_by_role("region", name="Fiches pratiques")
        expect(section.get_by_role("link", name="Hackathon des mobilités rurales")).to_be_visible()
        public.goto(live_server.url + "/pratiques/")
        assert axe_violations(public) == []
    finally:
        visitor.close()
    page.goto(live_server.url + "/pratiques/hackathon-des-mobilites-rurales/")
    screenshot("practice-detail")
    page.goto(live_server.url + "/pratiques/")
    screenshot("practice-list")
