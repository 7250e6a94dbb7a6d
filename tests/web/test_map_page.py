"""The map page and its embed: rendered filters, configuration, notices, frame headers."""

import json
import re

import pytest
from django.core.cache import cache

from tests.web.builders import build_atlas

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.MAP_STYLE_URL = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def atlas(vocabularies):
    return build_atlas(vocabularies)


def config_of(response) -> dict:
    match = re.search(
        r'<script id="map-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_map_page_renders_every_filter_with_labels(client, atlas):
    response = client.get("/carte/")
    assert response.status_code == 200
    html = response.content.decode()
    for legend in [
        "Type de structure",
        "Thématique",
        "Format d&#x27;activité",
        "Public accompagné",
        "Type de partenaire",
        "Région",
        "Département",
        "Intercommunalité",
        "Taille de la commune",
        "Initiatives de résilience",
        "Vérification",
    ]:
        assert legend in html, legend
    assert 'value="tiers-lieu"' in html
    assert "Loire-Atlantique (44)" in html
    assert "Communauté de communes" in html
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_config_names_urls_from_url_names(client, atlas):
    config = config_of(client.get("/carte/"))
    assert config["urls"]["data"] == f"/carte/donnees/{config['version']}.json"
    assert config["urls"]["selection"] == "/carte/selection/"
    assert config["urls"]["card"] == "/carte/fiche/__uid__/"
    assert config["urls"]["export"] == "/carte/export.__format__"
    assert config["urls"]["worker"].endswith("maplibre-gl-worker.mjs")
    assert config["types"]["fablab"] == {"label": "Fablab / makerspace", "color": "#e67700"}
    assert config["styleUrl"] == ""


def test_chosen_filters_are_checked_and_kept_in_the_initial_state(client, atlas):
    response = client.get(
        "/carte/?type=fablab&type=tiers-lieu&type_mode=and&region=52&at=8/47.2/-1.55"
    )
    html = response.content.decode()
    assert re.search(r'name="type" value="fablab" checked', html)
    assert re.search(r'name="type_mode" value="and" checked', html)
    config = config_of(response)
    assert config["initial"]["query"] == "type=fablab&type=tiers-lieu&region=52&type_mode=and"
    assert config["initial"]["position"] == {"zoom": 8.0, "lat": 47.2, "lon": -1.55}
    assert "ignoré" not in html


def test_bad_parameters_are_ignored_with_a_notice(client, atlas):
    response = client.get(
        "/carte/?type=licorne&theme=mobilite&region=xx&verified=peut-etre&at=nimporte"
        "&structure=mlg-inconnu&couleur=bleu&bbox=1,2"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "7 paramètres de l'adresse ont été ignorés" in html
    for parameter in [
        "type=licorne",
        "region=xx",
        "verified=peut-etre",
        "at=nimporte",
        "structure=mlg-inconnu",
        "couleur=bleu",
        "bbox=1,2",
    ]:
        assert f"<code>{parameter}</code>" in html, parameter
    assert "Paramètre inconnu, ignoré." in html
    config = config_of(response)
    assert config["initial"] == {"query": "theme=mobilite", "position": {}, "structure": ""}


def test_open_structure_is_kept(client, atlas):
    config = config_of(client.get("/carte/?structure=mlg-0001"))
    assert config["initial"]["structure"] == "mlg-0001"


def test_pending_structure_cannot_be_opened(client, atlas):
    response = client.get("/carte/?structure=mlg-0009")
    assert "Aucune structure publiée n&#x27;a cet identifiant." in response.content.decode()


def test_embed_may_be_framed_by_any_site(client, atlas):
    response = client.get("/carte/embed/?type=fablab")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["frame-ancestors"] == "*"
    assert "'unsafe-inline'" not in policy["script-src"]
    html = response.content.decode()
    assert "Voir sur Maillage" in html
    assert 'href="/carte/?type=fablab"' in html
    assert config_of(response)["embed"] is True


def test_embed_code_page_is_not_frameable_and_gives_the_iframe(client, atlas):
    response = client.get("/carte/integrer/?type=fablab&at=6/46.6/2.4")
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert (
        "&lt;iframe src=&quot;http://testserver/carte/embed/?type=fablab&amp;amp;at=6/46.6/2.4"
        in html
        or ("http://testserver/carte/embed/?type=fablab&amp;at=6/46.6/2.4" in html)
    )


def test_card_shows_name_type_commune_themes_and_link(client, atlas):
    response = client.get("/carte/fiche/mlg-0001/")
    html = response.content.decode()
    assert "La Fabrique des communs" in html
    assert "Fablab / makerspace" in html
    assert "Nantes · Loire-Atlantique" in html
    assert "Mobilité" in html
    assert 'href="/structures/la-fabrique-des-communs/"' in html


@pytest.mark.parametrize("uid", ["mlg-0009", "mlg-0008", "inconnu"])
def test_card_of_an_unpublished_or_unknown_structure_is_not_found(client, atlas, uid):
    assert client.get(f"/carte/fiche/{uid}/").status_code == 404


def test_english_page(client, atlas):
    client.cookies["django_language"] = "en"
    response = client.get("/carte/", HTTP_ACCEPT_LANGUAGE="en")
    config = config_of(response)
    assert config["language"] == "en"
    assert config["types"]["tiers-lieu"]["label"] == "Third place / coworking"
