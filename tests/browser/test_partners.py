"""/partenaires/ in a real browser: commune autocomplete, a theme ticked, ranked results."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE, axe_violations
from tests.matchmaking.conftest import build_partners_atlas, build_places
from tests.web.builders import load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def partners_atlas(transactional_db):
    return build_partners_atlas(load_vocabularies(), build_places())


def test_find_partners_with_the_commune_autocomplete(page, live_server, partners_atlas, screenshot):
    page.goto(live_server.url + "/partenaires/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver des partenaires")
    assert axe_violations(page) == []

    commune = page.get_by_role("combobox", name="2. Où ? Votre commune")
    commune.press_sequentially("port ess")
    option = page.get_by_role("option", name=re.compile(r"Port-Essai \(99\)"))
    expect(option).to_be_visible()
    expect(commune).to_have_attribute("aria-expanded", "true")
    screenshot("partners-autocomplete")
    commune.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    commune.press("Enter")
    expect(commune).to_have_value("Port-Essai (99)")
    expect(page.get_by_role("listbox")).to_be_hidden()

    page.get_by_label("Une start-up").check()
    page.get_by_label("Mobilité", exact=True).check()
    page.get_by_role("button", name="Trouver des partenaires").click()

    # The answer is a shareable URL.
    expect(page).to_have_url(re.compile(r"commune=Port-Essai\+%2899%29.*theme=mobilite"))
    results = page.locator("[data-ranked-results]")
    titles = results.get_by_role("heading", level=3)
    expect(titles).to_have_text(["Atelier des mobilités", "Labo de la Rive", "Cluster du Sud"])
    expect(results.locator("[data-why]").first).to_have_text(
        "Partage le thème Mobilité · Accompagne : Start-up · à moins d'1 km"
    )
    expect(page.get_by_role("heading", name="Territoires comparables")).to_be_visible()
    expect(page.get_by_text("Navettes solidaires pendant le confinement")).to_be_visible()
    assert axe_violations(page) == []
    screenshot("partners-results")

    # Contact goes through the structure page's contact section.
    results.get_by_role("link", name="Contacter Atelier des mobilités").click()
    expect(page).to_have_url(re.compile(r"/structures/[^/]+/#contact$"))
    expect(page.get_by_role("link", name="Contacter la structure")).to_be_visible()
    # Its similar structures arrive after the page, in place of the link to their page.
    similar = page.locator("section.similar-block")
    expect(similar.get_by_role("heading", name="À proximité")).to_be_visible()
    expect(similar).to_contain_text("Labo de la Rive")
    expect(
        page.get_by_role("link", name=re.compile("Voir les structures similaires"))
    ).to_have_count(0)


def test_unknown_commune_without_javascript_help(page, live_server, partners_atlas, screenshot):
    page.goto(live_server.url + "/partenaires/?commune=saint-essai&theme=sante")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Plusieurs communes s'appellent « saint-essai »")
    page.get_by_role("link", name=re.compile(r"^Saint-Essai \(990")).click()
    expect(page.get_by_role("status")).to_contain_text("autour de Saint-Essai")
    page.set_viewport_size(MOBILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot("partners-mobile")
