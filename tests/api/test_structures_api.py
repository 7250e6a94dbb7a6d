"""The public API over the `atlas` fixture (tests/conftest.py): filters, pages, errors."""

import pytest

from maillage.structures.models import Contact, Structure, Term
from tests.factories import TermFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["results"])


class TestList:
    def test_every_published_structure_with_its_count(self, client, atlas):
        response = client.get("/api/v1/structures")
        assert ids(response) == ["A", "B", "C", "D"]
        assert response.json()["count"] == 4

    def test_pending_structures_never_appear(self, client, atlas):
        atlas["a"].status = Structure.Status.PENDING
        atlas["a"].save()
        assert ids(client.get("/api/v1/structures")) == ["B", "C", "D"]
        assert client.get(f"/api/v1/structures/{atlas['a'].uid}").status_code == 404

    @pytest.mark.parametrize(
        "params, expected",
        [
            ("type=fablab", ["A", "B", "D"]),
            ("theme=mobilite&theme=sante", ["A", "B", "C"]),
            ("theme=mobilite,sante&theme_mode=and", ["B"]),
            ("region=99", ["C", "D"]),
            ("department=44", ["A", "B"]),
            ("epci=999999999", ["C", "D"]),
            ("territory=ME", ["A", "B"]),
            ("size=100k-plus", ["A", "B"]),
            ("resilience=yes", ["C"]),
            ("verified=yes", ["C"]),
            ("updated_since=2000-01-01", ["A", "B", "C", "D"]),
            ("bbox=-3,48,-2,49", ["C", "D"]),
            ("near=48.4,-2.8&radius=1", ["C"]),
            ("q=nantes", ["A", "B"]),
            # Nothing searchable (stop words, symbols): no match, not a server error.
            ("q=les", []),
            ("q=%3Ed%F0%BB%88%BB", []),
        ],
    )
    def test_each_filter(self, client, atlas, params, expected):
        response = client.get(f"/api/v1/structures?{params}")
        assert ids(response) == expected
        assert response.json()["count"] == len(expected)

    def test_distance_is_given_and_sorts_by_default_with_near(self, client, atlas):
        results = client.get("/api/v1/structures?near=48.4,-2.8&radius=5").json()["results"]
        assert [r["name"] for r in results] == ["C", "D"]
        assert results[0]["distance_km"] == 0
        assert 1.0 < results[1]["distance_km"] < 1.6

    @pytest.mark.parametrize("sort", ["name", "-name", "updated_at", "-updated_at"])
    def test_pagination_to_the_end_and_back(self, client, atlas, sort):
        url, forward = f"/api/v1/structures?limit=1&sort={sort}", []
        while url:
            body = client.get(url).json()
            assert body["count"] == 4
            forward += [r["name"] for r in body["results"]]
            last, url = body, body["next"]
        assert sorted(forward) == ["A", "B", "C", "D"] and len(forward) == 4
        backward, url = [], last["previous"]
        while url:
            body = client.get(url).json()
            backward = [r["name"] for r in body["results"]] + backward
            url = body["previous"]
        assert backward == forward[:-1]

    def test_a_page_of_two(self, client, atlas):
        first = client.get("/api/v1/structures?limit=2").json()
        second = client.get(first["next"]).json()
        assert [r["name"] for r in first["results"] + second["results"]] == ["A", "B", "C", "D"]
        assert second["next"] is None
        assert [r["name"] for r in client.get(second["previous"]).json()["results"]] == ["A", "B"]


class TestBadInput:
    @pytest.mark.parametrize(
        "params, parameter",
        [
            ("type=spaceport", "type"),
            ("bbox=1,2,3", "bbox"),
            ("bbox=0,50,10,40", "bbox"),
            ("near=48.4", "near"),
            ("near=48.4,-2.8&radius=5000", "radius"),
            ("radius=abc", "radius"),
            ("cursor=not-a-cursor", "cursor"),
            ("limit=0", "limit"),
            ("limit=100000", "limit"),
            ("sort=price", "sort"),
            ("sort=distance", "sort"),
            ("theme_mode=xor", "theme_mode"),
            ("updated_since=hier", "updated_since"),
        ],
    )
    def test_422_names_the_parameter(self, client, atlas, params, parameter):
        response = client.get(f"/api/v1/structures?{params}")
        assert response.status_code == 422
        assert parameter in [error["loc"][-1] for error in response.json()["detail"]]

    def test_a_term_written_between_two_requests_is_seen_by_the_second(self, client, atlas):
        # The vocabularies' keys are kept for the process under the data version.
        assert ids(client.get("/api/v1/structures?theme=sante")) == ["B", "C"]
        assert client.get("/api/v1/structures?theme=health").status_code == 422
        health = Term.objects.get(kind=Term.Kind.THEME, slug="sante")
        health.slug = "health"
        health.save()
        assert client.get("/api/v1/structures?theme=sante").status_code == 422
        assert ids(client.get("/api/v1/structures?theme=health")) == ["B", "C"]
        TermFactory(kind=Term.Kind.THEME, slug="sante", label_fr="Santé")
        assert ids(client.get("/api/v1/structures?theme=sante")) == []

    def test_a_cursor_for_another_sort_is_refused(self, client, atlas):
        cursor_url = client.get("/api/v1/structures?limit=1&sort=name").json()["next"]
        response = client.get(cursor_url.replace("sort=name", "sort=-updated_at"))
        assert response.status_code == 422

    def test_unknown_structure_is_404(self, client, atlas):
        assert client.get("/api/v1/structures/mlg-nope").status_code == 404


class TestDetail:
    def test_everything_about_a_structure(self, client, atlas):
        body = client.get(f"/api/v1/structures/{atlas['c'].uid}").json()
        assert body["name"] == "C"
        assert body["commune_code"] == "99001"
        assert body["epci_kind"] == "CC"
        assert body["region_code"] == "99"
        assert body["last_verified_at"]
        assert body["resilience_initiatives"][0]["title"] == "Visières imprimées en 3D"
        assert body["source"] == "tests"
        assert body["url"] == f"/structures/{atlas['c'].slug}/"

    def test_the_api_serves_the_json_export_records(self, client, atlas):
        import io
        import json

        from maillage.exports.writers import export_structures

        stream = io.BytesIO()
        export_structures(queryset=Structure.objects.published(), format="json", stream=stream)
        exported = {item["id"]: item for item in json.loads(stream.getvalue())["structures"]}
        detail = client.get(f"/api/v1/structures/{atlas['a'].uid}").json()
        assert {k: v for k, v in detail.items() if k != "url"} == exported[atlas["a"].uid]

    def test_only_consenting_contacts_leave(self, client, atlas):
        structure = atlas["a"]
        Contact.objects.create(
            structure=structure,
            name="Alice Publique",
            email="alice@example.org",
            publication_consent=True,
        )
        Contact.objects.create(
            structure=structure, name="Bob Privé", email="bob@example.org", phone="0102030405"
        )
        response = client.get(f"/api/v1/structures/{structure.uid}")
        assert [c["name"] for c in response.json()["contacts"]] == ["Alice Publique"]
        for url in ("/api/v1/structures", f"/api/v1/structures/{structure.uid}"):
            content = client.get(url).content.decode()
            assert "Bob" not in content and "bob@example.org" not in content


class TestFacetsAndVocabularies:
    def test_facet_counts_follow_the_filters(self, client, atlas):
        body = client.get("/api/v1/facets?theme=sante").json()
        assert body["count"] == 2
        types = {f["value"]: f["count"] for f in body["facets"]["type"]}
        assert types == {"fablab": 1, "living-lab": 1}
        regions = {f["value"]: (f["label_fr"], f["count"]) for f in body["facets"]["region"]}
        assert regions == {"52": ("Pays de la Loire", 1), "99": ("Région d'essai", 1)}

    def test_facet_parameter_counts_only_the_facets_asked_for(self, client, atlas):
        body = client.get("/api/v1/facets?theme=sante&facet=type&facet=region").json()
        assert set(body["facets"]) == {"type", "region"}
        assert {f["value"]: f["count"] for f in body["facets"]["type"]} == {
            "fablab": 1,
            "living-lab": 1,
        }
        assert body["facets"]["region"][0]["label_fr"] in {"Pays de la Loire", "Région d'essai"}
        assert body["count"] == 2

    # A value the schema does not expect would be written with a warning: none is.
    @pytest.mark.filterwarnings("error::UserWarning")
    @pytest.mark.parametrize(
        "query", ["", "?theme=sante", "?theme=sante&facet=type&facet=region", "?region=52"]
    )
    def test_facets_json_is_the_schemas(self, client, atlas, query):
        """Built without validation, the answer is what the schema's validation wrote."""
        from django.test import RequestFactory

        from maillage.api import schemas
        from maillage.api.api import api

        response = client.get(f"/api/v1/facets{query}")
        assert response.status_code == 200
        body = response.json()
        assert set(body["facets"]) >= {"type", "region"}
        validated = schemas.FacetsOut.model_validate(body).model_dump()
        rendered = api.renderer.render(RequestFactory().get("/"), validated, response_status=200)
        assert response.content == rendered.encode()

    def test_an_unknown_facet_is_refused(self, client, atlas):
        response = client.get("/api/v1/facets?facet=colour")
        assert response.status_code == 422
        assert "facet" in response.json()["detail"][0]["loc"]

    def test_vocabularies_have_both_languages(self, client, atlas):
        themes = client.get("/api/v1/vocabularies").json()["vocabularies"]["theme"]
        health = next(t for t in themes if t["slug"] == "sante")
        assert health["label_fr"] == "Santé" and health["label_en"]

    def test_territories_count_structures_and_population(self, client, atlas):
        regions = {
            r["code"]: r for r in client.get("/api/v1/territories/regions").json()["results"]
        }
        assert regions["99"]["structures"] == 2
        assert regions["99"]["population"] == 900
        epcis = {e["code"]: e for e in client.get("/api/v1/territories/epci").json()["results"]}
        assert epcis["999999999"]["kind"] == "CC"
        communes = client.get("/api/v1/territories/communes?department=99").json()["results"]
        assert [(c["code"], c["structures"]) for c in communes] == [("99001", 2)]

    def test_resilience_initiatives(self, client, atlas):
        body = client.get("/api/v1/resilience-initiatives?region=99").json()
        assert [(i["structure_name"], i["title"]) for i in body["results"]] == [
            ("C", "Visières imprimées en 3D")
        ]
        assert client.get("/api/v1/resilience-initiatives?region=52").json()["count"] == 0


class TestExports:
    @pytest.mark.parametrize("format", ["csv", "xlsx", "geojson", "json"])
    def test_exactly_the_filtered_selection(self, client, atlas, format):
        response = client.get(f"/api/v1/exports/{format}?region=99")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        content = response.content
        if format == "xlsx":
            import io

            import openpyxl

            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            names = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
        elif format == "csv":
            import csv
            import io

            rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
            names = sorted(row["name"] for row in rows)
        else:
            import json

            body = json.loads(content)
            items = (
                [f["properties"] for f in body["features"]]
                if format == "geojson"
                else body["structures"]
            )
            names = sorted(item["name"] for item in items)
        assert names == ["C", "D"]

    def test_unknown_format_or_filter_is_422(self, client, atlas):
        assert client.get("/api/v1/exports/pdf").status_code == 422
        assert client.get("/api/v1/exports/csv?type=nope").status_code == 422
