"""Editions through the API: numbered list, detail with download links, a structure as an
edition froze it, and clear 404s."""

import pytest

from maillage.contributions.editions import edition_publish
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


def test_editions_are_numbered_and_listed_with_their_files(client, atlas, editor):
    first = edition_publish(title="Première édition", note="Étude de 2020.", user=editor)
    second = edition_publish(title="Mise à jour de juin", user=editor)
    assert (first.number, second.number) == (1, 2)
    listing = client.get("/api/v1/editions").json()
    assert listing["count"] == 2
    assert [e["number"] for e in listing["results"]] == [1, 2]
    one = listing["results"][0]
    assert one["title"] == "Première édition" and one["note"] == "Étude de 2020."
    assert one["structure_count"] == 7 and one["sha256"] == first.sha256
    assert set(one["downloads"]) == {"json", "csv", "geojson"}
    data = client.get(one["downloads"]["csv"].replace("http://testserver", ""))
    assert data.status_code == 200 and "Hub des territoires" in data.content.decode("utf-8-sig")
    assert client.get("/api/v1/editions/2").json()["title"] == "Mise à jour de juin"
    assert client.get(f"/api/v1/editions/{first.slug}").json()["number"] == 1


def test_a_structure_as_of_an_edition(client, atlas, editor):
    hub = atlas["hub"]
    edition_publish(title="Première édition", user=editor)
    Structure.objects.filter(pk=hub.pk).update(name="Hub renommé depuis")
    frozen = client.get(f"/api/v1/editions/1/structures/{hub.uid}").json()
    assert frozen["structure"]["name"] == "Hub des territoires"
    assert frozen["edition"]["number"] == 1
    # The current slug names the same structure.
    by_slug = client.get(f"/api/v1/editions/1/structures/{hub.slug}").json()
    assert by_slug["structure"]["id"] == hub.uid
    assert client.get(f"/api/v1/structures/{hub.uid}").json()["name"] == "Hub renommé depuis"


def test_unknown_editions_and_structures_get_a_clear_404(client, atlas, editor):
    response = client.get("/api/v1/editions/1")
    assert response.status_code == 404
    assert "aucune édition n'a encore été publiée" in response.json()["detail"]
    edition_publish(title="Première édition", user=editor)
    response = client.get("/api/v1/editions/9")
    assert response.status_code == 404
    assert "de 1 à 1" in response.json()["detail"]
    response = client.get("/api/v1/editions/1/structures/mlg-inconnue")
    assert response.status_code == 404
    assert "ne figure pas dans l'édition n° 1" in response.json()["detail"]
    pending = atlas["pending"]
    assert client.get(f"/api/v1/editions/1/structures/{pending.uid}").status_code == 404


@pytest.mark.parametrize("key", ["²", "9" * 40, "a\x00b", "x" * 300])
def test_odd_edition_keys_are_a_404_not_an_error(client, atlas, editor, key):
    edition_publish(title="Première édition", user=editor)
    from urllib.parse import quote

    response = client.get(f"/api/v1/editions/{quote(key)}")
    assert response.status_code == 404
    response = client.get(f"/api/v1/editions/1/structures/{quote(key)}")
    assert response.status_code == 404
