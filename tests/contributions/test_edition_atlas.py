"""The map and the insights as of a dated edition, read from the edition's file."""

import json

import pytest
from django.urls import reverse

from maillage.contributions.editions import edition_publish
from maillage.structures.models import Structure
from tests.web.test_map_data import uids

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_edition(atlas, editor):
    edition = edition_publish(title="Première édition", user=editor)
    # After it: a structure renamed, one closed; the edition must not see either.
    Structure.objects.filter(pk=atlas["hub"].pk).update(name="Hub renommé depuis")
    Structure.objects.filter(pk=atlas["pole"].pk).update(status=Structure.Status.CLOSED)
    return edition


def test_map_of_an_edition_reads_its_file(client, atlas, first_edition):
    response = client.get("/carte/", {"edition": "1", "at": "6/46.6/2.4"})
    assert response.status_code == 302
    assert response["Location"] == "/carte/edition/1/?at=6%2F46.6%2F2.4"
    page = client.get("/carte/edition/1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Première édition" in html and "Édition n° 1" in html
    assert 'href="/carte/"' in html  # the way back to the live data
    config = page.context["config"]
    assert config["urls"]["data"] == reverse("map:edition_data", args=[1])
    payload = client.get(config["urls"]["data"]).json()
    assert "Hub des territoires" in payload["name"]
    assert "Hub renommé depuis" not in payload["name"]
    assert atlas["pole"].uid in uids(payload)
    live = client.get(reverse("map:data", args=[client.get("/carte/").context["version"]]))
    assert atlas["pole"].uid not in uids(json.loads(live.getvalue()))  # (streamed from its file)
    selection = client.get(config["urls"]["selection"]).json()
    assert selection["version"] == payload["version"]
    assert selection["count"] == first_edition.structure_count
    assert selection["matches"] is None


def test_insights_of_an_edition(client, atlas, first_edition):
    live = client.get("/enseignements/")
    frozen = client.get("/enseignements/", {"edition": "1"})
    assert frozen.status_code == 200
    html = frozen.content.decode()
    assert "Ce que disaient les données de l'édition n° 1" in html
    assert 'name="edition" value="1"' in html
    assert len(frozen.context["insights"].selection) == first_edition.structure_count
    assert live.context["insights"].total == first_edition.structure_count - 1
    names = {item.name for item in frozen.context["insights"].selection.items}
    assert "Hub des territoires" in names
    # The resilience initiatives come from the file too.
    initiatives = frozen.context["insights"].resilience.initiatives
    assert [i.title for i in initiatives] == ["Visières imprimées en 3D pour les soignants"]
    # The figures in JSON follow the same parameter.
    data = client.get("/enseignements/donnees.json", {"edition": "1"})
    assert data.status_code == 200


def test_an_unknown_edition_is_a_clear_404(client, atlas, first_edition):
    for url in ("/carte/edition/7/", "/enseignements/?edition=7"):
        response = client.get(url)
        assert response.status_code == 404
        assert "les éditions publiées sont numérotées de 1 à 1" in response.content.decode()
    assert client.get("/carte/edition/7/donnees.json").status_code == 404
    assert client.get("/enseignements/donnees.json", {"edition": "nope"}).status_code == 404


def test_the_edition_page_links_to_its_map_and_insights(client, atlas, first_edition):
    html = client.get(first_edition.get_absolute_url()).content.decode()
    assert 'href="/carte/edition/1/"' in html
    assert 'href="/enseignements/?edition=1"' in html
    assert "n° 1" in client.get("/editions/").content.decode()
