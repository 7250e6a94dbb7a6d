"""/enseignements/ served from the analyses kept on disk, in a real browser, in French and
English: while they are first computed, once computed, and after a change of the data."""

import pytest
from playwright.sync_api import expect

from maillage.analyses import kept
from tests.analyses.builders import build_known_atlas
from tests.browser.conftest import axe_violations

# _fresh_writer: autouse, so every test here starts with a writer that never failed.
from tests.web.test_insights_kept import (  # noqa: F401
    _add_a_fablab,
    _fresh_writer,
    _join_writer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _header(page, screenshot, name: str) -> None:
    assert axe_violations(page) == []
    screenshot(name)


def test_the_three_states_in_both_languages(
    page, live_server, settings, screenshot, expected_error_urls
):
    build_known_atlas()
    # The computing page asks whether a table is ready: 503 until it is.
    expected_error_urls.add(live_server.url + "/enseignements/donnees/types.csv")
    settings.INSIGHTS_IN_BACKGROUND = True
    url = live_server.url + "/enseignements/"

    with kept._lock(wait=False) as acquired:
        assert acquired
        page.goto(url)
        expect(page.get_by_role("status")).to_contain_text(
            "Les enseignements sont en cours de calcul"
        )
        _header(page, screenshot, "insights-kept-computing-fr")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("status")).to_contain_text("The insights are being computed")
        _header(page, screenshot, "insights-kept-computing-en")
        _join_writer()

    # The page waiting asks again and reloads itself once the figures are there.
    page.goto(url)  # starts the writer again
    _join_writer()
    expect(page.locator("[data-computed-at]")).to_contain_text(
        "Figures computed on", timeout=15_000
    )
    expect(page.locator("[data-computed-at]")).to_contain_text("Figures computed on")
    expect(page.locator('[data-figure="structures"]')).to_have_text("4")
    _header(page, screenshot, "insights-kept-fresh-en")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("[data-computed-at]")).to_contain_text("Chiffres calculés le")
    _header(page, screenshot, "insights-kept-fresh-fr")

    _add_a_fablab()
    with kept._lock(wait=False) as acquired:  # the writer at work elsewhere meanwhile
        assert acquired
        page.goto(url)
        expect(page.locator("[data-recomputing]")).to_have_text(
            "Les données ont changé depuis : un nouveau calcul est en cours."
        )
        expect(page.locator('[data-figure="structures"]')).to_have_text("4")
        _header(page, screenshot, "insights-kept-changed-fr")
        page.get_by_role("button", name="English").click()
        expect(page.locator("[data-recomputing]")).to_have_text(
            "The data has changed since: a new computation is under way."
        )
        _header(page, screenshot, "insights-kept-changed-en")
    page.goto(url)
    _join_writer()
    page.goto(url)
    expect(page.locator('[data-figure="structures"]')).to_have_text("5")
    expect(page.locator("[data-recomputing]")).to_have_count(0)
