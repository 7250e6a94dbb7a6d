"""The map page used with the keyboard only: filters, list, card and back."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, locator, limit=150):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} never got the focus")


def test_keyboard_only(open_map, atlas, page):
    open_map()
    fablab = page.get_by_role("group", name="Type de structure").get_by_label(
        re.compile(r"^\s*Fablab")
    )
    tab_to(page, fablab)
    page.keyboard.press("Space")
    expect(page.locator("[data-selection-count]")).to_have_text("1 structure")
    first = page.locator("[data-map-list] a").first
    tab_to(page, first)
    expect(first).to_have_text(re.compile("La Fabrique des communs"))
    page.keyboard.press("Enter")
    card = page.get_by_role("complementary", name="Fiche de la structure")
    heading = card.get_by_role("heading", name="La Fabrique des communs")
    expect(heading).to_be_focused()
    page.keyboard.press("Tab")
    expect(card.get_by_role("link", name=re.compile("Voir la fiche complète"))).to_be_focused()
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(page.locator("[data-map-list] a").first).to_be_focused()
    # The map itself takes the keyboard: + zooms in.
    canvas = page.locator("[data-map-canvas] canvas")
    canvas.focus()
    before = page.evaluate("window.maillageMap.position().zoom")
    page.keyboard.press("+")
    # A function, not a string expression: the page's CSP (rightly) forbids eval.
    page.wait_for_function("(before) => window.maillageMap.position().zoom > before", arg=before)
