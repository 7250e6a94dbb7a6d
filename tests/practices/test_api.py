"""/api/v1/practices: published sheets only, the list's filters, documented in OpenAPI."""

import pytest

from maillage.practices.models import PracticeSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheets(write, atlas, vocabularies):
    return {
        "hackathon": write(themes=[vocabularies["theme"]["mobilite"]]),
        "appel": write(
            title="Appel à projets énergies citoyennes",
            kind=PracticeSheet.Kind.CALL_FOR_PROJECTS,
            summary="Financer des centrales solaires villageoises.",
            body="Des panneaux <script>alert(1)</script> photovoltaïques.",
            structures=[atlas["accelerateur"]],
        ),
        "draft": write(title="Brouillon d'API", status=PracticeSheet.Status.DRAFT),
    }


def test_the_list_has_published_sheets_only_newest_first(client, sheets, atlas):
    body = client.get("/api/v1/practices").json()
    assert body["count"] == 2
    assert [item["slug"] for item in body["results"]] == [
        "appel-a-projets-energies-citoyennes",
        "hackathon-des-mobilites-rurales",
    ]
    hackathon = body["results"][1]
    assert hackathon["kind"] == "hackathon"
    assert hackathon["themes"] == [
        {"slug": "mobilite", "label_fr": "Mobilité", "label_en": "Mobility"}
    ]
    assert hackathon["structures"] == [
        {
            "id": "mlg-0001",
            "name": "La Fabrique des communs",
            "url": "/structures/la-fabrique-des-communs/",
        }
    ]
    assert hackathon["url"] == "/pratiques/hackathon-des-mobilites-rurales/"


def test_filters_search_and_paging(client, sheets):
    def slugs(query: str) -> list[str]:
        return [item["slug"] for item in client.get(f"/api/v1/practices?{query}").json()["results"]]

    assert slugs("q=photovoltaique") == ["appel-a-projets-energies-citoyennes"]
    assert slugs("theme=mobilite") == ["hackathon-des-mobilites-rurales"]
    assert slugs("region=53") == ["appel-a-projets-energies-citoyennes"]
    assert slugs("kind=hackathon") == ["hackathon-des-mobilites-rurales"]
    assert slugs("limit=1&offset=1") == ["hackathon-des-mobilites-rurales"]


def test_an_unknown_value_is_a_422_naming_the_parameter(client, sheets):
    response = client.get("/api/v1/practices?theme=astronomie")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "theme"]
    assert client.get("/api/v1/practices?kind=tombola").status_code == 422


def test_the_detail_has_the_sanitised_body_and_hides_drafts(client, sheets):
    body = client.get("/api/v1/practices/appel-a-projets-energies-citoyennes").json()
    assert body["body"] == "Des panneaux <script>alert(1)</script> photovoltaïques."
    assert "<script>" not in body["body_html"] and "photovoltaïques" in body["body_html"]
    assert body["outcomes"].startswith("Trois prototypes")
    assert client.get(f"/api/v1/practices/{sheets['draft'].slug}").status_code == 404
    assert client.get("/api/v1/practices/inconnue").status_code == 404


def test_the_endpoints_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    listing = document["paths"]["/api/v1/practices"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "q", "theme", "format", "kind", "type", "region", "limit", "offset",
    }  # fmt: skip
    assert "/api/v1/practices/{slug}" in document["paths"]
    assert "PracticeDetail" in document["components"]["schemas"]


def test_a_sheet_published_after_a_read_is_in_the_next_answer(client, sheets):
    # API answers are kept until the data version changes: publishing a sheet changes it.
    assert client.get("/api/v1/practices").json()["count"] == 2
    PracticeSheet.objects.filter(pk=sheets["draft"].pk).update(
        status=PracticeSheet.Status.PUBLISHED, published_at=sheets["appel"].published_at
    )
    assert client.get("/api/v1/practices").json()["count"] == 3
    assert client.get("/api/v1/practices/brouillon-dapi").status_code == 200
