"""Fixtures of the map's browser tests: the shared Playwright page (tests/browser/conftest.py),
an atlas of test structures, no remote base map (the tests never reach the internet), and a
helper that opens the map and waits until its points are drawn.
"""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.web.builders import build_atlas, load_vocabularies

PUBLISHED = 7  # structures of build_atlas() a visitor sees on the map


@pytest.fixture(autouse=True)
def _offline_map(settings):
    settings.MAP_STYLE_URL = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def atlas(transactional_db):
    return build_atlas(load_vocabularies())


@pytest.fixture
def open_map(page, live_server):
    """Go to /carte/ (or /carte/embed/) with a query string and wait for the drawn map."""

    def go(query: str = "", path: str = "/carte/"):
        page.goto(f"{live_server.url}{path}{'?' + query if query else ''}")
        expect(page.locator("[data-map-app][data-map-ready]")).to_have_count(1, timeout=15_000)
        return page

    return go


def list_names(page) -> list[str]:
    """The names in the list of structures in view, in order."""
    return page.locator("[data-map-list] .map-list__name").all_inner_texts()
