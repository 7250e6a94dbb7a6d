"""The map in English: page, filters, vocabularies, counts and strings of the browser code."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_in_english(open_map, atlas, page, screenshot):
    page = open_map("type=living-lab")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-map-app][data-map-ready]")).to_have_count(1, timeout=15_000)
    expect(page).to_have_url(re.compile(r"/carte/\?type=living-lab"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Map of the structures")
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(page.locator("[data-list-summary]")).to_have_text("2 structures in view")
    types = page.get_by_role("group", name="Type of structure")
    expect(types.get_by_label(re.compile(r"^\s*Third place / coworking"))).to_be_visible()
    expect(types.get_by_text("all of them (AND)")).to_be_hidden()  # only one value chosen
    expect(page.get_by_role("button", name="Remove the filter Living lab")).to_be_visible()
    expect(page.get_by_role("button", name="Zoom in")).to_be_visible()
    screenshot("map-english")
    page.get_by_role("link", name=re.compile("La Fabrique des communs")).click()
    card = page.get_by_role("complementary", name="Structure card")
    expect(card.get_by_role("link", name=re.compile("See the full page"))).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte des structures")
