"""The public pages in a real browser: home, search, structure page, language switch."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, MOBILE, axe_violations
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def atlas(transactional_db):
    return build_atlas(load_vocabularies())


def test_search_from_home_then_open_a_structure(page, live_server, atlas, screenshot):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("atlas ouvert")
    expect(page.locator(".hero__number")).to_have_text("7")
    screenshot("home-desktop")

    page.get_by_label("Rechercher une structure").fill("energie renouvelable")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/recherche/\?q=energie\+renouvelable"))
    expect(page.get_by_role("status")).to_contain_text("2 structures")
    results = page.get_by_role("list").filter(has=page.locator(".structure-card"))
    expect(results.get_by_role("link").first).to_have_text("Énergies Ouest Accélérateur")
    screenshot("search-desktop")

    page.get_by_role("link", name="La Fabrique des communs").click()
    expect(page).to_have_url(live_server.url + "/structures/la-fabrique-des-communs/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("La Fabrique des communs")
    expect(page.get_by_text("Camille Martin")).to_be_visible()
    expect(page.get_by_text("Dominique Secret")).to_have_count(0)
    screenshot("structure-desktop")


def test_type_tile_opens_the_filtered_search(page, live_server, atlas):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Tiers-lieu / coworking").click()
    expect(page.get_by_role("status")).to_contain_text("1 structure de type")
    expect(page.get_by_label("Type de structure")).to_have_value("tiers-lieu")


def test_switch_to_english_and_back(page, live_server, atlas):
    page.goto(live_server.url + "/structures/la-fabrique-des-communs/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + "/structures/la-fabrique-des-communs/")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Search")
    # The structure's own secondary type (similar structures below show types too).
    header = page.locator(".structure-header")
    expect(header.get_by_text("Third place / coworking")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_mobile_layout(page, live_server, atlas, screenshot):
    page.set_viewport_size(MOBILE)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("home-mobile")
    page.goto(live_server.url + "/recherche/?q=nantes")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("search-mobile")
    page.goto(live_server.url + "/structures/la-fabrique-des-communs/")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("structure-mobile")
    page.set_viewport_size(DESKTOP)


def test_skip_link_moves_focus_to_the_main_content(page, live_server, atlas):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/recherche/?q=nantes",
        "/recherche/",
        "/structures/la-fabrique-des-communs/",
        "/structures/ancien-coworking-du-port/",
        "/donnees/",
        "/page-inconnue/",
    ],
)
def test_no_serious_accessibility_violation(page, live_server, atlas, path, expected_error_urls):
    expected_error_urls.add(live_server.url + "/page-inconnue/")
    page.goto(live_server.url + path)
    assert axe_violations(page) == []
