"""The map on a phone: map then list, filters in a drawer, nothing overflowing."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mobile_viewport(open_map, atlas, page, screenshot):
    page.set_viewport_size(MOBILE)
    open_map()
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    expect(page.locator("[data-map-canvas]")).to_be_visible()
    filters_button = page.get_by_role("button", name="Recherche et filtres")
    expect(page.get_by_role("group", name="Type de structure")).to_be_hidden()
    screenshot("map-mobile")
    filters_button.click()
    types = page.get_by_role("group", name="Type de structure")
    expect(types).to_be_visible()
    types.get_by_label(re.compile(r"^\s*Living lab")).check()
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    screenshot("map-mobile-filters")
    page.get_by_role("button", name="Voir la carte").click()
    expect(types).to_be_hidden()
    expect(page.locator("[data-map-list] li")).to_have_count(2)
    page.get_by_role("link", name=re.compile("Living lab Bien vieillir")).click()
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card.get_by_role("heading", name="Living lab Bien vieillir")).to_be_in_viewport()
    screenshot("map-mobile-card")
