"""/api/v1/partners and /api/v1/territories/communes/search on the invented atlas."""

import pytest

pytestmark = pytest.mark.django_db


def test_partners_ranked_with_components_and_why(client, partners_atlas):
    # Same need as test_selectors' first test, by a start-up: the Atelier (both themes,
    # 0 km, serves start-ups) first, then the Cluster (both themes, far), then the Labo.
    response = client.get(
        "/api/v1/partners?commune=99101&theme=mobilite&theme=sante&who=startup&limit=5"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["commune"] == "99101"
    assert body["count"] == 3
    first, second, third = body["results"]
    assert [first["name"], second["name"], third["name"]] == [
        "Atelier des mobilités",
        "Cluster du Sud",
        "Labo de la Rive",
    ]
    assert first["components"] == {
        "themes": 0.4,
        "formats": 0.0,
        "audiences": 0.1,
        "partner_kinds": 0.0,
        "text": 0.0,
        "distance": 0.2,
    }
    assert first["score"] == 0.7
    assert first["why"] == (
        "Partage les thèmes Mobilité et Santé · Accompagne : Start-up · à moins d'1 km"
    )
    assert [t["slug"] for t in first["shared_themes"]] == ["mobilite", "sante"]
    assert third["distance_km"] == pytest.approx(8.0, abs=0.2)
    assert first["url"] == partners_atlas["atelier"].get_absolute_url()
    assert first["id"] == partners_atlas["atelier"].uid


def test_limit_and_comma_separated_values(client, partners_atlas):
    body = client.get("/api/v1/partners?theme=mobilite,sante&limit=1").json()
    assert [r["name"] for r in body["results"]] == ["Atelier des mobilités"]
    assert body["results"][0]["distance_km"] is None


def test_why_in_english(client, partners_atlas):
    body = client.get(
        "/api/v1/partners?commune=99101&theme=mobilite", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert body["results"][0]["why"] == "Shares the theme Mobility · less than 1 km away"


@pytest.mark.parametrize(
    "query, parameter, message",
    [
        ("theme=teleportation", "theme", "Thématique inconnue"),
        ("theme=mobilite&commune=Atlantide", "commune", "Aucune commune"),
        ("theme=mobilite&commune=saint-essai", "commune", "Plusieurs communes"),
        ("commune=99101", "theme", "Cochez au moins une thématique"),
        ("theme=mobilite&who=pirate", "who", ""),
        ("theme=mobilite&limit=0", "limit", ""),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(client, partners_atlas, query, parameter, message):
    response = client.get(f"/api/v1/partners?{query}")
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["loc"][-1] == parameter and message in p["msg"] for p in problems), problems


def test_openapi_documents_the_endpoints(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/partners"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    for name in ("who", "commune", "theme", "format", "q", "limit"):
        assert parameters[name].get("description"), name
    assert operation["summary"]
    assert "/api/v1/territories/communes/search" in document["paths"]


def test_commune_search_ignores_accents_and_case(client, places):
    # The fictitious commune, and no other: the real Évry are there only when another test
    # loaded the bundled referential first.
    body = client.get("/api/v1/territories/communes/search?q=EVRY-SUR").json()
    assert [c["label"] for c in body["results"]] == ["Évry-sur-Essai (99)"]
    assert body["results"][0]["code"] == "99501"


def test_commune_search_by_postcode_and_by_later_word(client, places):
    by_postcode = client.get("/api/v1/territories/communes/search?q=99300").json()
    assert [c["name"] for c in by_postcode["results"]] == ["Rive-Essai"]
    # Names starting with the query come first, the most populated first; names where a
    # later word starts with it follow.
    body = client.get("/api/v1/territories/communes/search?q=essai").json()
    names = [c["name"] for c in body["results"]]
    assert set(names) >= {"Grand-Essai", "Port-Essai", "Saint-Essai", "Évry-sur-Essai"}
    assert names.index("Grand-Essai") < names.index("Port-Essai")


def test_commune_search_needs_a_query(client, places):
    assert client.get("/api/v1/territories/communes/search").status_code == 422
    assert client.get("/api/v1/territories/communes/search?q=%20").json()["results"] == []
