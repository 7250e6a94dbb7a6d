"""The map loads, draws France and every published structure, coloured by type."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.map.conftest import PUBLISHED, list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_draws_every_published_structure(open_map, atlas, screenshot):
    page = open_map()
    expect(page.get_by_role("heading", name="Carte des structures", level=1)).to_be_visible()
    expect(page.locator("[data-selection-count]")).to_have_text(f"{PUBLISHED} structures")
    # The list is the text alternative of the map: every published structure, by name.
    assert list_names(page) == [
        "Énergies Ouest Accélérateur",
        "Hub des territoires",
        "Incubateur du Trégor",
        "La Fabrique des communs",
        "Le Hangar, tiers-lieu rural",
        "Living lab Bien vieillir",
        "Pôle Mer et mobilités",
    ]
    expect(page.get_by_role("listitem").filter(has_text="Ancien coworking du port")).to_have_count(
        0
    )
    # The legend names each type with its colour.
    legend = page.locator("[data-legend]")
    expect(legend).to_contain_text("Fablab / makerspace")
    expect(legend.locator("li", has_text="Fablab / makerspace")).to_have_attribute(
        "style", "--type-color: #e67700"
    )
    # France is drawn from the bundled boundaries, with no network.
    assert page.evaluate("() => window.maillageMap.map.querySourceFeatures('regions').length") > 0
    screenshot("map-desktop")


def test_counts_are_shown_next_to_each_filter_value(open_map, atlas):
    page = open_map()
    fablab = page.locator('[data-option][data-parameter="type"][data-value="fablab"]')
    expect(fablab.locator("[data-count]")).to_have_text("1")
    tiers_lieu = page.locator('[data-option][data-parameter="type"][data-value="tiers-lieu"]')
    # The main type or a secondary one: La Fabrique and Le Hangar.
    expect(tiers_lieu.locator("[data-count]")).to_have_text("2")


def test_no_serious_accessibility_violation(open_map, atlas):
    page = open_map()
    assert axe_violations(page) == []
