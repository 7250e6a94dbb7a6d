"""The map as of a dated edition in a real browser: its points come from the edition's file,
the page says which edition it shows and links back to the live map."""

import re

import pytest
from playwright.sync_api import expect

from maillage.contributions.editions import edition_publish
from maillage.structures.models import Structure
from tests.browser.conftest import axe_violations
from tests.browser.map.conftest import list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_of_an_edition(open_map, atlas, page, live_server, screenshot):
    edition_publish(title="Première édition")
    Structure.objects.filter(pk=atlas["living-lab"].pk).update(status=Structure.Status.PENDING)
    Structure.objects.filter(pk=atlas["hub"].pk).update(name="Hub renommé depuis")

    open_map("edition=1")
    expect(page).to_have_url(re.compile(r"/carte/edition/1/"))
    note = page.get_by_role("note").filter(has_text="Édition n° 1")
    expect(note).to_contain_text("Première édition")
    expect(page.locator("[data-list-summary]")).to_have_text("7 structures dans la vue")
    names = list_names(page)
    assert "Living lab Bien vieillir" in names and "Hub des territoires" in names
    assert axe_violations(page) == []
    screenshot("map-edition")
    # Moving the map keeps the edition in the address.
    page.evaluate("window.maillageMap.jumpTo({zoom: 11, lat: 45.76, lon: 4.83})")
    expect(page).to_have_url(re.compile(r"/carte/edition/1/\?at=11/45\.76/4\.83"))

    note.get_by_role("link", name="Revenir à la carte des données actuelles").click()
    expect(page.locator("[data-map-app][data-map-ready]")).to_have_count(1, timeout=15_000)
    expect(page.locator("[data-list-summary]")).to_have_text("6 structures dans la vue")
    assert "Hub renommé depuis" in list_names(page)
