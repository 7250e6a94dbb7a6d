"""Data page: licences and every source with its licence, attribution and count."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.background import work_version
from maillage.exports import published
from maillage.structures.models import ResilienceInitiative, Structure

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
    # Kept by caches an hour at most: the files are withdrawn when personal data is erased.
    assert response["Cache-Control"] == "public, max-age=3600"
    assertContains(page, files["csv"].name)


def _download(client, version: str, name: str = "maillage-structures.json"):
    return client.get(reverse("web:published_file", args=[version, name]))


def test_a_change_of_the_data_gives_new_files_and_keeps_the_previous_ones(client, atlas):
    first = client.get(reverse("web:data")).context["version"]
    structure = Structure.objects.published().first()
    structure.name = "Nouveau nom"
    structure.save()
    second = client.get(reverse("web:data")).context["version"]
    assert second != first
    assert "Nouveau nom" in b"".join(_download(client, second).streaming_content).decode()
    # A page loaded before the switch still downloads its files...
    assert _download(client, first).status_code == 200
    structure.name = "Encore un autre nom"
    structure.save()
    third = client.get(reverse("web:data")).context["version"]
    # ...but not once two newer versions are written.
    assert _download(client, first).status_code == 404
    assert _download(client, second).status_code == 200
    assert third not in (first, second)


def test_a_change_beside_the_structure_row_gives_new_files(client, atlas):
    # An initiative added to a structure leaves the structure's row (and updated_at) as
    # it was; the files follow the database's data version, which every write changes.
    before = client.get(reverse("web:data")).context["version"]
    structure = Structure.objects.published().first()
    ResilienceInitiative.objects.create(structure=structure, title="Masques cousus en atelier")
    after = client.get(reverse("web:data")).context["version"]
    assert after != before
    assert (
        "Masques cousus en atelier" in b"".join(_download(client, after).streaming_content).decode()
    )


def test_publish_files_command_writes_the_current_version(atlas):
    out = io.StringIO()
    call_command("publish_files", stdout=out)
    version = work_version()
    assert version in out.getvalue()
    folder = published.exports_root() / version
    with (folder / "maillage-structures.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(row["name"] for row in rows) == sorted(
        Structure.objects.published().values_list("name", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_out_of_date_files_are_listed_while_the_new_ones_are_written(
    client, settings, vocabularies
):
    """The visitor never waits for the files: the page lists the previous ones, says the
    data changed, and a thread writes the new version."""
    from tests.web.conftest import build_atlas

    build_atlas(vocabularies)
    first = client.get(reverse("web:data")).context["version"]  # written at once (tests)
    settings.PUBLISHED_FILES_IN_BACKGROUND = True
    settings.PUBLISHED_FILES_INTERVAL = 0
    structure = Structure.objects.published().first()
    structure.name = "Nom changé pendant l'écriture"
    structure.save()

    page = client.get(reverse("web:data"))
    assert page.context["version"] == first
    assert not page.context["published"].current
    assertContains(page, 'data-published-state="writing"')
    assertContains(page, "une nouvelle version est en cours de préparation")
    assert "no-cache" in page["Cache-Control"]  # not kept: the files change, not the data
    writer = published.published_files_writing()
    if writer is not None:
        writer.join(timeout=120)

    page = client.get(reverse("web:data"))
    assert page.context["published"].current
    assert page.context["version"] != first
    assertNotContains(page, "data-published-state")
    body = b"".join(_download(client, page.context["version"]).streaming_content).decode()
    assert "Nom changé pendant l'écriture" in body


def test_files_are_written_at_most_every_interval(client, settings, atlas):
    client.get(reverse("web:data"))
    settings.PUBLISHED_FILES_IN_BACKGROUND = True
    settings.PUBLISHED_FILES_INTERVAL = 3600
    structure = Structure.objects.published().first()
    structure.name = "Nouveau nom"
    structure.save()
    page = client.get(reverse("web:data"))
    assertContains(page, 'data-published-state="waiting"')
    assertContains(page, "la prochaine version sera préparée à partir de")
    assert published.published_files_writing() is None


def test_only_published_file_names_are_served(client, atlas):
    version = client.get(reverse("web:data")).context["version"]
    for name in ("..%2F..%2Fsecret_key", "secret_key", "maillage-structures.exe"):
        response = client.get(f"/donnees/fichiers/{version}/{name}")
        assert response.status_code == 404


def test_files_withdrawn_while_being_written_are_written_again(atlas, monkeypatch):
    """A removal of personal data during a writing: the files it was writing, read before
    the removal, are not offered; they are written again."""
    write_version = published._write_version
    calls = []

    def withdrawn_meanwhile(folder):
        calls.append(folder)
        write_version(folder)
        if len(calls) == 1:
            published.published_files_withdraw()

    monkeypatch.setattr(published, "_write_version", withdrawn_meanwhile)
    folder = published.published_files_write()
    assert len(calls) == 2
    assert published._complete(folder)
    assert [f.name for f in published._written_versions()] == [folder.name]


def test_an_erasure_of_an_unknown_address_keeps_the_files(
    client, atlas, django_capture_on_commit_callbacks
):
    from maillage.contributions.personal_data import person_erase

    version = client.get(reverse("web:data")).context["version"]
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(email="personne@example.org")
    assert _download(client, version).status_code == 200
