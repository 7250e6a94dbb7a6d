"""The map's data endpoints: payload (versioned, ETag, gzip), selection, suggestions, export."""

import base64
import csv
import gzip
import io
import json
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from maillage.structures.filters import StructureFilters
from maillage.structures.map_data import SCALE, map_data_version, map_selection
from maillage.structures.map_kept import map_order
from maillage.structures.models import Structure
from tests.web.builders import build_atlas

pytestmark = pytest.mark.django_db

PUBLISHED_NAMES = {
    "Énergies Ouest Accélérateur",
    "Hub des territoires",
    "Incubateur du Trégor",
    "La Fabrique des communs",
    "Le Hangar, tiers-lieu rural",
    "Living lab Bien vieillir",
    "Pôle Mer et mobilités",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def atlas(vocabularies):
    return build_atlas(vocabularies)


def uids(payload: dict) -> list[str]:
    """The uids: one comma-separated string without their common prefix."""
    rest = payload["uid"].split(",") if payload["count"] else []
    return [payload["uid_prefix"] + part for part in rest]


def decode(payload: dict) -> list[dict]:
    """The payload's points as plain records."""
    points, lon, lat, commune = [], 0, 0, 0
    for i in range(payload["count"]):
        lon += payload["lon"][i]
        lat += payload["lat"][i]
        commune += payload["commune"][i]
        points.append(
            {
                "uid": uids(payload)[i],
                "name": payload["name"][i],
                "type": payload["types"][payload["type"][i]],
                "commune": payload["communes"][commune],
                "lon": lon / payload["scale"],
                "lat": lat / payload["scale"],
            }
        )
    return points


def get_payload(client):
    version = map_data_version()
    response = client.get(f"/carte/donnees/{version}.json", HTTP_ACCEPT_ENCODING="gzip")
    return version, response


def test_payload_holds_every_placed_published_structure(client, atlas):
    Structure.objects.filter(uid="mlg-0007").update(latitude=None, longitude=None)
    version, response = get_payload(client)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"] == "application/json"
    payload = json.loads(gzip.decompress(response.getvalue()))
    assert payload["version"] == version
    assert payload["scale"] == SCALE
    points = {point["uid"]: point for point in decode(payload)}
    assert {point["name"] for point in points.values()} == PUBLISHED_NAMES
    fabrique = points["mlg-0001"]
    assert fabrique["type"] == "fablab"
    assert fabrique["commune"] == "Nantes"
    # To the payload precision: half a unit of 1 / SCALE degree (2e-5°, about two metres).
    precision = 0.5 / SCALE + 1e-12
    assert fabrique["lon"] == pytest.approx(-1.56342, abs=precision)
    assert fabrique["lat"] == pytest.approx(47.20631, abs=precision)
    # Without coordinates of its own, a structure stands at its commune's centre.
    lyon = atlas["hub"].commune
    hub = points["mlg-0007"]
    assert hub["lon"] == pytest.approx(lyon.longitude, abs=precision)
    assert hub["lat"] == pytest.approx(lyon.latitude, abs=precision)


def test_payload_is_cached_for_a_year_and_revalidates_with_its_etag(client, atlas):
    version, response = get_payload(client)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{version}"'
    assert "Accept-Encoding" in response["Vary"]
    again = client.get(f"/carte/donnees/{version}.json", HTTP_IF_NONE_MATCH=f'"{version}"')
    assert again.status_code == 304
    plain = client.get(f"/carte/donnees/{version}.json")
    assert json.loads(plain.getvalue())["version"] == version


def test_payload_version_changes_with_the_data(client, atlas):
    before = map_data_version()
    atlas["pole"].name = "Pôle Mer"
    atlas["pole"].save()
    after = map_data_version()
    assert after != before
    # An old URL leads to the current data.
    response = client.get(f"/carte/donnees/{before}.json")
    assert response.status_code == 302
    assert response["Location"] == f"/carte/donnees/{after}.json"


def test_during_a_deployment_the_other_release_s_url_is_served_not_redirected(
    client, atlas, settings
):
    """Processes of two releases name the same data differently: each serves the other's
    URL (not kept), instead of sending the browser back and forth."""
    from maillage.release import release

    ours, own = map_data_version(), settings.RELEASE
    settings.RELEASE = "the-other-release"
    release.cache_clear()
    try:
        theirs = map_data_version()
        response = client.get(f"/carte/donnees/{ours}.json")
    finally:
        settings.RELEASE = own
        release.cache_clear()
    assert theirs != ours
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert client.get(f"/carte/donnees/{ours}.json")["Cache-Control"].endswith("immutable")


def matched_uids(client, query: str) -> tuple[dict, set[str]]:
    payload = json.loads(gzip.decompress(get_payload(client)[1].getvalue()))
    body = client.get(f"/carte/selection/?{query}").json()
    if body["matches"] is None:
        return body, set(uids(payload))
    bits = base64.b64decode(body["matches"])
    matched = {uid for i, uid in enumerate(uids(payload)) if bits[i >> 3] >> (i & 7) & 1}
    return body, matched


def test_selection_names_the_matching_points_with_facet_counts(client, atlas):
    body, uids = matched_uids(client, "type=living-lab")
    assert uids == {"mlg-0001", "mlg-0004"}
    assert body["count"] == body["placed"] == 2
    assert body["facets"]["type"]["tiers-lieu"] == 2  # OR: counted without its own filter
    assert body["facets"]["region"] == {"52": 1, "84": 1}
    body, uids = matched_uids(client, "type=living-lab&type=tiers-lieu&type_mode=and")
    assert uids == {"mlg-0001"}
    body, uids = matched_uids(client, "")
    assert body["matches"] is None and len(uids) == 7


def test_selection_reports_bad_parameters_and_ignores_them(client, atlas):
    body = client.get("/carte/selection/?type=licorne&verified=peut-etre").json()
    assert body["count"] == 7
    assert [p["parameter"] for p in body["problems"]] == ["type", "verified"]


def test_selection_of_nothing(client, atlas):
    version = map_data_version()
    selection = map_selection(
        filters=StructureFilters.parse({"q": ["zzzzzz"]}),
        version=version,
        order=map_order(version),
    )
    assert selection.count == selection.placed == 0
    assert base64.b64decode(selection.matches) == b"\x00"


@pytest.mark.parametrize("words", ["le", "les de la", "!!", "« — »"])
def test_a_search_with_nothing_searchable_selects_nothing(client, atlas, words):
    """Stop words or symbols only: no point, every facet at zero, not an error."""
    body, uids = matched_uids(client, urlencode({"q": words}))
    assert body["count"] == body["placed"] == 0 and uids == set()
    assert all(
        n == 0
        for counts in body["facets"].values()
        if isinstance(counts, dict)
        for n in counts.values()
    )
    facets = client.get("/api/v1/facets", {"q": words})
    assert facets.status_code == 200
    assert facets.json()["count"] == 0
    assert all(
        value["count"] == 0 for values in facets.json()["facets"].values() for value in values
    )


def test_suggestions(client, atlas):
    body = client.get("/carte/suggestions/?q=mob").json()
    # The name first, then the description ("mobilité douce").
    assert [s["name"] for s in body["structures"]] == [
        "Pôle Mer et mobilités",
        "La Fabrique des communs",
    ]
    assert [t["slug"] for t in body["themes"]] == ["mobilite"]
    body = client.get("/carte/suggestions/?q=nant").json()
    assert body["communes"][0]["name"] == "Nantes"
    assert body["communes"][0]["structures"] == 2
    assert client.get("/carte/suggestions/?q=").json() == {
        "structures": [],
        "communes": [],
        "themes": [],
    }


def test_export_csv_of_the_selection(client, atlas):
    response = client.get("/carte/export.csv?type=living-lab")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="maillage-selection-')
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert sorted(row["name"] for row in rows) == [
        "La Fabrique des communs",
        "Living lab Bien vieillir",
    ]


def test_export_xlsx_and_geojson_of_the_selection(client, atlas):
    response = client.get("/carte/export.xlsx?region=53")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Incubateur du Trégor", "Énergies Ouest Accélérateur"]
    response = client.get("/carte/export.geojson?q=communs")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(b"".join(response.streaming_content))
    assert [f["properties"]["name"] for f in collection["features"]] == ["La Fabrique des communs"]


def test_export_of_an_unknown_format_is_not_found(client, atlas):
    assert client.get("/carte/export.pdf").status_code == 404


def test_selection_counts_a_structure_it_cannot_place(client, atlas):
    # Neither coordinates nor commune: counted among the matches, not drawn.
    unplaced = atlas["pole"]
    Structure.objects.filter(pk=unplaced.pk).update(latitude=None, longitude=None, commune=None)
    body, uids = matched_uids(client, f"type={unplaced.main_type.slug}")
    assert unplaced.uid not in uids
    assert body["count"] == body["placed"] + 1 == len(uids) + 1
