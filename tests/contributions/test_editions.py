"""Dated editions: a frozen copy of the published data, its files, and what changed."""

import csv
import io
import json

import pytest
from pytest_django.asserts import assertContains

from maillage.contributions.editions import edition_diff, edition_document, edition_publish
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


def test_an_edition_freezes_the_published_data(client, atlas):
    edition = edition_publish(title="Édition de printemps", note="Première édition.")
    assert edition.structure_count == 7
    names = {item["name"] for item in edition_document(edition)["structures"]}
    assert "Projet en modération" not in names
    # Later changes do not touch it.
    Structure.objects.filter(pk=atlas["hub"].pk).update(name="Hub renommé")
    assert "Hub des territoires" in {i["name"] for i in edition_document(edition)["structures"]}

    listing = client.get("/editions/")
    assertContains(listing, "Édition de printemps")
    page = client.get(edition.get_absolute_url())
    assertContains(page, "Première édition.")
    assertContains(page, edition.sha256)
    data = client.get(f"/editions/{edition.slug}/donnees.json")
    assert json.loads(data.content)["structures"][0]["id"] == "mlg-0001"
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/editions/{edition.slug}/donnees.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 7
    assert {r["name"] for r in rows} >= {"Hub des territoires"}
    geo = json.loads(client.get(f"/editions/{edition.slug}/donnees.geojson").content)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 7
    assert client.get(f"/editions/{edition.slug}/donnees.xlsx").status_code == 404


def test_what_changed_between_two_editions(client, atlas, structure_factory, vocabularies):
    first = edition_publish(title="Première")
    Structure.objects.filter(pk=atlas["hub"].pk).update(acronym="HDT")
    Structure.objects.filter(pk=atlas["living-lab"].pk).update(short_description="Autre.")
    Structure.objects.filter(pk=atlas["incubateur"].pk).update(status=Structure.Status.PENDING)
    structure_factory(
        uid="mlg-0100",
        slug="nouveau",
        name="Nouveau fablab",
        main_type=vocabularies["type"]["fablab"],
    )
    second = edition_publish(title="Seconde")
    diff = edition_diff(older=first, newer=second)
    assert [s["name"] for s in diff.added] == ["Nouveau fablab"]
    assert [s["name"] for s in diff.removed] == ["Incubateur du Trégor"]
    changed = {c.name: {f.name: (f.before, f.after) for f in c.fields} for c in diff.changed}
    assert changed["Hub des territoires"] == {"acronym": ("", "HDT")}
    assert changed["Living lab Bien vieillir"] == {
        "short_description": (
            "Expérimentations avec les habitants autour du maintien à domicile.",
            "Autre.",
        )
    }
    page = client.get("/editions/comparer/", {"de": first.slug, "a": second.slug})
    assertContains(page, "1 ajoutées, 1 retirées, 2 modifiées")
    assertContains(page, "Nouveau fablab")
    assertContains(page, "HDT")
