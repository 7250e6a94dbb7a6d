"""/enseignements/ and a territory page in a real browser: no console error, no serious
accessibility violation, nothing overflowing on a phone."""

import pytest
from playwright.sync_api import expect

from tests.analyses.builders import build_known_atlas
from tests.browser.conftest import DESKTOP, MOBILE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def known(transactional_db):
    return build_known_atlas()


def test_insights_page(page, live_server, known, screenshot):
    page.goto(live_server.url + "/enseignements/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator('[data-figure="structures"]')).to_have_text("4")
    expect(page.get_by_role("link", name="Enseignements")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("img", name="Structures par type principal").first).to_be_visible()
    page.get_by_text("Voir le tableau de données").first.click()
    expect(page.get_by_role("table", name="Structures par type principal")).to_be_visible()
    assert axe_violations(page) == []
    screenshot("insights-desktop")
    page.set_viewport_size(MOBILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("insights-mobile")
    page.set_viewport_size(DESKTOP)


def test_territory_page(page, live_server, known, screenshot):
    page.goto(live_server.url + "/territoires/epci/244400404/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nantes Métropole")
    assert axe_violations(page) == []
    screenshot("territory-desktop")
    page.set_viewport_size(MOBILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("territory-mobile")
    page.set_viewport_size(DESKTOP)
