"""Data page: licences and every source with its licence, attribution and count."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_lists_sources_with_licence_and_counts(client, atlas, django_assert_num_queries, settings):
    client.get(reverse("web:data"))  # the first visit after a change writes the files
    settings.ANSWER_CACHE = False  # the page is rendered again, not read back
    with django_assert_num_queries(3):  # data version, sources, changelog
        response = client.get(reverse("web:data"))
    assertContains(response, "Licence Ouverte 2.0 (Etalab)")
    assertContains(response, "AGPL-3.0-or-later")
    assertContains(response, "CGET (aujourd&#x27;hui ANCT), 2019")
    sources = {source.slug: source.published for source in response.context["sources"]}
    # The census source holds one published, one closed and one pending structure.
    assert sources == {"bdt-opencitiz-2020": 6, "tiers-lieux-cget-2019": 1}


def test_downloads_are_the_published_data_with_size_and_a_long_cache(client, atlas):
    import json

    page = client.get(reverse("web:data"))
    files = {f.format: f for f in page.context["files"]}
    assert set(files) == {"csv", "xlsx", "geojson", "json", "schema"}
    version = page.context["version"]
    response = client.get(reverse("web:published_file", args=[version, files["json"].name]))
    body = json.loads(b"".join(response.streaming_content))
    assert len(body["structures"]) == 7  # published only, not the closed nor the pending one
    assert int(response["Content-Length"]) == files["json"].size
    assert "immutable" in response["Cache-Control"]
    assertContains(page, files["csv"].name)


def test_a_change_of_the_data_gives_new_files(client, atlas):
    before = client.get(reverse("web:data")).context["version"]
    structure = Structure.objects.published().first()
    structure.name = "Nouveau nom"
    structure.save()
    after = client.get(reverse("web:data")).context["version"]
    assert after != before
    old = client.get(reverse("web:published_file", args=[before, "maillage-structures.csv"]))
    assert old.status_code == 404


def test_only_published_file_names_are_served(client, atlas):
    version = client.get(reverse("web:data")).context["version"]
    for name in ("..%2F..%2Fsecret_key", "secret_key", "maillage-structures.exe"):
        response = client.get(f"/donnees/fichiers/{version}/{name}")
        assert response.status_code == 404
