"""Every filter, the search, the position and the open card live in the URL; Back walks back."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.map.conftest import list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copied_url_gives_the_same_view(open_map, atlas, page):
    open_map("theme=mobilite&region=52&at=9/47.2/-1.56&structure=mlg-0005")
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(
        page.get_by_role("group", name="Thématique").get_by_label(re.compile(r"^\s*Mobilité"))
    ).to_be_checked()
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card.get_by_role("heading", name="Pôle Mer et mobilités")).to_be_visible()
    position = page.evaluate("window.maillageMap.position()")
    assert round(position["zoom"], 2) == 9
    assert (round(position["lat"], 2), round(position["lon"], 2)) == (47.2, -1.56)
    assert list_names(page) == ["La Fabrique des communs", "Pôle Mer et mobilités"]


def test_back_and_forward_walk_through_the_changes(open_map, atlas, page):
    open_map()
    types = page.get_by_role("group", name="Type de structure")
    types.get_by_label(re.compile(r"^\s*Living lab")).check()
    expect(page).to_have_url(re.compile(r"type=living-lab"))
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    page.get_by_role("link", name=re.compile("Living lab Bien vieillir")).click()
    expect(page).to_have_url(re.compile(r"structure=mlg-0004"))
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card).to_be_visible()

    page.go_back()
    expect(card).to_be_hidden()
    expect(page).not_to_have_url(re.compile("structure="))
    page.go_back()
    expect(page.locator("[data-selection-count]")).to_have_text("7 structures")
    expect(types.get_by_label(re.compile(r"^\s*Living lab"))).not_to_be_checked()
    page.go_forward()
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(types.get_by_label(re.compile(r"^\s*Living lab"))).to_be_checked()
    page.go_forward()
    expect(card.get_by_role("heading", name="Living lab Bien vieillir")).to_be_visible()


def test_bad_parameters_show_a_notice_and_leave_the_url(open_map, atlas, page):
    open_map("type=licorne&theme=mobilite&zoom=12")
    notice = page.get_by_role("status").filter(has_text="ignorés")
    expect(notice).to_contain_text("type=licorne")
    expect(notice).to_contain_text("zoom=12")
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(page).to_have_url(re.compile(r"/carte/\?theme=mobilite$"))
    page.get_by_role("button", name="Masquer ce message").click()
    expect(notice).to_be_hidden()
