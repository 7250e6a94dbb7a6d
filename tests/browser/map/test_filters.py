"""Each kind of filter narrows the map and the list, with counts and OR / AND choice."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.map.conftest import list_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_group(page, legend: str):
    """The fieldset of a filter (legend), its disclosure opened first when closed."""
    group = page.get_by_role("group", name=legend, exact=True)
    if not group.is_visible():
        page.locator("summary", has_text=legend).click()
    expect(group).to_be_visible()
    return group


def option(group, label: str):
    """A value of a filter, by the start of its label (the count follows it)."""
    return group.get_by_label(re.compile(r"^\s*" + re.escape(label)))


def count(page):
    return page.locator("[data-selection-count]")


def test_type_filter_with_or_then_and(open_map, atlas):
    page = open_map()
    group = open_group(page, "Type de structure")
    option(group, "Living lab").check()
    expect(count(page)).to_have_text("2 structures")
    assert list_names(page) == ["La Fabrique des communs", "Living lab Bien vieillir"]
    expect(page).to_have_url(re.compile(r"type=living-lab"))
    # A second value widens the result (OR) ...
    option(group, "Accélérateur").check()
    expect(count(page)).to_have_text("3 structures")
    # ... or narrows it when the user asks for every value (AND).
    expect(group.get_by_text("Plusieurs valeurs :")).to_be_visible()
    group.get_by_label("toutes (ET)").check()
    expect(count(page)).to_have_text("0 structure")
    expect(page).to_have_url(re.compile(r"type_mode=and"))
    expect(page.get_by_text("Aucune structure ne correspond à ces critères.")).to_be_visible()
    # The empty state offers to clear the filters.
    page.get_by_role("button", name="Effacer les filtres").click()
    expect(count(page)).to_have_text("7 structures")
    expect(option(group, "Living lab")).not_to_be_checked()


def test_counts_follow_the_other_filters(open_map, atlas):
    page = open_map()
    option(open_group(page, "Région"), "Bretagne").check()
    expect(count(page)).to_have_text("2 structures")
    types = open_group(page, "Type de structure")
    fablab = types.locator('[data-value="fablab"] [data-count]')
    accelerator = types.locator('[data-value="accelerateur"] [data-count]')
    expect(fablab).to_have_text("0")
    expect(accelerator).to_have_text("1")


@pytest.mark.parametrize(
    ("legend", "label", "expected", "parameter"),
    [
        ("Thématique", "Mobilité", 2, "theme=mobilite"),
        ("Format d'activité", "Prototypage", 1, "format=prototypage"),
        ("Public accompagné", "Start-up", 1, "audience=startups"),
        ("Type de partenaire", "Grandes entreprises", 1, "partner=grandes-entreprises"),
        ("Département", "Rhône (69)", 2, "department=69"),
        ("Intercommunalité", "Communauté d'agglomération", 1, "territory=CA"),
        ("Taille de la commune", "2 000 à 9 999 habitants", 2, "size=2k-10k"),
        ("Initiatives de résilience", "Avec au moins une initiative", 1, "resilience=yes"),
        ("Vérification", "Fiche vérifiée", 2, "verified=yes"),
    ],
)
def test_each_filter_kind(open_map, atlas, legend, label, expected, parameter):
    page = open_map()
    group = open_group(page, legend)
    value = option(group, label)
    expect(value).to_have_count(1)
    value.check()
    plural = "structure" if expected == 1 else "structures"
    expect(count(page)).to_have_text(f"{expected} {plural}")
    expect(page).to_have_url(re.compile(re.escape(parameter)))
    expect(page.locator("[data-map-list] li")).to_have_count(expected)
    # The active filter shows as a chip that removes it.
    page.get_by_role("button", name=re.compile("^Retirer le filtre")).click()
    expect(count(page)).to_have_text("7 structures")
