"""The partnership network in a real browser: the SVG graph matches the list, hover and
keyboard focus highlight neighbours, a structure node opens its page, axe passes."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE, axe_violations
from tests.network.builders import build_network
from tests.web.builders import load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network(transactional_db):
    return build_network(load_vocabularies())


def graph_labels(page) -> list[str]:
    return page.locator("[data-network-node]").evaluate_all(
        "nodes => nodes.map(node => node.dataset.label)"
    )


def list_labels(page) -> set[str]:
    return set(
        page.locator("[data-network-list] [data-node]").evaluate_all(
            "cells => cells.map(cell => cell.textContent.trim())"
        )
    )


def test_graph_matches_the_list_and_responds_to_keyboard_and_click(
    page, live_server, network, screenshot
):
    page.goto(live_server.url + "/reseau/structure/atelier-nord/")
    graph = page.get_by_role("img", name="Graphe du réseau")
    expect(graph).to_be_visible()
    expect(page.locator("[data-network-node]")).to_have_count(7)
    labels = graph_labels(page)
    assert sorted(labels) == sorted(list_labels(page))
    # Seven actors, six lines: every edge drawn.
    expect(page.locator("line.network-edge")).to_have_count(6)
    # Node colours follow the structure type and partner kind colours.
    fill = page.locator('[data-network-node="s:atelier-nord"] .network-node__shape')
    expect(fill).to_have_attribute("fill", "#e67700")
    screenshot("network-structure")

    # Keyboard: the centre first, then the actors by name; Enter opens a structure's page.
    graph.focus()
    page.keyboard.press("ArrowRight")
    status = page.locator("[data-network-status]")
    expect(status).to_contain_text("Atelier Nord (Fablab / makerspace) :")
    expect(page.locator('[data-network-node="s:atelier-nord"]')).to_have_class(
        "network-node network-node--structure network-node--labelled is-focus"
    )
    expect(page.locator(".is-neighbour")).to_have_count(6)
    page.keyboard.press("ArrowRight")  # Ancien lieu: alphabetically first after the centre
    expect(status).to_contain_text("Ancien lieu")
    expect(page.locator(".is-neighbour")).to_have_count(1)
    screenshot("network-structure-focus")
    assert axe_violations(page) == []

    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/structures/ancien-lieu/")

    # Hover highlights, a click on a structure opens its page.
    page.go_back()
    expect(page.locator("[data-network-node]")).to_have_count(7)
    pole = page.locator('[data-network-node="s:pole-sud"] .network-node__shape')
    pole.hover()
    expect(page.locator(".is-focus")).to_have_count(1)
    expect(page.locator('[data-network-node="s:atelier-nord"]')).to_have_class(
        "network-node network-node--structure network-node--labelled is-neighbour"
    )
    pole.click()
    expect(page).to_have_url(live_server.url + "/structures/pole-sud/")


def test_zoom_buttons_and_scope_page(page, live_server, network, screenshot):
    page.goto(live_server.url + "/reseau/")
    page.get_by_label("Région").select_option("52")
    page.get_by_role("button", name="Afficher le réseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réseau : Pays de la Loire")
    expect(page.locator("[data-network-node]")).to_have_count(len(list_labels(page)))
    viewport = page.locator(".network-graph__viewport")
    # The wheel scrolls the page until the graph is selected, then zooms.
    canvas = page.locator("[data-network-canvas]")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.wheel(0, -200)
    assert viewport.get_attribute("transform") is None
    canvas.focus()
    page.mouse.wheel(0, -200)
    expect(viewport).to_have_attribute("transform", re.compile(r"scale\(1\.2\)"))
    page.get_by_role("button", name="Recentrer").click()
    page.get_by_role("button", name="Zoomer", exact=True).click()
    assert "scale(1.25)" in viewport.get_attribute("transform")
    page.get_by_role("button", name="Recentrer").click()
    assert viewport.get_attribute("transform") == "translate(0 0) scale(1)"
    screenshot("network-region")
    assert axe_violations(page) == []


def test_empty_network_shows_a_message_and_no_canvas(page, live_server, network):
    page.goto(live_server.url + "/reseau/structure/hangar-isole/")
    expect(page.get_by_role("heading", name="Aucun lien de partenariat connu")).to_be_visible()
    expect(page.locator("svg.network-graph__svg")).to_have_count(0)
    assert axe_violations(page) == []


def test_without_javascript_the_list_is_there(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/reseau/structure/atelier-nord/")
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.locator("[data-network-graph]")).to_be_hidden()
    expect(page.get_by_role("row")).to_have_count(7)  # header + six links
    context.close()


def test_mobile_layout_does_not_overflow(page, live_server, network, screenshot):
    page.set_viewport_size(MOBILE)
    page.goto(live_server.url + "/reseau/structure/atelier-nord/?depth=2")
    expect(page.locator("[data-network-node]")).to_have_count(len(list_labels(page)))
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot("network-structure-mobile")
    assert axe_violations(page) == []
