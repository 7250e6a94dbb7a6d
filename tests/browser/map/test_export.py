"""The selection downloads as CSV, XLSX or GeoJSON: exactly what the map shows."""

import csv
import io
import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_the_current_selection(open_map, atlas, page):
    open_map()
    page.get_by_role("group", name="Type de structure").get_by_label(
        re.compile(r"^\s*Living lab")
    ).check()
    expect(page.locator("[data-selection-count]")).to_have_text("2 structures")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(content)))
    assert names == ["La Fabrique des communs", "Living lab Bien vieillir"]
    with page.expect_download() as download:
        page.get_by_role("link", name="GeoJSON").click()
    features = json.loads(download.value.path().read_text())["features"]
    assert sorted(f["properties"]["name"] for f in features) == names
    expect(page.get_by_role("link", name="XLSX")).to_have_attribute(
        "href", "/carte/export.xlsx?type=living-lab"
    )
