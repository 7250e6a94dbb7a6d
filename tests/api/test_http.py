"""HTTP behaviour of the API: licence, caching, compression, CORS, rate limit, docs."""

import pytest
from django.core.cache import cache

from maillage.structures.filters import FILTER_PARAMETERS

pytestmark = pytest.mark.django_db


def test_every_response_states_the_licence_and_data_update(client, atlas):
    response = client.get("/api/v1/structures")
    assert "Licence Ouverte" in response["X-Data-Licence"]
    assert 'rel="license"' in response["Link"]
    assert response["X-Data-Updated"]
    assert response.json()["licence"] == "Licence Ouverte 2.0"


def test_etag_gives_304_when_nothing_changed(client, atlas):
    first = client.get("/api/v1/structures")
    again = client.get("/api/v1/structures", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    atlas["a"].name = "A renamed"
    atlas["a"].save()
    changed = client.get("/api/v1/structures", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200


def test_responses_are_compressed(client, atlas):
    response = client.get("/api/v1/structures", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"


def test_any_origin_may_read(client, atlas):
    response = client.get("/api/v1/structures", headers={"Origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_with_standard_headers_and_a_clear_429(client, atlas, settings):
    cache.clear()
    settings.API_RATE_LIMIT = 3
    remaining = [client.get("/api/v1/vocabularies")["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = client.get("/api/v1/vocabularies")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "3 requêtes par minute" in refused.json()["detail"]
    other_client = client.get("/api/v1/vocabularies", REMOTE_ADDR="10.0.0.2")
    assert other_client.status_code == 200


def test_openapi_documents_every_filter(client):
    document = client.get("/api/v1/openapi.json").json()
    parameters = {
        p["name"]: p for p in document["paths"]["/api/v1/structures"]["get"]["parameters"]
    }
    for name in FILTER_PARAMETERS:
        assert name in parameters, f"filter {name} missing from the OpenAPI document"
        assert parameters[name].get("description"), f"filter {name} has no description"


def test_interactive_documentation_is_served_locally(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui" in page
    assert "cdn" not in page.lower()


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/v1/territories/communes?department=%C3%A7%00", "department"),
        ("/api/v1/structures?q=fab%00lab", "q"),
        ("/api/v1/partners?theme=mobilite&commune=Nan%00tes", "commune"),
    ],
)
def test_a_nul_character_is_a_422_naming_the_parameter(client, atlas, url, parameter):
    # PostgreSQL cannot compare text holding NUL: without this, a server error.
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]
