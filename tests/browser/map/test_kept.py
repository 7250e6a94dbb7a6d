"""After a change of the data, the map draws the payload kept before (maillage.structures.
map_kept) while the current one is written, and says so; its filters read the current data.
Reloaded once the new payload is written, it draws the current data."""

import pytest
from playwright.sync_api import expect

from maillage.structures import map_kept
from tests.browser.map.conftest import list_names
from tests.browser.map.test_filters import open_group, option
from tests.web.test_map_kept import _change_the_data, _join_writer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_previous_map_is_drawn_while_the_new_one_is_written(open_map, atlas, settings):
    settings.MAP_IN_BACKGROUND = True
    page = open_map()
    _join_writer()
    _change_the_data(atlas)
    # The writer held elsewhere, as on a machine where another process writes it.
    with map_kept._lock(wait=False) as acquired:
        assert acquired
        page = open_map()
        expect(page.locator("[data-map-stale]")).to_contain_text(
            "elles ont changé depuis. La carte est mise à jour en ce moment"
        )
        # With no filter, the data as of the previous payload.
        expect(page.locator("[data-selection-count]")).to_have_text("7 structures")
        names = list_names(page)
        assert "Le Hangar, tiers-lieu rural" in names and "Atelier neuf" not in names
        # Filters read the current data, over the points drawn: the new structure is
        # counted, not drawn yet; the closed one is gone.
        option(open_group(page, "Type de structure"), "Fablab").check()
        expect(page.locator("[data-selection-count]")).to_have_text(
            "2 structures (dont 1 non localisée ou pas encore sur la carte)"
        )
        expect(page.locator("[data-map-list] .map-list__name")).to_have_text(
            ["La Fabrique des communs"]
        )
        option(open_group(page, "Type de structure"), "Fablab").uncheck()
        option(open_group(page, "Type de structure"), "Tiers-lieu").check()
        expect(page.locator("[data-selection-count]")).to_have_text("1 structure")
        expect(page.locator("[data-map-list] .map-list__name")).to_have_text(
            ["La Fabrique des communs"]
        )
        _join_writer()
    page.goto(page.url)  # starts the writer
    _join_writer()
    page = open_map("type=fablab")
    expect(page.locator("[data-map-stale]")).to_have_count(0)
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(page.locator("[data-map-list] .map-list__name")).to_have_text(
        ["Atelier neuf", "La Fabrique des communs"]
    )
