"""A click on a structure opens its card; the card leads to the structure's page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_click_on_a_marker_opens_the_card_then_the_page(open_map, atlas, page, screenshot):
    open_map("at=12/48.1113/-1.68")
    # The Rennes accelerator is alone at the centre of the map: click its marker.
    box = page.locator("[data-map-canvas] canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card.get_by_role("heading", name="Énergies Ouest Accélérateur")).to_be_visible()
    expect(card).to_contain_text("Accélérateur")
    expect(card).to_contain_text("Rennes · Ille-et-Vilaine")
    expect(card).to_contain_text("Énergies renouvelables")
    expect(page).to_have_url(re.compile(r"structure=mlg-0003"))
    screenshot("map-card-desktop")
    card.get_by_role("link", name=re.compile("Voir la fiche complète")).click()
    expect(page).to_have_url(re.compile(r"/structures/energies-ouest-accelerateur/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Énergies Ouest Accélérateur")


def test_close_the_card(open_map, atlas, page):
    open_map("structure=mlg-0002")
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card.get_by_role("heading", name="Le Hangar, tiers-lieu rural")).to_be_visible()
    card.get_by_role("button", name="Fermer la fiche").click()
    expect(card).to_be_hidden()
    expect(page).not_to_have_url(re.compile("structure="))
