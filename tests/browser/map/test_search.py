"""Search by text from the map, with suggestions of structures, communes and themes."""

import re

import pytest
from playwright.sync_api import expect

from maillage.referential.models import Commune
from tests.browser.map.conftest import list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_text_filters_the_map_and_the_list(open_map, atlas):
    page = open_map()
    box = page.get_by_role("combobox", name=re.compile("Rechercher une structure"))
    box.fill("énergie renouvelable")
    box.press("Enter")
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    assert list_names(page) == ["Énergies Ouest Accélérateur", "La Fabrique des communs"]
    expect(page).to_have_url(re.compile(r"q=%C3%A9nergie\+renouvelable"))
    page.get_by_role("button", name="Effacer la recherche").click()
    expect(page.locator("[data-selection-count]")).to_have_text("7 structures")


def test_suggestions_of_structures_communes_and_themes(open_map, atlas):
    page = open_map()
    box = page.get_by_role("combobox", name=re.compile("Rechercher une structure"))
    box.press_sequentially("mob")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option", name=re.compile("Pôle Mer et mobilités"))).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("Thématique.*Mobilité"))).to_be_visible()
    # Choosing the theme adds it as a filter.
    listbox.get_by_role("option", name=re.compile("Thématique.*Mobilité")).click()
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(page).to_have_url(re.compile(r"theme=mobilite"))


def test_commune_suggestion_moves_the_map(open_map, atlas):
    Commune.objects.filter(code="46102").update(latitude=44.6086, longitude=2.0317)
    page = open_map()
    box = page.get_by_role("combobox", name=re.compile("Rechercher une structure"))
    box.press_sequentially("figea")
    option = page.get_by_role("option", name=re.compile("Commune.*Figeac"))
    expect(option).to_be_visible()
    option.click()
    expect(page).to_have_url(re.compile(r"at=11\.5/44\.6"), timeout=10_000)
    expect(page.locator("[data-map-list] .map-list__name")).to_have_text(
        ["Le Hangar, tiers-lieu rural"]
    )


def test_structure_suggestion_opens_its_card(open_map, atlas):
    page = open_map()
    box = page.get_by_role("combobox", name=re.compile("Rechercher une structure"))
    box.press_sequentially("fabrique")
    expect(page.get_by_role("option", name=re.compile("La Fabrique des communs"))).to_be_visible()
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(page.get_by_role("option", selected=True)).to_contain_text("La Fabrique des communs")
    box.press("Enter")
    card = page.get_by_role("complementary", name="Fiche de la structure")
    expect(card.get_by_role("heading", name="La Fabrique des communs")).to_be_visible()
    expect(page).to_have_url(re.compile(r"structure=mlg-0001"))
