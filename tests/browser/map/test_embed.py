"""The embeddable map: same parameters, a light frame, a link back to Maillage; its code page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_embed_shows_the_filtered_map_and_links_to_maillage(open_map, atlas, page, screenshot):
    open_map("type=living-lab", path="/carte/embed/")
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    expect(page.get_by_role("banner")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Voir sur Maillage"))).to_have_attribute(
        "href", re.compile(r"^/carte/\?type=living-lab")
    )
    screenshot("map-embed")


def test_embed_code_page_previews_the_frame(open_map, atlas, page, live_server):
    open_map("theme=mobilite")
    page.get_by_role("link", name="Intégrer cette carte sur un autre site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intégrer la carte sur un autre site")
    code = page.get_by_label("Code à copier")
    expect(code).to_have_value(
        re.compile(
            r'^<iframe src="' + re.escape(live_server.url) + r"/carte/embed/\?theme=mobilite\""
        )
    )
    page.get_by_label("Hauteur (pixels)").fill("640")
    expect(code).to_have_value(re.compile(r'height="640"'))
    frame = page.frame_locator("[data-share-preview]")
    expect(frame.locator("[data-selection-count]")).to_have_text("2 structures", timeout=15_000)
