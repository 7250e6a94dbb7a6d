"""The list beside the map follows the map: only the structures in view, by name."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.map.conftest import list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_list_keeps_in_step_with_the_map(open_map, atlas):
    page = open_map()
    expect(page.locator("[data-list-summary]")).to_have_text("7 structures dans la vue")
    # Zoom on Lyon: only the structure placed there remains in view (the Hub has no
    # coordinates of its own and stands at its test commune's centre, in Nantes).
    page.evaluate("window.maillageMap.jumpTo({zoom: 11, lat: 45.76, lon: 4.83})")
    expect(page.locator("[data-list-summary]")).to_have_text("1 structure dans la vue")
    assert list_names(page) == ["Living lab Bien vieillir"]
    expect(page).to_have_url(re.compile(r"at=11/45\.76/4\.83"))
    # The overseas buttons take the map there; nothing is there in this atlas.
    page.get_by_role("button", name="La Réunion").click()
    expect(page.locator("[data-list-summary]")).to_have_text(
        "Aucune structure dans cette partie de la carte."
    )
    page.get_by_role("button", name="Métropole").click()
    expect(page.locator("[data-list-summary]")).to_have_text("7 structures dans la vue")
